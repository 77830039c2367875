//! The CloudTrail reader: every delivery form yields the same events, gzip is detected,
//! bad JSON Lines records are skipped and reported with their line.

use std::io::Write;
use std::ops::ControlFlow;

use rampart_sigma::{read_cloudtrail, Catalog, Engine, Event, Projection};

use crate::{rule_files, shared_data};

fn projection() -> Projection {
    let mut b = Engine::builder(Catalog::builtin());
    for (name, text) in rule_files(&shared_data().join("sigma/rules/cloud/aws")) {
        b.add_yaml(&text, &name);
    }
    let engine = b.build();
    engine
        .source("aws_cloudtrail")
        .expect("source")
        .1
        .projection()
        .clone()
}

/// Every projected field of every event, rendered, in order.
fn read_all(bytes: &[u8], proj: &Projection) -> (Vec<String>, rampart_sigma::ReadStats) {
    let mut out = Vec::new();
    let stats = read_cloudtrail(bytes, "test", proj, |ev| {
        let fields: Vec<String> = (0..proj.fields() as u32)
            .map(|f| format!("{:?}", ev.values(f)))
            .collect();
        out.push(fields.join("|"));
        ControlFlow::Continue(())
    })
    .expect("read");
    (out, stats)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

#[test]
fn array_records_wrapper_gzip_and_json_lines_read_the_same_events() {
    let proj = projection();
    let path = shared_data().join("logs/stratus-cloudtrail/aws.persistence.iam-backdoor-user.json");
    let array = std::fs::read_to_string(path).expect("read");
    let records: Vec<serde_json::Value> = serde_json::from_str(&array).expect("json");
    let wrapper = serde_json::to_string(&serde_json::json!({ "Records": records })).expect("json");
    let pretty_wrapper =
        serde_json::to_string_pretty(&serde_json::json!({ "Records": records })).expect("json");
    let jsonl: String = records
        .iter()
        .map(|r| serde_json::to_string(r).expect("json") + "\n\n")
        .collect();

    let (want, stats) = read_all(array.as_bytes(), &proj);
    assert_eq!(stats.records as usize, records.len());
    assert!(want
        .iter()
        .all(|e| e.contains("CreateAccessKey") || e.contains("Str")));
    for (form, bytes) in [
        ("wrapper", wrapper.as_bytes().to_vec()),
        ("pretty wrapper", pretty_wrapper.as_bytes().to_vec()),
        ("gzipped wrapper", gzip(wrapper.as_bytes())),
        ("json lines", jsonl.as_bytes().to_vec()),
        ("gzipped json lines", gzip(jsonl.as_bytes())),
    ] {
        let (got, stats) = read_all(&bytes, &proj);
        assert_eq!(got, want, "{form}");
        assert_eq!(stats.bad_records, 0, "{form}");
    }
}

#[test]
fn bad_json_lines_are_skipped_and_located() {
    let proj = projection();
    let input = "{\"eventName\":\"A\"}\nnot json\n{\"eventName\":\"B\"}\n";
    let (got, stats) = read_all(input.as_bytes(), &proj);
    assert_eq!(got.len(), 2);
    assert_eq!((stats.records, stats.bad_records), (3, 1));
    let msg = stats.errors[0].to_string();
    assert!(
        msg.starts_with("test: record 2 (line 2): invalid JSON"),
        "{msg}"
    );
}

#[test]
fn strings_with_escapes_are_unescaped_and_nulls_kept() {
    let proj = projection();
    let input = r#"{"eventName":"Stop\u004cogging","errorCode":null,"userAgent":"a\"b"}"#;
    let (got, _) = read_all(input.as_bytes(), &proj);
    insta::assert_yaml_snapshot!("escapes_and_nulls", got);
}

#[test]
fn malformed_records_are_errors_never_panics() {
    let proj = projection();
    let bad = [
        "",
        "[]",
        "{",
        "{\"eventName\"",
        "{\"eventName\":}",
        "{\"eventName\":\"x\"",
        "{\"eventName\":\"x\\",
        "{\"a\":[1,2}",
        "{\"a\":{\"b\":[}]}}",
        "{\"eventName\":tru}",
        "{\"eventName\":\"x\"} trailing",
        "{\"a\":1,}",
        "{,}",
        "{\"requestParameters\":{\"x\":[1,{]}}",
        "{\"eventName\":\"\\uZZZZ\"}",
    ];
    for text in bad {
        assert!(proj.project(text).is_err(), "accepted {text:?}");
    }
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(200), "]".repeat(200));
    assert!(
        proj.project(&deep).is_err(),
        "nesting beyond 128 is refused"
    );
    let ok = format!(
        "{{\"a\":{}{},\"event\\u004eame\":\"K\",\"requestParameters\":{{\"attribute\":[\"userData\",{{\"x\":1}}]}}}}",
        "[".repeat(100),
        "]".repeat(100)
    );
    let ev = proj.project(&ok).expect("valid record");
    let rendered: Vec<String> = (0..proj.fields() as u32)
        .map(|f| format!("{:?}", ev.values(f)))
        .filter(|s| s != "[]")
        .collect();
    insta::assert_yaml_snapshot!("escaped_key_and_arrays", rendered);
}
