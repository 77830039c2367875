//! Helpers: fixture paths and a compact, snapshot-friendly rendering of reader output.

use std::path::PathBuf;

use rampart_inventory::{InventoryError, InventoryReader};
use rampart_model::Resource;
use serde_json::{json, Value};

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A resource without `native` (checked separately), for readable snapshots.
pub(crate) fn summary(r: &Resource) -> Value {
    let mut v = serde_json::to_value(r).expect("Resource serializes");
    v.as_object_mut().expect("object").remove("native");
    v
}

/// Every item of a reader, resources summarised and errors as their message, plus the stats.
pub(crate) fn drain(reader: InventoryReader) -> Value {
    let mut reader = reader;
    let mut items = Vec::new();
    for item in reader.by_ref() {
        items.push(match item {
            Ok(r) => summary(&r),
            Err(e) => json!({ "error": e.to_string() }),
        });
    }
    let stats = reader.stats();
    json!({
        "kind": format!("{:?}", reader.kind()),
        "records": stats.records,
        "skipped": stats.skipped,
        "items": items,
    })
}

pub(crate) fn errors(reader: InventoryReader) -> Vec<String> {
    reader
        .filter_map(Result::err)
        .map(|e: InventoryError| e.to_string())
        .collect()
}

/// Rewrites the absolute fixture directory out of messages.
pub(crate) fn redact(v: Value) -> Value {
    let dir = fixture("").display().to_string();
    serde_json::from_str(&v.to_string().replace(&dir, "<fixtures>/")).expect("still JSON")
}
