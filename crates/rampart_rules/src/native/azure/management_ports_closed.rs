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

use super::network::{allows_from_internet, short, vm_nic_paths, VM_NETWORK_TYPES, VM_TYPES};
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

/// Remote management ports Defender checks.
const MANAGEMENT_PORTS: [u16; 4] = [22, 3389, 5985, 5986];

/// The check.
#[must_use]
pub fn check(vm: &Value, related: &Related, _params: &Params) -> Option<Assessment> {
    let paths = match vm_nic_paths(vm, related) {
        Ok(p) => p,
        Err(e) => return Some(Assessment::not_assessed(e.reason())),
    };
    let mut open = Vec::new();
    let mut unknown = Vec::new();
    for path in &paths {
        for port in MANAGEMENT_PORTS {
            if path.nsgs.is_empty() {
                if !path.missing.is_empty() {
                    unknown.push(path.missing.join(", "));
                } else if path.public_ip {
                    open.push(format!(
                        "{port} (NIC {} has a public IP and no NSG)",
                        short(&path.id)
                    ));
                }
                continue;
            }
            let verdicts: Vec<Option<String>> = path
                .nsgs
                .iter()
                .map(|(_, nsg)| allows_from_internet(nsg, port))
                .collect();
            if verdicts.iter().any(Option::is_none) {
                continue; // a known NSG closes it
            }
            if !path.missing.is_empty() {
                unknown.push(path.missing.join(", "));
                continue;
            }
            let by: Vec<String> = path
                .nsgs
                .iter()
                .zip(&verdicts)
                .map(|((id, _), rule)| {
                    format!("{}/{}", short(id), rule.as_deref().unwrap_or_default())
                })
                .collect();
            open.push(format!(
                "{port} (allowed from the Internet by {})",
                by.join(" and ")
            ));
        }
    }
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
