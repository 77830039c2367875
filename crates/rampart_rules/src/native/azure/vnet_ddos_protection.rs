//! **What**: a virtual network that hosts an Application Gateway with a public frontend IP must have DDoS
//! Protection enabled (`properties.enableDdosProtection: true` with a `ddosProtectionPlan`).
//!
//! **Why**: public-facing applications are the targets of volumetric and protocol attacks; DDoS Network
//! Protection mitigates them. Defender computes this assessment itself (policy a7aca53f is an
//! `AuditIfNotExists` on `Microsoft.Security/assessments`) for "virtual networks with Application Gateway
//! resources unprotected by the DDoS protection service … \[that\] contain public IPs"; this rule recomputes
//! it from the virtual network and the Application Gateways whose gateway subnet lies in it. Virtual
//! networks without such a gateway are not applicable.
//!
//! **Remediation**: create a DDoS protection plan and associate it with the virtual network.

use crate::native::PointerExt as _;
use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::network::short;
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "AZ-NET-007",
    provider: Provider::Azure,
    title: "Azure DDoS Protection should be enabled",
    recommendation: "a7aca53f-2ed4-4466-a25e-0b45ade68efd",
    subject_types: &["microsoft.network/virtualnetworks"],
    related_types: &[APP_GATEWAYS],
};

pub(crate) const APP_GATEWAYS: &str = "microsoft.network/applicationgateways";

/// Subnet ids of a gateway's IP configurations.
pub(crate) fn gateway_subnets(gw: &Value) -> impl Iterator<Item = &str> {
    gw.at("/properties/gatewayIPConfigurations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.at("/properties/subnet/id").and_then(Value::as_str))
}

/// Whether a gateway has a frontend with a public IP address.
pub(crate) fn has_public_frontend(gw: &Value) -> bool {
    gw.at("/properties/frontendIPConfigurations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|f| f.at("/properties/publicIPAddress/id").is_some())
}

fn in_vnet(subnet_id: &str, vnet_id: &str) -> bool {
    let s = subnet_id.to_ascii_lowercase();
    s.starts_with(&format!("{}/subnets/", vnet_id.to_ascii_lowercase()))
}

/// The check.
#[must_use]
pub fn check(vnet: &Value, related: &Related, _params: &Params) -> Option<Assessment> {
    let vnet_id = vnet.get("id").and_then(Value::as_str)?;
    let gateways = related.public_gateways_in(vnet_id).unwrap_or_else(|| {
        related
            .of_type(APP_GATEWAYS)
            .filter(|gw| gateway_subnets(gw).any(|s| in_vnet(s, vnet_id)))
            .filter(|gw| has_public_frontend(gw))
            .collect()
    });
    let public_gateways: Vec<&str> = gateways
        .into_iter()
        .filter_map(|gw| gw.get("id").and_then(Value::as_str))
        .collect();
    if public_gateways.is_empty() {
        return None;
    }
    let enabled = vnet
        .at("/properties/enableDdosProtection")
        .and_then(Value::as_bool)
        == Some(true);
    let plan = vnet
        .at("/properties/ddosProtectionPlan/id")
        .and_then(Value::as_str)
        .is_some();
    if enabled && plan {
        Some(Assessment::healthy())
    } else {
        let names: Vec<&str> = public_gateways.iter().map(|id| short(id)).collect();
        Some(Assessment::unhealthy(Some(format!(
            "DDoS Protection is not enabled on the virtual network, which hosts public Application Gateway(s) {}",
            names.join(", ")
        ))))
    }
}
