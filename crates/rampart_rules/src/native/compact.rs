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

use serde_json::Value;

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

/// What the runner keeps of a document of this lower-case type.
pub(crate) fn compact(resource_type: &str, native: &Value) -> Value {
    match shape(resource_type) {
        // Building a `Value` from a `Value` does not fail; if it did, the whole document is kept,
        // which is always correct.
        Some(keep) => {
            serde_json::to_value(Projected(native, keep)).unwrap_or_else(|_| native.clone())
        }
        None => native.clone(),
    }
}

/// `compact(resource_type, native).to_string()`, written from the document itself: neither the
/// projection nor (for a type kept whole) a copy of the document is built first. A deferred
/// subject is kept as this text on the parse threads, once per subject resource.
pub(crate) fn compact_text(resource_type: &str, native: &Value) -> String {
    let written = match shape(resource_type) {
        Some(keep) => serde_json::to_string(&Projected(native, keep)),
        None => serde_json::to_string(native),
    };
    // Serialising a `Value` (string keys, finite numbers) does not fail.
    written.unwrap_or_else(|_| compact(resource_type, native).to_string())
}

/// A JSON value projected onto a [`Keep`], serialised as it is walked (into text, or into a `Value`
/// by [`compact`]): for an object, only the listed members (each projected in turn, in name order
/// as a `serde_json::Map` holds them); for an array, each element projected with the same shape;
/// anything else as it is.
struct Projected<'a>(&'a Value, &'a Keep);

impl serde::Serialize for Projected<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match (self.1, self.0) {
            (Keep::Fields(fields), Value::Object(members)) => {
                // The order `compact`'s `Value` has: a `serde_json::Map` orders members by name.
                let mut present: Vec<(&str, &Value, &Keep)> = fields
                    .iter()
                    .filter_map(|(name, sub)| members.get(*name).map(|v| (*name, v, sub)))
                    .collect();
                present.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut map = s.serialize_map(Some(present.len()))?;
                for (name, v, sub) in present {
                    map.serialize_entry(name, &Projected(v, sub))?;
                }
                map.end()
            }
            (Keep::Fields(_), Value::Array(items)) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Projected(item, self.1))?;
                }
                seq.end()
            }
            (_, value) => value.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The text written from the document is the projection's own text, for every shaped type and
    /// for a type kept whole, on documents with missing, extra, repeated and oddly typed members.
    #[test]
    fn compact_text_is_the_projections_text() {
        let types = [
            "microsoft.compute/virtualmachines",
            "microsoft.hybridcompute/machines",
            "microsoft.network/virtualnetworks",
            "microsoft.network/applicationgateways",
            "microsoft.security/locations/jitnetworkaccesspolicies",
            "microsoft.compute/virtualmachines/patchassessmentresults",
            "microsoft.authorization/roleassignments",
            "microsoft.resources/subscriptions",
            "microsoft.storage/storageaccounts",
        ];
        let docs = [
            json!({}),
            json!(null),
            json!([1, {"id": "x"}]),
            json!({
                "id": "/subscriptions/s/resourceGroups/r/providers/x/y/z \"q\"",
                "type": "t", "name": "n", "subscriptionId": "s", "zzz": 1, "aaa": [1, 2],
                "properties": {
                    "networkProfile": {"networkInterfaces": [{"id": "a", "x": 1}, {"y": 2}, 3, null]},
                    "enableDdosProtection": true,
                    "ddosProtectionPlan": {"id": "p", "other": {}},
                    "gatewayIPConfigurations": [{"properties": {"subnet": {"id": "s1"}, "b": 1}, "name": "g"}],
                    "frontendIPConfigurations": {"properties": {"publicIPAddress": {"id": "ip"}}},
                    "virtualMachines": [{"id": "vm", "ports": [22]}],
                    "status": "Succeeded",
                    "availablePatchCountByClassification": {"critical": 2, "security": 1.5},
                    "scope": "/", "roleDefinitionId": "r", "principalId": "p", "extra": "e"
                }
            }),
            json!({"id": 7, "properties": "not an object"}),
            json!({"properties": {"networkProfile": null, "virtualMachines": {"id": "single"}}}),
        ];
        for t in types {
            for doc in &docs {
                assert_eq!(
                    compact_text(t, doc),
                    compact(t, doc).to_string(),
                    "{t}: {doc}"
                );
            }
        }
        // What the projection keeps, spelled out: the listed members only, through arrays, scalars
        // where an object was expected as they are; a type without a shape whole.
        let doc = &docs[3];
        let id = "/subscriptions/s/resourceGroups/r/providers/x/y/z \"q\"";
        assert_eq!(
            compact("microsoft.compute/virtualmachines", doc),
            json!({"id": id, "type": "t", "properties": {"networkProfile": {
                "networkInterfaces": [{"id": "a"}, {}, 3, null]}}})
        );
        assert_eq!(
            compact(
                "microsoft.compute/virtualmachines/patchassessmentresults",
                doc
            ),
            json!({"id": id, "properties": {"status": "Succeeded",
                "availablePatchCountByClassification": {"critical": 2, "security": 1.5}}})
        );
        assert_eq!(
            compact(
                "microsoft.security/locations/jitnetworkaccesspolicies",
                &docs[5]
            ),
            json!({"properties": {"virtualMachines": {"id": "single"}}})
        );
        assert_eq!(
            compact("microsoft.resources/subscriptions", &docs[4]),
            json!({"id": 7})
        );
        assert_eq!(compact("microsoft.storage/storageaccounts", doc), *doc);
    }
}
