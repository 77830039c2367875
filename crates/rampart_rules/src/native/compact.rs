//! What the runner keeps of a resource it must remember until `finish` (a deferred subject or a related
//! resource): a projection of its native document onto the fields the native rules read, so that a
//! million-resource stream retains a few hundred bytes per remembered resource instead of the whole
//! ARM document.
//!
//! Network interfaces, subnets and network security groups are not kept as JSON at all but as the
//! typed summaries of `azure::network` (they are the bulk of what cross-resource rules remember).
//!
//! Invariant: for every type listed in [`shape`], the projection holds every field any deferred check
//! or the shared analyses (`azure::network`, `azure::iam`) read from a document of that type, at the
//! same JSON pointer. A rule that starts reading another field of such a type must add it here (the
//! fixtures run through the same projection, so a missing field shows there). A type not listed is
//! kept whole, which is always correct.

use serde_json::{Map, Value};

/// Which fields of a JSON value to keep.
#[derive(Debug)]
pub(crate) enum Keep {
    /// The value as it is.
    All,
    /// For an object, only these members (each projected in turn); for an array, each element
    /// projected with this same shape; a scalar is kept as it is.
    Fields(&'static [(&'static str, Keep)]),
}

/// `{ "id": ... }` of a reference.
const ID: Keep = Keep::Fields(&[("id", Keep::All)]);

/// Virtual machines: what `network::vm_nic_paths`, JIT coverage and update results look up.
const VM: Keep = Keep::Fields(&[
    ("id", Keep::All),
    ("type", Keep::All),
    (
        "properties",
        Keep::Fields(&[("networkProfile", Keep::Fields(&[("networkInterfaces", ID)]))]),
    ),
]);

/// A virtual network as a DDoS subject; its subnets are indexed separately (see `Related`).
const VNET: Keep = Keep::Fields(&[
    ("id", Keep::All),
    (
        "properties",
        Keep::Fields(&[
            ("enableDdosProtection", Keep::All),
            ("ddosProtectionPlan", ID),
        ]),
    ),
]);

const APP_GATEWAY: Keep = Keep::Fields(&[
    ("id", Keep::All),
    (
        "properties",
        Keep::Fields(&[
            (
                "gatewayIPConfigurations",
                Keep::Fields(&[("properties", Keep::Fields(&[("subnet", ID)]))]),
            ),
            (
                "frontendIPConfigurations",
                Keep::Fields(&[("properties", Keep::Fields(&[("publicIPAddress", ID)]))]),
            ),
        ]),
    ),
]);

const JIT_POLICY: Keep = Keep::Fields(&[
    ("id", Keep::All),
    ("properties", Keep::Fields(&[("virtualMachines", ID)])),
]);

const PATCH_RESULT: Keep = Keep::Fields(&[
    ("id", Keep::All),
    (
        "properties",
        Keep::Fields(&[
            ("status", Keep::All),
            ("availablePatchCountByClassification", Keep::All),
        ]),
    ),
]);

const ROLE_ASSIGNMENT: Keep = Keep::Fields(&[
    ("id", Keep::All),
    (
        "properties",
        Keep::Fields(&[
            ("scope", Keep::All),
            ("roleDefinitionId", Keep::All),
            ("principalId", Keep::All),
        ]),
    ),
]);

const SUBSCRIPTION: Keep = Keep::Fields(&[("id", Keep::All), ("subscriptionId", Keep::All)]);

const MACHINE: Keep = Keep::Fields(&[("id", Keep::All)]);

/// The projection for a lower-case type, or `None` to keep documents of that type whole.
pub(crate) fn shape(resource_type: &str) -> Option<&'static Keep> {
    Some(match resource_type {
        "microsoft.compute/virtualmachines" | "microsoft.classiccompute/virtualmachines" => &VM,
        "microsoft.hybridcompute/machines" => &MACHINE,
        "microsoft.network/virtualnetworks" => &VNET,
        "microsoft.network/applicationgateways" => &APP_GATEWAY,
        "microsoft.security/locations/jitnetworkaccesspolicies" => &JIT_POLICY,
        "microsoft.compute/virtualmachines/patchassessmentresults"
        | "microsoft.hybridcompute/machines/patchassessmentresults" => &PATCH_RESULT,
        "microsoft.authorization/roleassignments" => &ROLE_ASSIGNMENT,
        "microsoft.resources/subscriptions" => &SUBSCRIPTION,
        _ => return None,
    })
}

/// `value` projected onto `keep`.
pub(crate) fn project(value: &Value, keep: &Keep) -> Value {
    match (keep, value) {
        (Keep::All, _) => value.clone(),
        (Keep::Fields(fields), Value::Object(members)) => {
            let mut out = Map::new();
            for (name, sub) in *fields {
                if let Some(v) = members.get(*name) {
                    out.insert((*name).to_owned(), project(v, sub));
                }
            }
            Value::Object(out)
        }
        (Keep::Fields(_), Value::Array(items)) => {
            Value::Array(items.iter().map(|v| project(v, keep)).collect())
        }
        (Keep::Fields(_), scalar) => scalar.clone(),
    }
}

/// What the runner keeps of a document of this lower-case type.
pub(crate) fn compact(resource_type: &str, native: &Value) -> Value {
    match shape(resource_type) {
        Some(keep) => project(native, keep),
        None => native.clone(),
    }
}
