//! Maps one Azure Resource Graph row (the ARM resource object as `az graph query` prints it) to a
//! [`Resource`]: identity fields, tags, and the relationships that can be read cheaply and reliably
//! from well-known reference properties. The row itself becomes `native`, unchanged.
//!
//! Invariant: type names are compared case-insensitively (ARG lower-cases `type`, ARM does not);
//! ids found in references are kept verbatim (ARM ids are case-insensitive: compare them so).

use std::collections::BTreeMap;

use rampart_model::{Provider, Relationship, Resource};
use serde_json::{Map, Value};

use crate::error::FieldError;
use crate::reader::Derive;

/// Maps one row. The row must be an object with a string `id` and `type`; `name`, `subscriptionId`
/// and `resourceGroup` fall back to what the id says when absent. `derive` says whether to derive the
/// row's relationships and copy its tags (see [`crate::InventoryReader::derive_relationships`] and
/// [`crate::InventoryReader::read_tags`]).
pub(crate) fn row_to_resource(row: Value, derive: Derive) -> Result<Resource, FieldError> {
    let Value::Object(obj) = row else {
        return Err(FieldError {
            field: "(record)".to_owned(),
            problem: format!("expected an object, got {}", crate::error::json_kind(&row)),
        });
    };
    let members = Identity::of(&obj);
    let id = required_str(members.id, "id")?.to_owned();
    if id.is_empty() {
        return Err(FieldError {
            field: "id".to_owned(),
            problem: "empty".to_owned(),
        });
    }
    let resource_type = required_str(members.resource_type, "type")?.to_ascii_lowercase();
    let parsed = ParsedId::parse(&id);
    let name = match optional_str(members.name, "name")? {
        Some(n) => n.to_owned(),
        None => parsed
            .name
            .map(str::to_owned)
            .ok_or_else(|| FieldError::missing("name"))?,
    };
    let scope = match optional_str(members.subscription, "subscriptionId")? {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => parsed
            .subscription
            .map(str::to_owned)
            .ok_or_else(|| FieldError::missing("subscriptionId"))?,
    };
    let resource_group = match optional_str(members.resource_group, "resourceGroup")? {
        Some(rg) if !rg.is_empty() => Some(rg.to_ascii_lowercase()),
        _ => parsed.resource_group.map(str::to_ascii_lowercase),
    };
    let region = optional_str(members.location, "location")?
        .filter(|l| !l.is_empty())
        .map(str::to_owned);
    let tags = if derive.tags {
        tags(members.tags)?
    } else {
        check_tags(members.tags)?;
        BTreeMap::new()
    };
    let relationships = if derive.relationships {
        self::relationships(&obj, &id, &resource_type)
    } else {
        Vec::new()
    };
    Ok(Resource {
        provider: Provider::Azure,
        scope,
        region,
        resource_group,
        resource_type,
        id,
        name,
        tags,
        native: Value::Object(obj),
        relationships,
    })
}

/// The identity members of a row, found in one pass over its members (a row has ~15-20; looking
/// each of the seven up in the B-tree took ~35 key comparisons). Keys match exactly, as `get` does.
#[derive(Default)]
struct Identity<'a> {
    id: Option<&'a Value>,
    resource_type: Option<&'a Value>,
    name: Option<&'a Value>,
    subscription: Option<&'a Value>,
    resource_group: Option<&'a Value>,
    location: Option<&'a Value>,
    tags: Option<&'a Value>,
}

impl<'a> Identity<'a> {
    fn of(obj: &'a Map<String, Value>) -> Self {
        let mut m = Identity::default();
        for (k, v) in obj {
            let slot = match k.as_str() {
                "id" => &mut m.id,
                "type" => &mut m.resource_type,
                "name" => &mut m.name,
                "subscriptionId" => &mut m.subscription,
                "resourceGroup" => &mut m.resource_group,
                "location" => &mut m.location,
                "tags" => &mut m.tags,
                _ => continue,
            };
            *slot = Some(v);
        }
        m
    }
}

