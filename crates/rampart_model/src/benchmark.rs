//! The built-in benchmark's metadata: security controls with max points, and recommendations.

use serde::{Deserialize, Serialize};

/// Defender's severity of a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// Fix at convenience.
    Low,
    /// Fix in a timely manner.
    Medium,
    /// Fix immediately.
    High,
}

impl Severity {
    /// The name as Defender spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
        }
    }

    /// Parses `low|medium|high`, case-insensitively.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            _ => None,
        }
    }
}

/// Defender's `userImpact` / `implementationEffort` scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserImpact {
    /// Low.
    Low,
    /// Moderate.
    Moderate,
    /// High.
    High,
}

/// Implementation effort, on the same scale as [`UserImpact`].
pub type Effort = UserImpact;

/// Defender's threat categories (`assessmentMetadata.threats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Threat {
    /// Account breach.
    AccountBreach,
    /// Data exfiltration.
    DataExfiltration,
    /// Data spillage.
    DataSpillage,
    /// Malicious insider.
    MaliciousInsider,
    /// Elevation of privilege.
    ElevationOfPrivilege,
    /// Threat resistance.
    ThreatResistance,
    /// Missing coverage.
    MissingCoverage,
    /// Denial of service.
    DenialOfService,
}

/// A control id: Defender's control definition name (a GUID) where it is known, else a stable slug.
pub type ControlId = &'static str;

/// A security control: a group of recommendations worth `max_points` of the secure score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Control {
    /// Stable id.
    pub id: ControlId,
    /// Display name, as Defender shows it.
    pub name: &'static str,
    /// Max score, 0..=10. A 0-point control never affects the score.
    pub max_points: u32,
    /// One-paragraph description.
    pub description: &'static str,
}

/// Where a recommendation's logic comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecommendationSource {
    /// A built-in Azure Policy definition of the MCSB initiative, evaluated by `rampart_policy`.
    AzurePolicy {
        /// `/providers/Microsoft.Authorization/policyDefinitions/<guid>`.
        policy_definition_id: String,
        /// The initiative's `policyDefinitionReferenceId`.
        reference_id: String,
    },
    /// A native Rust rule.
    Native,
    /// A user's own policy definition (`--policy`); never counted in the score.
    Custom {
        /// The file it came from.
        file: String,
    },
}

/// A recommendation's metadata (Defender's `assessmentMetadata`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Stable id; never reused. For Azure Policy recommendations the policy definition GUID.
    pub id: String,
    /// Display name (Defender's exact name where Defender has the same recommendation).
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// What the recommendation checks and why.
    pub description: String,
    /// How to fix an unhealthy resource.
    pub remediation: String,
    /// Control ids this recommendation belongs to (usually one).
    pub controls: Vec<String>,
    /// Native resource types it applies to (lower case for Azure).
    pub resource_types: Vec<String>,
    /// Preview recommendations never count in the score.
    pub preview: bool,
    /// MCSB control ids, e.g. `NS-1`, `DP-3`.
    pub mcsb: Vec<String>,
    /// Threats it mitigates.
    pub threats: Vec<Threat>,
    /// Impact on users of fixing it.
    pub user_impact: UserImpact,
    /// Effort to fix it.
    pub implementation_effort: Effort,
    /// Where its logic comes from.
    pub source: RecommendationSource,
}

impl Recommendation {
    /// Custom recommendations are shown and gated on, never scored.
    #[must_use]
    pub fn is_custom(&self) -> bool {
        matches!(self.source, RecommendationSource::Custom { .. })
    }
}
