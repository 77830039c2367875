//! The [`Report`]: the JSON contract of `rampart scan --format json`, documented field by field in
//! `docs/report-schema.md` and as JSON Schema in `docs/schemas/report-v1.schema.json`.
//!
//! These are plain data structs owned by this crate; `rampart_scan` converts the score, compliance and
//! exemption results of the other crates into them. The per-resource part is compact (see
//! `results.rs`): a resource table plus 12-byte result entries whose strings are interned once in the
//! report's [`StringTable`]; `wire.rs` expands them back into the documented JSON. Every struct is provider-neutral: scopes and
//! resources carry their [`Provider`], so AWS accounts, GCP projects and Kubernetes clusters fit the
//! same shape as Azure subscriptions.
//!
//! Number conventions (the contract): points (`current`, `potential_increase`, `points_per_resource`)
//! are rounded to 2 decimals as Defender's API does; `percentage` is on a 0–100 scale with 2 decimals
//! (Defender's API uses 0–1 with 4 decimals: divide by 100); `max` is an integer number of points.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use rampart_model::{Cause, Provider, Severity, Status, SubAssessment};
use serde::{Deserialize, Serialize};

use crate::intern::StringTable;
use crate::results::{ResourceInfo, ResultEntry};

/// The version of this contract; bumped on any breaking change (a rename, a removal, a new meaning).
/// Adding an optional field is not breaking.
pub const REPORT_SCHEMA_VERSION: &str = "1";

/// The result of one scan: secure score, controls, recommendations, compliance and input summary.
///
/// Serialises to the documented JSON (each [`ResultEntry`] expanded into its contract object) and
/// deserialises from it; equality compares that expanded form, not the string-table numbering.
#[derive(Debug, Clone)]
pub struct Report {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema_version: String,
    /// The program that produced the report.
    pub tool: ToolInfo,
    /// When the report was produced (RFC 3339, UTC).
    pub generated_at: DateTime<Utc>,
    /// The overall secure score, aggregated over every scope (Defender's multi-subscription model).
    pub score: Score,
    /// One entry per subscription / account / project / cluster, each with its own score and controls.
    pub scopes: Vec<ScopeReport>,
    /// Scores per group when the scan was asked to group (`--group-by`); empty otherwise.
    pub groups: Vec<GroupReport>,
    /// The aggregate controls (over all scopes), in the order the benchmark defines them.
    pub controls: Vec<ControlReport>,
    /// Every evaluated recommendation with its per-resource results.
    pub recommendations: Vec<RecommendationReport>,
    /// One entry per compliance standard evaluated.
    pub compliance: Vec<StandardReport>,
    /// What was read.
    pub input: InputSummary,
    /// What exemptions did.
    pub exemptions: ExemptionSummary,
    /// Every resource read (the inventory), in input order; results refer to it by index. Serialised
    /// as the top-level `resources` array.
    pub resources: Vec<ResourceInfo>,
    /// The strings that [`ResourceInfo`] and [`ResultEntry`] refer to (not serialised as such).
    pub strings: StringTable,
}

/// The producing program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Always `rampart`.
    pub name: String,
    /// The program's version (semver).
    pub version: String,
}

impl ToolInfo {
    /// `rampart` at `version`.
    #[must_use]
    pub fn rampart(version: impl Into<String>) -> Self {
        Self {
            name: "rampart".to_owned(),
            version: version.into(),
        }
    }
}

/// A secure score: points achieved out of points available.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Points achieved, 2 decimals.
    pub current: f64,
    /// Points available: the sum of the max of every control that has at least one healthy or
    /// unhealthy resource in the scope (controls with only not-applicable resources are excluded).
    pub max: u32,
    /// `current / max × 100`, 2 decimals; 0 when `max` is 0.
    pub percentage: f64,
}

impl Score {
    /// A score from points, computing the percentage (0–100, 2 decimals) and rounding `current`.
    #[must_use]
    pub fn new(current: f64, max: u32) -> Self {
        let current = round2(current);
        let percentage = if max == 0 {
            0.0
        } else {
            round2(current / f64::from(max) * 100.0)
        };
        Self {
            current,
            max,
            percentage,
        }
    }
}

