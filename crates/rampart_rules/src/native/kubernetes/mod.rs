//! Native rules for the Kubernetes data-plane references of the MCSB initiative (policy mode
//! `Microsoft.Kubernetes.Data`). Azure Policy hands those to Gatekeeper inside the cluster (a Rego
//! constraint template per definition); Rampart re-implements each template's check in Rust over the
//! Kubernetes objects of an inventory (`Resource::native` = the object as the API server returns it),
//! with the parameter values the initiative passes (excluded namespaces, allowed images…).
//!
//! Shared semantics (Gatekeeper's): a rule applies to the object kinds its definition lists
//! (`then.details.kinds`, mostly `Pod`); objects in an excluded namespace are not applicable; for
//! container checks, `containers`, `initContainers` and `ephemeralContainers` all count, and containers
//! listed in `excludedContainers` or whose image matches `excludedImages` (a trailing `*` is a prefix
//! wildcard) are skipped.

pub mod allowed_apparmor;
pub mod allowed_capabilities;
pub mod allowed_host_paths;
pub mod allowed_images;
pub mod allowed_users_groups;
pub mod block_automount_token;
pub mod block_default_namespace;
pub mod block_host_namespace;
pub mod container_resource_limits;
pub mod disallowed_sys_admin;
pub mod host_network_ports;
pub mod ingress_https_only;
pub mod no_privilege;
pub mod no_privilege_escalation;
pub mod read_only_root_filesystem;
pub mod service_allowed_ports;

use crate::native::PointerExt as _;
use rampart_model::Assessment;
use serde_json::Value;

use super::Params;

/// A container of a pod spec, with its kind of list.
#[derive(Debug)]
pub(crate) struct Container<'a> {
    pub(crate) name: &'a str,
    pub(crate) image: &'a str,
    pub(crate) doc: &'a Value,
}

impl Container<'_> {
    /// `securityContext.<field>` of the container.
    pub(crate) fn security(&self, field: &str) -> Option<&Value> {
        self.doc.get("securityContext").and_then(|s| s.get(field))
    }
}

/// The object's namespace (`default` when unset, as the API server defaults it).
pub(crate) fn namespace(obj: &Value) -> &str {
    obj.at("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default")
}

fn string_list<'a>(params: &'a Params, name: &str) -> Vec<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_array())
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A parameter by name (case-insensitive).
pub(crate) fn param<'a>(params: &'a Params, name: &str) -> Option<&'a Value> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A string-array parameter.
pub(crate) fn strings<'a>(params: &'a Params, name: &str) -> Vec<&'a str> {
    string_list(params, name)
}

/// True when the object is outside the rule's scope: an excluded namespace, or outside `namespaces`
/// when that list is set.
pub(crate) fn out_of_scope(obj: &Value, params: &Params) -> bool {
    let ns = namespace(obj);
    if string_list(params, "excludedNamespaces")
        .iter()
        .any(|n| n.eq_ignore_ascii_case(ns))
    {
        return true;
    }
    let included = string_list(params, "namespaces");
    !included.is_empty() && !included.iter().any(|n| n.eq_ignore_ascii_case(ns))
}

fn image_excluded(image: &str, excluded: &[&str]) -> bool {
    excluded.iter().any(|e| match e.strip_suffix('*') {
        Some(prefix) => image.starts_with(prefix),
        None => image == *e,
    })
}

/// The pod's containers (all three lists), minus `excludedContainers` / `excludedImages`.
pub(crate) fn containers<'a>(pod: &'a Value, params: &Params) -> Vec<Container<'a>> {
    let excluded_names = string_list(params, "excludedContainers");
    let excluded_images = string_list(params, "excludedImages");
    ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .filter_map(|list| pod.at(&format!("/spec/{list}")).and_then(Value::as_array))
        .flatten()
        .map(|c| Container {
            name: c.get("name").and_then(Value::as_str).unwrap_or_default(),
            image: c.get("image").and_then(Value::as_str).unwrap_or_default(),
            doc: c,
        })
        .filter(|c| !excluded_names.contains(&c.name) && !image_excluded(c.image, &excluded_images))
        .collect()
}

/// Unhealthy with the violations joined, or healthy when there is none.
pub(crate) fn verdict(violations: Vec<String>) -> Assessment {
    if violations.is_empty() {
        Assessment::healthy()
    } else {
        Assessment::unhealthy(Some(violations.join("; ")))
    }
}

/// Common entry of the Pod rules: `None` when out of scope, else the verdict of `check_containers`.
pub(crate) fn pod_rule(
    pod: &Value,
    params: &Params,
    check: impl Fn(&Value, &[Container<'_>]) -> Vec<String>,
) -> Option<Assessment> {
    if out_of_scope(pod, params) {
        return None;
    }
    let cs = containers(pod, params);
    Some(verdict(check(pod, &cs)))
}

/// Kinds the Pod rules apply to.
pub(crate) const POD: &[&str] = &["pod"];
