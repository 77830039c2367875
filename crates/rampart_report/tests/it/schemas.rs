//! Validation of rendered output against the published schemas: SARIF 2.1.0 (OASIS), OCSF 1.5.0
//! Detection Finding, and our own report schema (`docs/schemas/report-v1.schema.json`).

use std::path::PathBuf;

use rampart_model::Status;
use rampart_report::{Format, Report};
use serde_json::Value;

use crate::formats::rendered;
use crate::sample;

pub(crate) fn load(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn assert_valid(schema: &Value, instance: &Value, what: &str) {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is invalid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let schema = load(crate_dir().join("tests/schemas/sarif-schema-2.1.0.json"));
    let report = sample::report();
    let log: Value = serde_json::from_str(&rendered(&report, Format::Sarif)).expect("json");
    assert_valid(&schema, &log, "SARIF log");

    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), report.recommendations.len());
    let results = run["results"].as_array().expect("results");
    let unhealthy: u64 = report.recommendations.iter().map(|r| r.unhealthy).sum();
    assert_eq!(results.len() as u64, unhealthy);
    for result in results {
        let rule = &rules[result["ruleIndex"].as_u64().expect("index") as usize];
        assert_eq!(rule["id"], result["ruleId"]);
        let expected = match rule["properties"]["severity"].as_str().expect("sev") {
            "High" => "error",
            "Medium" => "warning",
            _ => "note",
        };
        assert_eq!(result["level"], expected);
        assert_eq!(
            result["locations"][0]["logicalLocations"][0]["kind"],
            "resource"
        );
    }
    // Fingerprints are unique per finding and stable across renders.
    let fps: std::collections::BTreeSet<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["rampartFinding/v1"]
                .as_str()
                .expect("fp")
        })
        .collect();
    assert_eq!(fps.len(), results.len());
    let again: Value = serde_json::from_str(&rendered(&report, Format::Sarif)).expect("json");
    assert_eq!(again, log);
}

#[test]
fn sarif_schema_rejects_a_broken_log() {
    // Guards against a validator that accepts anything (e.g. a schema that failed to load).
    let schema = load(crate_dir().join("tests/schemas/sarif-schema-2.1.0.json"));
    let mut log: Value =
        serde_json::from_str(&rendered(&sample::report(), Format::Sarif)).expect("json");
    log["runs"][0]["results"][0]["level"] = Value::from("critical");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    assert!(!validator.is_valid(&log));
}

#[test]
fn ocsf_events_are_valid_detection_findings() {
    let schema =
        load(crate_dir().join("tests/schemas/ocsf-1.5.0-detection_finding-cloud.schema.json"));
    let report = sample::report();
    let text = rendered(&report, Format::Ocsf);
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let expected = report
        .recommendations
        .iter()
        .flat_map(|r| &r.resources)
        .filter(|r| r.status == Status::Unhealthy || r.cause == Some(rampart_model::Cause::Exempt))
        .count();
    assert_eq!(events.len(), expected);
    assert!(expected > 0);
    for (i, event) in events.iter().enumerate() {
        assert_valid(&schema, event, &format!("OCSF event {i}"));
        assert_eq!(event["class_uid"], 2004);
        assert_eq!(event["category_uid"], 2);
        assert_eq!(event["type_uid"], 200_401);
        assert_eq!(event["metadata"]["version"], rampart_report::OCSF_VERSION);
    }
    assert!(
        events.iter().any(|e| e["status_id"] == 3),
        "an exempted finding is Suppressed"
    );
}

#[test]
fn ocsf_schema_rejects_an_unknown_attribute_and_bad_enum() {
    let schema =
        load(crate_dir().join("tests/schemas/ocsf-1.5.0-detection_finding-cloud.schema.json"));
    let text = rendered(&sample::report(), Format::Ocsf);
    let event: Value = serde_json::from_str(text.lines().next().expect("one event")).expect("json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let mut extra = event.clone();
    extra["not_an_ocsf_attribute"] = Value::from(1);
    assert!(!validator.is_valid(&extra));
    let mut bad = event;
    bad["severity_id"] = Value::from(42);
    assert!(!validator.is_valid(&bad));
}

#[test]
fn report_json_matches_the_documented_schema() {
    let schema = load(crate_dir().join("../../docs/schemas/report-v1.schema.json"));
    let report = sample::report();
    let value: Value = serde_json::from_str(&rendered(&report, Format::Json)).expect("json");
    assert_valid(&schema, &value, "report");

    // The schema is strict: an unknown field or a wrong enum is rejected.
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let mut extra = value.clone();
    extra["scopes"][0]["surprise"] = Value::from(true);
    assert!(!validator.is_valid(&extra));
    let mut bad = value;
    bad["recommendations"][0]["resources"][0]["status"] = Value::from("Broken");
    assert!(!validator.is_valid(&bad));
}

#[test]
fn an_empty_report_is_valid_everywhere() {
    let mut report: Report = sample::report();
    report.recommendations.clear();
    report.scopes.clear();
    report.controls.clear();
    report.groups.clear();
    report.compliance.clear();
    report.score = rampart_report::Score::new(0.0, 0);
    let sarif: Value = serde_json::from_str(&rendered(&report, Format::Sarif)).expect("json");
    assert_valid(
        &load(crate_dir().join("tests/schemas/sarif-schema-2.1.0.json")),
        &sarif,
        "empty SARIF",
    );
    assert_eq!(rendered(&report, Format::Ocsf), "");
    let json: Value = serde_json::from_str(&rendered(&report, Format::Json)).expect("json");
    assert_valid(
        &load(crate_dir().join("../../docs/schemas/report-v1.schema.json")),
        &json,
        "empty report",
    );
    for f in Format::ALL {
        assert!(
            !rendered(&report, f).is_empty() || f == Format::Ocsf,
            "{f} rendered nothing"
        );
    }
}
