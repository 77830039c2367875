//! Entities per log source from data/entities.toml.

use rampart_alerts::{json_lookup, EntityKind, EntityMap};

use crate::cloudtrail_entities;

const STRATUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/logs/stratus-cloudtrail"
);

#[test]
fn builtin_map_parses_and_names_catalog_sources() {
    let map = EntityMap::builtin();
    let names: Vec<&str> = map.source_names().collect();
    insta::assert_debug_snapshot!("source_names", names);
    // Every source groups on something and names a compromised entity.
    for n in names {
        let s = map.source(n).expect("listed");
        assert!(!s.group_by.is_empty(), "{n}: group_by");
        assert!(!s.compromised.is_empty(), "{n}: compromised");
    }
}

#[test]
fn cloudtrail_entities_from_a_real_detonation() {
    let path = format!("{STRATUS}/aws.defense-evasion.cloudtrail-stop.json");
    let text = std::fs::read_to_string(path).expect("stratus data");
    let records: Vec<serde_json::Value> = serde_json::from_str(&text).expect("array");
    let raw = records[0].to_string();
    let e = cloudtrail_entities(&raw);
    insta::assert_debug_snapshot!(
        "cloudtrail_stop_logging",
        (&e, e.group_key(), e.compromised_entity(), e.to_entities())
    );
}

#[test]
fn non_ip_source_addresses_are_not_ip_entities() {
    for (addr, expect) in [
        ("AWS Internal", None),
        ("ec2.amazonaws.com", None),
        ("2001:db8::1", Some("2001:db8::1")),
        ("203.0.113.9", Some("203.0.113.9")),
    ] {
        let raw = serde_json::json!({"sourceIPAddress": addr}).to_string();
        let e = cloudtrail_entities(&raw);
        assert_eq!(e.ip.as_deref(), expect, "{addr}");
    }
}

#[test]
fn account_falls_back_in_order_and_absent_fields_give_nothing() {
    let raw =
        serde_json::json!({"userIdentity": {"principalId": "AIDA1", "userName": ""}}).to_string();
    let e = cloudtrail_entities(&raw);
    assert_eq!(e.account.as_deref(), Some("AIDA1"));
    assert_eq!(e.group_key(), "account=AIDA1");
    let e = cloudtrail_entities("{}");
    assert_eq!(e.account, None);
    assert_eq!(e.group_key(), "account=-");
    assert!(e.to_entities().is_empty());
    // Unknown source: nothing, never a panic.
    let none = EntityMap::builtin().extract("no_such_source", &|_| vec!["x".into()]);
    assert_eq!(none.values(EntityKind::Account), Vec::<&str>::new());
}

#[test]
fn json_lookup_walks_arrays_and_dotted_keys() {
    let v = serde_json::json!({
        "a": {"b": [{"c": "one"}, {"c": 2}, {"c": null}]},
        "k.with.dots": "x",
        "sourceIPs": ["10.0.0.1", "10.0.0.2"]
    });
    assert_eq!(json_lookup(&v, "a.b.c"), vec!["one", "2"]);
    assert_eq!(json_lookup(&v, "k.with.dots"), vec!["x"]);
    assert_eq!(json_lookup(&v, "sourceIPs"), vec!["10.0.0.1", "10.0.0.2"]);
    assert!(json_lookup(&v, "a").is_empty(), "objects are not values");
    assert!(json_lookup(&v, "missing.path").is_empty());
}

#[test]
fn bad_entities_file_names_the_problem() {
    let err = EntityMap::from_toml("[aws]\naccount = 3\n", "my.toml").unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("my.toml: invalid entities map"), "{msg}");
    assert!(msg.contains("account"), "{msg}");
}
