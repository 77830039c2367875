//! **What**: a virtual machine with no public IP address must still have a network security group on
//! each NIC or on the NIC's subnet.
//!
//! **Why**: NSGs limit lateral movement inside the virtual network. Defender computes this assessment
//! itself (policy bb91dfba is an `AuditIfNotExists` on `Microsoft.Security/assessments`); this rule
//! recomputes it from the VM, its NICs, subnets and NSGs.
//!
//! **Remediation**: associate an NSG with the NIC or its subnet, allowing only the required traffic.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::internet_facing_vm_nsg::nsg_verdict;
use super::network::{vm_nic_paths, VM_NETWORK_TYPES, VM_TYPES};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "AZ-NET-003",
    provider: Provider::Azure,
    title: "Non-internet-facing virtual machines should be protected with network security groups",
    recommendation: "bb91dfba-c30d-4263-9add-9c2384e659a6",
    subject_types: VM_TYPES,
    related_types: VM_NETWORK_TYPES,
};

/// The check: applicable only to VMs with no public IP on any NIC.
#[must_use]
pub fn check(vm: &Value, related: &Related, _params: &Params) -> Option<Assessment> {
    let resolved = vm_nic_paths(vm, related);
    let paths = match &*resolved {
        Ok(p) => p,
        Err(e) => return Some(Assessment::not_assessed(e.reason())),
    };
    if paths.iter().any(|p| p.public_ip) {
        return None;
    }
    nsg_verdict(paths.iter())
}
