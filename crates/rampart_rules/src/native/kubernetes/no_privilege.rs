//! **What**: no container may set `securityContext.privileged: true` (Gatekeeper's `container-no-privilege`).
//!
//! **Why**: a privileged container has every root capability of the host: an entry point for node compromise. Azure Policy evaluates this reference (policy 95edb821, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: remove `privileged: true`; grant only the specific capabilities needed.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{pod_rule, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-012",
    provider: Provider::Kubernetes,
    title: "Kubernetes cluster should not allow privileged containers",
    recommendation: "95edb821-ddaf-4404-9732-666045e056b4",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    pod_rule(obj, params, |_, cs| {
        cs.iter()
            .filter(|c| c.security("privileged").and_then(Value::as_bool) == Some(true))
            .map(|c| format!("container {} is privileged", c.name))
            .collect()
    })
}
