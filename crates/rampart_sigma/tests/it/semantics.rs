//! Sigma semantics rule by rule on hand-made events (fixtures/semantics.yaml), and the
//! specific refusals of what the engine does not support (fixtures/refusals.yaml).

use rampart_sigma::{Catalog, Engine};
use serde::Deserialize;

const TEST_CATALOG: &str = r#"
[[source]]
name = "test"
reader = "test"
logsources = [{ product = "test" }]
index_fields = ["eventName"]
time_field = "time"
id_field = "id"
"#;

#[derive(Deserialize)]
struct Case {
    name: String,
    detection: serde_yaml::Value,
    #[serde(default)]
    events: Vec<EventCase>,
    #[serde(default)]
    refused: Option<String>,
}

#[derive(Deserialize)]
struct EventCase {
    #[serde(rename = "match")]
    expect: bool,
    event: serde_json::Value,
}

fn cases(file: &str) -> Vec<Case> {
    let path = format!("{}/tests/it/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture");
    serde_yaml::Deserializer::from_str(&text)
        .map(|d| Case::deserialize(d).expect("case"))
        .collect()
}

fn rule_text(case: &Case) -> String {
    serde_yaml::to_string(&serde_yaml::Value::Mapping(
        [
            ("title".into(), case.name.clone().into()),
            (
                "logsource".into(),
                serde_yaml::from_str("{product: test}").expect("yaml"),
            ),
            ("detection".into(), case.detection.clone()),
        ]
        .into_iter()
        .collect(),
    ))
    .expect("yaml")
}

fn engine(text: &str) -> (Engine, Vec<rampart_sigma::LoadError>) {
    let catalog = Catalog::from_toml(TEST_CATALOG, "test").expect("catalog");
    let mut b = Engine::builder(catalog);
    let errs = b.add_yaml(text, "case");
    (b.build(), errs)
}

#[test]
fn sigma_semantics_on_hand_made_events() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases("semantics.yaml") {
        let (engine, errs) = engine(&rule_text(&case));
        assert!(errs.is_empty(), "{}: refused: {errs:?}", case.name);
        let (src, rules) = engine.source("test").expect("source");
        for ev in &case.events {
            let json = serde_json::to_string(&ev.event).expect("json");
            let event = rules.projection().project(&json).expect("project");
            // Through the index, as detection runs, and directly.
            let (mut scratch, mut hits) = (Vec::new(), Vec::new());
            engine.matches(src, &event, &mut scratch, &mut hits);
            let direct = engine.rule_matches(0, &event);
            if direct != ev.expect || hits.is_empty() == ev.expect {
                failures.push(format!(
                    "{}: event {json}: expected {}, got direct {direct} / indexed {}",
                    case.name,
                    ev.expect,
                    !hits.is_empty()
                ));
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} events checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unsupported_features_are_refused_with_a_specific_reason() {
    let mut failures = Vec::new();
    for case in cases("refusals.yaml") {
        let want = case.refused.clone().expect("refused");
        let (engine, errs) = engine(&rule_text(&case));
        let got: Vec<&str> = errs.iter().map(|e| e.reason.kind()).collect();
        if got != [want.as_str()] || !engine.rules().is_empty() {
            failures.push(format!("{}: expected [{want}], got {errs:?}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn event_name_index_routes_only_candidate_rules() {
    let text = "title: a\nlogsource: {product: test}\ndetection: {s: {eventName: [StopLogging, DeleteTrail]}, condition: s}\n---\n\
                title: b\nlogsource: {product: test}\ndetection: {s: {eventName|startswith: Stop}, condition: s}\n";
    let (engine, errs) = engine(text);
    assert!(errs.is_empty(), "{errs:?}");
    let (src, rules) = engine.source("test").expect("source");
    assert_eq!(rules.index_stats(), (1, 1));
    let (mut scratch, mut hits) = (Vec::new(), Vec::new());
    let ev = rules
        .projection()
        .project(r#"{"eventName":"STOPLOGGING"}"#)
        .expect("json");
    engine.matches(src, &ev, &mut scratch, &mut hits);
    assert_eq!(hits, vec![0, 1]);
    let ev = rules
        .projection()
        .project(r#"{"eventName":"GetObject"}"#)
        .expect("json");
    engine.matches(src, &ev, &mut scratch, &mut hits);
    assert!(hits.is_empty());
    // Only the unindexed rule was tried.
    assert_eq!(scratch, vec![1]);
}
