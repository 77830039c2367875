//! The registry of native rules: one line per rule. Ids are stable and never reused; a retired rule
//! keeps its id out of use forever.

use super::azure;
use super::NativeRule;

/// Every native rule, in id order.
pub(crate) static RULES: &[NativeRule] = &[
    NativeRule {
        meta: &azure::management_ports_closed::META,
        check: azure::management_ports_closed::check,
    },
    NativeRule {
        meta: &azure::internet_facing_vm_nsg::META,
        check: azure::internet_facing_vm_nsg::check,
    },
    NativeRule {
        meta: &azure::internal_vm_nsg::META,
        check: azure::internal_vm_nsg::check,
    },
    NativeRule {
        meta: &azure::vm_ip_forwarding::META,
        check: azure::vm_ip_forwarding::check,
    },
    NativeRule {
        meta: &azure::subnet_nsg::META,
        check: azure::subnet_nsg::check,
    },
    NativeRule {
        meta: &azure::vm_nsg_ports_restricted::META,
        check: azure::vm_nsg_ports_restricted::check,
    },
];
