//! `rampart rules lint`: each Sigma rule loaded or refused with the specific reason.

use std::path::Path;

use crate::{path_str, rampart, stderr, stdout};

fn lint_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/sigma/lint")
}

#[test]
fn lint_reports_loaded_and_refused_rules() {
    let dir = lint_dir();
    let out = rampart(&["rules", "lint", path_str(&dir)]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "errors: exit 1\n{}",
        stderr(&out)
    );
    let prefix = format!("{}/", dir.display());
    insta::assert_snapshot!("lint_table", stdout(&out).replace(&prefix, ""));
    let out = rampart(&[
        "rules",
        "lint",
        "--format",
        "json",
        path_str(&dir.join("refused.yml")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let codes: Vec<&str> = v[0]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, ["invalid_regex", "no_log_source"]);
}

#[test]
fn lint_of_good_rules_is_exit_0() {
    let out = rampart(&["rules", "lint", path_str(&lint_dir().join("good.yml"))]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 files: 1 rules loaded, 0 errors"),
        "{}",
        stdout(&out)
    );
    // Every bundled SigmaHQ AWS rule lints clean of errors.
    let aws =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart_sigma/rules/sigmahq/cloud/aws");
    let out = rampart(&["rules", "lint", path_str(&aws)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = rampart(&["rules", "lint", "/no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Correlation rules are resolved across every file given (a correlation may reference a
/// rule of another file) and their refusals are reported like a rule's.
#[test]
fn lint_reports_correlation_refusals_across_files() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/sigma/lint-correlation");
    let out = rampart(&["rules", "lint", path_str(&dir)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    // The cross-file reference resolves: no error for the good correlation.
    assert!(
        !text.contains("6c1d4f0a-8e2b-4b7c-9d3e-1a2b3c4d5e6f ["),
        "{text}"
    );
    assert!(
        text.contains("error 7d2e5a1b-9f3c-4c8d-8e4f-2b3c4d5e6f70 [correlation]"),
        "{text}"
    );
    assert!(
        text.contains("error 8e3f6b2c-0a4d-4d9e-9f50-3c4d5e6f7081 [correlation_reference]"),
        "{text}"
    );
    assert!(text.contains("no_such_rule"), "{text}");
    // ... and counts as loaded, in the file it comes from.
    assert!(
        text.contains("correlations.yml: loaded 6c1d4f0a-8e2b-4b7c-9d3e-1a2b3c4d5e6f"),
        "{text}"
    );
    assert!(text.contains("2 files: 2 rules loaded, 2 errors"), "{text}");
}
