//! **What**: a pod must not set `hostPID` or `hostIPC` (Gatekeeper's `block-host-namespace`).
//!
//! **Why**: sharing the host's process or IPC namespace lets a container see and signal host processes: privilege escalation outside the container. Azure Policy evaluates this reference (policy 47a1ee2f, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: remove `hostPID: true` and `hostIPC: true` from the pod spec.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{pod_rule, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-003",
    provider: Provider::Kubernetes,
    title: "Kubernetes cluster containers should not share host namespaces",
    recommendation: "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    pod_rule(obj, params, |pod, _| {
        ["hostPID", "hostIPC"]
            .iter()
            .filter(|f| pod.at(&format!("/spec/{f}")).and_then(Value::as_bool) == Some(true))
            .map(|f| format!("spec.{f} is true"))
            .collect()
    })
}
