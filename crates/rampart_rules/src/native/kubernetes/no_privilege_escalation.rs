//! **What**: no container may set `securityContext.allowPrivilegeEscalation: true`; with `forcePrivilegeEscalationToBeFalse` (default false) it must be explicitly false (Gatekeeper's `container-no-privilege-escalation`).
//!
//! **Why**: privilege escalation lets a process gain more privileges than its parent (setuid binaries). Azure Policy evaluates this reference (policy 1c6e92c9, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: set `allowPrivilegeEscalation: false` on every container.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{param, pod_rule, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-014",
    provider: Provider::Kubernetes,
    title: "Kubernetes clusters should not allow container privilege escalation",
    recommendation: "1c6e92c9-99f0-4e55-9cf2-0c234dc48f99",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    let force = param(params, "forcePrivilegeEscalationToBeFalse")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    pod_rule(obj, params, |_, cs| {
        cs.iter()
            .filter(|c| {
                match c
                    .security("allowPrivilegeEscalation")
                    .and_then(Value::as_bool)
                {
                    Some(true) => true,
                    Some(false) => false,
                    None => force,
                }
            })
            .map(|c| format!("container {} allows privilege escalation", c.name))
            .collect()
    })
}
