//! **What**: no container may add the `SYS_ADMIN` capability (or `ALL`) (Gatekeeper's `container-disallowed-capabilities` with `SYS_ADMIN`).
//!
//! **Why**: CAP_SYS_ADMIN is close to root on the node (mounts, namespaces, BPF). Azure Policy evaluates this reference (policy d2e7ea85, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: remove `SYS_ADMIN` from `securityContext.capabilities.add`.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{pod_rule, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-015",
    provider: Provider::Kubernetes,
    title: "Kubernetes clusters should not grant CAP_SYS_ADMIN security capabilities",
    recommendation: "d2e7ea85-6b44-4317-a0be-1b951587f626",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    pod_rule(obj, params, |_, cs| {
        cs.iter()
            .filter(|c| {
                c.security("capabilities")
                    .and_then(|x| x.get("add"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .any(|cap| {
                        ["SYS_ADMIN", "CAP_SYS_ADMIN", "ALL"]
                            .iter()
                            .any(|d| d.eq_ignore_ascii_case(cap))
                    })
            })
            .map(|c| format!("container {} adds SYS_ADMIN", c.name))
            .collect()
    })
}
