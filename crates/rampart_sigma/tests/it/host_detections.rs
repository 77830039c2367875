//! The built-in detections over the new log sources: SSH brute force (Sigma correlations
//! chained event_count -> temporal_ordered over sshd lines, syslog and journald alike)
//! and a sign-in from a new country (the `rampart.new_value` extension over Entra ID
//! sign-in logs).

use rampart_sigma::{builtin_rules, Catalog, Engine, LogFormat};

use crate::readers::{fixture, run_file, run_with};

/// The built-in rules only.
fn builtin_engine() -> Engine {
    let mut b = Engine::builder(Catalog::builtin());
    for (name, text) in builtin_rules() {
        assert!(b.add_yaml(text, name).is_empty(), "{name}");
    }
    let e = b.build();
    assert!(e.load_errors().is_empty(), "{:?}", e.load_errors());
    e
}

fn correlations(hits: &[String]) -> Vec<&str> {
    hits.iter()
        .filter(|h| h.contains("correlation: "))
        .map(String::as_str)
        .collect()
}

#[test]
fn ssh_brute_force_then_success_fires_high() {
    let run = run_file(&fixture("ssh_bruteforce_success.log"));
    assert_eq!(
        correlations(&run.hits),
        vec![
            "linux_sshd@6: correlation: SSH Password Guessing From One Source [src_ip=203.0.113.50] count=5",
            "linux_sshd@7: correlation: SSH Brute Force Followed by a Successful Login [src_ip=203.0.113.50] count=2",
        ]
    );
    let engine = builtin_engine();
    let high: Vec<_> = engine
        .correlations()
        .iter()
        .filter(|c| c.title == "SSH Brute Force Followed by a Successful Login")
        .map(|c| (c.level.as_deref(), c.kind.as_str()))
        .collect();
    assert_eq!(high, vec![(Some("high"), "temporal_ordered")]);
}

#[test]
fn ssh_failures_alone_or_spread_beyond_the_window_do_not_fire_high() {
    // Failures only (the later success is from another address): guessing, no brute force.
    let run = run_file(&fixture("ssh_failures_only.log"));
    assert_eq!(
        correlations(&run.hits),
        vec!["linux_sshd@5: correlation: SSH Password Guessing From One Source [src_ip=203.0.113.50] count=5"]
    );
    // Six failures four minutes apart: never 5 within 10 minutes, so nothing fires.
    let run = run_file(&fixture("ssh_spread.log"));
    assert_eq!(correlations(&run.hits), Vec::<&str>::new());
}

#[test]
fn ssh_brute_force_fires_on_journald_too() {
    // The same attack as journald entries (identifier sshd), microsecond timestamps.
    let lines: String = [
        (0, "Failed password for root from 203.0.113.50 port 40001 ssh2"),
        (3, "Failed password for root from 203.0.113.50 port 40002 ssh2"),
        (6, "Failed password for root from 203.0.113.50 port 40003 ssh2"),
        (9, "Failed password for admin from 203.0.113.50 port 40004 ssh2"),
        (12, "Failed password for admin from 203.0.113.50 port 40005 ssh2"),
        (60, "Accepted password for admin from 203.0.113.50 port 40006 ssh2"),
    ]
    .iter()
    .map(|(s, m)| {
        format!(
            "{{\"__REALTIME_TIMESTAMP\":\"{}\",\"_HOSTNAME\":\"h\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":\"1\",\"MESSAGE\":\"{m}\"}}\n",
            (1_764_410_400_i64 + i64::from(*s)) * 1_000_000
        )
    })
    .collect();
    let run = run_with(&builtin_engine(), lines.as_bytes(), "journal", None);
    assert_eq!(run.read.format, LogFormat::Journald);
    assert_eq!(
        correlations(&run.hits),
        vec![
            "linux_sshd@5: correlation: SSH Password Guessing From One Source [src_ip=203.0.113.50] count=5",
            "linux_sshd@6: correlation: SSH Brute Force Followed by a Successful Login [src_ip=203.0.113.50] count=2",
        ]
    );
}

/// entra_signins.json, in order: alice US (baseline), carol DE (baseline), alice US,
/// alice RU failed, alice RU non-interactive, alice FR (new: fires), carol DE, alice FR.
#[test]
fn sign_in_from_a_new_country_fires_once_per_new_country() {
    let run = run_with(
        &builtin_engine(),
        &std::fs::read(fixture("entra_signins.json")).expect("read"),
        "entra_signins.json",
        None,
    );
    assert_eq!(
        correlations(&run.hits),
        vec![
            "azure_signinlogs@6: correlation: Sign-in From a New Country [properties.userPrincipalName=alice@contoso.com, properties.location.countryOrRegion=FR] count=2"
        ]
    );
}

#[test]
fn a_learning_window_absorbs_new_values() {
    // The same rule with a 5-day learning window: alice's FR sign-in on day 4 of her
    // history is still baseline; a later one from another country fires.
    let text = builtin_rules()
        .iter()
        .find(|(n, _)| *n == "azure/signin_new_country.yml")
        .map(|(_, t)| t.replace("learning: 0s", "learning: 5d"))
        .expect("rule");
    let mut b = Engine::builder(Catalog::builtin());
    assert!(b.add_yaml(&text, "x.yml").is_empty());
    let engine = b.build();
    assert!(
        engine.load_errors().is_empty(),
        "{:?}",
        engine.load_errors()
    );
    let mut input = std::fs::read_to_string(fixture("entra_signins.json")).expect("read");
    let last = input.lines().last().expect("line").to_string();
    input.push_str(
        &last
            .replace("2026-11-26T10:00", "2026-12-01T10:00")
            .replace("\"FR\"", "\"BR\""),
    );
    input.push('\n');
    let run = run_with(&engine, input.as_bytes(), "x.json", None);
    assert_eq!(
        correlations(&run.hits),
        vec![
            "azure_signinlogs@9: correlation: Sign-in From a New Country [properties.userPrincipalName=alice@contoso.com, properties.location.countryOrRegion=BR] count=3"
        ]
    );
}

#[test]
fn new_value_attribute_is_refused_where_it_does_not_apply() {
    let text = r#"
title: base
name: base_rule
logsource: {product: azure, service: signinlogs}
detection: {sel: {ResultType: '0'}, condition: sel}
---
title: wrong type
correlation:
    type: event_count
    rules: [base_rule]
    group-by: [Username]
    timespan: 1d
    condition: {gte: 2}
rampart.new_value: true
---
title: bad learning
correlation:
    type: value_count
    rules: [base_rule]
    group-by: [Username]
    timespan: 1d
    condition: {field: IPAddress, gte: 2}
rampart.new_value: {learning: soon}
"#;
    let mut b = Engine::builder(Catalog::builtin());
    b.add_yaml(text, "x.yml");
    let engine = b.build();
    let errs: Vec<String> = engine
        .load_errors()
        .iter()
        .map(|e| e.reason.to_string())
        .collect();
    assert_eq!(
        errs,
        vec![
            "correlation rule not supported: `rampart.new_value` applies to `value_count` correlations only",
            "correlation rule not supported: `rampart.new_value`: `learning` is not a timespan like 7d",
        ]
    );
}
