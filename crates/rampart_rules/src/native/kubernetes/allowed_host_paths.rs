//! **What**: every `hostPath` volume must lie under an allowed `pathPrefix` of `allowedHostPaths.paths` (or `windowsAllowedHostPaths`), mounted read-only where the entry says `readOnly` (Gatekeeper's `allowed-host-paths`). With the initiative's default (no paths) any hostPath volume is a violation.
//!
//! **Why**: hostPath mounts give a compromised container access to the node's file system. Azure Policy evaluates this reference (policy 098fc59e, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: replace hostPath volumes with persistent volumes, or allow the specific read-only paths needed.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{param, pod_rule, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-008",
    provider: Provider::Kubernetes,
    title: "Kubernetes cluster pod hostPath volumes should only use allowed host paths",
    recommendation: "098fc59e-46c7-4d99-9b16-64990e543d75",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    let paths: Vec<(String, bool)> = ["allowedHostPaths", "windowsAllowedHostPaths"]
        .iter()
        .filter_map(|p| param(params, p))
        .filter_map(|v| v.get("paths").and_then(Value::as_array))
        .flatten()
        .filter_map(|e| {
            let prefix = e.get("pathPrefix").and_then(Value::as_str)?;
            Some((
                prefix.to_owned(),
                e.get("readOnly").and_then(Value::as_bool).unwrap_or(false),
            ))
        })
        .collect();
    pod_rule(obj, params, |pod, cs| {
        let mut v = Vec::new();
        for vol in pod
            .at("/spec/volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(path) = vol.at("/hostPath/path").and_then(Value::as_str) else {
                continue;
            };
            let vol_name = vol.get("name").and_then(Value::as_str).unwrap_or_default();
            let allowed = paths.iter().find(|(prefix, _)| path_under(path, prefix));
            match allowed {
                None => v.push(format!(
                    "hostPath volume {vol_name} ({path}) is not allowed"
                )),
                Some((_, true)) => {
                    for c in cs {
                        let writable = c
                            .doc
                            .get("volumeMounts")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .any(|m| {
                                m.get("name").and_then(Value::as_str) == Some(vol_name)
                                    && m.get("readOnly").and_then(Value::as_bool) != Some(true)
                            });
                        if writable {
                            v.push(format!("container {} mounts {path} writable", c.name));
                        }
                    }
                }
                Some((_, false)) => {}
            }
        }
        v
    })
}

/// `path` equals `prefix` or lies under it (whole path segments).
fn path_under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    path == prefix
        || prefix.is_empty()
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}
