//! Differential test against rsigma-eval 0.23 on the real CloudTrail records (Stratus
//! detonations and Panther samples) with all SigmaHQ AWS rules: every record's set of
//! matching rules is compared, and the differences are snapshotted. The one known
//! difference: `requestParameters|contains` over an object field (AWS S3 Bucket
//! Versioning Disable) — we search the object's JSON text as log backends do; rsigma
//! does not match objects with string patterns.

use rampart_sigma::{read_cloudtrail, Catalog, Engine};
use std::collections::BTreeMap;
use std::ops::ControlFlow;
#[test]
fn same_matches_as_rsigma_except_object_contains() {
    let mut b = Engine::builder(Catalog::builtin());
    let mut rs = rsigma_eval::Engine::new();
    for (name, text) in crate::rule_files(&crate::shared_data().join("sigma/rules/cloud/aws")) {
        b.add_yaml(&text, &name);
        rs.add_collection(&rsigma_parser::parse_sigma_yaml(&text).unwrap())
            .unwrap();
    }
    let engine = b.build();
    let (src, ct) = engine.source("aws_cloudtrail").unwrap();
    let mut lines: Vec<String> = Vec::new();
    for f in std::fs::read_dir(crate::shared_data().join("logs/stratus-cloudtrail")).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let v: Vec<serde_json::Value> =
                serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            lines.extend(v.iter().map(|r| r.to_string()));
        }
    }
    let panther = std::fs::read_to_string(
        crate::shared_data().join("logs/panther-events/aws-cloudtrail.jsonl"),
    )
    .unwrap();
    lines.extend(panther.lines().map(String::from));
    let mut diffs: BTreeMap<String, usize> = BTreeMap::new();
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let theirs: std::collections::BTreeSet<String> = rs
            .evaluate(&rsigma_eval::event::JsonEvent::borrow(&v))
            .iter()
            .map(|r| r.header.rule_title.clone())
            .collect();
        let mut ours = std::collections::BTreeSet::new();
        let (mut s, mut h) = (Vec::new(), Vec::new());
        read_cloudtrail(line.as_bytes(), "x", ct.projection(), |e| {
            engine.matches(src, e, &mut s, &mut h);
            for r in &h {
                ours.insert(engine.rule(*r).meta.title.clone());
            }
            ControlFlow::Continue(())
        })
        .unwrap();
        for t in theirs.symmetric_difference(&ours) {
            let who = if ours.contains(t) {
                "ours only"
            } else {
                "rsigma only"
            };
            *diffs.entry(format!("{who}: {t}")).or_default() += 1;
        }
    }
    assert!(lines.len() > 700, "{} records", lines.len());
    insta::assert_yaml_snapshot!("differences", diffs);
}
