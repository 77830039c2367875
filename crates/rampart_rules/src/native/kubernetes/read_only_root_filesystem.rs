//! **What**: every container must set `securityContext.readOnlyRootFilesystem: true` (Gatekeeper's `read-only-root-filesystem`).
//!
//! **Why**: an immutable root file system stops an attacker from adding binaries to PATH at run time. Azure Policy evaluates this reference (policy df49d893, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: set `readOnlyRootFilesystem: true` and mount writable `emptyDir` volumes where the application writes.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{pod_rule, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-007",
    provider: Provider::Kubernetes,
    title: "Kubernetes cluster containers should run with a read only root file system",
    recommendation: "df49d893-a74c-421d-bc95-c663042e5b80",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    pod_rule(obj, params, |_, cs| {
        cs.iter()
            .filter(|c| {
                c.security("readOnlyRootFilesystem")
                    .and_then(Value::as_bool)
                    != Some(true)
            })
            .map(|c| {
                format!(
                    "container {} does not set readOnlyRootFilesystem: true",
                    c.name
                )
            })
            .collect()
    })
}
