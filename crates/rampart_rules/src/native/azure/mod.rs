//! Native rules for Azure, computed from what an Azure Resource Graph export holds.

pub(crate) mod network;

pub mod internal_vm_nsg;
pub mod internet_facing_vm_nsg;
pub mod management_ports_closed;
pub mod subnet_nsg;
pub mod vm_ip_forwarding;
pub mod vm_nsg_ports_restricted;
