//! The alert record and its vocabulary. Field names serialise in snake_case; the JSON
//! Lines output of `rampart detect` is this struct, one alert per line.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Defender's alert severities. Sigma's `critical` maps to `High` (Defender has no
/// Critical), `informational` to `Informational`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AlertSeverity {
    Informational,
    Low,
    Medium,
    High,
}

impl AlertSeverity {
    /// From a Sigma `level`; an absent or unknown level is `Medium` (Sigma's default
    /// reading of an unlevelled rule is "worth a look", not noise).
    pub fn from_sigma_level(level: Option<&str>) -> Self {
        match level.map(str::to_ascii_lowercase).as_deref() {
            Some("informational") => Self::Informational,
            Some("low") => Self::Low,
            Some("high") | Some("critical") => Self::High,
            _ => Self::Medium,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Informational => "Informational",
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
        }
    }
}

/// Alert status as Defender has it. `Dismissed` = false positive or suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AlertStatus {
    Active,
    InProgress,
    Resolved,
    Dismissed,
}

/// Defender's `intent` values: MITRE ATT&CK tactics plus Defender's own extras.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Intent {
    Unknown,
    PreAttack,
    Reconnaissance,
    ResourceDevelopment,
    InitialAccess,
    Execution,
    Persistence,
    PrivilegeEscalation,
    DefenseEvasion,
    CredentialAccess,
    Discovery,
    LateralMovement,
    Collection,
    CommandAndControl,
    Exfiltration,
    Impact,
    Probing,
    Exploitation,
}

impl Intent {
    /// From a Sigma tag such as `attack.privilege-escalation` or `attack.privilege_escalation`
    /// (both spellings occur in SigmaHQ). Technique tags (`attack.t1078`) give `None`.
    /// ATT&CK v18 split Defense Evasion into Stealth and Defense Impairment (SigmaHQ tags
    /// use both); Defender's `intent` has only `DefenseEvasion`, which both map to.
    pub fn from_sigma_tag(tag: &str) -> Option<Self> {
        let t = tag
            .strip_prefix("attack.")?
            .replace('_', "-")
            .to_ascii_lowercase();
        Some(match t.as_str() {
            "reconnaissance" => Self::Reconnaissance,
            "resource-development" => Self::ResourceDevelopment,
            "initial-access" => Self::InitialAccess,
            "execution" => Self::Execution,
            "persistence" => Self::Persistence,
            "privilege-escalation" => Self::PrivilegeEscalation,
            "defense-evasion" | "stealth" | "defense-impairment" => Self::DefenseEvasion,
            "credential-access" => Self::CredentialAccess,
            "discovery" => Self::Discovery,
            "lateral-movement" => Self::LateralMovement,
            "collection" => Self::Collection,
            "command-and-control" => Self::CommandAndControl,
            "exfiltration" => Self::Exfiltration,
            "impact" => Self::Impact,
            _ => return None,
        })
    }

    /// From a Sigma tag such as `attack.t1078.004`: the technique id upper-cased
    /// (`T1078.004`). Tactic and other tags give `None`.
    pub fn technique_from_sigma_tag(tag: &str) -> Option<String> {
        let t = tag.strip_prefix("attack.")?;
        let mut chars = t.chars();
        let first = chars.next()?;
        if !first.eq_ignore_ascii_case(&'t') || !t[1..].starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        Some(t.to_ascii_uppercase())
    }
}

/// A typed entity, as in Defender's entity bag. `kind` names it in JSON.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entity {
    /// A user or principal: name as the log gives it (user name, UPN, ARN, service account email).
    Account {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        domain: Option<String>,
    },
    Ip {
        address: String,
    },
    Host {
        hostname: String,
    },
    /// A cloud resource: ARN / ARM id / full resource name, or the account / subscription / project.
    Resource {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provider: Option<String>,
    },
}

/// One matching event kept as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// `file:line` (or `file#index` for records inside one JSON document).
    pub source: String,
    pub time: Option<DateTime<Utc>>,
    /// The event as read, verbatim JSON or log line.
    pub event: String,
}

/// A security alert. Repeated matches of one rule on one entity within the grouping
/// window are one alert with `count` > 1 (`start_time` the first, `end_time` the last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Defender's `alertType`: `Rampart_Sigma_<rule id>` for Sigma rules.
    pub alert_type: String,
    /// Stable id of this alert (Defender's `systemAlertId`): a hash of alert type,
    /// correlation key and start time, so a rerun over the same logs gives the same id.
    pub system_alert_id: String,
    /// The Sigma rule's `id` (or the correlation rule's).
    pub rule_id: String,
    pub display_name: String,
    pub description: String,
    pub severity: AlertSeverity,
    /// MITRE ATT&CK tactics (Defender's `intent`, one or more).
    pub tactics: Vec<Intent>,
    /// MITRE technique ids, e.g. `T1078`.
    pub techniques: Vec<String>,
    /// MITRE sub-technique ids, e.g. `T1078.004`.
    pub sub_techniques: Vec<String>,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    /// When Rampart raised the alert.
    pub time_generated: DateTime<Utc>,
    /// Matching events grouped into this alert.
    pub count: u64,
    pub entities: Vec<Entity>,
    /// The entity most at risk (Defender's `compromisedEntity`), as text.
    pub compromised_entity: Option<String>,
    pub remediation_steps: Vec<String>,
    pub status: AlertStatus,
    /// Why the status is what it is (e.g. the suppression rule that dismissed it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// Up to a few matching events, first ones first.
    pub evidence: Vec<Evidence>,
    /// What groups matches into one alert: rule id plus the entity key.
    pub correlation_key: String,
    /// The account / subscription / project the alert is about, when the log says.
    pub scope: Option<String>,
    /// Log source the alert came from (catalog source name, e.g. `aws_cloudtrail`).
    pub log_source: String,
    pub product_name: String,
    pub vendor_name: String,
    /// Free-form string map (Defender's `extendedProperties`): rule file, Sigma status, references, ...
    pub extended_properties: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tactics_and_techniques_from_sigma_tags() {
        assert_eq!(
            Intent::from_sigma_tag("attack.privilege_escalation"),
            Some(Intent::PrivilegeEscalation)
        );
        assert_eq!(
            Intent::from_sigma_tag("attack.defense-evasion"),
            Some(Intent::DefenseEvasion)
        );
        assert_eq!(Intent::from_sigma_tag("attack.t1078"), None);
        assert_eq!(
            Intent::from_sigma_tag("attack.stealth"),
            Some(Intent::DefenseEvasion)
        );
        assert_eq!(
            Intent::from_sigma_tag("attack.defense-impairment"),
            Some(Intent::DefenseEvasion)
        );
        assert_eq!(
            Intent::technique_from_sigma_tag("attack.t1078.004").as_deref(),
            Some("T1078.004")
        );
        assert_eq!(Intent::technique_from_sigma_tag("attack.persistence"), None);
        assert_eq!(Intent::technique_from_sigma_tag("cve.2021-1234"), None);
    }

    #[test]
    fn severity_from_level() {
        assert_eq!(
            AlertSeverity::from_sigma_level(Some("critical")),
            AlertSeverity::High
        );
        assert_eq!(
            AlertSeverity::from_sigma_level(Some("informational")),
            AlertSeverity::Informational
        );
        assert_eq!(AlertSeverity::from_sigma_level(None), AlertSeverity::Medium);
        assert!(AlertSeverity::High > AlertSeverity::Low);
    }
}
