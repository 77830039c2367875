//! The Report's helpers: Defender's formula in `ControlReport::from_counts` against Microsoft's
//! published worked examples, and the invariant checker.

use rampart_model::{Cause, Status};
use rampart_report::ControlReport;

use crate::sample;

#[test]
fn from_counts_matches_defenders_worked_examples() {
    // (max, H, U, expected current, expected potential, expected percentage) from defender.md §1.3.
    let cases: &[(u32, u64, u64, f64, f64, f64)] = &[
        (6, 4, 74, 0.31, 5.69, 5.17), // current docs: 6/78 per resource × 4 healthy
        (6, 42, 8, 5.04, 0.96, 84.0), // 2020 docs "Apply system updates"
        (4, 5, 1, 3.33, 0.67, 83.25), // API example: Encrypt data in transit
        (1, 1, 4, 0.2, 0.8, 20.0),    // API example: Enable auditing and logging
        (4, 1, 1, 2.0, 2.0, 50.0),    // API example: Manage access and permissions
        (10, 1, 0, 10.0, 0.0, 100.0), // API example: Enable MFA
    ];
    for &(max, h, u, current, potential, pct) in cases {
        let c = ControlReport::from_counts("id", "name", max, h, u, 3);
        assert_eq!(
            (c.current, c.potential_increase, c.percentage),
            (current, potential, pct),
            "{max} {h} {u}"
        );
        assert!(c.counted);
    }
    let na_only = ControlReport::from_counts("id", "DDoS", 2, 0, 0, 5);
    assert!(!na_only.counted);
    assert_eq!(
        (
            na_only.current,
            na_only.potential_increase,
            na_only.percentage
        ),
        (0.0, 0.0, 0.0)
    );
}

#[test]
fn the_sample_report_satisfies_the_invariants() {
    // The sample computes its scores independently of `from_counts`; the checker compares the two.
    assert_eq!(
        sample::report().invariant_violations(),
        Vec::<String>::new()
    );
}

#[test]
fn invariant_violations_are_reported() {
    let mut report = sample::report();
    report.recommendations[0].resources[0].status = Status::NotApplicable; // no cause, stale counts
    report.scopes[0].controls[0].current += 1.0;
    report.score.max += 1;
    let v = report.invariant_violations();
    assert!(v.iter().any(|m| m.contains("counts do not match")), "{v:?}");
    assert!(
        v.iter().any(|m| m.contains("cause must be present")),
        "{v:?}"
    );
    assert!(v.iter().any(|m| m.contains("points disagree")), "{v:?}");
    assert!(v.iter().any(|m| m.contains("score max")), "{v:?}");

    let mut healthy_with_cause = sample::report();
    healthy_with_cause.recommendations[0].resources[0].cause = Some(Cause::Exempt);
    assert_eq!(healthy_with_cause.invariant_violations().len(), 1);
}
