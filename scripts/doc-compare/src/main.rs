//! Parses every row of a Resource Graph export (`{"data": [...]}`, as `rampart-bench-gen` writes it)
//! into each candidate document type and drops it, one row at a time as the scan does, on one thread:
//! serde_json's `Value` (what `Resource::native` is today), simd-json's borrowed value and tape, and
//! sonic-rs's arena `Value`. Prints the time per pass; each type must see the same top-level members.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

/// One pass of `f` over every row: its time and the top-level members it saw; `None` when `ONLY`
/// selects another variant.
fn time(
    name: &str,
    rows: &[String],
    f: &mut dyn FnMut(&str) -> usize,
) -> Option<(Duration, usize)> {
    // `ONLY=NAME` (a name as printed) runs that variant only: for instruction counts under
    // callgrind, where the closures cannot be told apart.
    if std::env::var("ONLY").is_ok_and(|only| name != only) {
        return None;
    }
    let started = Instant::now();
    let members: usize = rows.iter().map(|r| f(r)).sum();
    let elapsed = started.elapsed();
    println!(
        "{name:<28} {:>8.0} ms  {:>9.0} rows/s  ({members} top-level members)",
        elapsed.as_secs_f64() * 1e3,
        rows.len() as f64 / elapsed.as_secs_f64()
    );
    Some((elapsed, members))
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: doc-compare ESTATE.json");
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let text = std::fs::read_to_string(&path).expect("read the estate");
    let whole: serde_json::Value = serde_json::from_str(&text).expect("parse the estate");
    let rows: Vec<String> = whole["data"]
        .as_array()
        .expect("an object with `data`")
        .iter()
        .map(ToString::to_string)
        .collect();
    drop(whole);
    drop(text);
    let bytes: usize = rows.iter().map(String::len).sum();
    println!(
        "{} rows, {} MB of compact JSON, {rounds} rounds",
        rows.len(),
        bytes >> 20
    );
    let mut buf = Vec::new();
    let mut buffers = simd_json::Buffers::default();
    for round in 1..=rounds {
        println!("round {round}");
        let expected = time("serde_json::Value", &rows, &mut |r| {
            let v: serde_json::Value = serde_json::from_str(r).expect("row");
            v.as_object().map_or(0, serde_json::Map::len)
        });
        let checks = [
            time("simd_json::BorrowedValue", &rows, &mut |r| {
                use simd_json::prelude::*;
                buf.clear();
                buf.extend_from_slice(r.as_bytes());
                let v =
                    simd_json::to_borrowed_value_with_buffers(&mut buf, &mut buffers).expect("row");
                v.as_object().map_or(0, |o| o.len())
            }),
            // The same `serde_json::Value` as today, built by sonic-rs's serde deserializer: the
            // parse changes, the document type does not.
            time("serde_json::Value via sonic", &rows, &mut |r| {
                let v: serde_json::Value = sonic_rs::from_str(r).expect("row");
                v.as_object().map_or(0, serde_json::Map::len)
            }),
            // What the scan reads rows with (`rampart_model::document`).
            time("scan reader (bulk maps)", &rows, &mut |r| {
                let v = rampart_model::document::from_str(r).expect("row");
                v.as_object().map_or(0, serde_json::Map::len)
            }),
            time("serde_json::Value via simd", &rows, &mut |r| {
                buf.clear();
                buf.extend_from_slice(r.as_bytes());
                let v: serde_json::Value = simd_json::serde::from_slice(&mut buf).expect("row");
                v.as_object().map_or(0, serde_json::Map::len)
            }),
            time("sonic_rs::Value", &rows, &mut |r| {
                use sonic_rs::JsonContainerTrait;
                let v: sonic_rs::Value = sonic_rs::from_str(r).expect("row");
                v.as_object().map_or(0, |o| o.len())
            }),
        ];
        // Floors, not document types: serde_json reading each row and building nothing, with
        // serde's `IgnoredAny` (a fast skip) and through the visitor calls a `Value` would get.
        time("tokenize only (IgnoredAny)", &rows, &mut |r| {
            let _: serde::de::IgnoredAny = serde_json::from_str(r).expect("row");
            0
        });
        time("visit only (deserialize_any)", &rows, &mut |r| {
            let mut de = serde_json::Deserializer::from_str(r);
            serde::de::DeserializeSeed::deserialize(Skip, &mut de).expect("row");
            de.end().expect("row");
            0
        });
        // Every variant that ran beside the baseline saw the same members.
        if let Some((_, expected)) = expected {
            for (_, members) in checks.into_iter().flatten() {
                assert_eq!(members, expected, "a document type saw other members");
            }
        }
    }
}

/// Reads any JSON value through serde's visitor calls and keeps nothing.
#[derive(Clone, Copy)]
struct Skip;

impl<'de> serde::de::DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Skip)
    }
}

impl<'de> serde::de::Visitor<'de> for Skip {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        while a.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        while a.next_key_seed(Skip)?.is_some() {
            a.next_value_seed(Skip)?;
        }
        Ok(())
    }
}
