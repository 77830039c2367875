//! Property tests over random small estates: bounds, monotonicity of fixing, aggregation = union,
//! single-group = overall.

use proptest::prelude::*;
use rampart_model::{Recommendation, Status};
use rampart_score::{Grouping, Score, ScoreBook, ScoreReport};

use crate::support::{self, *};

/// One resource: scope number, optional `env` tag value, and its assessments (recommendation index, status).
type RandomResource = (u8, Option<u8>, Vec<(usize, Status)>);

fn recommendations() -> Vec<Recommendation> {
    vec![
        recommendation("r0", &[NETWORK]),
        recommendation("r1", &[NETWORK, ACCESS]),
        recommendation("r2", &[ENCRYPT_IN_TRANSIT]),
        recommendation("r3", &[SYSTEM_UPDATES, ENDPOINT]),
        recommendation("r4", &[AUDITING]),
        recommendation("r5", &[BEST_PRACTICES]),
        preview("r6", &[NETWORK]),
        custom("r7", &[MFA]),
        recommendation("r8", &[MFA]),
        recommendation("r9", &[DDOS]),
    ]
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Healthy),
        Just(Status::Unhealthy),
        Just(Status::NotApplicable)
    ]
}

fn estate() -> impl Strategy<Value = Vec<RandomResource>> {
    let assessments = prop::collection::vec((0..10_usize, status()), 0..6);
    prop::collection::vec((0..4_u8, prop::option::of(0..3_u8), assessments), 1..40)
}

/// Scores the estate, mapping each resource's scope and tag through the given functions.
fn score(
    estate: &[RandomResource],
    scope_of: impl Fn(u8) -> String,
    tag_of: impl Fn(Option<u8>) -> Option<String>,
) -> ScoreReport {
    let recs = recommendations();
    let groupings = vec![Grouping::Tag("env".to_owned()), Grouping::Scope];
    let mut book = ScoreBook::new(&support::api_example_controls(), groupings).unwrap();
    for (idx, (scope, tag, assessments)) in estate.iter().enumerate() {
        let idx = u32::try_from(idx).unwrap();
        let scope = scope_of(*scope);
        let tag = tag_of(*tag);
        book.add_resource(idx, &scope, &[tag.as_deref(), Some(&scope)])
            .unwrap();
        for &(rec, status) in assessments {
            book.record(idx, &recs[rec], status).unwrap();
        }
    }
    book.report()
}

fn scope_name(scope: u8) -> String {
    format!("sub-{scope}")
}

fn tag_name(tag: Option<u8>) -> Option<String> {
    tag.map(|t| format!("env-{t}"))
}

fn every_score(report: &ScoreReport) -> impl Iterator<Item = &Score> {
    std::iter::once(&report.overall)
        .chain(report.scopes.iter().map(|s| &s.score))
        .chain(
            report
                .groups
                .iter()
                .flat_map(|g| g.groups.iter().map(|n| &n.score)),
        )
}

