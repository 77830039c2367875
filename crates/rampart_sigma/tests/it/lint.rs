//! `lint`: refusals are errors with their reason, rsigma-parser's findings are kept.

use rampart_sigma::{lint, DiagSeverity};

#[test]
fn lint_reports_refusals_and_spec_findings() {
    let text = "title: t\nid: not-a-uuid\nlogsource: {product: aws, service: cloudtrail}\n\
                detection: {sel: {f|expand: '%x%'}, condition: sel}\n";
    let diags = lint(text, "rule.yml");
    insta::assert_yaml_snapshot!("lint_expand", diags);
    assert_eq!(diags[0].severity, DiagSeverity::Error);
    assert_eq!(diags[0].code, "unsupported_modifier");
}

#[test]
fn lint_of_a_sigmahq_rule_has_no_errors() {
    let path = crate::shared_data()
        .join("sigma/rules/cloud/aws/cloudtrail/aws_cloudtrail_disable_logging.yml");
    let text = std::fs::read_to_string(path).expect("read");
    let diags = lint(&text, "aws_cloudtrail_disable_logging.yml");
    assert!(
        diags.iter().all(|d| d.severity != DiagSeverity::Error),
        "{diags:?}"
    );
}
