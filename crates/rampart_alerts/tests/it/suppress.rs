//! Suppression rules: matching, state, expiry, simulation, bad files.

use chrono::{TimeZone, Utc};
use rampart_alerts::{
    parse_alert_line, Alert, AlertBuilder, AlertStatus, Detection, GroupConfig, SuppressionRules,
};

use crate::{at, cloudtrail_entities, ct_event, generated, rule};

/// Three alerts: rule A on alice (203.0.113.9), rule A on ci-runner (10.1.2.3), rule B on alice.
fn alerts() -> Vec<Alert> {
    let a = rule("aaaa-1111", "high", &["attack.defense-evasion"]);
    let b = rule("bbbb-2222", "medium", &["attack.persistence"]);
    let mut builder = AlertBuilder::new(GroupConfig::default()).with_clock(generated);
    let mut out = Vec::new();
    for (r, user, ip) in [
        (&a, "alice", "203.0.113.9"),
        (&a, "ci-runner", "10.1.2.3"),
        (&b, "alice", "203.0.113.9"),
    ] {
        let raw = ct_event(user, ip, at(9, 0));
        builder.push(
            Detection {
                rule: r,
                time: at(9, 0),
                first_time: None,
                count: 1,
                log_source: "aws_cloudtrail",
                location: "t.json:1".into(),
                raw: &raw,
                entities: cloudtrail_entities(&raw),
            },
            &mut out,
        );
    }
    builder.flush(&mut out);
    assert_eq!(out.len(), 3);
    out
}

const RULES: &str = r#"
rules:
  - name: ci-runner-trail-changes
    alert_type: Rampart_Sigma_aaaa-1111
    entities:
      account: "arn:aws:iam::*:user/CI-*"
    reason: BenignPositive
  - name: office-network
    state: Disabled
    alert_type: "*"
    entities:
      ip: 203.0.113.0/24
    reason: Other
    comment: office egress
  - name: old_pentest
    rule_id: bbbb-2222
    reason: ApprovedTest
    expiry: 2025-06-01
  - name: acct-scope
    rule_id: bbbb-2222
    entities:
      scope: "1434*"
      account: ["*:user/alice", "*:user/bob"]
    reason: FalsePositive
    expiry: "2027-01-01T00:00:00Z"
"#;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

#[test]
fn apply_dismisses_with_the_first_rule_in_force() {
    let rules = SuppressionRules::from_yaml(RULES, "suppress.yaml").expect("valid");
    let mut alerts = alerts();
    let mut rows = Vec::new();
    for a in &mut alerts {
        let dismissed = rules.apply(a, now());
        rows.push((
            a.rule_id.clone(),
            a.compromised_entity.clone(),
            dismissed,
            a.status,
            a.status_reason.clone(),
        ));
    }
    insta::assert_debug_snapshot!("apply", rows);
    assert_eq!(
        alerts[0].status,
        AlertStatus::Active,
        "office-network is disabled"
    );
    assert_eq!(
        alerts[1].status,
        AlertStatus::Dismissed,
        "CI runner, case-insensitive glob"
    );
    assert_eq!(
        alerts[2].status,
        AlertStatus::Dismissed,
        "acct-scope, not the expired old_pentest"
    );
    // After acct-scope expires nothing dismisses rule B's alert.
    let later = Utc
        .with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .expect("valid");
    let mut b = alerts[2].clone();
    b.status = AlertStatus::Active;
    assert!(!rules.apply(&mut b, later), "expired at exactly its expiry");
}

#[test]
fn simulate_counts_past_alerts_from_json_lines() {
    let rules = SuppressionRules::from_yaml(RULES, "suppress.yaml").expect("valid");
    let jsonl: String = alerts()
        .iter()
        .map(|a| serde_json::to_string(a).expect("serialise") + "\n")
        .collect();
    let past: Vec<Alert> = jsonl
        .lines()
        .enumerate()
        .map(|(i, l)| parse_alert_line(l, "past.jsonl", i + 1).expect("alert"))
        .collect();
    assert_eq!(past, alerts(), "alerts round-trip through JSON Lines");
    insta::assert_debug_snapshot!("simulate", rules.simulate(&past, now()));
    let err = parse_alert_line("{\"rule_id\": 1}", "past.jsonl", 7).unwrap_err();
    assert!(
        err.to_string().starts_with("past.jsonl:7: not an alert"),
        "{err}"
    );
}

#[test]
fn bad_files_are_refused_naming_file_line_and_field() {
    let cases = [
        ("not yaml", "rules: [\n  - name: x\n   bad"),
        ("missing reason", "rules:\n  - name: ok-name\n    alert_type: '*'\n"),
        ("unknown reason", "rules:\n  - name: ok-name\n    alert_type: '*'\n    reason: Because\n"),
        ("unknown field", "rules:\n  - name: ok-name\n    alert_type: '*'\n    reason: Duplicate\n    colour: red\n"),
        ("short name", "rules:\n  - name: x\n    alert_type: '*'\n    reason: Duplicate\n"),
        ("name symbol", "rules:\n  - name: a.b\n    alert_type: '*'\n    reason: Duplicate\n"),
        ("name start", "rules:\n  - name: _ab\n    alert_type: '*'\n    reason: Duplicate\n"),
        ("no target", "rules:\n  - name: ok-name\n    reason: Duplicate\n"),
        ("other without comment", "rules:\n  - name: ok-name\n    alert_type: '*'\n    reason: Other\n"),
        ("bad expiry", "rules:\n  - name: ok-name\n    alert_type: '*'\n    reason: Duplicate\n    expiry: next week\n"),
        ("bad cidr", "rules:\n  - name: ok-name\n    alert_type: '*'\n    reason: Duplicate\n    entities:\n      ip: 10.0.0.0/40\n"),
        ("bad glob", "rules:\n  - name: ok-name\n    alert_type: '*'\n    reason: Duplicate\n    entities:\n      host: 'web[1'\n"),
        ("bad state", "rules:\n  - name: ok-name\n    alert_type: '*'\n    reason: Duplicate\n    state: On\n"),
        ("duplicate", "rules:\n  - name: ok-name\n    alert_type: '*'\n    reason: Duplicate\n  - name: OK-name\n    alert_type: '*'\n    reason: Duplicate\n"),
        ("no rules key", "- name: ok-name\n"),
    ];
    let mut out = Vec::new();
    for (what, text) in cases {
        let err = SuppressionRules::from_yaml(text, "s.yaml").expect_err(what);
        out.push(format!("{what}: {err}"));
    }
    insta::assert_snapshot!("bad_files", out.join("\n"));
}
