//! Coverage of the benchmark: per recommendation, whether Rampart evaluates it (policy or native rule),
//! or why not; totals by status and by effect. This is what `rampart rules list --coverage` prints.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::benchmark::Evaluator;
use crate::Benchmark;

/// Coverage status of one recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverageStatus {
    /// Evaluated from inventory data (by its policy or a native rule).
    Evaluated,
    /// Every applicable resource comes out `NotAssessed`; `reason` says why.
    NotAssessed,
    /// The effect is `Disabled`: `OffByPolicy`.
    OffByPolicy,
}

impl CoverageStatus {
    /// Kebab-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageStatus::Evaluated => "evaluated",
            CoverageStatus::NotAssessed => "not-assessed",
            CoverageStatus::OffByPolicy => "off-by-policy",
        }
    }
}

/// One row of the coverage report.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageEntry {
    /// Recommendation id.
    pub id: String,
    /// Initiative reference id (None for custom / native-only).
    pub reference_id: Option<String>,
    /// Title.
    pub title: String,
    /// Effective effect.
    pub effect: String,
    /// Policy mode.
    pub mode: String,
    /// Status.
    pub status: CoverageStatus,
    /// `policy`, `native:<RULE-ID>`, or empty.
    pub evaluated_by: String,
    /// Why not evaluated, or what evaluation depends on (e.g. related resource type).
    pub reason: Option<String>,
    /// Custom recommendation.
    pub custom: bool,
}

/// The coverage report.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// One entry per recommendation, in benchmark order.
    pub entries: Vec<CoverageEntry>,
    /// Entries by status.
    pub by_status: BTreeMap<CoverageStatus, usize>,
    /// Entries by effect.
    pub by_effect: BTreeMap<String, usize>,
    /// (effect, status) → count.
    pub by_effect_and_status: BTreeMap<String, BTreeMap<CoverageStatus, usize>>,
    /// Recommendations evaluated by a native rule.
    pub native: usize,
}

/// Computes the coverage of a benchmark.
#[must_use]
pub fn coverage(b: &Benchmark) -> Coverage {
    let mut entries = Vec::with_capacity(b.recommendations().len());
    for (i, rec) in b.recommendations().iter().enumerate() {
        let Some(info) = b.info(i) else { continue };
        let (status, evaluated_by, reason) = match &info.evaluator {
            Evaluator::Policy => (
                CoverageStatus::Evaluated,
                "policy".to_owned(),
                info.related_type.as_ref().map(|t| {
                    format!("existence check on {t}: needs those resources in the inventory")
                }),
            ),
            Evaluator::Native { rule_id } => {
                (CoverageStatus::Evaluated, format!("native:{rule_id}"), None)
            }
            Evaluator::NotAssessed { reason } => (
                CoverageStatus::NotAssessed,
                String::new(),
                Some(reason.clone()),
            ),
            Evaluator::OffByPolicy => (
                CoverageStatus::OffByPolicy,
                String::new(),
                Some(
                    "the effect is Disabled in the initiative (Defender: \"Enable if required\")"
                        .to_owned(),
                ),
            ),
        };
        entries.push(CoverageEntry {
            id: rec.id.clone(),
            reference_id: info.reference_id.clone(),
            title: rec.title.clone(),
            effect: info.effect.clone(),
            mode: info.mode.clone(),
            status,
            evaluated_by,
            reason,
            custom: rec.is_custom(),
        });
    }
    let mut by_status = BTreeMap::new();
    let mut by_effect = BTreeMap::new();
    let mut by_effect_and_status: BTreeMap<String, BTreeMap<CoverageStatus, usize>> =
        BTreeMap::new();
    for e in &entries {
        *by_status.entry(e.status).or_insert(0) += 1;
        *by_effect.entry(e.effect.clone()).or_insert(0) += 1;
        *by_effect_and_status
            .entry(e.effect.clone())
            .or_default()
            .entry(e.status)
            .or_insert(0) += 1;
    }
    let native = entries
        .iter()
        .filter(|e| e.evaluated_by.starts_with("native:"))
        .count();
    Coverage {
        entries,
        by_status,
        by_effect,
        by_effect_and_status,
        native,
    }
}
