//! **What**: a subnet must be associated with a network security group. `GatewaySubnet`,
//! `AzureFirewallSubnet`, `AzureFirewallManagementSubnet`, `AzureBastionSubnet` and
//! `RouteServerSubnet` are not applicable (Azure forbids or ignores NSGs there; Defender lists the first
//! three as not applicable).
//!
//! **Why**: an NSG on the subnet filters traffic to every resource in it. Defender computes this
//! assessment itself (policy e71308d3 is an `AuditIfNotExists` on `Microsoft.Security/assessments`, off by
//! default in the MCSB initiative). Resource Graph exports subnets inside their virtual network, so the
//! subjects are subnet rows (`microsoft.network/virtualnetworks/subnets`) when an importer emits them;
//! the check itself needs nothing but the subnet.
//!
//! **Remediation**: associate an NSG with the subnet.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Cause, Provider};
use serde_json::Value;

use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "AZ-NET-005",
    provider: Provider::Azure,
    title: "Subnets should be associated with a Network Security Group",
    recommendation: "e71308d3-144b-4262-b144-efdc3cc90517",
    subject_types: &["microsoft.network/virtualnetworks/subnets"],
    related_types: &[],
};

const EXEMPT_SUBNETS: &[&str] = &[
    "gatewaysubnet",
    "azurefirewallsubnet",
    "azurefirewallmanagementsubnet",
    "azurebastionsubnet",
    "routeserversubnet",
];

/// The check.
#[must_use]
pub fn check(subnet: &Value, _related: &Related, _params: &Params) -> Option<Assessment> {
    let name = subnet
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if EXEMPT_SUBNETS.iter().any(|s| s.eq_ignore_ascii_case(name)) {
        return Some(Assessment::not_applicable(
            Cause::NotApplicableByCondition,
            Some(format!("{name} does not take a network security group")),
        ));
    }
    match subnet
        .at("/properties/networkSecurityGroup/id")
        .and_then(Value::as_str)
    {
        Some(_) => Some(Assessment::healthy()),
        None => Some(Assessment::unhealthy(Some(format!(
            "subnet {name} has no network security group"
        )))),
    }
}
