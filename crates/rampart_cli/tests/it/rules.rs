//! `rampart rules list|show`.

use crate::{rampart, stderr, stdout};

#[test]
fn rules_list_documents_every_recommendation() {
    let out = rampart(&["rules", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Secure transfer to storage accounts should be enabled"),
        "{text}"
    );
    assert!(text.lines().count() > 150, "one line per recommendation");
}

#[test]
fn rules_list_coverage_accounts_for_every_reference() {
    let out = rampart(&["rules", "list", "--coverage"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("coverage_table", stdout(&out));
}

#[test]
fn rules_show_prints_metadata_and_remediation() {
    let list = rampart(&["rules", "list", "--format", "json"]);
    let recs: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let secure_transfer = recs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == "Secure transfer to storage accounts should be enabled")
        .expect("the recommendation exists");
    let id = secure_transfer["id"].as_str().unwrap();
    let out = rampart(&["rules", "show", id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("show_secure_transfer", stdout(&out));
    let out = rampart(&["rules", "show", "no-such-rule"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no recommendation"),
        "{}",
        stderr(&out)
    );
}
