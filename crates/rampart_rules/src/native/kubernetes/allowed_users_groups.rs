//! **What**: pods and containers must respect the initiative's `runAsUser` rule (default `MustRunAsNonRoot`: `runAsNonRoot: true` or a non-zero `runAsUser`, container value over pod value), `runAsGroup` (default `MustRunAs` ranges from 1), `supplementalGroups` and `fsGroup` (default `MayRunAs`: only checked when set) (Gatekeeper's `allowed-users-groups`; a range `max` of -1 means no maximum).
//!
//! **Why**: a process running as root in a container is root on the host after an escape. Azure Policy evaluates this reference (policy f06ddb64, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: set `runAsNonRoot: true`, a non-zero `runAsUser` and `runAsGroup` in the pod's `securityContext`.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{param, pod_rule, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-009",
    provider: Provider::Kubernetes,
    title:
        "Kubernetes cluster pods and containers should only run with approved user and group IDs",
    recommendation: "f06ddb64-5fa3-4b77-b166-acb36f7f6042",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    pod_rule(obj, params, |pod, cs| {
        let mut v = Vec::new();
        let pod_sc = pod.at("/spec/securityContext");
        let rule = |name: &str| {
            param(params, name)
                .and_then(Value::as_str)
                .unwrap_or("RunAsAny")
                .to_owned()
        };
        let ranges = |name: &str| -> Vec<(i64, i64)> {
            param(params, name)
                .and_then(|r| r.get("ranges"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| Some((r.get("min")?.as_i64()?, r.get("max")?.as_i64()?)))
                .collect()
        };
        let in_ranges = |id: i64, rs: &[(i64, i64)]| {
            rs.iter()
                .any(|(lo, hi)| id >= *lo && (*hi < 0 || id <= *hi))
        };
        for c in cs {
            let get = |f: &str| c.security(f).or_else(|| pod_sc.and_then(|s| s.get(f)));
            let user = get("runAsUser").and_then(Value::as_i64);
            match rule("runAsUserRule").as_str() {
                "MustRunAsNonRoot" => {
                    let non_root = get("runAsNonRoot").and_then(Value::as_bool) == Some(true);
                    if user == Some(0) || (!non_root && user.is_none()) {
                        v.push(format!("container {} may run as root", c.name));
                    }
                }
                "MustRunAs" if !user.is_some_and(|u| in_ranges(u, &ranges("runAsUserRanges"))) => {
                    v.push(format!(
                        "container {} runAsUser is not in the allowed ranges",
                        c.name
                    ));
                }
                _ => {}
            }
            let group = get("runAsGroup").and_then(Value::as_i64);
            match rule("runAsGroupRule").as_str() {
                "MustRunAs"
                    if !group.is_some_and(|g| in_ranges(g, &ranges("runAsGroupRanges"))) =>
                {
                    v.push(format!(
                        "container {} runAsGroup is unset or not in the allowed ranges",
                        c.name
                    ));
                }
                "MayRunAs" if group.is_some_and(|g| !in_ranges(g, &ranges("runAsGroupRanges"))) => {
                    v.push(format!(
                        "container {} runAsGroup is not in the allowed ranges",
                        c.name
                    ));
                }
                _ => {}
            }
        }
        for (field, rule_name, ranges_name) in [
            (
                "supplementalGroups",
                "supplementalGroupsRule",
                "supplementalGroupsRanges",
            ),
            ("fsGroup", "fsGroupRule", "fsGroupRanges"),
        ] {
            let ids: Vec<i64> = match pod_sc.and_then(|s| s.get(field)) {
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_i64).collect(),
                Some(x) => x.as_i64().into_iter().collect(),
                None => Vec::new(),
            };
            let r = rule(rule_name);
            let rs = ranges(ranges_name);
            if (r == "MustRunAs" && ids.is_empty())
                || ((r == "MustRunAs" || r == "MayRunAs")
                    && ids.iter().any(|i| !in_ranges(*i, &rs)))
            {
                v.push(format!("pod {field} is not in the allowed ranges"));
            }
        }
        v
    })
}
