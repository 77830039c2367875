//! Every SigmaHQ rule in ../shared/data/sigma/rules loads or is refused with a specific
//! reason; the counts and the refusals are snapshotted.

use rampart_sigma::{Catalog, Engine};

use crate::{rule_files, shared_data};

#[test]
fn every_sigmahq_rule_loads_or_is_refused_with_a_reason() {
    let files = rule_files(&shared_data().join("sigma/rules"));
    assert_eq!(files.len(), 451, "the corpus has 451 rule files");
    let mut b = Engine::builder(Catalog::builtin());
    for (name, text) in &files {
        b.add_yaml(text, name);
    }
    let engine = b.build();
    let summary = engine.summary();
    let loaded: usize = summary.loaded.values().sum();
    let refused: usize = summary.refused.values().sum();
    // One rule per file: each is accounted for exactly once.
    assert_eq!(loaded + refused, 451);
    insta::assert_yaml_snapshot!("load_summary", summary);
    let readers: std::collections::BTreeMap<&str, (usize, bool)> = engine
        .sources()
        .iter()
        .map(|s| {
            (
                s.spec.name.as_str(),
                (s.rules().len(), s.reader_available()),
            )
        })
        .collect();
    insta::assert_yaml_snapshot!("rules_per_source_and_reader", readers);
    // Refusals other than "no reader for this logsource", with their reasons.
    let specific: Vec<String> = engine
        .load_errors()
        .iter()
        .filter(|e| e.reason.kind() != "no_log_source")
        .map(|e| e.to_string())
        .collect();
    insta::assert_yaml_snapshot!("refusals", specific);
    let no_source: std::collections::BTreeMap<String, usize> = engine
        .load_errors()
        .iter()
        .filter_map(|e| match &e.reason {
            rampart_sigma::Refusal::NoLogSource { logsource } => Some(logsource.clone()),
            _ => None,
        })
        .fold(Default::default(), |mut m, l| {
            *m.entry(l).or_default() += 1;
            m
        });
    insta::assert_yaml_snapshot!("refused_no_log_source", no_source);
}

#[test]
fn aws_rules_are_indexed_by_event_name() {
    let mut b = Engine::builder(Catalog::builtin());
    for (name, text) in rule_files(&shared_data().join("sigma/rules/cloud/aws")) {
        let errs = b.add_yaml(&text, &name);
        assert!(errs.is_empty(), "{errs:?}");
    }
    let engine = b.build();
    let (_, src) = engine.source("aws_cloudtrail").expect("source");
    let (indexed, always) = src.index_stats();
    insta::assert_yaml_snapshot!(
        "aws_index",
        serde_json::json!({"rules": src.rules().len(), "indexed": indexed, "always": always,
            "fields": src.fields().iter().map(|(_, p)| p.to_string()).collect::<Vec<_>>()})
    );
}

#[test]
fn builtin_catalog_parses_and_routes() {
    let text = include_str!("../../data/logsources.toml");
    let catalog = Catalog::from_toml(text, "logsources.toml").expect("valid catalog");
    assert_eq!(catalog.sources().len(), Catalog::builtin().sources().len());
    let key = |p: &str, s: Option<&str>, c: Option<&str>| rampart_sigma::LogSourceKey {
        product: Some(p.into()),
        service: s.map(Into::into),
        category: c.map(Into::into),
    };
    let route = |k| catalog.route(&k).map(|i| catalog.sources()[i].name.clone());
    assert_eq!(
        route(key("AWS", Some("CloudTrail"), None)).as_deref(),
        Some("aws_cloudtrail")
    );
    assert_eq!(route(key("aws", Some("cloudtrail"), Some("x"))), None);
    assert_eq!(route(key("linux", None, Some("process_creation"))), None);
    assert!(Catalog::from_toml("[[source]]\nname = 1", "bad").is_err());
}
