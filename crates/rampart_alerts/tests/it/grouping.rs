//! Grouping matches into alerts; MITRE mapping, severity, remediation, stable ids.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rampart_alerts::{
    Alert, AlertBuilder, AlertSeverity, Detection, GroupConfig, Intent, Remediation, RuleInfo,
};

use crate::{at, cloudtrail_entities, ct_event, generated, rule};

fn builder() -> AlertBuilder {
    AlertBuilder::new(GroupConfig::default()).with_clock(generated)
}

fn push(b: &mut AlertBuilder, r: &Arc<RuleInfo>, raw: &str, n: usize, out: &mut Vec<Alert>) {
    let v: serde_json::Value = serde_json::from_str(raw).expect("json");
    let time = v["eventTime"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .expect("time")
        .to_utc();
    b.push(
        Detection {
            rule: r,
            time,
            first_time: None,
            count: 1,
            log_source: "aws_cloudtrail",
            location: format!("trail.json:{n}"),
            raw,
            entities: cloudtrail_entities(raw),
        },
        out,
    );
}

/// [`push`] of a CloudTrail event by `user` from `ip` at `time` ([`ct_event`]).
fn push_event(
    b: &mut AlertBuilder,
    r: &Arc<RuleInfo>,
    user: &str,
    ip: &str,
    time: DateTime<Utc>,
    n: usize,
    out: &mut Vec<Alert>,
) {
    push(b, r, &ct_event(user, ip, time), n, out);
}

#[test]
fn same_entity_within_the_window_is_one_alert_with_a_count() {
    let r = rule(
        "4db60cc0",
        "medium",
        &["attack.defense-evasion", "attack.t1562.008"],
    );
    let mut b = builder();
    let mut out = Vec::new();
    for (i, m) in [0, 10, 20, 40, 59].iter().enumerate() {
        push_event(
            &mut b,
            &r,
            "alice",
            "203.0.113.9",
            at(13, *m),
            i + 1,
            &mut out,
        );
    }
    assert!(out.is_empty(), "nothing closes inside the window");
    b.flush(&mut out);
    assert_eq!(out.len(), 1);
    let a = &out[0];
    assert_eq!(a.count, 5);
    assert_eq!((a.start_time, a.end_time), (at(13, 0), at(13, 59)));
    assert_eq!(a.evidence.len(), 5);
    insta::assert_json_snapshot!("one_group", a);
}

#[test]
fn other_entity_or_outside_the_window_makes_separate_alerts() {
    let r = rule("r1", "high", &["attack.persistence"]);
    let mut b = builder();
    let mut out = Vec::new();
    push_event(&mut b, &r, "alice", "203.0.113.9", at(10, 0), 1, &mut out);
    push_event(&mut b, &r, "bob", "203.0.113.9", at(10, 5), 2, &mut out);
    push_event(&mut b, &r, "alice", "203.0.113.9", at(10, 30), 3, &mut out);
    // 1 h 1 min after alice's first: her group closes, a new one starts.
    push_event(&mut b, &r, "alice", "198.51.100.7", at(11, 1), 4, &mut out);
    assert_eq!(
        out.len(),
        1,
        "alice's first group is emitted as soon as it cannot grow"
    );
    b.flush(&mut out);
    let summary: Vec<_> = out
        .iter()
        .map(|a| {
            (
                a.correlation_key.clone(),
                a.count,
                a.start_time.to_rfc3339(),
                a.end_time.to_rfc3339(),
                a.system_alert_id.clone(),
            )
        })
        .collect();
    insta::assert_debug_snapshot!("separate_groups", summary);
    let ids: std::collections::HashSet<_> = out.iter().map(|a| &a.system_alert_id).collect();
    assert_eq!(ids.len(), 3, "distinct alerts have distinct ids");
}

#[test]
fn groups_close_as_stream_time_passes_and_ids_are_stable() {
    let r = rule("r1", "low", &[]);
    let run = || {
        let mut b = builder();
        let mut out = Vec::new();
        push_event(&mut b, &r, "alice", "203.0.113.9", at(1, 0), 1, &mut out);
        push_event(&mut b, &r, "bob", "203.0.113.9", at(2, 30), 2, &mut out);
        assert!(
            out.is_empty(),
            "alice's group is within one window of grace"
        );
        assert_eq!(b.open_groups(), 2);
        push_event(&mut b, &r, "bob", "203.0.113.9", at(3, 1), 3, &mut out);
        assert_eq!(
            out.len(),
            1,
            "stream time is more than a window past alice's group"
        );
        assert_eq!(b.open_groups(), 1);
        b.flush(&mut out);
        assert_eq!(b.open_groups(), 0);
        out
    };
    let a = run();
    let b = run();
    assert_eq!(a, b, "same input, same alerts and ids");
}

#[test]
fn open_groups_are_bounded() {
    let r = rule("r1", "low", &[]);
    let mut b = AlertBuilder::new(GroupConfig {
        max_open: 3,
        ..GroupConfig::default()
    })
    .with_clock(generated);
    let mut out = Vec::new();
    for i in 0..10u32 {
        push_event(
            &mut b,
            &r,
            &format!("user{i}"),
            "203.0.113.9",
            at(1, i),
            i as usize,
            &mut out,
        );
        assert!(b.open_groups() <= 3);
    }
    b.flush(&mut out);
    assert_eq!(out.len(), 10);
    assert_eq!(out.iter().map(|a| a.count).sum::<u64>(), 10);
}

#[test]
fn evidence_is_capped_and_count_is_not() {
    let r = rule("r1", "low", &[]);
    let mut b = AlertBuilder::new(GroupConfig {
        window: Duration::minutes(30),
        max_evidence: 2,
        max_open: 10,
    })
    .with_clock(generated);
    let mut out = Vec::new();
    for m in 0..20 {
        push_event(
            &mut b,
            &r,
            "alice",
            "203.0.113.9",
            at(5, m),
            m as usize,
            &mut out,
        );
    }
    b.flush(&mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].count, 20);
    assert_eq!(out[0].evidence.len(), 2);
    assert_eq!(out[0].evidence[0].source, "trail.json:0");
}