fn required_str<'a>(member: Option<&'a Value>, field: &str) -> Result<&'a str, FieldError> {
    match member {
        None | Some(Value::Null) => Err(FieldError::missing(field)),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(FieldError::wrong_type(field, "a string", other)),
    }
}

fn optional_str<'a>(member: Option<&'a Value>, field: &str) -> Result<Option<&'a str>, FieldError> {
    match member {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(FieldError::wrong_type(field, "a string", other)),
    }
}

/// The `tags` member must be an object or null (or absent), whether or not the tags are copied.
fn check_tags(member: Option<&Value>) -> Result<(), FieldError> {
    match member {
        None | Some(Value::Null | Value::Object(_)) => Ok(()),
        Some(other) => Err(FieldError::wrong_type("tags", "an object", other)),
    }
}

/// Tags: string values as they are, any other value as its JSON text (ARG can hold numbers and
/// booleans there when tags were set through templates).
fn tags(member: Option<&Value>) -> Result<BTreeMap<String, String>, FieldError> {
    check_tags(member)?;
    match member {
        Some(Value::Object(map)) => Ok(map
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    // Integers as serde_json writes them (the same digits), without going through
                    // its formatter: cost centres are often numbers.
                    Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                        (Some(u), _) => u.to_string(),
                        (None, Some(i)) => i.to_string(),
                        _ => n.to_string(),
                    },
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect()),
        _ => Ok(BTreeMap::new()),
    }
}

/// The parts of an ARM id: `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}]*`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ParsedId<'a> {
    pub(crate) subscription: Option<&'a str>,
    pub(crate) resource_group: Option<&'a str>,
    pub(crate) name: Option<&'a str>,
}

impl<'a> ParsedId<'a> {
    pub(crate) fn parse(id: &'a str) -> Self {
        let mut out = ParsedId::default();
        // Segments in pairs (`subscriptions/{s}`, `resourceGroups/{rg}`) until `providers`; the name
        // is the last segment of an id with two or more. Runs for every row: no allocation.
        let mut segments = segments(id);
        let (mut count, mut last, mut pairs) = (0usize, None, true);
        while let Some(key) = segments.next() {
            count += 1;
            last = Some(key);
            if !pairs {
                continue;
            }
            let Some(value) = segments.next() else {
                break;
            };
            count += 1;
            last = Some(value);
            if key.eq_ignore_ascii_case("subscriptions") && out.subscription.is_none() {
                out.subscription = Some(value);
            } else if key.eq_ignore_ascii_case("resourcegroups") && out.resource_group.is_none() {
                out.resource_group = Some(value);
            } else if key.eq_ignore_ascii_case("providers") {
                pairs = false;
            }
        }
        out.name = last.filter(|_| count >= 2);
        out
    }
}

/// The non-empty `/`-separated segments of `s` (found with `memchr`, not a per-byte search).
fn segments(s: &str) -> impl Iterator<Item = &str> {
    let mut from = 0;
    memchr::memchr_iter(b'/', s.as_bytes())
        .chain(std::iter::once(s.len()))
        .filter_map(move |at| {
            let seg = &s[from..at];
            from = at + 1;
            (!seg.is_empty()).then_some(seg)
        })
}

/// The parent of a child resource id (`.../providers/ns/t1/n1/t2/n2` → `.../providers/ns/t1/n1`), or
/// `None` for a top-level resource.
pub(crate) fn parent_id(id: &str) -> Option<&str> {
    let lower_pos = find_ci(id, "/providers/")?;
    let after = &id[lower_pos + "/providers/".len()..];
    // namespace/type/name = 3 segments for a top-level resource; a child adds pairs.
    let n = segments(after).count();
    if n < 5 || n.is_multiple_of(2) {
        return None;
    }
    let cut = id.trim_end_matches('/').rfind('/')?;
    let cut = id[..cut].rfind('/')?;
    Some(&id[..cut])
}

/// The resource an extension resource is attached to (`{scope}/providers/Microsoft.Security/assessments/x`
/// → `{scope}`), when the scope is itself a resource (not a subscription or resource group).
pub(crate) fn extended_id(id: &str) -> Option<&str> {
    let last = find_ci(id, "/providers/")?;
    let scope = &id[..last];
    find_ci(scope, "/providers/").map(|_| scope)
}

