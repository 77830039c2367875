//! **What**: a scanned machine (a host or a root file system) must have no vulnerability finding that is
//! not ignored. The findings are the recommendation's sub-assessments; findings an ignore rule matched
//! are shown as NotApplicable / Ignored and do not count.
//!
//! **Why**: Defender's "Machines should have vulnerability findings resolved" (assessment key
//! `1195afff-c881-495e-9bc5-1486211ae03f`, `defender.md` §7.2) in the control "Remediate
//! vulnerabilities", one sub-assessment per vulnerability. Rampart reads the machine's package databases
//! itself (`rampart scan host`) and matches them against OSV offline. A machine never scanned, being
//! scanned, or whose scan failed is not assessed, never healthy.
//!
//! **Remediation**: install the fixed package versions each sub-assessment names (`apt-get upgrade`,
//! `dnf upgrade`, `apk upgrade`, or the language package manager), then re-scan.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::MACHINE_TYPE;
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "VULN-002",
    provider: Provider::Host,
    title: "Machines should have vulnerability findings resolved",
    recommendation: "1195afff-c881-495e-9bc5-1486211ae03f",
    subject_types: &[MACHINE_TYPE],
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(machine: &Value, _related: &Related, _params: &Params) -> Option<Assessment> {
    Some(super::assess(machine, "machine"))
}
