//! **What**: an Internet-facing virtual machine (a NIC with a public IP address) must have a network
//! security group on each NIC or on the NIC's subnet.
//!
//! **Why**: without an NSG every port of the machine is reachable from the Internet. Defender computes
//! this assessment itself (policy f6de0be7 is an `AuditIfNotExists` on `Microsoft.Security/assessments`);
//! this rule recomputes it from the VM, its NICs, subnets and NSGs. VMs reachable only through a load
//! balancer are not seen as Internet-facing here (the export does not tie the load balancer to the VM).
//!
//! **Remediation**: associate an NSG with the NIC or its subnet, allowing only the required traffic.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::network::{short, vm_nic_paths, VM_NETWORK_TYPES, VM_TYPES};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "AZ-NET-002",
    provider: Provider::Azure,
    title: "Internet-facing virtual machines should be protected with network security groups",
    recommendation: "f6de0be7-9a8a-4b8a-b349-43cf02d22f7c",
    subject_types: VM_TYPES,
    related_types: VM_NETWORK_TYPES,
};

/// The check: applicable only to VMs with a public IP on some NIC.
#[must_use]
pub fn check(vm: &Value, related: &Related, _params: &Params) -> Option<Assessment> {
    let resolved = vm_nic_paths(vm, related);
    let paths = match &*resolved {
        Ok(p) => p,
        Err(e) => return Some(Assessment::not_assessed(e.reason())),
    };
    if !paths.iter().any(|p| p.public_ip) {
        return None;
    }
    nsg_verdict(paths.iter().filter(|p| p.public_ip))
}

/// Shared with the non-Internet-facing rule: unhealthy if a NIC has no NSG in its path.
pub(crate) fn nsg_verdict<'a>(
    paths: impl Iterator<Item = &'a super::network::NicPath>,
) -> Option<Assessment> {
    let mut bare = Vec::new();
    let mut unknown = None;
    for path in paths {
        if path.nsgs.is_empty() {
            if path.missing.is_empty() {
                bare.push(short(&path.id).to_owned());
            } else {
                unknown = unknown.or_else(|| Some(path.missing.join(", ")));
            }
        }
    }
    if !bare.is_empty() {
        return Some(Assessment::unhealthy(Some(format!(
            "no network security group on network interface(s) {} or their subnets",
            bare.join(", ")
        ))));
    }
    if let Some(missing) = unknown {
        return Some(Assessment::not_assessed(format!(
            "not in the inventory: {missing}"
        )));
    }
    Some(Assessment::healthy())
}
