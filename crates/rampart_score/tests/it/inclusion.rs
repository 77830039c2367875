//! What counts toward H, U and NA, and when a control counts at all; groupings; input errors.

use std::collections::BTreeMap;

use rampart_model::Status::{Healthy, NotApplicable, Unhealthy};
use rampart_model::{Provider, Resource};
use rampart_score::{ControlScore, Grouping, Score, ScoreBook, ScoreError};

use crate::support::{self, *};

fn book() -> ScoreBook {
    ScoreBook::new(&support::api_example_controls(), Vec::new()).unwrap()
}

fn control<'s>(score: &'s Score, id: &str) -> &'s ControlScore {
    score.controls.iter().find(|c| c.id == id).unwrap()
}

fn counts(score: &Score, id: &str) -> (u64, u64, u64) {
    let c = control(score, id);
    (c.healthy, c.unhealthy, c.not_applicable)
}

/// Defender FAQ: "If I address only three out of four recommendations in a control … No": the resource
/// stays unhealthy for the control until every recommendation of it is remediated.
#[test]
fn resource_is_healthy_only_when_every_recommendation_of_the_control_is() {
    let recs: Vec<_> = (0..4)
        .map(|i| recommendation(&format!("network-{i}"), &[NETWORK]))
        .collect();
    let mut book = book();
    book.add_resource(0, "sub", &[]).unwrap();
    for rec in &recs[..3] {
        book.record(0, rec, Healthy).unwrap();
    }
    book.record(0, &recs[3], Unhealthy).unwrap();
    let before = book.report();
    assert_eq!(counts(&before.overall, NETWORK), (0, 1, 0));
    assert_eq!(control(&before.overall, NETWORK).current, 0.0);

    // The same resource with the fourth recommendation fixed (a fresh scan).
    let mut fixed = self::book();
    fixed.add_resource(0, "sub", &[]).unwrap();
    for rec in &recs {
        fixed.record(0, rec, Healthy).unwrap();
    }
    assert_eq!(counts(&fixed.report().overall, NETWORK), (1, 0, 0));
    assert_eq!(control(&fixed.report().overall, NETWORK).current, 4.0);
}

#[test]
fn not_applicable_recommendations_do_not_spoil_a_healthy_resource() {
    let mut book = book();
    book.add_resource(0, "sub", &[]).unwrap();
    book.add_resource(1, "sub", &[]).unwrap();
    let a = recommendation("a", &[NETWORK]);
    let b = recommendation("b", &[NETWORK]);
    book.record(0, &a, Healthy).unwrap();
    book.record(0, &b, NotApplicable).unwrap();
    // Resource 1: every recommendation of the control is NA (e.g. exempt) → NA for the control.
    book.record(1, &a, NotApplicable).unwrap();
    book.record(1, &b, NotApplicable).unwrap();
    assert_eq!(counts(&book.report().overall, NETWORK), (1, 0, 1));
}

#[test]
fn preview_and_custom_recommendations_never_count() {
    let mut book = book();
    for idx in 0..3 {
        book.add_resource(idx, "sub", &[]).unwrap();
    }
    let built_in = recommendation("built-in", &[NETWORK]);
    let preview = preview("preview", &[NETWORK]);
    let custom = custom("custom", &[NETWORK]);
    // Resource 0 is healthy for the built-in one; unhealthy preview/custom results don't change that.
    book.record(0, &built_in, Healthy).unwrap();
    book.record(0, &preview, Unhealthy).unwrap();
    book.record(0, &custom, Unhealthy).unwrap();
    // Resources 1 and 2 only appear in preview / custom recommendations: not counted at all.
    book.record(1, &preview, Unhealthy).unwrap();
    book.record(2, &custom, Healthy).unwrap();
    let report = book.report();
    assert_eq!(counts(&report.overall, NETWORK), (1, 0, 0));
    assert_eq!(control(&report.overall, NETWORK).current, 4.0);
}

#[test]
fn custom_and_preview_recommendations_may_name_unknown_controls() {
    let book = book();
    let scoring = book
        .scoring(&custom("custom", &["my-own-control"]))
        .unwrap();
    assert!(!scoring.counts());
    assert!(!book.scoring(&preview("p", &["nope"])).unwrap().counts());
}

