//! **What**: a machine (Azure VM or Arc-enabled server) must have no missing **critical** or
//! **security** updates in its latest Azure Update Manager patch assessment
//! (`patchassessmentresources`: `<machine id>/patchAssessmentResults/latest`,
//! `properties.availablePatchCountByClassification`).
//!
//! **Why**: missing security patches are the most exploited weakness. Defender computes "System updates
//! should be installed on your machines (powered by Update Center)" itself (policy f85bf3e0 is an
//! `AuditIfNotExists` on `Microsoft.Security/assessments`) from the same Update Manager assessment that
//! Resource Graph exports; this rule recomputes it. Counting only the critical and security
//! classifications is our reading of Defender's description ("missing system, security, and critical
//! updates"), not a documented formula. A machine without an assessment result in the inventory, or whose
//! last assessment did not succeed, is "not assessed".
//!
//! **Remediation**: install the missing updates (Azure Update Manager > one-time update, or a maintenance
//! configuration with periodic assessment), then let the next assessment run.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "AZ-CMP-001",
    provider: Provider::Azure,
    title: "System updates should be installed on your machines (powered by Update Center)",
    recommendation: "f85bf3e0-d513-442e-89c3-1784ad63382b",
    subject_types: &[
        "microsoft.compute/virtualmachines",
        "microsoft.hybridcompute/machines",
    ],
    related_types: &[
        "microsoft.compute/virtualmachines/patchassessmentresults",
        "microsoft.hybridcompute/machines/patchassessmentresults",
    ],
};

const COUNTED: &[&str] = &["critical", "security"];

/// The check.
#[must_use]
pub fn check(machine: &Value, related: &Related, _params: &Params) -> Option<Assessment> {
    let id = machine.get("id").and_then(Value::as_str)?;
    let Some(result) = related.get(&format!("{id}/patchAssessmentResults/latest")) else {
        return Some(Assessment::not_assessed(
            "no Update Manager patch assessment result for the machine in the inventory (patchassessmentresources)",
        ));
    };
    let status = result
        .at("/properties/status")
        .and_then(Value::as_str)
        .unwrap_or("Unknown");
    if !status.eq_ignore_ascii_case("succeeded") {
        return Some(Assessment::not_assessed(format!(
            "the latest patch assessment did not succeed (status {status})"
        )));
    }
    let counts = result.at("/properties/availablePatchCountByClassification");
    let missing: Vec<String> = COUNTED
        .iter()
        .filter_map(|class| {
            let n = counts?
                .as_object()?
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(class))
                .and_then(|(_, v)| v.as_u64())?;
            (n > 0).then(|| format!("{n} {class}"))
        })
        .collect();
    if missing.is_empty() {
        Some(Assessment::healthy())
    } else {
        Some(Assessment::unhealthy(Some(format!(
            "missing updates: {}",
            missing.join(", ")
        ))))
    }
}
