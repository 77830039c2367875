//! **What**: Pods, Services and ServiceAccounts must not live in the `default` namespace (Gatekeeper's `block-default-namespace`). The `default` ServiceAccount and the `kubernetes` Service that the API server creates there are not applicable.
//!
//! **Why**: the default namespace has no isolation boundary: access granted there reaches every workload put in it by mistake. Azure Policy evaluates this reference (policy 9f061a12, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: create a namespace per application and deploy into it.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{namespace, out_of_scope};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-016",
    provider: Provider::Kubernetes,
    title: "Kubernetes clusters should not use the default namespace",
    recommendation: "9f061a12-e40d-4183-a00e-171812443373",
    subject_types: &["pod", "service", "serviceaccount"],
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    if out_of_scope(obj, params) {
        return None;
    }
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    let name = obj
        .at("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if (kind.eq_ignore_ascii_case("serviceaccount") && name == "default")
        || (kind.eq_ignore_ascii_case("service") && name == "kubernetes")
    {
        return None;
    }
    if namespace(obj) == "default" {
        Some(Assessment::unhealthy(Some(format!(
            "{kind} {name} is in the default namespace"
        ))))
    } else {
        Some(Assessment::healthy())
    }
}
