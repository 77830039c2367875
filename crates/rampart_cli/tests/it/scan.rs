//! `rampart scan` and `rampart score explain` on the demo estate and on hand-made inputs.

use serde_json::Value;

use crate::{path_str, rampart, stderr, stdout};

fn demo_json(extra: &[&str]) -> Value {
    let mut args = vec!["scan", "--demo", "--format", "json"];
    args.extend_from_slice(extra);
    let out = rampart(&args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("the JSON report parses")
}

#[test]
fn demo_table_shows_score_controls_and_top_recommendations() {
    let out = rampart(&["scan", "--demo"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    insta::assert_snapshot!("demo_table", redact_generated_at(&stdout(&out)));
}

/// Replaces the report time on the `... generated <RFC 3339>` line, which changes on every run.
fn redact_generated_at(text: &str) -> String {
    text.lines()
        .map(|line| match line.find(", generated ") {
            Some(at) => format!("{}, generated <time>", &line[..at]),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn demo_json_report_is_consistent_with_defender_formula() {
    let report = demo_json(&[]);
    let score = &report["score"];
    let percentage = score["percentage"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&percentage));
    // The overall current is the sum of the counted controls' (rounded) currents, the max the sum of their max.
    let controls = report["controls"].as_array().unwrap();
    let (mut current, mut max) = (0.0, 0);
    for control in controls {
        let (h, u) = (
            control["healthy"].as_u64().unwrap(),
            control["unhealthy"].as_u64().unwrap(),
        );
        if h + u == 0 {
            assert_eq!(control["current"].as_f64().unwrap(), 0.0);
            continue;
        }
        let m = control["max"].as_u64().unwrap();
        #[allow(clippy::cast_precision_loss)]
        let expected = ((m as f64) * (h as f64) / ((h + u) as f64) * 100.0).round() / 100.0;
        assert!(
            (control["current"].as_f64().unwrap() - expected).abs() < 1e-9,
            "{control}"
        );
        current += control["current"].as_f64().unwrap();
        max += m;
    }
    assert!((score["current"].as_f64().unwrap() - current).abs() < 0.005);
    assert_eq!(score["max"].as_u64().unwrap(), max);
    assert!(
        report["scopes"].as_array().unwrap().len() >= 3,
        "the demo estate spans several subscriptions"
    );
    let recommendations = report["recommendations"].as_array().unwrap();
    assert!(recommendations
        .iter()
        .any(|r| r["unhealthy"].as_u64().unwrap() > 0));
    assert!(recommendations
        .iter()
        .any(|r| r["healthy"].as_u64().unwrap() > 0));
    // The inventory: every resource read, once; each result repeats its resource's fields.
    let inventory: std::collections::HashMap<&str, &Value> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r))
        .collect();
    assert_eq!(
        inventory.len() as u64,
        report["input"]["resources"].as_u64().unwrap()
    );
    for r in recommendations {
        for resource in r["resources"].as_array().unwrap() {
            let status = resource["status"].as_str().unwrap();
            assert!(["Healthy", "Unhealthy", "NotApplicable"].contains(&status));
            assert_eq!(
                status == "NotApplicable",
                resource.get("cause").is_some(),
                "{resource}"
            );
            let listed = inventory[resource["id"].as_str().unwrap()];
            for field in [
                "name",
                "type",
                "scope",
                "provider",
                "region",
                "resource_group",
            ] {
                assert_eq!(
                    listed.get(field),
                    resource.get(field),
                    "{field} of {resource}"
                );
            }
        }
    }
}

#[test]
fn score_summary_of_demo_estate() {
    let report = demo_json(&[]);
    let summary: Vec<String> = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{:<45} H={:<4} U={:<4} NA={:<4} {:>5}/{}",
                c["name"].as_str().unwrap(),
                c["healthy"],
                c["unhealthy"],
                c["not_applicable"],
                c["current"],
                c["max"]
            )
        })
        .collect();
    insta::assert_snapshot!(
        "demo_score_summary",
        format!("score {}\n{}", report["score"], summary.join("\n"))
    );
}

