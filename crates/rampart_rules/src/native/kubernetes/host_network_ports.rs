//! **What**: a pod may use `hostNetwork` only if `allowHostNetwork` is true, and containers may bind only `hostPort`s in `allowedHostPorts` (Gatekeeper's `host-network-ports`; initiative default: no host network, no host ports).
//!
//! **Why**: a pod on the host network can sniff node traffic and reach node-local services. Azure Policy evaluates this reference (policy 82985f06, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: remove `hostNetwork: true` and `hostPort` from the pod spec; expose the workload through a Service.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{param, pod_rule, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-010",
    provider: Provider::Kubernetes,
    title: "Kubernetes cluster pods should only use approved host network and port list",
    recommendation: "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    let allow_host_network = param(params, "allowHostNetwork")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let allowed_ports: Vec<i64> = param(params, "allowedHostPorts")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    p.as_i64()
                        .or_else(|| p.as_str().and_then(|s| s.parse().ok()))
                })
                .collect()
        })
        .unwrap_or_default();
    pod_rule(obj, params, |pod, cs| {
        let mut v = Vec::new();
        if !allow_host_network && pod.at("/spec/hostNetwork").and_then(Value::as_bool) == Some(true)
        {
            v.push("spec.hostNetwork is true".to_owned());
        }
        for c in cs {
            for port in c
                .doc
                .get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(hp) = port
                    .get("hostPort")
                    .and_then(Value::as_i64)
                    .filter(|p| *p != 0)
                {
                    if !allowed_ports.contains(&hp) {
                        v.push(format!("container {} binds host port {hp}", c.name));
                    }
                }
            }
        }
        v
    })
}