#[test]
fn correlation_hits_carry_their_count_and_first_time() {
    let r = Arc::new(RuleInfo {
        kind: "event_count".into(),
        ..(*rule(
            "ssh-brute",
            "high",
            &["attack.credential-access", "attack.t1110"],
        ))
        .clone()
    });
    let mut b = builder();
    let mut out = Vec::new();
    let raw =
        "Jul 31 13:10:00 web sshd[1]: Accepted password for root from 203.0.113.9 port 22 ssh2";
    b.push(
        Detection {
            rule: &r,
            time: at(13, 10),
            first_time: Some(at(13, 2)),
            count: 12,
            log_source: "linux_sshd",
            location: "auth.log:40".into(),
            raw,
            entities: rampart_alerts::EntityMap::builtin().extract("linux_sshd", &|p| match p {
                "host" => vec!["web".into()],
                "src_ip" => vec!["203.0.113.9".into()],
                "user" => vec!["root".into()],
                _ => vec![],
            }),
        },
        &mut out,
    );
    b.flush(&mut out);
    let a = &out[0];
    assert_eq!(a.count, 12);
    assert_eq!(a.start_time, at(13, 2));
    assert_eq!(a.correlation_key, "ssh-brute|host=web|ip=203.0.113.9");
    assert_eq!(a.compromised_entity.as_deref(), Some("web"));
    assert_eq!(a.severity, AlertSeverity::High);
}

#[test]
fn mitre_severity_and_remediation_mapping() {
    let cases = [
        (
            "medium",
            vec![
                "attack.privilege_escalation",
                "attack.persistence",
                "attack.t1078.004",
                "attack.t1098",
                "cve.2021-1234",
            ],
        ),
        ("critical", vec!["attack.exfiltration", "attack.t1537"]),
        ("informational", vec!["detection.threat-hunting"]),
    ];
    let mut rows = Vec::new();
    for (level, tags) in cases {
        let r = rule("m", level, &tags);
        let mut b = builder();
        let mut out = Vec::new();
        push_event(&mut b, &r, "alice", "203.0.113.9", at(1, 0), 1, &mut out);
        b.flush(&mut out);
        let a = &out[0];
        rows.push((
            level,
            a.severity,
            a.tactics.clone(),
            a.techniques.clone(),
            a.sub_techniques.clone(),
            a.remediation_steps.len(),
        ));
    }
    insta::assert_debug_snapshot!("mitre", rows);
    // The rule's own remediation wins over the per-tactic text.
    let own = Arc::new(RuleInfo {
        remediation: vec!["Re-enable the trail.".into()],
        ..(*rule("m", "high", &["attack.defense-evasion"])).clone()
    });
    let mut b = builder();
    let mut out = Vec::new();
    push_event(&mut b, &own, "alice", "203.0.113.9", at(1, 0), 1, &mut out);
    b.flush(&mut out);
    assert_eq!(out[0].remediation_steps, vec!["Re-enable the trail."]);
}

#[test]
fn remediation_table_covers_every_tactic() {
    let table = Remediation::builtin();
    let covered: Vec<Intent> = table.tactics().collect();
    for t in [
        Intent::Unknown,
        Intent::Reconnaissance,
        Intent::ResourceDevelopment,
        Intent::InitialAccess,
        Intent::Execution,
        Intent::Persistence,
        Intent::PrivilegeEscalation,
        Intent::DefenseEvasion,
        Intent::CredentialAccess,
        Intent::Discovery,
        Intent::LateralMovement,
        Intent::Collection,
        Intent::CommandAndControl,
        Intent::Exfiltration,
        Intent::Impact,
    ] {
        assert!(covered.contains(&t), "{t:?} has no generic remediation");
    }
    let err = Remediation::from_toml("NotATactic = [\"x\"]", "r.toml").unwrap_err();
    assert!(err.to_string().contains("r.toml"), "{err}");
}

#[test]
fn an_older_input_after_a_newer_one_still_groups() {
    let r = rule("r1", "low", &[]);
    let mut b = builder();
    let mut out = Vec::new();
    // First input: November.
    let nov = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2024, 11, 26, 15, 0, 0)
        .single()
        .expect("valid");
    push_event(&mut b, &r, "bob", "203.0.113.9", nov, 1, &mut out);
    // Second input: July, three matches of alice within ten minutes.
    b.new_input();
    for m in [0, 5, 10] {
        push_event(&mut b, &r, "alice", "203.0.113.9", at(19, m), 2, &mut out);
    }
    assert!(
        out.is_empty(),
        "the July group is open, not closed by November's time"
    );
    b.flush(&mut out);
    let counts: Vec<(String, u64)> = out
        .iter()
        .map(|a| (a.compromised_entity.clone().unwrap_or_default(), a.count))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("arn:aws:iam::143434273843:user/alice".to_string(), 3),
            ("arn:aws:iam::143434273843:user/bob".to_string(), 1)
        ]
    );
    // Without new_input the July matches, more than a window behind, are emitted one by one.
    let mut b = builder();
    let mut out = Vec::new();
    push_event(&mut b, &r, "bob", "203.0.113.9", nov, 1, &mut out);
    for m in [0, 5, 10] {
        push_event(&mut b, &r, "alice", "203.0.113.9", at(19, m), 2, &mut out);
    }
    assert_eq!(out.len(), 3);
}
