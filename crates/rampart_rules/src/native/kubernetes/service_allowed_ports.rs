//! **What**: every port of a Service must be in `allowedServicePortsList` (Gatekeeper's `service-allowed-ports`). The initiative's default `[\"-1\"]` allows no port, so until the assignment lists them every Service with a port is flagged.
//!
//! **Why**: services listening on unexpected ports widen the cluster's attack surface. Azure Policy evaluates this reference (policy 233a2a17, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: list the ports your services need in the assignment's `allowedServicePortsList`, and remove the others.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{out_of_scope, strings, verdict};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-011",
    provider: Provider::Kubernetes,
    title: "Kubernetes cluster services should listen only on allowed ports",
    recommendation: "233a2a17-77ca-4fb1-9b6b-69223d272a44",
    subject_types: &["service"],
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    if out_of_scope(obj, params) {
        return None;
    }
    let allowed = strings(params, "allowedServicePortsList");
    let v = obj
        .at("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("port").and_then(Value::as_i64))
        .filter(|p| !allowed.contains(&p.to_string().as_str()))
        .map(|p| format!("service port {p} is not allowed"))
        .collect();
    Some(verdict(v))
}
