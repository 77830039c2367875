//! **What**: a scanned container image must have no vulnerability finding that is not ignored. The
//! findings (one per advisory and vulnerable package, OS and language packages alike) are the
//! recommendation's sub-assessments; findings an ignore rule matched are shown as NotApplicable /
//! Ignored and do not count.
//!
//! **Why**: Defender's "Azure registry container images should have vulnerabilities resolved" (assessment
//! key `c0b7cfc6-3172-465a-b378-53c7ff2cc0d5`; AWS `c27441ae-775c-45be-8ffa-655de37362ce`, GCP
//! `5cc3a2c1-8397-456f-8792-fe9d0d4c9145`) in the control "Remediate vulnerabilities": the image counts
//! once in the score, unhealthy while any sub-assessment is (`defender.md` §7.1). Rampart scans the image
//! itself (`rampart scan image`) and matches its packages against OSV offline. An image never scanned,
//! being scanned, or whose scan failed is not assessed, never healthy.
//!
//! **Remediation**: rebuild the image on an updated base image and with updated packages (each
//! sub-assessment names the fixed version), push it, redeploy, and re-scan.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::CONTAINER_IMAGE_TYPE;
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "VULN-001",
    provider: Provider::Host,
    title: "Container images should have vulnerability findings resolved",
    recommendation: "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5",
    subject_types: &[CONTAINER_IMAGE_TYPE],
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(image: &Value, _related: &Related, _params: &Params) -> Option<Assessment> {
    Some(super::assess(image, "image"))
}
