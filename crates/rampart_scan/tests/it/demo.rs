//! Scans of the demo estate: the compact report is sound, its inventory is every resource read, and
//! the store's views (exemption subjects, group values, scope providers) agree with the same questions
//! asked of the full `rampart_model::Resource`s.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use chrono::{TimeZone, Utc};
use rampart_exemptions::Exemptions;
use rampart_model::{Cause, Resource};
use rampart_report::Report;
use rampart_scan::{scan, Grouping, ScanRequest};

fn request() -> ScanRequest {
    let mut request = ScanRequest::new(Vec::new());
    request.demo = true;
    request.now = Utc
        .with_ymd_and_hms(2026, 11, 29, 12, 0, 0)
        .single()
        .expect("date");
    request
}

fn demo_resources() -> Vec<Resource> {
    rampart_inventory::demo_estate()
        .collect::<Result<Vec<_>, _>>()
        .expect("demo estate reads")
}

fn run(request: &ScanRequest) -> Report {
    scan(request, &mut |_| {}).expect("scan")
}

#[test]
fn the_demo_report_is_sound_and_lists_every_resource() {
    let report = run(&request());
    assert_eq!(report.invariant_violations(), Vec::<String>::new());
    let resources = demo_resources();
    assert_eq!(report.resources.len(), resources.len());
    assert_eq!(report.input.resources, resources.len() as u64);
    for (view, resource) in report.resource_views().zip(&resources) {
        assert_eq!(view.id, resource.id);
        assert_eq!(view.name, resource.name);
        assert_eq!(view.resource_type, resource.resource_type);
        assert_eq!(view.scope, resource.scope);
        assert_eq!(view.provider, resource.provider);
        assert_eq!(view.region, resource.region.as_deref());
        assert_eq!(view.resource_group, resource.resource_group.as_deref());
    }
    let results: usize = report
        .recommendations
        .iter()
        .map(|r| r.resources.len())
        .sum();
    assert!(results > resources.len(), "{results} results");
    // The JSON contract round-trips.
    let text = serde_json::to_string(&report).expect("json");
    let back: Report = serde_json::from_str(&text).expect("read back");
    assert_eq!(back, report);
}

#[test]
fn scope_providers_are_those_of_their_resources() {
    let report = run(&request());
    let by_scope: HashMap<&str, _> = report
        .resource_views()
        .map(|r| (r.scope, r.provider))
        .collect();
    assert!(!report.scopes.is_empty());
    for scope in &report.scopes {
        assert_eq!(
            Some(&scope.provider),
            by_scope.get(scope.id.as_str()),
            "{}",
            scope.id
        );
    }
}

#[test]
fn group_values_match_the_model_grouping() {
    let mut request = request();
    request.group_by = vec![
        Grouping::Tag("ENV".to_owned()), // the estate's key is `env`: case-insensitive lookup
        Grouping::ResourceGroup,
        Grouping::Region,
    ];
    let report = run(&request);
    let resources = demo_resources();
    assert_eq!(report.groups.len(), 3);
    for (grouping, group) in request.group_by.iter().zip(&report.groups) {
        assert_eq!(group.by, grouping.key());
        let mut expected: BTreeMap<&str, u64> = BTreeMap::new();
        for r in &resources {
            let value = grouping
                .value_of(r)
                .unwrap_or_else(|| grouping.missing_label());
            *expected.entry(value).or_default() += 1;
        }
        let actual: BTreeMap<&str, u64> = group
            .values
            .iter()
            .map(|v| (v.value.as_str(), v.resources))
            .collect();
        assert_eq!(actual, expected, "{}", group.by);
    }
    assert!(report.groups[0].values.iter().any(|v| v.value == "prod"));
}

#[test]
fn exemptions_on_the_store_match_exemptions_on_resources() {
    let yaml = "version: 1\nexemptions:\n  - name: dev-waiver\n    category: waiver\n    reason: dev is disposable\n    recommendations: [\"*\"]\n    resources:\n      tags:\n        ENV: \"d*\"\n  - name: web-mitigated\n    category: mitigated\n    reason: WAF in front\n    recommendations: [\"*\"]\n    resources:\n      resource_groups: [\"RG-WEB-*\"]\n";
    let mut file = tempfile::NamedTempFile::new().expect("temp");
    file.write_all(yaml.as_bytes()).expect("write");
    let exemptions = Exemptions::from_yaml(yaml, "test").expect("exemptions parse");

    let plain = run(&request());
    let mut with = request();
    with.exemptions = Some(file.path().to_owned());
    let exempted = run(&with);

    let resources: HashMap<String, Resource> = demo_resources()
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let mut expected_applied = 0;
    for (a, b) in plain.recommendations.iter().zip(&exempted.recommendations) {
        assert_eq!(a.id, b.id);
        for (x, y) in plain.results(a).zip(exempted.results(b)) {
            assert_eq!(x.id, y.id);
            let resource = &resources[x.id];
            let expected = exemptions.matching(resource, &a.id, with.now);
            match expected {
                Some(e) => {
                    expected_applied += 1;
                    assert_eq!(y.cause, Some(Cause::Exempt), "{} {}", a.id, x.id);
                    assert_eq!(y.reason, e.assessment().reason.as_deref());
                }
                None => assert_eq!(x, y),
            }
        }
    }
    assert!(expected_applied > 0);
    assert_eq!(exempted.exemptions.applied, expected_applied);
    assert_eq!(exempted.invariant_violations(), Vec::<String>::new());
}

/// The parse threads only change who does the work: one, two or three of them give the same report
/// (results in input order, deferred checks decided the same), on an estate large enough for many
/// batches.
#[test]
fn the_report_does_not_depend_on_the_number_of_parse_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("estate.json");
    let file = std::fs::File::create(&path).expect("create");
    rampart_inventory::write_synthetic(file, 3000, 7, rampart_inventory::SyntheticFormat::ArgJson)
        .expect("generate");
    let mut request = request();
    request.inputs = vec![path];
    let reports: Vec<String> = [1, 2, 3]
        .into_iter()
        .map(|workers| {
            request.parse_workers = Some(workers);
            serde_json::to_string(&run(&request)).expect("json")
        })
        .collect();
    assert!(reports[0].len() > 100_000, "{} bytes", reports[0].len());
    assert_eq!(reports[0], reports[1]);
    assert_eq!(reports[0], reports[2]);
}
