//! **What**: flags a virtual machine whose network security groups let the whole Internet reach a remote
//! management port: TCP 22 (SSH), 3389 (RDP), 5985 or 5986 (WinRM).
//!
//! **Why**: open management ports are the first target of brute-force and credential-stuffing attacks.
//! Defender computes this assessment itself (its policy 22730e10 is only an `AuditIfNotExists` on
//! `Microsoft.Security/assessments`); this rule recomputes it from the VM, its NICs, their subnets and the
//! NSGs in an inventory. A port is open when every NSG in the inbound path (subnet's, then NIC's) lets TCP
//! traffic from `Internet` / `Any` / `*` / `0.0.0.0/0` through to it, first matching rule by priority
//! deciding; a NIC with no NSG at all is open only if it has a public IP address.
//!
//! **Remediation**: remove or narrow the inbound rules that allow those ports from the Internet; use
//! just-in-time VM access or Azure Bastion for administration.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::network::{open_management_ports, vm_nic_paths, VM_NETWORK_TYPES, VM_TYPES};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "AZ-NET-001",
    provider: Provider::Azure,
    title: "Management ports should be closed on your virtual machines",
    recommendation: "22730e10-96f6-4aac-ad84-9383d35b5917",
    subject_types: VM_TYPES,
    related_types: VM_NETWORK_TYPES,
};

/// The check.
#[must_use]
pub fn check(vm: &Value, related: &Related, _params: &Params) -> Option<Assessment> {
    let resolved = vm_nic_paths(vm, related);
    let paths = match &*resolved {
        Ok(p) => p,
        Err(e) => return Some(Assessment::not_assessed(e.reason())),
    };
    let (open, unknown) = open_management_ports(paths);
    if !open.is_empty() {
        return Some(Assessment::unhealthy(Some(format!(
            "management ports open: {}",
            open.join("; ")
        ))));
    }
    if let Some(first) = unknown.first() {
        return Some(Assessment::not_assessed(format!(
            "not in the inventory: {first}"
        )));
    }
    Some(Assessment::healthy())
}
