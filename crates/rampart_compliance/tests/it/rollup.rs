//! The roll-up: Defender's state rules at each level (truth tables) and a snapshot of a small standard.

use rampart_compliance::{Counts, Rollup, Standard, State};
use rampart_model::{Assessment, Cause, Status};

use crate::fixture;

fn counts(passed: u64, failed: u64, skipped: u64, unsupported: u64) -> Counts {
    Counts {
        passed,
        failed,
        skipped,
        unsupported,
    }
}

/// Defender §5: Failed if ≥1 failed; Passed if all (assessable) passed; Skipped if all skipped;
/// Unsupported if nothing assessable. The same rule applies at every level.
#[test]
fn state_from_counts_truth_table() {
    let cases = [
        (counts(0, 0, 0, 0), State::Unsupported),
        (counts(3, 0, 0, 0), State::Passed),
        (counts(3, 1, 0, 0), State::Failed),
        (counts(0, 1, 0, 0), State::Failed),
        (counts(0, 0, 2, 0), State::Skipped),
        (counts(0, 0, 0, 2), State::Unsupported),
        (counts(1, 0, 5, 0), State::Passed),
        (counts(1, 0, 0, 5), State::Passed),
        (counts(0, 0, 1, 5), State::Skipped),
        (counts(0, 1, 9, 9), State::Failed),
        (counts(9, 1, 9, 9), State::Failed),
    ];
    for (c, expected) in cases {
        assert_eq!(c.state(), expected, "{c:?}");
    }
}

#[test]
fn resource_states_follow_defender_mapping() {
    assert_eq!(State::from(Status::Healthy), State::Passed);
    assert_eq!(State::from(Status::Unhealthy), State::Failed);
    assert_eq!(State::from(Status::NotApplicable), State::Skipped);
    assert_eq!(State::from(&Assessment::healthy()), State::Passed);
    assert_eq!(State::from(&Assessment::unhealthy(None)), State::Failed);
    assert_eq!(
        State::from(&Assessment::not_applicable(Cause::Exempt, None)),
        State::Skipped
    );
    assert_eq!(
        State::from(&Assessment::not_applicable(
            Cause::NotApplicableByCondition,
            None
        )),
        State::Skipped
    );
    assert_eq!(
        State::from(&Assessment::not_assessed("no data")),
        State::Unsupported
    );
}

fn standard(controls: &[&[&str]]) -> Standard {
    let mut text = String::from("[standard]\nid = \"t\"\nname = \"T\"\n");
    for (i, recs) in controls.iter().enumerate() {
        let list = recs
            .iter()
            .map(|r| format!("\"{r}\""))
            .collect::<Vec<_>>()
            .join(", ");
        text.push_str(&format!(
            "[[controls]]\nid = \"C-{i}\"\ntitle = \"c{i}\"\nrecommendations = [{list}]\n"
        ));
    }
    Standard::from_toml(&text, "t.toml").unwrap()
}