/// Rounds to 2 decimals, the precision of every point value in the report.
#[must_use]
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One scope: an Azure subscription, AWS account, GCP project, Kubernetes cluster or host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeReport {
    /// The scope id (subscription GUID, 12-digit account id, project id, cluster name, host name).
    pub id: String,
    /// Display name where known (subscription name, account alias).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The cloud or platform.
    pub provider: Provider,
    /// The scope's secure score.
    pub score: Score,
    /// Resources of this scope that were assessed.
    #[serde(default)]
    pub resources: u64,
    /// Σ (healthy + unhealthy) over the scope's controls: Defender's weight of this scope in the
    /// aggregate score.
    #[serde(default)]
    pub weight: u64,
    /// The scope's controls (same ids as the aggregate [`Report::controls`]).
    pub controls: Vec<ControlReport>,
}

/// One security control's score in one scope, a group value, or aggregated.
///
/// Invariant: `current + potential_increase == max` (up to rounding) when `healthy + unhealthy > 0`;
/// when `healthy + unhealthy == 0` every point field is 0 and the control is not counted in the max of
/// the score that contains it (`counted` is false).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlReport {
    /// Control id (Defender's control definition name where known, else a stable slug).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Max points of the control (0..=10).
    pub max: u32,
    /// Points achieved: `max × healthy / (healthy + unhealthy)`, 2 decimals.
    pub current: f64,
    /// Resources healthy for the control (healthy on every recommendation of the control).
    pub healthy: u64,
    /// Resources unhealthy on at least one recommendation of the control.
    pub unhealthy: u64,
    /// Resources whose assessments were all not applicable.
    pub not_applicable: u64,
    /// Points gained by fixing every unhealthy resource: `max × unhealthy / (healthy + unhealthy)`.
    pub potential_increase: f64,
    /// `current / max × 100`, 2 decimals; 0 when the control is not counted.
    pub percentage: f64,
    /// `max / (healthy + unhealthy)`, 2 decimals for display (the score uses the exact value).
    pub points_per_resource: f64,
    /// Whether the control counts in the score's max (`healthy + unhealthy > 0`).
    #[serde(default = "default_true")]
    pub counted: bool,
    /// Ids of the recommendations of this control that were evaluated.
    #[serde(default)]
    pub recommendations: Vec<String>,
}

impl ControlReport {
    /// A control computed from its counts with Defender's formula (exact values, then rounded to
    /// 2 decimals), so every producer rounds the same way. `counted` is `healthy + unhealthy > 0`.
    #[must_use]
    pub fn from_counts(
        id: impl Into<String>,
        name: impl Into<String>,
        max: u32,
        healthy: u64,
        unhealthy: u64,
        not_applicable: u64,
    ) -> Self {
        let assessed = healthy + unhealthy;
        let counted = assessed > 0;
        let (current, potential, per_resource) = if counted {
            // Counts are far below 2^53, so the f64 conversion is exact.
            #[allow(clippy::cast_precision_loss)]
            let (h, n) = (healthy as f64, assessed as f64);
            let max = f64::from(max);
            (max * h / n, max * (n - h) / n, max / n)
        } else {
            (0.0, 0.0, 0.0)
        };
        let current = round2(current);
        let percentage = if counted && max > 0 {
            round2(current / f64::from(max) * 100.0)
        } else {
            0.0
        };
        Self {
            id: id.into(),
            name: name.into(),
            max,
            current,
            healthy,
            unhealthy,
            not_applicable,
            potential_increase: round2(potential),
            percentage,
            points_per_resource: round2(per_resource),
            counted,
            recommendations: Vec::new(),
        }
    }
}

impl RecommendationReport {
    /// Recomputes `healthy`, `unhealthy` and `not_applicable` from `resources`.
    pub fn recount(&mut self) {
        (self.healthy, self.unhealthy, self.not_applicable) = self.counts();
    }

    /// `(healthy, unhealthy, not_applicable)` counted from `resources`.
    #[must_use]
    pub fn counts(&self) -> (u64, u64, u64) {
        let mut c = (0, 0, 0);
        for r in &self.resources {
            match r.status {
                Status::Healthy => c.0 += 1,
                Status::Unhealthy => c.1 += 1,
                Status::NotApplicable => c.2 += 1,
            }
        }
        c
    }
}

