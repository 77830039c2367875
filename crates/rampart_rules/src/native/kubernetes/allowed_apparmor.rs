//! **What**: every container must run under an AppArmor profile in `allowedProfiles` (default `runtime/default`), set by the annotation `container.apparmor.security.beta.kubernetes.io/<container>` or by `securityContext.appArmorProfile` (container, else pod) (Gatekeeper's `enforce-apparmor-profile`).
//!
//! **Why**: AppArmor confines what a compromised container process can do on the node. Azure Policy evaluates this reference (policy 511f5417, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: set `securityContext.appArmorProfile.type: RuntimeDefault` (or the annotation `runtime/default`) on every container.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{pod_rule, strings, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-004",
    provider: Provider::Kubernetes,
    title: "Kubernetes cluster containers should only use allowed AppArmor profiles",
    recommendation: "511f5417-5d12-434d-ab2e-816901e72a5e",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    let allowed = strings(params, "allowedProfiles");
    pod_rule(obj, params, |pod, cs| {
        let mut v = Vec::new();
        for c in cs {
            let annotation = pod
                .at("/metadata/annotations")
                .and_then(|a| {
                    a.get(format!(
                        "container.apparmor.security.beta.kubernetes.io/{}",
                        c.name
                    ))
                })
                .and_then(Value::as_str)
                .map(str::to_owned);
            let field = c
                .security("appArmorProfile")
                .or_else(|| pod.at("/spec/securityContext/appArmorProfile"));
            let profile = annotation.or_else(|| field.and_then(apparmor_field));
            match profile {
                Some(p) if allowed.iter().any(|a| a.eq_ignore_ascii_case(&p)) => {}
                Some(p) => v.push(format!("container {} uses AppArmor profile {p}", c.name)),
                None => v.push(format!("container {} has no AppArmor profile", c.name)),
            }
        }
        v
    })
}

/// `securityContext.appArmorProfile` as the annotation spelling (`runtime/default`, `localhost/<p>`,
/// `unconfined`).
fn apparmor_field(v: &Value) -> Option<String> {
    let kind = v.get("type").and_then(Value::as_str)?;
    match kind.to_ascii_lowercase().as_str() {
        "runtimedefault" => Some("runtime/default".to_owned()),
        "unconfined" => Some("unconfined".to_owned()),
        "localhost" => Some(format!(
            "localhost/{}",
            v.get("localhostProfile")
                .and_then(Value::as_str)
                .unwrap_or_default()
        )),
        _ => Some(kind.to_owned()),
    }
}
