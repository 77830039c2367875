//! The hand-written JSON projection scanner against a reference built on serde_json:
//! for arbitrary records (compact and pretty-printed), the values it extracts at a set of
//! paths equal those the reference computes from a parsed `Value` with the same Sigma
//! field semantics (arrays searched element-wise, objects as compact JSON text).

use proptest::prelude::*;
use rampart_sigma::{Event, FieldTable, Projection, Val};
use serde_json::Value;

const PATHS: &[&str] = &["a", "a.b", "a.b.c", "k", "x y", "é"];

fn leaf(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| leaf(i, out)),
        Value::Object(_) => out.push(format!(
            "json:{}",
            serde_json::to_string(v).unwrap_or_default()
        )),
        Value::String(s) => out.push(format!("str:{s}")),
        Value::Number(n) => out.push(format!("num:{n}")),
        Value::Bool(b) => out.push(format!("bool:{b}")),
        Value::Null => out.push("null".into()),
    }
}

fn reference(v: &Value, segs: &[&str], out: &mut Vec<String>) {
    let Some((first, rest)) = segs.split_first() else {
        leaf(v, out);
        return;
    };
    match v {
        Value::Object(m) => {
            if let Some(child) = m.get(*first) {
                reference(child, rest, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| reference(i, segs, out)),
        _ => {}
    }
}

fn render(v: &Val<'_>) -> String {
    match v {
        Val::Str(s) => format!("str:{s}"),
        Val::Num(n) => format!("num:{n}"),
        Val::Bool(b) => format!("bool:{b}"),
        Val::Null => "null".into(),
        Val::Json(j) => format!("json:{j}"),
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("c".to_string()),
        Just("k".to_string()),
        Just("x y".to_string()),
        Just("é".to_string()),
        "[a-c\"\\\\]{1,3}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        "(\\PC|[\"\\\\\n\t]){0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn record() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (
            prop_oneof![Just("a"), Just("k"), Just("x y"), Just("é"), Just("z")],
            json_value(),
        ),
        0..6,
    )
    .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn scanner_matches_the_serde_reference(rec in record(), pretty in any::<bool>()) {
        let mut table = FieldTable::new();
        for p in PATHS {
            table.intern(p);
        }
        let proj = Projection::new(&table);
        let text = if pretty {
            serde_json::to_string_pretty(&rec).unwrap_or_default()
        } else {
            serde_json::to_string(&rec).unwrap_or_default()
        };
        let ev = proj.project(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        for (id, path) in table.iter() {
            let got: Vec<String> = ev.values(id).iter().map(render).collect();
            let mut want = Vec::new();
            let segs: Vec<&str> = path.split('.').collect();
            reference(&rec, &segs, &mut want);
            prop_assert_eq!(got, want, "path {} in {}", path, text);
        }
    }
}
