//! The registry of native rules: one line per rule. Ids are stable and never reused; a retired rule
//! keeps its id out of use forever.

use super::NativeRule;
use super::{azure, kubernetes, workload};

/// Every native rule, grouped by provider (order is irrelevant to evaluation).
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
    NativeRule {
        meta: &azure::machine_system_updates::META,
        check: azure::machine_system_updates::check,
    },
    NativeRule {
        meta: &azure::vm_jit_access::META,
        check: azure::vm_jit_access::check,
    },
    NativeRule {
        meta: &azure::vnet_ddos_protection::META,
        check: azure::vnet_ddos_protection::check,
    },
    NativeRule {
        meta: &azure::subscription_more_than_one_owner::META,
        check: azure::subscription_more_than_one_owner::check,
    },
    NativeRule {
        meta: &azure::subscription_max_three_owners::META,
        check: azure::subscription_max_three_owners::check,
    },
    NativeRule {
        meta: &kubernetes::ingress_https_only::META,
        check: kubernetes::ingress_https_only::check,
    },
    NativeRule {
        meta: &kubernetes::container_resource_limits::META,
        check: kubernetes::container_resource_limits::check,
    },
    NativeRule {
        meta: &kubernetes::block_host_namespace::META,
        check: kubernetes::block_host_namespace::check,
    },
    NativeRule {
        meta: &kubernetes::allowed_apparmor::META,
        check: kubernetes::allowed_apparmor::check,
    },
    NativeRule {
        meta: &kubernetes::allowed_capabilities::META,
        check: kubernetes::allowed_capabilities::check,
    },
    NativeRule {
        meta: &kubernetes::allowed_images::META,
        check: kubernetes::allowed_images::check,
    },
    NativeRule {
        meta: &kubernetes::read_only_root_filesystem::META,
        check: kubernetes::read_only_root_filesystem::check,
    },
    NativeRule {
        meta: &kubernetes::allowed_host_paths::META,
        check: kubernetes::allowed_host_paths::check,
    },
    NativeRule {
        meta: &kubernetes::allowed_users_groups::META,
        check: kubernetes::allowed_users_groups::check,
    },
    NativeRule {
        meta: &kubernetes::host_network_ports::META,
        check: kubernetes::host_network_ports::check,
    },
    NativeRule {
        meta: &kubernetes::service_allowed_ports::META,
        check: kubernetes::service_allowed_ports::check,
    },
    NativeRule {
        meta: &kubernetes::no_privilege::META,
        check: kubernetes::no_privilege::check,
    },
    NativeRule {
        meta: &kubernetes::block_automount_token::META,
        check: kubernetes::block_automount_token::check,
    },
    NativeRule {
        meta: &kubernetes::no_privilege_escalation::META,
        check: kubernetes::no_privilege_escalation::check,
    },
    NativeRule {
        meta: &kubernetes::disallowed_sys_admin::META,
        check: kubernetes::disallowed_sys_admin::check,
    },
    NativeRule {
        meta: &kubernetes::block_default_namespace::META,
        check: kubernetes::block_default_namespace::check,
    },
    NativeRule {
        meta: &workload::container_image_vulnerabilities::META,
        check: workload::container_image_vulnerabilities::check,
    },
    NativeRule {
        meta: &workload::machine_vulnerabilities::META,
        check: workload::machine_vulnerabilities::check,
    },
];