impl Report {
    /// Checks the contract's invariants and returns one message per violation (empty when sound):
    /// `cause` present exactly for NotApplicable; recommendation counts match their resources;
    /// control points consistent with the formula; score max equals the sum of counted controls.
    /// For producers' tests; renderers do not require it.
    #[must_use]
    pub fn invariant_violations(&self) -> Vec<String> {
        let mut v = Vec::new();
        for rec in &self.recommendations {
            if rec.counts() != (rec.healthy, rec.unhealthy, rec.not_applicable) {
                v.push(format!(
                    "recommendation {}: counts do not match its resources",
                    rec.id
                ));
            }
            for entry in &rec.resources {
                let Some(resource) = self.resource(entry.resource) else {
                    v.push(format!(
                        "recommendation {}: result points at resource #{} outside the table",
                        rec.id, entry.resource
                    ));
                    continue;
                };
                if (entry.status == Status::NotApplicable) != entry.cause.is_some() {
                    v.push(format!(
                        "recommendation {} resource {}: cause must be present exactly when NotApplicable",
                        rec.id, resource.id
                    ));
                }
                if !entry.reason.is_none() && self.strings.get(entry.reason).is_none() {
                    v.push(format!(
                        "recommendation {} resource {}: reason outside the string table",
                        rec.id, resource.id
                    ));
                }
            }
        }
        let mut check_controls = |what: &str, score: &Score, controls: &[ControlReport]| {
            for c in controls {
                let expected = ControlReport::from_counts(
                    c.id.clone(),
                    c.name.clone(),
                    c.max,
                    c.healthy,
                    c.unhealthy,
                    c.not_applicable,
                );
                if (expected.current - c.current).abs() > 0.011
                    || (expected.potential_increase - c.potential_increase).abs() > 0.011
                    || expected.counted != c.counted
                {
                    v.push(format!(
                        "{what}: control {} points disagree with its counts",
                        c.id
                    ));
                }
            }
            if !controls.is_empty() {
                let max: u32 = controls.iter().filter(|c| c.counted).map(|c| c.max).sum();
                if max != score.max {
                    v.push(format!(
                        "{what}: score max {} != sum of counted controls {max}",
                        score.max
                    ));
                }
            }
        };
        check_controls("overall", &self.score, &self.controls);
        for s in &self.scopes {
            check_controls(&format!("scope {}", s.id), &s.score, &s.controls);
        }
        for g in &self.groups {
            for val in &g.values {
                check_controls(
                    &format!("group {}={}", g.by, val.value),
                    &val.score,
                    &val.controls,
                );
            }
        }
        v
    }
}

fn default_true() -> bool {
    true
}

/// Scores grouped by one key (`--group-by tag:KEY|resource-group|region`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupReport {
    /// The grouping, as given: `tag:env`, `resource-group`, `region`.
    pub by: String,
    /// One entry per distinct value (resources without the key are under the value `(none)`).
    pub values: Vec<GroupValue>,
}

/// One value of a grouping with its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupValue {
    /// The value (`prod`, `rg-web`, `westeurope`, `(none)`).
    pub value: String,
    /// The score of the resources having that value, computed like a scope's.
    pub score: Score,
    /// Resources with that value.
    #[serde(default)]
    pub resources: u64,
    /// Per-control detail for the group (may be empty when the producer omits it).
    #[serde(default)]
    pub controls: Vec<ControlReport>,
}

/// One recommendation with its results on every resource it applies to. Serialised only as part of
/// its [`Report`] (its results need the report's resource table and strings).
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendationReport {
    /// Stable id (the policy definition GUID for Azure Policy recommendations).
    pub id: String,
    /// Display name.
    pub title: String,
    /// Low, Medium or High.
    pub severity: Severity,
    /// The name of the primary control (the first of `controls`); empty when none.
    pub control: String,
    /// Ids of every control the recommendation belongs to.
    pub controls: Vec<String>,
    /// Preview recommendations are reported but never scored.
    pub preview: bool,
    /// Custom (user policy) recommendations are reported but never scored.
    pub custom: bool,
    /// MCSB control ids (`NS-1`, `DP-3`).
    pub mcsb: Vec<String>,
    /// What it checks and why.
    pub description: String,
    /// How to fix an unhealthy resource.
    pub remediation: String,
    /// Resources healthy on this recommendation.
    pub healthy: u64,
    /// Resources unhealthy on this recommendation.
    pub unhealthy: u64,
    /// Resources not applicable (including exempted and not assessed).
    pub not_applicable: u64,
    /// One entry per resource assessed (compact; read them with [`Report::results`]).
    pub resources: Vec<ResultEntry>,
    /// Side table of sub-assessments (vulnerability findings), keyed by position in `resources`:
    /// rare, so they are kept apart and [`ResultEntry`] stays 12 bytes. Empty (unallocated) for
    /// every recommendation without findings. Serialised inside each result object
    /// (`resources[].sub_assessments`).
    pub sub_assessments: BTreeMap<u32, Vec<SubAssessment>>,
}