fn hundredths(value: f64) -> i64 {
    // Score values are exact 2-decimal numbers; recover their integer form.
    #[expect(clippy::cast_possible_truncation, reason = "small score values")]
    let cents = (value * 100.0).round() as i64;
    cents
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scores_stay_within_bounds(estate in estate()) {
        let report = score(&estate, scope_name, tag_name);
        for score in every_score(&report) {
            prop_assert!((0.0..=100.0).contains(&score.percent()), "percent {}", score.percent());
            prop_assert!((0.0..=1.0).contains(&score.percentage));
            prop_assert!(score.current >= 0.0 && score.current <= f64::from(score.max));
            prop_assert_eq!(hundredths(score.current) + hundredths(score.potential_increase), i64::from(score.max) * 100);
            let counted_max: u32 = score.controls.iter().filter(|c| c.counted).map(|c| c.max).sum();
            prop_assert_eq!(counted_max, score.max);
            let counted_current: i64 = score.controls.iter().map(|c| hundredths(c.current)).sum();
            prop_assert_eq!(counted_current, hundredths(score.current));
            for control in &score.controls {
                prop_assert!((0.0..=1.0).contains(&control.percentage));
                prop_assert_eq!(control.counted, control.healthy + control.unhealthy > 0);
                prop_assert_eq!(hundredths(control.current) + hundredths(control.potential_increase), i64::from(control.max) * 100);
            }
        }
    }

    #[test]
    fn fixing_an_unhealthy_assessment_never_lowers_a_score(estate in estate(), pick in any::<prop::sample::Index>()) {
        let unhealthy: Vec<(usize, usize)> = estate
            .iter()
            .enumerate()
            .flat_map(|(r, (_, _, a))| a.iter().enumerate().filter(|(_, (_, s))| *s == Status::Unhealthy).map(move |(i, _)| (r, i)))
            .collect();
        prop_assume!(!unhealthy.is_empty());
        let (resource, assessment) = unhealthy[pick.index(unhealthy.len())];
        let mut fixed = estate.clone();
        fixed[resource].2[assessment].1 = Status::Healthy;

        let before = score(&estate, scope_name, tag_name);
        let after = score(&fixed, scope_name, tag_name);
        for (b, a) in every_score(&before).zip(every_score(&after)) {
            prop_assert_eq!(a.max, b.max);
            prop_assert!(a.current >= b.current, "current {} → {}", b.current, a.current);
            prop_assert!(a.percentage >= b.percentage, "percentage {} → {}", b.percentage, a.percentage);
        }
    }

    /// Defender (`exempt-resource.md`): exempting an unhealthy resource gives no points, "but because
    /// points aren't removed for the unhealthy resources … your score will increase".
    #[test]
    fn exempting_an_unhealthy_assessment_never_lowers_a_percentage(estate in estate(), pick in any::<prop::sample::Index>()) {
        let unhealthy: Vec<(usize, usize)> = estate
            .iter()
            .enumerate()
            .flat_map(|(r, (_, _, a))| a.iter().enumerate().filter(|(_, (_, s))| *s == Status::Unhealthy).map(move |(i, _)| (r, i)))
            .collect();
        prop_assume!(!unhealthy.is_empty());
        let (resource, assessment) = unhealthy[pick.index(unhealthy.len())];
        let mut exempted = estate.clone();
        exempted[resource].2[assessment].1 = Status::NotApplicable;

        let before = score(&estate, scope_name, tag_name);
        let after = score(&exempted, scope_name, tag_name);
        for (b, a) in every_score(&before).zip(every_score(&after)) {
            prop_assert!(a.max <= b.max);
            prop_assert!(a.percentage >= b.percentage, "percentage {} → {}", b.percentage, a.percentage);
        }
    }

    #[test]
    fn aggregate_over_scopes_equals_the_union(estate in estate()) {
        let split = score(&estate, scope_name, tag_name);
        let merged = score(&estate, |_| "everything".to_owned(), tag_name);
        prop_assert_eq!(merged.scopes.len(), 1);
        prop_assert_eq!(&merged.scopes[0].score, &split.overall);
        prop_assert_eq!(&merged.overall, &split.overall);
        // And the overall H/U/NA per control are the sums over scopes (weight = H + U per scope).
        for (c, control) in split.overall.controls.iter().enumerate() {
            let sum = |f: fn(&rampart_score::ControlScore) -> u64| -> u64 {
                split.scopes.iter().map(|s| f(&s.score.controls[c])).sum()
            };
            prop_assert_eq!(control.healthy, sum(|c| c.healthy));
            prop_assert_eq!(control.unhealthy, sum(|c| c.unhealthy));
            prop_assert_eq!(control.not_applicable, sum(|c| c.not_applicable));
            prop_assert_eq!(control.weight, sum(|c| c.weight));
        }
    }

    #[test]
    fn a_single_group_scores_like_the_whole_estate(estate in estate(), same_tag in prop::option::of(0..3_u8)) {
        let report = score(&estate, scope_name, |_| tag_name(same_tag));
        let tag_groups = &report.groups[0].groups;
        prop_assert_eq!(tag_groups.len(), 1);
        prop_assert_eq!(&tag_groups[0].name, &tag_name(same_tag).unwrap_or_else(|| "(untagged)".to_owned()));
        prop_assert_eq!(&tag_groups[0].score, &report.overall);
        // Grouping by scope reproduces the per-scope scores exactly.
        prop_assert_eq!(&report.groups[1].groups, &report.scopes);
    }
}
