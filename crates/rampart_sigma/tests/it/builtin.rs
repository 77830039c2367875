//! Rampart's built-in detections: they load and lint clean, fire on the Stratus
//! detonations they describe, on real root-account records, and (mass S3 deletion) on a
//! synthetic burst.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use rampart_sigma::{
    builtin_rules, lint, read_cloudtrail, Catalog, CorrelationState, DiagSeverity, Engine,
};

fn engine() -> Engine {
    let mut b = Engine::builder(Catalog::builtin());
    for (name, text) in builtin_rules() {
        let errs = b.add_yaml(text, name);
        assert!(errs.is_empty(), "{errs:?}");
        let errors: Vec<_> = lint(text, name)
            .into_iter()
            .filter(|d| d.severity == DiagSeverity::Error)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    let engine = b.build();
    assert!(
        engine.load_errors().is_empty(),
        "{:?}",
        engine.load_errors()
    );
    assert_eq!((engine.rules().len(), engine.correlations().len()), (8, 4));
    engine
}

/// Rule title → matched event ids, over one CloudTrail input.
fn matches(engine: &Engine, input: &[u8]) -> BTreeMap<String, Vec<String>> {
    let (src, rules) = engine.source("aws_cloudtrail").expect("source");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut scratch, mut hits) = (Vec::new(), Vec::new());
    read_cloudtrail(input, "input", rules.projection(), |ev| {
        engine.matches(src, ev, &mut scratch, &mut hits);
        for &r in &hits {
            use rampart_sigma::Event;
            let id = ev
                .values(rules.id_field())
                .first()
                .and_then(|v| v.as_text())
                .unwrap_or("?")
                .to_string();
            out.entry(engine.rule(r).meta.title.clone())
                .or_default()
                .push(id);
        }
        ControlFlow::Continue(())
    })
    .expect("read");
    out
}

#[test]
fn builtin_rules_fire_on_the_stratus_detonations() {
    let engine = engine();
    let dir = crate::shared_data().join("logs/stratus-cloudtrail");
    let mut all = BTreeMap::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    for path in names {
        let m = matches(&engine, &std::fs::read(&path).expect("read"));
        if !m.is_empty() {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
            all.insert(stem.to_string(), m);
        }
    }
    for (technique, title) in [
        (
            "aws.defense-evasion.cloudtrail-stop",
            "CloudTrail Logging Tampered With",
        ),
        (
            "aws.defense-evasion.cloudtrail-delete",
            "CloudTrail Logging Tampered With",
        ),
        (
            "aws.defense-evasion.cloudtrail-event-selectors",
            "CloudTrail Logging Tampered With",
        ),
        (
            "aws.exfiltration.ec2-security-group-open-port-22-ingress",
            "Security Group Opened To The Internet",
        ),
        (
            "aws.persistence.iam-backdoor-user",
            "Access Key Created For Another IAM User",
        ),
    ] {
        assert!(
            all.get(technique).is_some_and(|m| m.contains_key(title)),
            "{technique}: {title} did not fire"
        );
    }
    insta::assert_yaml_snapshot!("stratus", all);
}

#[test]
fn root_account_use_fires_on_real_root_records() {
    let engine = engine();
    let text = std::fs::read(crate::shared_data().join("logs/panther-events/aws-cloudtrail.jsonl"))
        .expect("read");
    let m = matches(&engine, &text);
    let root = m.get("AWS Root Account Used").map_or(0, Vec::len);
    assert!(root > 0);
    insta::assert_yaml_snapshot!(
        "panther_counts",
        m.iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect::<BTreeMap<_, _>>()
    );
}

#[test]
fn mass_s3_deletion_is_one_correlated_hit() {
    let engine = engine();
    let (src, rules) = engine.source("aws_cloudtrail").expect("source");
    let mut lines = Vec::new();
    for i in 0..150 {
        // mallory empties one bucket (120 deletions in 2 minutes); bob deletes 30.
        let (who, bucket) = if i % 5 == 4 {
            ("bob", "logs")
        } else {
            ("mallory", "prod-data")
        };
        lines.push(format!(
            r#"{{"eventTime":"2024-08-01T12:{:02}:{:02}Z","eventSource":"s3.amazonaws.com","eventName":"DeleteObject","userIdentity":{{"arn":"arn:aws:iam::1:user/{who}"}},"requestParameters":{{"bucketName":"{bucket}","key":"obj{i}"}}}}"#,
            i / 75,
            (i % 75) * 60 / 75
        ));
    }
    let input = lines.join("\n");
    let mut state = CorrelationState::new();
    let (mut scratch, mut hits, mut fired, mut out) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    read_cloudtrail(input.as_bytes(), "burst", rules.projection(), |ev| {
        engine.matches(src, ev, &mut scratch, &mut hits);
        engine.correlate(&mut state, src, ev, &hits, &mut fired);
        out.append(&mut fired);
        ControlFlow::Continue(())
    })
    .expect("read");
    assert_eq!(out.len(), 1, "{out:?}");
    insta::assert_yaml_snapshot!("mass_deletion", out);
}
