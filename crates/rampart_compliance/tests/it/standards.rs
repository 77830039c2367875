//! Standard files: the built-in ones load, a user file parses, bad files are rejected with a line.

use rampart_compliance::Standard;

use crate::{fixture, fixtures};

#[test]
fn builtin_standards_load_and_include_mcsb() {
    let all = Standard::builtin_all();
    let ids: Vec<_> = all.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["mcsb_v1"]);
    assert_eq!(Standard::builtin("MCSB_V1").as_ref(), all.first());
    assert!(Standard::builtin("nope").is_none());
}

#[test]
fn user_standard_parses() {
    let standard =
        Standard::from_toml(&fixture("user_standard.toml"), "user_standard.toml").unwrap();
    insta::assert_yaml_snapshot!(standard);
}

/// Every file under `fixtures/invalid/` must be rejected with a line; the snapshot shows each message.
#[test]
fn invalid_standards_are_rejected_with_location() {
    let mut names: Vec<_> = std::fs::read_dir(fixtures().join("invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() >= 8);
    let mut report = String::new();
    for name in &names {
        let err = Standard::from_toml(&fixture(&format!("invalid/{name}")), name).expect_err(name);
        assert!(err.line() > 0, "{name}: no line in {err}");
        report.push_str(&format!("{err}\n"));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn errors_point_at_the_offending_line() {
    let cases = [
        ("duplicate_control.toml", 10),
        ("duplicate_recommendation.toml", 8),
        ("empty_control_id.toml", 6),
        ("id_with_space.toml", 2),
        ("unknown_key.toml", 8),
    ];
    for (name, line) in cases {
        let err = Standard::from_toml(&fixture(&format!("invalid/{name}")), name).unwrap_err();
        assert_eq!(err.line(), line, "{err}");
        assert!(
            err.to_string().starts_with(&format!("{name}:{line}:")),
            "{err}"
        );
    }
}
