//! Builders for the tests: the benchmark's controls (ids and max points from defender.md §2) and
//! recommendations with the few fields the score reads.

use rampart_model::{Control, Recommendation, RecommendationSource, Severity, UserImpact};

pub(crate) const MFA: &str = "34a42fb3-e6db-409c-b56b-7b1db6b8aee0";
pub(crate) const SYSTEM_UPDATES: &str = "61702b76-1fab-41f2-bcbc-50b7870dcf38";
pub(crate) const SECURITY_CONFIGS: &str = "99fc8df2-e0f5-40f8-9415-a7f7ca948b5a";
pub(crate) const ACCESS: &str = "2d85f639-0bea-4a4a-b6c6-608952a1414a";
pub(crate) const ENCRYPTION_AT_REST: &str = "8fd574ec-43cf-426e-a439-a67cbaf2d564";
pub(crate) const ENCRYPT_IN_TRANSIT: &str = "0e55495e-034f-4abc-8293-767229250176";
pub(crate) const NETWORK: &str = "f9d5432b-8f7b-45e9-b90c-e214a30f6a02";
pub(crate) const DDOS: &str = "a9909064-42b4-4d34-8143-275477afe18b";
pub(crate) const ENDPOINT: &str = "12136bd9-dc24-44f2-9587-7be3af6aac14";
pub(crate) const AUDITING: &str = "27b24961-75ba-4fe4-8909-97286d5dd5ee";
pub(crate) const ENHANCED_SECURITY: &str = "4db8d6cf-075b-4149-a813-da09ca2ae120";
pub(crate) const BEST_PRACTICES: &str = "76763537-9feb-42d3-b4f4-78c01117be80";

const fn control(id: &'static str, name: &'static str, max_points: u32) -> Control {
    Control {
        id,
        name,
        max_points,
        description: "",
    }
}

/// The controls of Defender's API example subscription, in the example's order.
pub(crate) fn api_example_controls() -> Vec<Control> {
    vec![
        control(DDOS, "Protect applications against DDoS attacks", 2),
        control(MFA, "Enable MFA", 10),
        control(BEST_PRACTICES, "Implement security best practices", 0),
        control(ENHANCED_SECURITY, "Enable Advanced Threat Protection", 0),
        control(AUDITING, "Enable auditing and logging", 1),
        control(ACCESS, "Manage access and permissions", 4),
        control(SECURITY_CONFIGS, "Remediate security configurations", 4),
        control(ENDPOINT, "Enable endpoint protection", 2),
        control(SYSTEM_UPDATES, "Apply system updates", 6),
        control(ENCRYPT_IN_TRANSIT, "Encrypt data in transit", 4),
        control(NETWORK, "Restrict unauthorized network access", 4),
        control(ENCRYPTION_AT_REST, "Enable encryption at rest", 4),
    ]
}

/// A built-in, non-preview recommendation in the given controls.
pub(crate) fn recommendation(id: &str, controls: &[&str]) -> Recommendation {
    Recommendation {
        id: id.to_owned(),
        title: format!("recommendation {id}"),
        severity: Severity::Medium,
        description: String::new(),
        remediation: String::new(),
        controls: controls.iter().map(|&c| c.to_owned()).collect(),
        resource_types: Vec::new(),
        preview: false,
        mcsb: Vec::new(),
        threats: Vec::new(),
        user_impact: UserImpact::Low,
        implementation_effort: UserImpact::Low,
        source: RecommendationSource::Native,
    }
}

/// A preview recommendation in the given controls.
pub(crate) fn preview(id: &str, controls: &[&str]) -> Recommendation {
    Recommendation {
        preview: true,
        ..recommendation(id, controls)
    }
}

/// A user's custom recommendation in the given controls.
pub(crate) fn custom(id: &str, controls: &[&str]) -> Recommendation {
    Recommendation {
        source: RecommendationSource::Custom {
            file: "custom.json".to_owned(),
        },
        ..recommendation(id, controls)
    }
}
