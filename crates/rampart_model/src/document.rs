//! Reading a resource's native document (`serde_json::Value`) from JSON text, faster than
//! `serde_json::from_str::<Value>`: each object's members are gathered first and its map built from
//! them at once (`Map::from_iter`: one sort and a bulk load) instead of one B-tree insertion per
//! member. Same parser, same errors, same resulting `Value` (a repeated key keeps its last value,
//! as serde_json's own visitor does); on the rows of a Resource Graph export ~5% fewer instructions
//! to parse and drop, 2.8% fewer for a whole scan (BENCHMARKS.md, `scripts/doc-compare`). Inserting
//! instead read 3.5% faster in one host's non-LTO build, but not in the LTO release build that ships
//! (session 11), so the bulk build stays.
//!
//! One deliberate difference: with its `raw_value` feature (which the workspace enables) serde_json's
//! own visitor takes an object whose first key is its private token `$serde_json::private::RawValue`
//! for a request to read a raw value, and rejects the document. Here that key is an ordinary key, as
//! in any other JSON reader: a valid document is never refused for the names of its members.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Parses one JSON document (nothing but whitespace may follow it).
///
/// # Errors
/// serde_json's syntax error, with its line and column in `text`.
pub fn from_str(text: &str) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Doc.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// [`from_str`] on bytes (serde_json checks the UTF-8 of each string).
///
/// # Errors
/// As [`from_str`], and invalid UTF-8.
pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Doc.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// For `#[serde(deserialize_with)]`: a `Value` member read as [`from_str`] reads a document.
///
/// # Errors
/// The deserializer's.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Doc.deserialize(d)
}

/// Deserializes any JSON value into a `serde_json::Value`.
struct Doc;

impl<'de> DeserializeSeed<'de> for Doc {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(DocVisitor)
    }
}

struct DocVisitor;

impl<'de> Visitor<'de> for DocVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element_seed(Doc)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // serde_json gives no size hint; ARM objects have one member (`{"id": ...}` references)
        // to twenty (a row). Starting at sixteen instead of growing from four saves two or three
        // reallocations and copies for every larger object; the vector lives only until the map is
        // built. Callgrind, 20k estate: 4 → 8 -0.8%, → 16 a further -0.35% of the scan's
        // instructions; allocating for an empty object too measured cheaper than deciding at the
        // first member.
        let mut entries: Vec<(String, Value)> =
            Vec::with_capacity(map.size_hint().unwrap_or(16).min(64));
        while let Some(k) = map.next_key::<String>()? {
            entries.push((k, map.next_value_seed(Doc)?));
        }
        // Invariant: `BTreeMap::from_iter` keeps the last of equal keys, as repeated `insert`s do.
        Ok(Value::Object(
            entries.into_iter().collect::<Map<String, Value>>(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_and_errors_as_serde_json() {
        for text in [
            r#"{"b": 1, "a": [1, -2, 3.5, 1e400, null, true, "x\u00e9\n"], "c": {"z": {}, "y": []}}"#,
            r#"{"k": 1, "K": 2, "k": 3}"#,
            r#"[{"a": 18446744073709551615}, -9223372036854775808, 0.1]"#,
            r#""just a string""#,
            "  7  ",
            "{}",
            "[]",
            r#"{"a": 1,}"#,
            r#"{"a" 1}"#,
            r#"{"a": 1} x"#,
            r#"{"a": "\ud800"}"#,
            "",
            &format!("{}{}", "[".repeat(200), "]".repeat(200)),
        ] {
            let ours = from_str(text).map_err(|e| e.to_string());
            let theirs = serde_json::from_str::<Value>(text).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{text}");
            let ours = from_slice(text.as_bytes()).map_err(|e| e.to_string());
            let theirs =
                serde_json::from_slice::<Value>(text.as_bytes()).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{text}");
        }
        assert_eq!(
            from_str(r#"{"k": 1, "k": 3}"#).ok(),
            Some(serde_json::json!({"k": 3}))
        );
        // The deliberate difference (module documentation).
        let token = r#"{"$serde_json::private::RawValue": {"a": 1}}"#;
        assert!(serde_json::from_str::<Value>(token).is_err());
        assert_eq!(
            from_str(token).ok(),
            Some(serde_json::json!({"$serde_json::private::RawValue": {"a": 1}}))
        );
        // As a member of a derived type (`Resource::native`).
        #[derive(serde::Deserialize, PartialEq, Debug)]
        struct Holder {
            #[serde(default, deserialize_with = "deserialize")]
            native: Value,
        }
        let held: Holder =
            serde_json::from_str(r#"{"native": {"b": [1, {"c": null}], "a": 2}}"#).expect("holder");
        assert_eq!(
            held.native,
            serde_json::json!({"a": 2, "b": [1, {"c": null}]})
        );
        let absent: Holder = serde_json::from_str("{}").expect("holder");
        assert_eq!(absent.native, Value::Null);
    }
}
