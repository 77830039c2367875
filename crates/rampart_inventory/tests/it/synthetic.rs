//! The synthetic generator: deterministic, realistic, readable by the importer.

use rampart_inventory::{from_reader, synthetic, write_synthetic, SyntheticFormat};
use std::collections::BTreeMap;

#[test]
fn deterministic_for_a_seed_and_different_across_seeds() {
    let a: Vec<_> = synthetic(300, 7).collect();
    let b: Vec<_> = synthetic(300, 7).collect();
    let c: Vec<_> = synthetic(300, 8).collect();
    assert_eq!(a.len(), 300);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn mix_of_types_and_scopes() {
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    let mut subs = std::collections::BTreeSet::new();
    for row in synthetic(5000, 1) {
        *types
            .entry(row["type"].as_str().unwrap().to_owned())
            .or_default() += 1;
        subs.insert(row["subscriptionId"].as_str().unwrap().to_owned());
    }
    assert_eq!(subs.len(), 20);
    assert!(types.len() >= 14, "{types:?}");
    for ty in [
        "microsoft.storage/storageaccounts",
        "microsoft.compute/virtualmachines",
        "microsoft.web/sites/config",
    ] {
        assert!(types[ty] > 100, "{ty}: {types:?}");
    }
}

#[test]
fn both_file_forms_read_back_to_the_same_resources() {
    let mut arg = Vec::new();
    write_synthetic(&mut arg, 500, 3, SyntheticFormat::ArgJson).unwrap();
    let mut jsonl = Vec::new();
    write_synthetic(&mut jsonl, 500, 3, SyntheticFormat::Jsonl).unwrap();
    let a: Vec<_> = from_reader("arg.json", std::io::Cursor::new(arg))
        .map(Result::unwrap)
        .collect();
    let b: Vec<_> = from_reader("snap.jsonl", std::io::Cursor::new(jsonl))
        .map(Result::unwrap)
        .collect();
    assert_eq!(a.len(), 500);
    assert_eq!(a, b);
    assert!(a.iter().any(|r| !r.relationships.is_empty()));
}