/// Exempt results arrive as `NotApplicable` (cause `Exempt`): they "won't impact your secure score",
/// and a control left with no H and no U drops out of the max.
#[test]
fn exempt_resources_leave_h_and_u_and_an_empty_control_drops_out_of_max() {
    let mut book = book();
    let updates = recommendation("system-updates", &[SYSTEM_UPDATES]);
    let transfer = recommendation("secure-transfer", &[ENCRYPT_IN_TRANSIT]);
    book.add_resource(0, "sub", &[]).unwrap();
    book.add_resource(1, "sub", &[]).unwrap();
    book.record(0, &updates, NotApplicable).unwrap(); // exempt
    book.record(1, &transfer, Healthy).unwrap();
    let report = book.report();
    let updates_score = control(&report.overall, SYSTEM_UPDATES);
    assert_eq!(
        (
            updates_score.counted,
            updates_score.max,
            updates_score.definition_max
        ),
        (false, 0, 6)
    );
    assert_eq!(updates_score.not_applicable, 1);
    assert_eq!(
        (
            report.overall.max,
            report.overall.current,
            report.overall.percentage
        ),
        (4, 4.0, 1.0)
    );
}

#[test]
fn a_control_nobody_touches_is_listed_but_not_counted() {
    let mut book = book();
    book.add_resource(0, "sub", &[]).unwrap();
    book.record(0, &recommendation("mfa", &[MFA]), Unhealthy)
        .unwrap();
    let report = book.report();
    assert_eq!(
        report.overall.controls.len(),
        support::api_example_controls().len()
    );
    assert!(report
        .overall
        .controls
        .iter()
        .filter(|c| c.counted)
        .map(|c| &c.id)
        .eq([&MFA.to_owned()]));
    assert_eq!(
        (
            report.overall.max,
            report.overall.current,
            report.overall.percentage
        ),
        (10, 0.0, 0.0)
    );
    assert_eq!(report.overall.potential_increase, 10.0);
}

#[test]
fn a_recommendation_in_several_controls_counts_in_each() {
    let mut book = book();
    book.add_resource(0, "sub", &[]).unwrap();
    book.add_resource(1, "sub", &[]).unwrap();
    let agent = recommendation(
        "monitoring-agent",
        &[SYSTEM_UPDATES, ENDPOINT, SECURITY_CONFIGS],
    );
    book.record(0, &agent, Unhealthy).unwrap();
    book.record(1, &agent, Healthy).unwrap();
    let report = book.report();
    for id in [SYSTEM_UPDATES, ENDPOINT, SECURITY_CONFIGS] {
        assert_eq!(counts(&report.overall, id), (1, 1, 0), "control {id}");
    }
    // 6/2 + 2/2 + 4/2 = 6 of 12.
    assert_eq!(
        (
            report.overall.max,
            report.overall.current,
            report.overall.percentage
        ),
        (12, 6.0, 0.5)
    );
}

#[test]
fn zero_point_controls_count_in_weight_but_add_nothing() {
    let mut book = book();
    book.add_resource(0, "sub", &[]).unwrap();
    book.record(0, &recommendation("bp", &[BEST_PRACTICES]), Unhealthy)
        .unwrap();
    let report = book.report();
    let bp = control(&report.overall, BEST_PRACTICES);
    assert_eq!(
        (bp.counted, bp.max, bp.current, bp.percentage, bp.weight),
        (true, 0, 0.0, 0.0, 1)
    );
    assert_eq!((report.overall.max, report.overall.percentage), (0, 0.0));
}

#[test]
fn record_order_does_not_matter() {
    let recs = [
        recommendation("a", &[NETWORK, ACCESS]),
        recommendation("b", &[NETWORK]),
        recommendation("c", &[ACCESS]),
    ];
    let statuses = [Healthy, Unhealthy, NotApplicable];
    let mut assessments = Vec::new();
    for resource in 0..6_u32 {
        for (r, rec) in recs.iter().enumerate() {
            assessments.push((resource, rec, statuses[(resource as usize + r) % 3]));
        }
    }
    let run = |order: &mut dyn Iterator<
        Item = &(u32, &rampart_model::Recommendation, rampart_model::Status),
    >| {
        let mut book = book();
        for resource in 0..6 {
            book.add_resource(resource, if resource % 2 == 0 { "a" } else { "b" }, &[])
                .unwrap();
        }
        for &(resource, rec, status) in order {
            book.record(resource, rec, status).unwrap();
        }
        book.report()
    };
    assert_eq!(
        run(&mut assessments.iter()),
        run(&mut assessments.iter().rev())
    );
}

#[test]
fn precomputed_scoring_matches_record() {
    let rec = recommendation("a", &[NETWORK, ACCESS]);
    let mut by_record = book();
    let mut by_scoring = book();
    let scoring = by_scoring
        .scorings(std::slice::from_ref(&rec))
        .unwrap()
        .remove(0);
    for (idx, status) in [Healthy, Unhealthy, NotApplicable, Healthy]
        .into_iter()
        .enumerate()
    {
        let idx = u32::try_from(idx).unwrap();
        by_record.add_resource(idx, "s", &[]).unwrap();
        by_scoring.add_resource(idx, "s", &[]).unwrap();
        by_record.record(idx, &rec, status).unwrap();
        by_scoring.record_scored(idx, &scoring, status).unwrap();
    }
    assert_eq!(by_record.report(), by_scoring.report());
}

