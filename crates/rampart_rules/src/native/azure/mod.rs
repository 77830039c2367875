//! Native rules for Azure, computed from what an Azure Resource Graph export holds.

pub(crate) mod iam;
pub(crate) mod network;

pub mod internal_vm_nsg;
pub mod internet_facing_vm_nsg;
pub mod machine_system_updates;
pub mod management_ports_closed;
pub mod subnet_nsg;
pub mod subscription_max_three_owners;
pub mod subscription_more_than_one_owner;
pub mod vm_ip_forwarding;
pub mod vm_jit_access;
pub mod vm_nsg_ports_restricted;
pub mod vnet_ddos_protection;
