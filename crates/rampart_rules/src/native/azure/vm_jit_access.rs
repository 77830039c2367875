//! **What**: a virtual machine whose remote management ports (22, 3389, 5985, 5986) are open to the
//! Internet must be covered by a just-in-time (JIT) network access policy
//! (`Microsoft.Security/locations/jitNetworkAccessPolicies`, listed in its `virtualMachines[].id`).
//!
//! **Why**: JIT keeps management ports closed and opens them only on request, for a limited time and
//! source, which defeats brute-force attacks. Defender computes this assessment itself (policy b0f33259 is
//! an `AuditIfNotExists` on `Microsoft.Security/assessments`); this rule recomputes it from the VM, its
//! network path (as `AZ-NET-001` does) and the JIT policies of Resource Graph's `securityresources`.
//! A VM covered by a JIT policy is healthy; one with no open management port is not applicable. When the
//! inventory holds no JIT policy at all, an exposed VM is "not assessed": the export may simply lack
//! `securityresources`.
//!
//! **Remediation**: enable just-in-time VM access on the VM (Defender for Cloud > Workload protections >
//! Just-in-time VM access), which replaces the permissive rules with deny rules opened on request.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Cause, Provider};
use serde_json::Value;

use super::network::{open_management_ports, vm_nic_paths};
use crate::native::{Params, Related, RuleMeta};

pub(crate) const JIT_POLICIES: &str = "microsoft.security/locations/jitnetworkaccesspolicies";

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "AZ-NET-008",
    provider: Provider::Azure,
    title: "Management ports of virtual machines should be protected with just-in-time network access control",
    recommendation: "b0f33259-77d7-4c9e-aac6-3aabcfae693c",
    subject_types: &["microsoft.compute/virtualmachines"],
    related_types: &[
        "microsoft.network/networkinterfaces",
        "microsoft.network/networksecuritygroups",
        "microsoft.network/virtualnetworks",
        "microsoft.network/virtualnetworks/subnets",
        JIT_POLICIES,
    ],
};

/// The check.
#[must_use]
pub fn check(vm: &Value, related: &Related, _params: &Params) -> Option<Assessment> {
    let vm_id = vm.get("id").and_then(Value::as_str)?;
    let any_policy = related.of_type(JIT_POLICIES).next().is_some();
    let covered = related.jit_covers(vm_id).unwrap_or_else(|| {
        related.of_type(JIT_POLICIES).any(|policy| {
            policy
                .at("/properties/virtualMachines")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.get("id").and_then(Value::as_str))
                .any(|id| id.eq_ignore_ascii_case(vm_id))
        })
    });
    if covered {
        return Some(Assessment::healthy());
    }
    let resolved = vm_nic_paths(vm, related);
    let paths = match &*resolved {
        Ok(p) => p,
        Err(e) => return Some(Assessment::not_assessed(e.reason())),
    };
    let (open, unknown) = open_management_ports(paths);
    if open.is_empty() {
        return Some(match unknown.first() {
            Some(missing) => Assessment::not_assessed(format!("not in the inventory: {missing}")),
            None => Assessment::not_applicable(
                Cause::NotApplicableByCondition,
                Some("no management port is open to the Internet".to_owned()),
            ),
        });
    }
    if !any_policy {
        return Some(Assessment::not_assessed(
            "management ports are open, but the inventory holds no just-in-time policy (securityresources not exported?)",
        ));
    }
    Some(Assessment::unhealthy(Some(format!(
        "no just-in-time policy covers the VM; management ports open: {}",
        open.join("; ")
    ))))
}