fn resource(
    scope: &str,
    region: Option<&str>,
    rg: Option<&str>,
    tags: &[(&str, &str)],
) -> Resource {
    Resource {
        provider: Provider::Azure,
        scope: scope.to_owned(),
        region: region.map(str::to_owned),
        resource_group: rg.map(str::to_owned),
        resource_type: "microsoft.storage/storageaccounts".to_owned(),
        id: String::new(),
        name: String::new(),
        tags: tags
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<BTreeMap<_, _>>(),
        native: serde_json::Value::Null,
        relationships: Vec::new(),
    }
}

#[test]
fn groups_by_tag_region_and_resource_group() {
    let groupings: Vec<Grouping> = ["tag:env", "region", "resource-group"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let mut book = ScoreBook::new(&support::api_example_controls(), groupings).unwrap();
    let resources = [
        resource("s1", Some("westeurope"), Some("rg-a"), &[("env", "prod")]),
        resource("s1", Some("westeurope"), Some("rg-a"), &[("Env", "dev")]), // tag names are case-insensitive
        resource("s2", None, None, &[]),
    ];
    let rec = recommendation("transfer", &[ENCRYPT_IN_TRANSIT]);
    for (idx, (resource, status)) in resources
        .iter()
        .zip([Healthy, Unhealthy, Unhealthy])
        .enumerate()
    {
        let idx = u32::try_from(idx).unwrap();
        book.add_model_resource(idx, resource).unwrap();
        book.record(idx, &rec, status).unwrap();
    }
    let report = book.report();
    let names = |grouping: usize| -> Vec<(String, u64, f64)> {
        report.groups[grouping]
            .groups
            .iter()
            .map(|g| (g.name.clone(), g.score.resources, g.score.current))
            .collect()
    };
    assert_eq!(report.groups[0].grouping.key(), "tag:env");
    assert_eq!(
        names(0),
        [
            ("(untagged)".to_owned(), 1, 0.0),
            ("dev".to_owned(), 1, 0.0),
            ("prod".to_owned(), 1, 4.0)
        ]
    );
    assert_eq!(
        names(1),
        [
            ("(none)".to_owned(), 1, 0.0),
            ("westeurope".to_owned(), 2, 2.0)
        ]
    );
    assert_eq!(
        names(2),
        [("(none)".to_owned(), 1, 0.0), ("rg-a".to_owned(), 2, 2.0)]
    );
    // Overall: 4 × 1/3.
    assert_eq!(
        (report.overall.current, report.overall.percentage),
        (1.33, 0.3325)
    );
}

#[test]
fn grouping_specs_parse_and_reject() {
    assert_eq!("scope".parse::<Grouping>().unwrap(), Grouping::Scope);
    assert_eq!("rg".parse::<Grouping>().unwrap(), Grouping::ResourceGroup);
    assert_eq!(
        "tag:cost-center".parse::<Grouping>().unwrap(),
        Grouping::Tag("cost-center".to_owned())
    );
    assert_eq!(
        "tag:".parse::<Grouping>().unwrap_err().to_string(),
        "unknown grouping `tag:` (expected scope, resource-group, region or tag:KEY)"
    );
    assert!(matches!(
        "owner".parse::<Grouping>(),
        Err(ScoreError::UnknownGrouping { .. })
    ));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let mut controls = support::api_example_controls();
    controls.push(controls[0].clone());
    assert_eq!(
        ScoreBook::new(&controls, Vec::new()).unwrap_err(),
        ScoreError::DuplicateControl {
            control: DDOS.to_owned()
        }
    );

    let mut book = book();
    let rec = recommendation("r", &[MFA]);
    assert_eq!(
        book.record(7, &rec, Healthy),
        Err(ScoreError::UnknownResource { resource_idx: 7 })
    );
    book.add_resource(3, "s", &[]).unwrap();
    // Index 1 lies in the gap below 3: still undeclared.
    assert_eq!(
        book.record(1, &rec, Healthy),
        Err(ScoreError::UnknownResource { resource_idx: 1 })
    );
    assert_eq!(
        book.add_resource(3, "s", &[]),
        Err(ScoreError::DuplicateResource { resource_idx: 3 })
    );
    assert_eq!(
        book.add_resource(4, "s", &[Some("x")]),
        Err(ScoreError::GroupArity {
            resource_idx: 4,
            given: 1,
            expected: 0
        })
    );
    let unknown = recommendation("bad-rec", &["no-such-control"]);
    let error = book.record(3, &unknown, Healthy).unwrap_err();
    assert_eq!(
        error.to_string(),
        "recommendation `bad-rec`: field `controls` names unknown control `no-such-control`"
    );
    // Undeclared gaps don't appear in the report.
    assert_eq!(book.report().overall.resources, 1);
}
