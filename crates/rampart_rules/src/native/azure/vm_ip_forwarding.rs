//! **What**: flags a virtual machine with IP forwarding enabled on any of its network interfaces.
//!
//! **Why**: IP forwarding lets the machine receive traffic addressed to other destinations; it is rarely
//! needed (network virtual appliances) and should be reviewed. Defender computes this assessment itself
//! (policy bd352bd5 is an `AuditIfNotExists` on `Microsoft.Security/assessments`); this rule reads
//! `enableIPForwarding` on the VM's NICs.
//!
//! **Remediation**: disable IP forwarding on the NIC (IP configurations > IP forwarding) unless the VM is
//! a network virtual appliance.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::network::{short, vm_nic_paths, VM_TYPES};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "AZ-NET-004",
    provider: Provider::Azure,
    title: "IP Forwarding on your virtual machine should be disabled",
    recommendation: "bd352bd5-2853-4985-bf0d-73806b4a5744",
    subject_types: VM_TYPES,
    related_types: &["microsoft.network/networkinterfaces"],
};

/// The check.
#[must_use]
pub fn check(vm: &Value, related: &Related, _params: &Params) -> Option<Assessment> {
    let resolved = vm_nic_paths(vm, related);
    let paths = match &*resolved {
        Ok(p) => p,
        Err(e) => return Some(Assessment::not_assessed(e.reason())),
    };
    let forwarding: Vec<&str> = paths
        .iter()
        .filter(|p| p.nic.ip_forwarding)
        .map(|p| short(&p.id))
        .collect();
    if forwarding.is_empty() {
        Some(Assessment::healthy())
    } else {
        Some(Assessment::unhealthy(Some(format!(
            "IP forwarding enabled on network interface(s) {}",
            forwarding.join(", ")
        ))))
    }
}
