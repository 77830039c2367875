//! **What**: every container must declare CPU and memory limits no larger than the initiative's `cpuLimit` / `memoryLimit` (Gatekeeper's `container-resource-limits`).
//!
//! **Why**: limits prevent resource-exhaustion (denial of service) by one workload. Azure Policy evaluates this reference (policy e345eecc, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: set `resources.limits.cpu` and `resources.limits.memory` on every container, within the allowed maxima.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{param, pod_rule, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-002",
    provider: Provider::Kubernetes,
    title: "Kubernetes cluster containers CPU and memory resource limits should not exceed the specified limits",
    recommendation: "e345eecc-fa47-480f-9e88-67dcc122b164",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    let max_cpu = param(params, "cpuLimit")
        .and_then(Value::as_str)
        .and_then(cpu_millis);
    let max_mem = param(params, "memoryLimit")
        .and_then(Value::as_str)
        .and_then(memory_bytes);
    pod_rule(obj, params, |_, cs| {
        let mut v = Vec::new();
        for c in cs {
            let limits = c.doc.at("/resources/limits");
            match limits
                .and_then(|l| l.get("cpu"))
                .and_then(quantity_str)
                .and_then(|q| cpu_millis(&q))
            {
                None => v.push(format!("container {} has no CPU limit", c.name)),
                Some(cpu) if max_cpu.is_some_and(|m| cpu > m) => v.push(format!(
                    "container {} CPU limit exceeds the maximum",
                    c.name
                )),
                Some(_) => {}
            }
            match limits
                .and_then(|l| l.get("memory"))
                .and_then(quantity_str)
                .and_then(|q| memory_bytes(&q))
            {
                None => v.push(format!("container {} has no memory limit", c.name)),
                Some(mem) if max_mem.is_some_and(|m| mem > m) => v.push(format!(
                    "container {} memory limit exceeds the maximum",
                    c.name
                )),
                Some(_) => {}
            }
        }
        v
    })
}

/// A quantity as a string (`"500m"`, `2`, `"64Gi"`).
fn quantity_str(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::to_owned)
        .or_else(|| v.as_f64().map(|n| n.to_string()))
}

/// CPU quantity in millicores.
fn cpu_millis(q: &str) -> Option<u64> {
    let q = q.trim();
    match q.strip_suffix('m') {
        Some(m) => m.parse::<f64>().ok().map(|n| n.ceil() as u64),
        None => q.parse::<f64>().ok().map(|n| (n * 1000.0).ceil() as u64),
    }
}

/// Memory quantity in bytes (binary `Ki`…`Ei` and decimal `k`…`E` suffixes).
fn memory_bytes(q: &str) -> Option<u64> {
    const UNITS: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("k", 1e3),
        ("K", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let q = q.trim();
    for (suffix, factor) in UNITS {
        if let Some(n) = q.strip_suffix(suffix) {
            return n.parse::<f64>().ok().map(|n| (n * factor).ceil() as u64);
        }
    }
    q.parse::<f64>().ok().map(|n| n.ceil() as u64)
}
