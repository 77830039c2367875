//! Defender for Cloud's security controls: the groups of recommendations that carry the secure score,
//! with their maximum points. Ids are Defender's control definition names (GUIDs) where the REST API
//! examples publish them (`defender.md` §2), else stable slugs.
//!
//! Invariant: the scored maxima sum to 58 (Defender's current total); the two 0-point controls never
//! affect the score.

use rampart_model::Control;

/// Id of "Enable MFA".
pub const ENABLE_MFA: &str = "34a42fb3-e6db-409c-b56b-7b1db6b8aee0";
/// Id of "Secure management ports" (no published GUID: slug).
pub const SECURE_MANAGEMENT_PORTS: &str = "secure-management-ports";
/// Id of "Apply system updates".
pub const APPLY_SYSTEM_UPDATES: &str = "61702b76-1fab-41f2-bcbc-50b7870dcf38";
/// Id of "Remediate vulnerabilities" (no published GUID: slug).
pub const REMEDIATE_VULNERABILITIES: &str = "remediate-vulnerabilities";
/// Id of "Remediate security configurations".
pub const REMEDIATE_SECURITY_CONFIGURATIONS: &str = "99fc8df2-e0f5-40f8-9415-a7f7ca948b5a";
/// Id of "Manage access and permissions".
pub const MANAGE_ACCESS: &str = "2d85f639-0bea-4a4a-b6c6-608952a1414a";
/// Id of "Enable encryption at rest".
pub const ENCRYPTION_AT_REST: &str = "8fd574ec-43cf-426e-a439-a67cbaf2d564";
/// Id of "Encrypt data in transit".
pub const ENCRYPT_IN_TRANSIT: &str = "0e55495e-034f-4abc-8293-767229250176";
/// Id of "Restrict unauthorized network access".
pub const RESTRICT_NETWORK_ACCESS: &str = "f9d5432b-8f7b-45e9-b90c-e214a30f6a02";
/// Id of "Apply adaptive application control".
pub const ADAPTIVE_APPLICATION_CONTROL: &str = "a000c66f-6da2-4f9d-826d-2364347d2588";
/// Id of "Protect applications against DDoS attacks".
pub const DDOS: &str = "a9909064-42b4-4d34-8143-275477afe18b";
/// Id of "Enable endpoint protection".
pub const ENDPOINT_PROTECTION: &str = "12136bd9-dc24-44f2-9587-7be3af6aac14";
/// Id of "Enable auditing and logging".
pub const AUDITING_AND_LOGGING: &str = "27b24961-75ba-4fe4-8909-97286d5dd5ee";
/// Id of "Enable enhanced security features" (0 points).
pub const ENHANCED_SECURITY: &str = "4db8d6cf-075b-4149-a813-da09ca2ae120";
/// Id of "Implement security best practices" (0 points): every recommendation Defender places in no
/// scored control, and every custom recommendation.
pub const BEST_PRACTICES: &str = "76763537-9feb-42d3-b4f4-78c01117be80";

/// Every control, scored ones first in Defender's order (by max points), then the two 0-point ones.
pub static CONTROLS: &[Control] = &[
    Control {
        id: ENABLE_MFA,
        name: "Enable MFA",
        max_points: 10,
        description: "Require multi-factor authentication for accounts with permissions on your subscriptions.",
    },
    Control {
        id: SECURE_MANAGEMENT_PORTS,
        name: "Secure management ports",
        max_points: 8,
        description: "Close or protect (just-in-time access, NSGs) the remote management ports of your machines, the most common target of brute-force attacks.",
    },
    Control {
        id: APPLY_SYSTEM_UPDATES,
        name: "Apply system updates",
        max_points: 6,
        description: "Install missing security and critical updates on machines, scale sets and Kubernetes services.",
    },
    Control {
        id: REMEDIATE_VULNERABILITIES,
        name: "Remediate vulnerabilities",
        max_points: 6,
        description: "Deploy vulnerability assessment and resolve the findings on machines, databases and container images.",
    },
    Control {
        id: REMEDIATE_SECURITY_CONFIGURATIONS,
        name: "Remediate security configurations",
        max_points: 4,
        description: "Fix misconfigured operating systems, containers and workloads against the security baselines.",
    },
    Control {
        id: MANAGE_ACCESS,
        name: "Manage access and permissions",
        max_points: 4,
        description: "Apply least privilege: remove deprecated, external and guest accounts with permissions, use managed identities and RBAC.",
    },
    Control {
        id: ENCRYPTION_AT_REST,
        name: "Enable encryption at rest",
        max_points: 4,
        description: "Encrypt disks, databases and other stored data, with customer-managed keys where required.",
    },
    Control {
        id: ENCRYPT_IN_TRANSIT,
        name: "Encrypt data in transit",
        max_points: 4,
        description: "Require HTTPS, TLS 1.2 or newer and secure protocols for every connection to your services.",
    },
    Control {
        id: RESTRICT_NETWORK_ACCESS,
        name: "Restrict unauthorized network access",
        max_points: 4,
        description: "Limit network exposure with NSGs, firewalls, private links and disabled public network access.",
    },
    Control {
        id: ADAPTIVE_APPLICATION_CONTROL,
        name: "Apply adaptive application control",
        max_points: 3,
        description: "Allow only known-safe applications to run on your machines.",
    },
    Control {
        id: DDOS,
        name: "Protect applications against DDoS attacks",
        max_points: 2,
        description: "Protect public-facing applications with DDoS Protection and web application firewalls.",
    },
    Control {
        id: ENDPOINT_PROTECTION,
        name: "Enable endpoint protection",
        max_points: 2,
        description: "Install an endpoint protection (EDR / anti-malware) solution on machines and keep it healthy.",
    },
    Control {
        id: AUDITING_AND_LOGGING,
        name: "Enable auditing and logging",
        max_points: 1,
        description: "Enable diagnostic logs and auditing so incidents can be investigated.",
    },
    Control {
        id: ENHANCED_SECURITY,
        name: "Enable enhanced security features",
        max_points: 0,
        description: "Enable Defender plans for threat protection; does not affect the secure score.",
    },
    Control {
        id: BEST_PRACTICES,
        name: "Implement security best practices",
        max_points: 0,
        description: "Recommendations that improve security but are in no scored control; does not affect the secure score.",
    },
];

/// The control with this display name (case-insensitive) or id.
#[must_use]
pub fn control_by_name_or_id(key: &str) -> Option<&'static Control> {
    CONTROLS
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(key) || c.name.eq_ignore_ascii_case(key))
}
