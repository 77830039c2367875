//! Native rules for workloads Rampart scans itself: container images and machines, assessed from the
//! vulnerability scan their native document carries (`vulnerabilityScan`, see
//! `docs/inventory-format.md` and `docs/vulnerability-assessment.md`).
//!
//! Invariant: these resource types (`rampart/containerimage`, `rampart/machine`) are Rampart's own and
//! provider-neutral: an image in ECR (`aws`), on a cluster (`kubernetes`) or scanned from a local archive
//! (`host`) has the same type and document, so the rules assess them whatever the provider (see
//! [`RuleMeta::assesses`](crate::native::RuleMeta::assesses)).

pub mod container_image_vulnerabilities;
pub mod machine_vulnerabilities;

use rampart_model::{
    Assessment, FindingSeverity, ScanStatus, SubAssessment, VulnerabilityScan,
    VULNERABILITY_SCAN_FIELD,
};
use serde_json::Value;

pub use rampart_model::{CONTAINER_IMAGE_TYPE, MACHINE_TYPE};

/// The shared verdict: NotAssessed unless a scan completed; then Unhealthy while any finding that is
/// not ignored remains, Healthy otherwise. Every finding becomes a sub-assessment (ignored ones as
/// NotApplicable / Ignored). `what` names the subject in reasons (`image`, `machine`).
pub(crate) fn assess(doc: &Value, what: &str) -> Assessment {
    let Some(raw) = doc.get(VULNERABILITY_SCAN_FIELD) else {
        return Assessment::not_assessed(format!(
            "no vulnerability scan data for the {what} (field \"{VULNERABILITY_SCAN_FIELD}\" missing)"
        ));
    };
    let scan: VulnerabilityScan = match serde_path_to_error::deserialize(raw) {
        Ok(scan) => scan,
        Err(e) => {
            let at = e.path().to_string();
            return Assessment::not_assessed(format!(
                "field \"{VULNERABILITY_SCAN_FIELD}{}\" is not a valid scan result: {}",
                if at == "." {
                    String::new()
                } else {
                    format!(".{at}")
                },
                e.inner()
            ));
        }
    };
    match scan.status {
        ScanStatus::Unscanned => {
            return Assessment::not_assessed(format!("the {what} has not been scanned (Unscanned)"))
        }
        ScanStatus::InProgress => {
            return Assessment::not_assessed(format!(
                "a vulnerability scan of the {what} is in progress; no result yet (InProgress)"
            ))
        }
        ScanStatus::Error => {
            return Assessment::not_assessed(format!(
                "the last vulnerability scan of the {what} failed (Error): {}",
                scan.error.as_deref().unwrap_or("no error message recorded")
            ))
        }
        ScanStatus::Completed => {}
    }
    let subs: Vec<SubAssessment> = scan
        .findings
        .iter()
        .map(SubAssessment::from_finding)
        .collect();
    let ignored = subs.iter().filter(|s| !s.counts()).count();
    let mut by_severity = [0usize; 5];
    for s in subs.iter().filter(|s| s.counts()) {
        by_severity[s.severity as usize] += 1;
    }
    let open: usize = by_severity.iter().sum();
    let assessment = if open == 0 {
        Assessment::healthy()
    } else {
        let order = [
            FindingSeverity::Critical,
            FindingSeverity::High,
            FindingSeverity::Medium,
            FindingSeverity::Low,
            FindingSeverity::Unknown,
        ];
        let parts: Vec<String> = order
            .iter()
            .filter(|s| by_severity[**s as usize] > 0)
            .map(|s| format!("{} {}", by_severity[*s as usize], s.as_str()))
            .collect();
        let mut reason = format!(
            "{open} unresolved vulnerability finding{} ({})",
            if open == 1 { "" } else { "s" },
            parts.join(", ")
        );
        if ignored > 0 {
            reason.push_str(&format!(", {ignored} ignored"));
        }
        Assessment::unhealthy(Some(reason))
    };
    assessment.with_sub_assessments(subs)
}