/// The last occurrence of `needle` (which starts with `/`), ASCII case-insensitively. Walks the
/// slashes from the end: ids are short and this runs for every row.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    memchr::memrchr_iter(b'/', h)
        .find(|&p| h.len() - p >= n.len() && h[p..p + n.len()].eq_ignore_ascii_case(n))
}

/// Follows a dotted path of object keys.
fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, key| v.get(key))
}

fn id_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path)?.as_str().filter(|s| !s.is_empty())
}

fn array_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    get(v, path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

struct Edges(Vec<Relationship>);

impl Edges {
    fn push(&mut self, kind: &str, target: Option<&str>) {
        if let Some(target) = target {
            let dup = self
                .0
                .iter()
                .any(|r| r.kind == kind && r.target.eq_ignore_ascii_case(target));
            if !dup {
                self.0.push(Relationship {
                    kind: kind.to_owned(),
                    target: target.to_owned(),
                });
            }
        }
    }
}

/// Relationship kinds this importer emits (snake case, directed from the row's resource):
/// `child_of` (child resource → parent), `extension_of` (extension resource such as a Defender
/// assessment or diagnostic setting → the resource it is attached to), `managed_by`, `has_network_interface` and `has_disk`
/// (VM), `member_of` (NIC ip configuration / private endpoint / AKS pool → subnet), `protected_by`
/// (NIC or subnet → NSG), `protects` (NSG → subnet or NIC), `has_public_ip` (NIC → public IP),
/// `attached_to` (public IP → NIC), `contains` (VNet → subnet), `hosted_on` (web app → plan),
/// `connects_to` (private endpoint → target), `has_private_endpoint` (resource → private endpoint).
fn relationships(obj: &Map<String, Value>, id: &str, ty: &str) -> Vec<Relationship> {
    let mut e = Edges(Vec::new());
    e.push("child_of", parent_id(id));
    e.push("extension_of", extended_id(id));
    e.push(
        "managed_by",
        obj.get("managedBy")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty()),
    );
    let Some(props) = obj.get("properties").filter(|p| p.is_object()) else {
        return e.0;
    };
    match ty {
        "microsoft.compute/virtualmachines" => {
            for nic in array_at(props, &["networkProfile", "networkInterfaces"]) {
                e.push("has_network_interface", id_at(nic, &["id"]));
            }
            e.push(
                "has_disk",
                id_at(props, &["storageProfile", "osDisk", "managedDisk", "id"]),
            );
            for disk in array_at(props, &["storageProfile", "dataDisks"]) {
                e.push("has_disk", id_at(disk, &["managedDisk", "id"]));
            }
        }
        "microsoft.network/networkinterfaces" => {
            e.push(
                "protected_by",
                id_at(props, &["networkSecurityGroup", "id"]),
            );
            for ipc in array_at(props, &["ipConfigurations"]) {
                e.push("member_of", id_at(ipc, &["properties", "subnet", "id"]));
                e.push(
                    "has_public_ip",
                    id_at(ipc, &["properties", "publicIPAddress", "id"]),
                );
            }
            e.push("attached_to", id_at(props, &["virtualMachine", "id"]));
        }
        "microsoft.network/networksecuritygroups" => {
            for s in array_at(props, &["subnets"]) {
                e.push("protects", id_at(s, &["id"]));
            }
            for nic in array_at(props, &["networkInterfaces"]) {
                e.push("protects", id_at(nic, &["id"]));
            }
        }
        "microsoft.network/virtualnetworks" => {
            for s in array_at(props, &["subnets"]) {
                e.push("contains", id_at(s, &["id"]));
            }
        }
        "microsoft.network/virtualnetworks/subnets" => {
            e.push(
                "protected_by",
                id_at(props, &["networkSecurityGroup", "id"]),
            );
        }
        "microsoft.network/publicipaddresses" => {
            // The ip configuration is a child of the NIC (or load balancer, gateway): point at that.
            let ipc = id_at(props, &["ipConfiguration", "id"]);
            e.push("attached_to", ipc.map(|i| parent_id(i).unwrap_or(i)));
        }
        "microsoft.network/privateendpoints" => {
            e.push("member_of", id_at(props, &["subnet", "id"]));
            for c in array_at(props, &["privateLinkServiceConnections"])
                .iter()
                .chain(array_at(props, &["manualPrivateLinkServiceConnections"]))
            {
                e.push(
                    "connects_to",
                    id_at(c, &["properties", "privateLinkServiceId"]),
                );
            }
        }
        "microsoft.web/sites" | "microsoft.web/sites/slots" => {
            e.push("hosted_on", id_at(props, &["serverFarmId"]));
        }
        "microsoft.containerservice/managedclusters" => {
            for pool in array_at(props, &["agentPoolProfiles"]) {
                e.push("member_of", id_at(pool, &["vnetSubnetID"]));
            }
        }
        _ => {}
    }
    for pec in array_at(props, &["privateEndpointConnections"]) {
        e.push(
            "has_private_endpoint",
            id_at(pec, &["properties", "privateEndpoint", "id"]),
        );
    }
    e.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tag values that are not strings are their JSON text, as serde_json writes it; integers take
    /// a shorter path that must give the same digits.
    #[test]
    fn non_string_tags_are_their_json_text() {
        let values = serde_json::json!({
            "a": 0, "b": 1038, "c": -7, "d": u64::MAX, "e": i64::MIN, "f": 1.5, "g": 1e300,
            "h": true, "i": null, "j": [1, "x"], "k": {"x": 1}, "l": "text"
        });
        let tags = tags(Some(&values)).expect("an object");
        let Value::Object(map) = &values else {
            unreachable!()
        };
        for (k, v) in map {
            let want = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(tags[k], want, "{k}");
        }
        assert_eq!(tags["d"], "18446744073709551615");
        assert_eq!(tags["e"], "-9223372036854775808");
    }

    const NO_RELATIONSHIPS: Derive = Derive {
        relationships: false,
        tags: true,
    };

    /// Without tags a row maps to the same resource less its tags (its document keeps them), and
    /// a `tags` member of the wrong type is still an error.
    #[test]
    fn tags_off_leaves_only_the_tags_out() {
        let no_tags = Derive {
            relationships: true,
            tags: false,
        };
        let row = serde_json::json!({
            "id": "/subscriptions/s1/resourceGroups/rg/providers/a.b/c/n", "type": "a.b/c",
            "tags": {"env": "prod", "cost": 12}, "properties": {"x": 1}
        });
        let mut with = row_to_resource(row.clone(), Derive::ALL).expect("maps");
        let without = row_to_resource(row, no_tags).expect("maps");
        assert_eq!(with.tags.len(), 2);
        assert!(without.tags.is_empty());
        assert_eq!(without.native["tags"]["env"], "prod");
        with.tags.clear();
        assert_eq!(with, without);
        for (tags, ok) in [
            (serde_json::json!(null), true),
            (serde_json::json!({}), true),
            (serde_json::json!(["env"]), false),
            (serde_json::json!("env=prod"), false),
        ] {
            let row = serde_json::json!({
                "id": "/subscriptions/s1/resourceGroups/rg/providers/a.b/c/n", "type": "a.b/c",
                "tags": tags
            });
            let on = row_to_resource(row.clone(), Derive::ALL).map(|_| ());
            let off = row_to_resource(row, no_tags).map(|_| ());
            assert_eq!(on.is_ok(), ok, "{tags}");
            assert_eq!(
                on.map_err(|e| (e.field, e.problem)),
                off.map_err(|e| (e.field, e.problem)),
                "{tags}"
            );
        }
    }

    /// The one-pass reading of the identity members: other keys and case variants are not taken,
    /// and the errors are those of the lookups.
    #[test]
    fn identity_members_are_read_exactly() {
        let row = serde_json::json!({
            "ID": "/wrong", "id": "/subscriptions/s1/resourceGroups/RG/providers/a.b/c/n",
            "type": "A.B/C", "Name": "wrong", "location": "", "tags": {"x": "y"}, "other": 1
        });
        let r = row_to_resource(row, NO_RELATIONSHIPS).expect("maps");
        assert_eq!(
            r.id,
            "/subscriptions/s1/resourceGroups/RG/providers/a.b/c/n"
        );
        assert_eq!((r.name.as_str(), r.scope.as_str()), ("n", "s1"));
        assert_eq!(r.resource_group.as_deref(), Some("rg"));
        assert_eq!((r.region, r.resource_type.as_str()), (None, "a.b/c"));
        let err = row_to_resource(serde_json::json!({"id": "/x", "type": 5}), NO_RELATIONSHIPS)
            .expect_err("type is not a string");
        assert_eq!(err.field, "type");
        let err =
            row_to_resource(serde_json::json!({"type": "t"}), NO_RELATIONSHIPS).expect_err("no id");
        assert_eq!(err.field, "id");
    }

    #[test]
    fn parses_ids() {
        let id = "/subscriptions/S1/resourceGroups/RG-A/providers/Microsoft.Compute/virtualMachines/vm1/extensions/ext";
        let p = ParsedId::parse(id);
        assert_eq!(p.subscription, Some("S1"));
        assert_eq!(p.resource_group, Some("RG-A"));
        assert_eq!(p.name, Some("ext"));
        assert_eq!(
            parent_id(id),
            Some("/subscriptions/S1/resourceGroups/RG-A/providers/Microsoft.Compute/virtualMachines/vm1")
        );
        assert_eq!(parent_id("/subscriptions/S1/resourceGroups/RG-A/providers/Microsoft.Compute/virtualMachines/vm1"), None);
        assert_eq!(parent_id("/subscriptions/S1"), None);
        let assessment = format!("{id}/providers/Microsoft.Security/assessments/bc303248");
        assert_eq!(extended_id(&assessment), Some(id));
        assert_eq!(
            extended_id("/subscriptions/S1/providers/Microsoft.Security/pricings/VirtualMachines"),
            None
        );
    }

    /// The allocation-free parse gives what the plain reading of the grammar gives (segments
    /// collected, then read in pairs), on ids with empty segments, odd counts and mixed case.
    #[test]
    fn parsed_id_matches_the_collected_segments_reading() {
        fn reference(id: &str) -> ParsedId<'_> {
            let mut out = ParsedId::default();
            let segs: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
            let mut i = 0;
            while i + 1 < segs.len() {
                let key = segs[i];
                if key.eq_ignore_ascii_case("subscriptions") && out.subscription.is_none() {
                    out.subscription = Some(segs[i + 1]);
                } else if key.eq_ignore_ascii_case("resourcegroups") && out.resource_group.is_none()
                {
                    out.resource_group = Some(segs[i + 1]);
                } else if key.eq_ignore_ascii_case("providers") {
                    break;
                }
                i += 2;
            }
            out.name = segs.last().copied().filter(|_| segs.len() >= 2);
            out
        }
        for id in [
            "",
            "/",
            "//",
            "x",
            "/subscriptions",
            "/subscriptions/s1",
            "/subscriptions/s1/",
            "//subscriptions//s1//resourcegroups/rg//",
            "/SUBSCRIPTIONS/s1/RESOURCEGROUPS/rg/PROVIDERS/ns/t/n",
            "/subscriptions/s1/subscriptions/s2/resourceGroups/a/resourceGroups/b",
            "/subscriptions/s1/resourceGroups/rg/providers/ns/t/n/providers/x/y/z",
            "/providers/Microsoft.Management/managementGroups/mg1",
            "/subscriptions/s1/odd",
            "subscriptions/s1/resourceGroups/rg/providers/ns/t/n/c/m",
            "/subscriptions/s1/resourceGroups/rg/providers/ns/t/n/c/m",
        ] {
            assert_eq!(ParsedId::parse(id), reference(id), "{id:?}");
            let after = id.find("/providers/").map_or("", |p| &id[p + 11..]);
            assert_eq!(
                segments(after).count(),
                after.split('/').filter(|s| !s.is_empty()).count(),
                "{id:?}"
            );
        }
    }
}