#[test]
fn group_by_tag_and_resource_group_scores_each_value() {
    let report = demo_json(&["--group-by", "tag:env", "--group-by", "resource-group"]);
    let groups = report["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["by"], "tag:env");
    assert_eq!(groups[1]["by"], "resource-group");
    let values = groups[0]["values"].as_array().unwrap();
    assert!(values.len() >= 2, "several env values in the demo estate");
    let total: u64 = values
        .iter()
        .map(|v| v["resources"].as_u64().unwrap())
        .sum();
    assert_eq!(
        total,
        report["input"]["resources"].as_u64().unwrap(),
        "every resource is in exactly one group"
    );
}

#[test]
fn fail_under_gate_exits_1_and_passes_below_the_score() {
    let out = rampart(&["scan", "--demo", "--fail-under", "100"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--fail-under"), "{}", stderr(&out));
    let out = rampart(&["scan", "--demo", "--fail-under", "0"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn fail_on_severity_gate_exits_1() {
    let out = rampart(&["scan", "--demo", "--fail-on", "high"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the demo estate has unhealthy High recommendations"
    );
    assert!(
        stderr(&out).contains("severity High or higher"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn malformed_jsonl_names_file_and_line_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.jsonl");
    std::fs::write(&path, GOOD_AND_BAD_SNAPSHOT).unwrap();
    let out = rampart(&["scan", path_str(&path)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("inventory.jsonl") && err.contains(":3"),
        "{err}"
    );
}

#[test]
fn keep_going_skips_and_counts_bad_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.jsonl");
    std::fs::write(&path, GOOD_AND_BAD_SNAPSHOT).unwrap();
    let out = rampart(&["scan", path_str(&path), "--keep-going", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["input"]["skipped_records"], 1);
    assert_eq!(report["input"]["resources"], 2);
    assert_eq!(report["input"]["errors"][0]["line"], 3);
}

#[test]
fn missing_input_is_a_usage_error() {
    let out = rampart(&["scan"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no input"), "{}", stderr(&out));
    let out = rampart(&["scan", "/nonexistent/export.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/export.json"),
        "{}",
        stderr(&out)
    );
    let out = rampart(&["scan", "--demo", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn exemptions_turn_resources_not_applicable_exempt() {
    let before = demo_json(&[]);
    let target = before["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unhealthy"].as_u64().unwrap() > 0 && !r["preview"].as_bool().unwrap())
        .expect("an unhealthy recommendation")
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exemptions.yaml");
    std::fs::write(
        &path,
        format!(
            "version: 1\nexemptions:\n  - name: accept-all\n    category: waiver\n    reason: accepted for the test\n    recommendations: [\"{}\"]\n    resources:\n      ids: [\"*\"]\n",
            target["id"].as_str().unwrap()
        ),
    )
    .unwrap();
    let after = demo_json(&["--exemptions", path_str(&path)]);
    let exempted = after["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == target["id"])
        .unwrap();
    assert_eq!(exempted["unhealthy"], 0);
    assert_eq!(exempted["healthy"], 0);
    assert!(exempted["resources"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["cause"] == "Exempt"));
    assert!(after["exemptions"]["applied"].as_u64().unwrap() > 0);
    assert!(
        after["score"]["percentage"].as_f64().unwrap()
            >= before["score"]["percentage"].as_f64().unwrap(),
        "exempting unhealthy resources never lowers the score"
    );
}

#[test]
fn malformed_exemptions_file_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exemptions.yaml");
    std::fs::write(
        &path,
        "version: 1\nexemptions:\n  - name: x\n    category: sometimes\n",
    )
    .unwrap();
    let out = rampart(&["scan", "--demo", "--exemptions", path_str(&path)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("exemptions.yaml"), "{err}");
}

#[test]
fn every_output_format_renders_the_demo() {
    for format in ["table", "json", "sarif", "ocsf", "csv", "html"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("report.{format}"));
        let out = rampart(&[
            "scan",
            "--demo",
            "--format",
            format,
            "--output",
            path_str(&path),
        ]);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.len() > 100, "{format} output is substantial");
        assert!(
            stdout(&out).is_empty(),
            "--output writes to the file, not stdout"
        );
    }
}

#[test]
fn compact_json_is_one_line_and_the_same_report() {
    let pretty = demo_json(&[]);
    let out = rampart(&["scan", "--demo", "--format", "json", "--compact"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.trim_end().lines().count(), 1, "one line");
    let mut compact: Value = serde_json::from_str(&text).unwrap();
    let mut pretty = pretty;
    compact["generated_at"] = Value::Null;
    pretty["generated_at"] = Value::Null;
    assert_eq!(compact, pretty);
}

#[test]
fn score_explain_prints_every_intermediate() {
    let out = rampart(&["score", "explain", "--demo"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in ["Enable MFA", "Secure management ports", "potential"] {
        assert!(text.contains(needle), "explain mentions {needle}:\n{text}");
    }
}

/// A Rampart snapshot with a header, two good resources around one malformed line (line 3).
const GOOD_AND_BAD_SNAPSHOT: &str = r#"{"rampart_inventory":1,"generated_at":"2026-11-01T00:00:00Z","source":"test"}
{"provider":"azure","scope":"00000000-0000-0000-0000-000000000001","region":"westeurope","resource_group":"rg-a","type":"microsoft.storage/storageaccounts","id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/good1","name":"good1","native":{"id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/good1","name":"good1","type":"microsoft.storage/storageaccounts","location":"westeurope","kind":"StorageV2","properties":{"supportsHttpsTrafficOnly":true,"minimumTlsVersion":"TLS1_2","allowBlobPublicAccess":false}}}
{"provider":"azure","scope": oops
{"provider":"azure","scope":"00000000-0000-0000-0000-000000000001","region":"westeurope","resource_group":"rg-a","type":"microsoft.storage/storageaccounts","id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/bad1","name":"bad1","native":{"id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/bad1","name":"bad1","type":"microsoft.storage/storageaccounts","location":"westeurope","kind":"StorageV2","properties":{"supportsHttpsTrafficOnly":false,"minimumTlsVersion":"TLS1_0","allowBlobPublicAccess":true}}}
"#;
