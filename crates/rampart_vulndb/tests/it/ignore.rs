//! Ignore rules: id/alias, package, minimum severity, expiry; ignored findings are kept.

use chrono::{TimeZone, Utc};
use rampart_pkg::Ecosystem;
use rampart_vulndb::{match_packages, IgnoreRules};

use crate::common::{db_from, osv, pkg};

const RULES: &str = r#"
rules:
  - id: CVE-2020-26235
    reason: time 0.2 local offset is not used
    expires: 2026-06-01
  - package: smallvec
    reason: vendored, patched locally
  - min_severity: high
    ecosystem: crates.io
    reason: only high and critical block
"#;

#[test]
fn rules_mark_findings_until_they_expire() {
    let (_d, db) = db_from(&[&osv("rustsec/crates")]);
    let pkgs = [
        pkg(Ecosystem::CratesIo, "time", "0.2.22"),
        pkg(Ecosystem::CratesIo, "smallvec", "1.6.0"),
    ];
    let findings = match_packages(&db, &pkgs, None);
    let rules = IgnoreRules::from_yaml("ignore.yaml", RULES).unwrap();

    let before = Utc.with_ymd_and_hms(2026, 5, 31, 23, 0, 0).unwrap();
    let mut f = findings.clone();
    let n = rules.apply(&mut f, before);
    assert_eq!(f.len(), findings.len(), "nothing is dropped");
    let time = f
        .iter()
        .find(|x| x.advisory_id == "RUSTSEC-2020-0071")
        .unwrap();
    assert_eq!(time.ignored.as_ref().unwrap().rule, 0, "matched by alias");
    assert!(f
        .iter()
        .filter(|x| x.package == "smallvec")
        .all(|x| x.ignored.as_ref().is_some_and(|i| i.rule == 1)));
    // Every other finding is ignored only if rated below high.
    for x in f
        .iter()
        .filter(|x| x.package == "time" && x.advisory_id != "RUSTSEC-2020-0071")
    {
        let low = x
            .severity
            .is_some_and(|s| s < rampart_vulndb::Severity::High);
        assert_eq!(x.ignored.is_some(), low, "{}", x.advisory_id);
    }
    assert!(n >= 2);

    let after = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let mut f = findings.clone();
    rules.apply(&mut f, after);
    let time = f
        .iter()
        .find(|x| x.advisory_id == "RUSTSEC-2020-0071")
        .unwrap();
    // The id rule expired; the medium-rated finding (CVSS 6.2) still falls under rule 2.
    assert_eq!(time.ignored.as_ref().map(|i| i.rule), Some(2));
    assert_eq!(rules.expired(after), [0]);
}

#[test]
fn bad_rules_are_refused_with_the_rule_index() {
    for (text, want) in [
        ("rules:\n  - reason: x\n", "rules[0]: needs at least one"),
        ("rules:\n  - id: A\n    reason: ' '\n", "reason is empty"),
        (
            "rules:\n  - id: A\n    reason: r\n    expires: next week\n",
            "expires",
        ),
        (
            "rules:\n  - id: A\n    reason: r\n    severity: low\n",
            "unknown field",
        ),
        ("rules:\n  - id: A\n", "reason"),
    ] {
        let err = IgnoreRules::from_yaml("ignore.yaml", text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("ignore.yaml") && err.contains(want), "{err}");
    }
}
