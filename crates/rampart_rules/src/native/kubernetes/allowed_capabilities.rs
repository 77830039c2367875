//! **What**: containers may add only capabilities in `allowedCapabilities` (`*` allows any) and must drop every capability in `requiredDropCapabilities` (Gatekeeper's `container-allowed-capabilities`). With the initiative's defaults (both empty) any added capability is a violation.
//!
//! **Why**: each Linux capability widens what a compromised container can do; least privilege means adding none. Azure Policy evaluates this reference (policy c26596ff, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: remove `securityContext.capabilities.add` entries that are not needed (or allow them in the assignment's parameters) and drop the required ones.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{pod_rule, strings, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-005",
    provider: Provider::Kubernetes,
    title: "Kubernetes cluster containers should only use allowed capabilities",
    recommendation: "c26596ff-4d70-4e6a-9a30-c2506bd2f80c",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    let allowed = strings(params, "allowedCapabilities");
    let required_drop = strings(params, "requiredDropCapabilities");
    pod_rule(obj, params, |_, cs| {
        let mut v = Vec::new();
        for c in cs {
            let caps = c.security("capabilities");
            let list = |f: &str| -> Vec<&str> {
                caps.and_then(|x| x.get(f))
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default()
            };
            let added = list("add");
            let dropped = list("drop");
            if !allowed.contains(&"*") {
                for cap in &added {
                    if !allowed.iter().any(|a| a.eq_ignore_ascii_case(cap)) {
                        v.push(format!("container {} adds capability {cap}", c.name));
                    }
                }
            }
            let drops_all = dropped.iter().any(|d| d.eq_ignore_ascii_case("all"));
            for need in &required_drop {
                if !drops_all && !dropped.iter().any(|d| d.eq_ignore_ascii_case(need)) {
                    v.push(format!("container {} does not drop {need}", c.name));
                }
            }
        }
        v
    })
}
