//! The bundled demo estate: readable without errors, three subscriptions, good and bad resources.

use std::collections::BTreeMap;

use rampart_inventory::{demo_estate, InputKind, DEMO_ESTATE_JSON};
use serde_json::Value;

fn resources() -> Vec<rampart_model::Resource> {
    let mut reader = demo_estate();
    let all: Vec<_> = reader
        .by_ref()
        .map(|r| r.expect("demo estate reads cleanly"))
        .collect();
    assert_eq!(reader.kind(), Some(InputKind::ArgObject));
    assert_eq!(reader.stats().skipped, 0);
    all
}

#[test]
fn composition() {
    let all = resources();
    let doc: Value = serde_json::from_str(DEMO_ESTATE_JSON).unwrap();
    assert_eq!(all.len() as u64, doc["count"].as_u64().unwrap());
    assert!((150..=300).contains(&all.len()), "{}", all.len());
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_scope: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &all {
        *by_type.entry(&r.resource_type).or_default() += 1;
        *by_scope.entry(&r.scope).or_default() += 1;
        // ARG lower-cases types; ids are unique.
        assert_eq!(r.resource_type, r.resource_type.to_ascii_lowercase());
    }
    let ids: std::collections::BTreeSet<_> =
        all.iter().map(|r| r.id.to_ascii_lowercase()).collect();
    assert_eq!(ids.len(), all.len(), "duplicate ids");
    assert_eq!(by_scope.len(), 3);
    insta::assert_json_snapshot!(by_type);
}

/// Each property below is read by an MCSB policy; the demo must have both outcomes.
#[test]
fn good_and_bad_on_the_properties_policies_read() {
    let all = resources();
    let values = |ty: &str, pointer: &str| -> Vec<String> {
        let mut v: Vec<String> = all
            .iter()
            .filter(|r| r.resource_type == ty)
            .map(|r| {
                r.native
                    .pointer(pointer)
                    .map_or("<absent>".to_owned(), Value::to_string)
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let cases = [
        (
            "microsoft.storage/storageaccounts",
            "/properties/supportsHttpsTrafficOnly",
        ),
        (
            "microsoft.storage/storageaccounts",
            "/properties/minimumTlsVersion",
        ),
        (
            "microsoft.storage/storageaccounts",
            "/properties/allowBlobPublicAccess",
        ),
        (
            "microsoft.storage/storageaccounts",
            "/properties/networkAcls/defaultAction",
        ),
        (
            "microsoft.storage/storageaccounts",
            "/properties/publicNetworkAccess",
        ),
        ("microsoft.keyvault/vaults", "/properties/enableSoftDelete"),
        (
            "microsoft.keyvault/vaults",
            "/properties/enablePurgeProtection",
        ),
        (
            "microsoft.keyvault/vaults",
            "/properties/enableRbacAuthorization",
        ),
        ("microsoft.web/sites", "/properties/httpsOnly"),
        ("microsoft.web/sites/config", "/properties/ftpsState"),
        ("microsoft.web/sites/config", "/properties/minTlsVersion"),
        (
            "microsoft.web/sites/config",
            "/properties/remoteDebuggingEnabled",
        ),
        ("microsoft.sql/servers", "/properties/publicNetworkAccess"),
        ("microsoft.sql/servers", "/properties/minimalTlsVersion"),
        ("microsoft.cache/redis", "/properties/enableNonSslPort"),
        (
            "microsoft.containerregistry/registries",
            "/properties/adminUserEnabled",
        ),
        (
            "microsoft.containerservice/managedclusters",
            "/properties/enableRBAC",
        ),
        ("microsoft.security/pricings", "/properties/pricingTier"),
        ("microsoft.security/assessments", "/properties/status/code"),
    ];
    for (ty, pointer) in cases {
        let v = values(ty, pointer);
        assert!(v.len() >= 2, "{ty} {pointer}: only {v:?}");
    }
}

#[test]
fn relationships_link_vms_nics_nsgs_and_children() {
    let all = resources();
    let find = |name: &str| all.iter().find(|r| r.name == name).unwrap();
    let kinds = |name: &str| -> Vec<String> {
        find(name)
            .relationships
            .iter()
            .map(|r| r.kind.clone())
            .collect()
    };
    assert_eq!(kinds("vm-dev-01"), ["has_network_interface", "has_disk"]);
    assert_eq!(
        kinds("vm-dev-01-nic"),
        ["protected_by", "member_of", "has_public_ip", "attached_to"]
    );
    assert!(kinds("nsg-dev-open").iter().all(|k| k == "protects"));
    assert!(kinds("AzureMonitorLinuxAgent").contains(&"child_of".to_owned()));
    let web = find("web");
    assert_eq!(web.relationships[0].kind, "child_of");
    assert!(web.relationships[0]
        .target
        .ends_with("/Microsoft.Web/sites/app-contoso-storefront"));
}