/// One recommendation's result on one resource, owned: the contract's `recommendations[].resources[]`
/// object. The report stores results compactly ([`ResultEntry`]); this form is what
/// [`Report::set_results`] takes and [`Report::owned_results`] gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceResult {
    /// The provider's globally unique id (ARM id, ARN, full resource name).
    pub id: String,
    /// Display name. Attacker-controlled: renderers escape it.
    pub name: String,
    /// The provider's native type.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The scope id the resource belongs to.
    pub scope: String,
    /// The cloud or platform.
    pub provider: Provider,
    /// Region / location, where the provider has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Azure resource group; `None` elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// Healthy, Unhealthy or NotApplicable.
    pub status: Status,
    /// Why NotApplicable; `None` for the other statuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// A human sentence: what was found, what was missing, or the exemption's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Findings under this result (vulnerability recommendations), in Defender's sub-assessment shape.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_assessments: Vec<SubAssessment>,
}

/// Defender's regulatory-compliance states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ComplianceState {
    /// Every supported item passed.
    Passed,
    /// At least one item failed.
    Failed,
    /// Every supported item was skipped.
    Skipped,
    /// No supported item (no automated assessment, or no resources).
    Unsupported,
}

impl ComplianceState {
    /// The name as Defender spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ComplianceState::Passed => "Passed",
            ComplianceState::Failed => "Failed",
            ComplianceState::Skipped => "Skipped",
            ComplianceState::Unsupported => "Unsupported",
        }
    }
}

/// One compliance standard rolled up as Defender does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardReport {
    /// Stable id (`mcsb-v1`, `cis-azure-2.1.0`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The standard's state.
    pub state: ComplianceState,
    /// Controls passed.
    pub passed_controls: u64,
    /// Controls failed.
    pub failed_controls: u64,
    /// Controls skipped.
    pub skipped_controls: u64,
    /// Controls with no automated assessment or no data.
    pub unsupported_controls: u64,
    /// `passed / (passed + failed) × 100`, 2 decimals; `null` when no control passed or failed.
    pub pass_percentage: Option<f64>,
    /// The standard's controls.
    pub controls: Vec<ComplianceControlReport>,
}

/// One control of a compliance standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceControlReport {
    /// The standard's control id (`NS-1`, `3.1`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The control's state.
    pub state: ComplianceState,
    /// Assessments (recommendations) passed.
    pub passed_assessments: u64,
    /// Assessments failed.
    pub failed_assessments: u64,
    /// Assessments skipped.
    pub skipped_assessments: u64,
    /// Ids of the recommendations mapped to this control.
    #[serde(default)]
    pub recommendations: Vec<String>,
}

/// What the scan read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputSummary {
    /// Input files (inventory snapshots, exports), as given; `demo` for the bundled estate.
    pub files: Vec<String>,
    /// Resources read.
    pub resources: u64,
    /// Records skipped because they could not be read (each one is also in `errors`, up to a cap).
    pub skipped_records: u64,
    /// Problems met while reading.
    pub errors: Vec<InputError>,
}

/// One problem in an input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputError {
    /// The file.
    pub file: String,
    /// 1-based line, where the format has lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What was wrong (names the field).
    pub message: String,
}

/// What exemptions did in this scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionSummary {
    /// Assessments turned NotApplicable (cause `Exempt`) by an exemption.
    pub applied: u64,
    /// Exemptions that were ignored because their expiry date has passed.
    pub expired: Vec<ExpiredExemption>,
}

/// An exemption past its expiry date (it no longer applies; listed so it gets renewed or removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiredExemption {
    /// The exemption's name.
    pub name: String,
    /// Its expiry date (`YYYY-MM-DD` or RFC 3339, as written in the file).
    pub expires_on: String,
    /// The file it was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}
