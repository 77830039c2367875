//! `docs/schemas/inventory-v1.schema.json` accepts what the writer writes and rejects bad lines.

use rampart_inventory::{open, write_synthetic, SnapshotHeader, SnapshotWriter, SyntheticFormat};
use serde_json::{json, Value};

use crate::support::fixture;

fn validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/schemas/inventory-v1.schema.json"
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft202012::new(&schema).expect("schema compiles")
}

/// Every line of snapshots written from the fixtures, the demo estate and synthetic data is valid.
#[test]
fn written_lines_are_valid() {
    let v = validator();
    let mut snapshot = Vec::new();
    let mut w = SnapshotWriter::new(&mut snapshot, &SnapshotHeader::new("test", None)).unwrap();
    for name in ["arg_page1.json", "arg_page2.json", "arg_bare_array.json"] {
        for r in open(&fixture(name)).unwrap() {
            w.write(&r.unwrap()).unwrap();
        }
    }
    for r in rampart_inventory::demo_estate() {
        w.write(&r.unwrap()).unwrap();
    }
    w.finish().unwrap();
    write_synthetic(&mut snapshot, 300, 9, SyntheticFormat::Jsonl).unwrap();
    let mut n = 0;
    for line in String::from_utf8(snapshot).unwrap().lines() {
        let value: Value = serde_json::from_str(line).unwrap();
        let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{line}\n{errors:?}");
        n += 1;
    }
    assert!(n > 500, "{n}");
}

#[test]
fn bad_lines_are_rejected() {
    let v = validator();
    let good = json!({"provider": "azure", "scope": "s", "type": "microsoft.web/sites", "id": "/x", "name": "x"});
    assert!(v.is_valid(&good));
    let header =
        json!({"rampart_inventory": 1, "generated_at": "2026-01-01T00:00:00Z", "source": "demo"});
    assert!(v.is_valid(&header));
    let mut bad = Vec::new();
    for field in ["provider", "scope", "type", "id", "name"] {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(field);
        bad.push((format!("missing {field}"), b));
    }
    let with = |k: &str, val: Value| {
        let mut b = good.clone();
        b[k] = val;
        b
    };
    bad.push(("unknown provider".into(), with("provider", json!("oracle"))));
    bad.push(("numeric id".into(), with("id", json!(5))));
    bad.push(("empty id".into(), with("id", json!(""))));
    bad.push(("non-string tag".into(), with("tags", json!({"env": 1}))));
    bad.push((
        "relationship without target".into(),
        with("relationships", json!([{"kind": "member_of"}])),
    ));
    bad.push((
        "relationship kind not snake case".into(),
        with(
            "relationships",
            json!([{"kind": "Member Of", "target": "/x"}]),
        ),
    ));
    bad.push(("unknown field".into(), with("colour", json!("red"))));
    bad.push((
        "header version 2".into(),
        json!({"rampart_inventory": 2, "generated_at": "t", "source": "s"}),
    ));
    bad.push((
        "header without source".into(),
        json!({"rampart_inventory": 1, "generated_at": "t"}),
    ));
    bad.push(("an array".into(), json!([good])));
    bad.push((
        "an ARG row".into(),
        json!({"id": "/x", "type": "microsoft.web/sites", "name": "x", "subscriptionId": "s"}),
    ));
    for (why, line) in bad {
        assert!(!v.is_valid(&line), "{why}: accepted {line}");
    }
}