/// (recorded (recommendation, status) pairs, expected control state, expected assessment counts).
type ControlCase<'a> = (&'a [(&'a str, Status)], State, Counts);

/// Each row: the recommendation results recorded (rec, status) and the expected control state, for a
/// single control over recommendations `a` and `b`.
#[test]
fn control_state_truth_table() {
    use Status::{Healthy as H, NotApplicable as Na, Unhealthy as U};
    let cases: &[ControlCase<'_>] = &[
        (&[], State::Unsupported, counts(0, 0, 0, 2)),
        (&[("a", H)], State::Passed, counts(1, 0, 0, 1)),
        (&[("a", H), ("b", H)], State::Passed, counts(2, 0, 0, 0)),
        (&[("a", H), ("b", U)], State::Failed, counts(1, 1, 0, 0)),
        (&[("a", H), ("a", U)], State::Failed, counts(0, 1, 0, 1)),
        (&[("a", Na), ("b", Na)], State::Skipped, counts(0, 0, 2, 0)),
        (&[("a", Na)], State::Skipped, counts(0, 0, 1, 1)),
        (&[("a", Na), ("b", H)], State::Passed, counts(1, 0, 1, 0)),
        (
            &[("a", Na), ("a", H), ("b", Na)],
            State::Passed,
            counts(1, 0, 1, 0),
        ),
    ];
    let standard = standard(&[&["a", "b"]]);
    for (records, expected, expected_counts) in cases {
        let mut rollup = Rollup::new(&standard);
        for (rec, status) in *records {
            assert!(rollup.record(rec, *status));
        }
        let result = rollup.finish();
        assert_eq!(result.controls[0].state, *expected, "{records:?}");
        assert_eq!(result.controls[0].counts(), *expected_counts, "{records:?}");
        assert_eq!(
            result.state, *expected,
            "standard of one control, {records:?}"
        );
    }
}

#[test]
fn standard_counts_controls_and_computes_pass_percentage() {
    // Controls: passed, failed, passed, skipped, no automated assessment, no data.
    let standard = standard(&[&["p1"], &["f1", "p1"], &["p2"], &["s1"], &[], &["u1"]]);
    let mut rollup = Rollup::new(&standard);
    for (rec, status) in [
        ("p1", Status::Healthy),
        ("p2", Status::Healthy),
        ("f1", Status::Unhealthy),
        ("s1", Status::NotApplicable),
    ] {
        rollup.record(rec, status);
    }
    assert!(!rollup.record("not-in-standard", Status::Unhealthy));
    assert_eq!(rollup.unmapped(), 1);
    let result = rollup.finish();
    let states: Vec<_> = result.controls.iter().map(|c| c.state).collect();
    assert_eq!(
        states,
        [
            State::Passed,
            State::Failed,
            State::Passed,
            State::Skipped,
            State::Unsupported,
            State::Unsupported
        ]
    );
    assert_eq!(
        (
            result.passed_controls,
            result.failed_controls,
            result.skipped_controls,
            result.unsupported_controls
        ),
        (2, 1, 1, 2)
    );
    assert_eq!(result.state, State::Failed);
    let percentage = result.pass_percentage.unwrap();
    assert!((percentage - 200.0 / 3.0).abs() < 1e-9, "{percentage}");

    let empty = Rollup::new(&standard).finish();
    assert_eq!(empty.state, State::Unsupported);
    assert_eq!(empty.pass_percentage, None);
    assert_eq!(empty.unsupported_controls, 6);
}

#[test]
fn a_recommendation_in_several_controls_counts_in_each() {
    let standard = standard(&[&["shared", "x"], &["SHARED"]]);
    let mut rollup = Rollup::new(&standard);
    let slot = rollup.slot("Shared").unwrap();
    rollup.record_slot(slot, Status::Unhealthy);
    rollup.record("shared", Status::Healthy);
    let result = rollup.finish();
    for control in &result.controls {
        assert_eq!(control.state, State::Failed);
        assert_eq!(
            control
                .assessments
                .iter()
                .find(|a| a.recommendation_id.eq_ignore_ascii_case("shared"))
                .unwrap()
                .counts(),
            counts(1, 1, 0, 0)
        );
    }
}

/// The user standard of the fixtures with a handful of resource results, as JSON (the report contract).
#[test]
fn small_rollup_snapshot() {
    let standard =
        Standard::from_toml(&fixture("user_standard.toml"), "user_standard.toml").unwrap();
    let mut rollup = Rollup::new(&standard);
    let results = [
        (
            "404c3081-a854-4457-ae30-26a93ef643f9",
            Assessment::healthy(),
        ),
        (
            "404c3081-a854-4457-ae30-26a93ef643f9",
            Assessment::healthy(),
        ),
        (
            "404c3081-a854-4457-ae30-26a93ef643f9",
            Assessment::not_applicable(Cause::Exempt, Some("exempted".into())),
        ),
        (
            "34c877ad-507e-4c82-993e-3452a6e0ad3c",
            Assessment::unhealthy(Some("public network access".into())),
        ),
        (
            "34c877ad-507e-4c82-993e-3452a6e0ad3c",
            Assessment::not_assessed("network rules not exported"),
        ),
        (
            "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53",
            Assessment::healthy(),
        ),
    ];
    for (rec, assessment) in &results {
        assert!(rollup.record(rec, assessment));
    }
    insta::assert_json_snapshot!(rollup.finish());
}

/// One million recorded results over the MCSB standard: recording is a hash lookup and an increment.
#[test]
fn recording_a_million_results_is_fast() {
    let standard = Standard::builtin("mcsb_v1").unwrap();
    let recs: Vec<&str> = standard
        .controls
        .iter()
        .flat_map(|c| c.recommendations.iter().map(String::as_str))
        .collect();
    let mut rollup = Rollup::new(&standard);
    let started = std::time::Instant::now();
    for i in 0..1_000_000usize {
        let status = if i % 7 == 0 {
            Status::Unhealthy
        } else {
            Status::Healthy
        };
        rollup.record(recs[i % recs.len()], status);
    }
    let result = rollup.finish();
    assert_eq!(result.failed_controls + result.passed_controls, 43);
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}
