//! **What**: flags a virtual machine whose network security groups (NIC's or subnet's) have an inbound
//! rule allowing traffic from `Internet` / `Any` / `*` / `0.0.0.0/0`, on any port.
//!
//! **Why**: inbound rules should allow only specific sources. Defender computes this assessment itself
//! (policy 9daedab3 is an `AuditIfNotExists` on `Microsoft.Security/assessments`); this rule recomputes it
//! from the user-defined security rules of the NSGs in front of the VM. A VM with no NSG at all is not
//! applicable here (the "protected with network security groups" rules flag it).
//!
//! **Remediation**: replace Internet-wide inbound allow rules with rules for specific source ranges.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::network::{internet_allow_rules, short, vm_nic_paths, VM_NETWORK_TYPES, VM_TYPES};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "AZ-NET-006",
    provider: Provider::Azure,
    title: "All network ports should be restricted on network security groups associated to your virtual machine",
    recommendation: "9daedab3-fb2d-461e-b861-71790eead4f6",
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
    let mut permissive = Vec::new();
    let mut any_nsg = false;
    let mut unknown = None;
    for path in paths {
        for (id, nsg) in &path.nsgs {
            any_nsg = true;
            permissive.extend(
                internet_allow_rules(nsg)
                    .iter()
                    .map(|r| format!("{}/{r}", short(id))),
            );
        }
        if !path.missing.is_empty() {
            unknown = unknown.or_else(|| Some(path.missing.join(", ")));
        }
    }
    permissive.sort();
    permissive.dedup();
    if !permissive.is_empty() {
        return Some(Assessment::unhealthy(Some(format!(
            "inbound rules allow traffic from the Internet: {}",
            permissive.join(", ")
        ))));
    }
    if let Some(missing) = unknown {
        return Some(Assessment::not_assessed(format!(
            "not in the inventory: {missing}"
        )));
    }
    any_nsg.then(Assessment::healthy)
}
