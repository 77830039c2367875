//! **What**: an Ingress must terminate TLS (`spec.tls` set) and refuse plain HTTP (annotation `kubernetes.io/ingress.allow-http: "false"`), as Gatekeeper's `ingress-https-only` template requires.
//!
//! **Why**: HTTPS authenticates the service and protects data in transit from eavesdropping. Azure Policy evaluates this reference (policy 1a5b4dca, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: add a `tls` section with a certificate secret and the annotation `kubernetes.io/ingress.allow-http: "false"`.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{out_of_scope, verdict};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-001",
    provider: Provider::Kubernetes,
    title: "Kubernetes clusters should be accessible only over HTTPS",
    recommendation: "1a5b4dca-0b6f-4cf5-907c-56316bc1bf3d",
    subject_types: &["ingress"],
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    if out_of_scope(obj, params) {
        return None;
    }
    let mut v = Vec::new();
    if obj
        .at("/spec/tls")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        v.push("no spec.tls".to_owned());
    }
    let allow_http = obj
        .at("/metadata/annotations/kubernetes.io~1ingress.allow-http")
        .and_then(Value::as_str);
    if allow_http != Some("false") {
        v.push("annotation kubernetes.io/ingress.allow-http is not \"false\"".to_owned());
    }
    Some(verdict(v))
}
