//! **What**: a pod must set `spec.automountServiceAccountToken: false` (Gatekeeper's `block-automount-token`; Kubernetes mounts the token when the field is unset).
//!
//! **Why**: a compromised pod can use a mounted service-account token to call the Kubernetes API. Azure Policy evaluates this reference (policy 423dd1ba, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: set `automountServiceAccountToken: false` on the pod (or its service account) unless it calls the API.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{pod_rule, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-013",
    provider: Provider::Kubernetes,
    title: "Kubernetes clusters should disable automounting API credentials",
    recommendation: "423dd1ba-798e-40e4-9c4d-b6902674b423",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    pod_rule(obj, params, |pod, _| {
        if pod
            .at("/spec/automountServiceAccountToken")
            .and_then(Value::as_bool)
            == Some(false)
        {
            Vec::new()
        } else {
            vec!["spec.automountServiceAccountToken is not false".to_owned()]
        }
    })
}
