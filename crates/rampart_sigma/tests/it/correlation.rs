//! Correlation rules over streams of hand-made CloudTrail events: event_count,
//! value_count, temporal, temporal_ordered, group-by with aliases, sliding windows; and
//! the refusals (upper-bound thresholds, unknown references, unsupported types).

use std::ops::ControlFlow;

use rampart_sigma::{read_cloudtrail, Catalog, CorrelationState, Engine};

const RULES: &str = r#"
title: Failed console login
id: 00000000-0000-4000-8000-000000000001
name: failed_login
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: ConsoleLogin, errorMessage|contains: Failed}
  condition: sel
---
title: User created
name: user_created
logsource: {product: aws, service: cloudtrail}
detection: {sel: {eventName: CreateUser}, condition: sel}
---
title: Access key created
name: key_created
logsource: {product: aws, service: cloudtrail}
detection: {sel: {eventName: CreateAccessKey}, condition: sel}
---
title: Brute force
correlation:
  type: event_count
  rules: [00000000-0000-4000-8000-000000000001]
  group-by: [sourceIPAddress]
  timespan: 5m
  condition: {gte: 3}
---
title: Password spray
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [sourceIPAddress]
  timespan: 10m
  condition: {gte: 3, field: userIdentity.userName}
---
title: New user with a key
correlation:
  type: temporal
  rules: [user_created, key_created]
  group-by: [actor]
  aliases:
    actor:
      user_created: userIdentity.arn
      key_created: userIdentity.arn
  timespan: 5m
---
title: User then key, in order
correlation:
  type: temporal_ordered
  rules: [user_created, key_created]
  group-by: [userIdentity.arn]
  timespan: 5m
"#;

fn ev(t: &str, name: &str, ip: &str, user: &str, failed: bool) -> String {
    let err = if failed {
        r#","errorMessage":"Failed authentication""#
    } else {
        ""
    };
    format!(
        r#"{{"eventTime":"2024-08-01T{t}Z","eventName":"{name}","sourceIPAddress":"{ip}","userIdentity":{{"arn":"arn:aws:iam::1:user/{user}","userName":"{user}"}}{err}}}"#
    )
}

fn run(engine: &Engine, lines: &[String]) -> Vec<String> {
    let (src, rules) = engine.source("aws_cloudtrail").expect("source");
    let input = lines.join("\n");
    let mut state = CorrelationState::new();
    let (mut scratch, mut hits, mut fired) = (Vec::new(), Vec::new(), Vec::new());
    let mut out = Vec::new();
    read_cloudtrail(input.as_bytes(), "stream", rules.projection(), |e| {
        engine.matches(src, e, &mut scratch, &mut hits);
        fired.clear();
        engine.correlate(&mut state, src, e, &hits, &mut fired);
        for h in &fired {
            let c = &engine.correlations()[h.correlation as usize];
            out.push(format!(
                "{}: {:?} count {} span {}s",
                c.title,
                h.group,
                h.count,
                h.last_time - h.first_time
            ));
        }
        ControlFlow::Continue(())
    })
    .expect("read");
    out
}

fn engine() -> Engine {
    let mut b = Engine::builder(Catalog::builtin());
    let errs = b.add_yaml(RULES, "rules.yml");
    assert!(errs.is_empty(), "{errs:?}");
    let engine = b.build();
    assert!(
        engine.load_errors().is_empty(),
        "{:?}",
        engine.load_errors()
    );
    assert_eq!(engine.correlations().len(), 4);
    engine
}

#[test]
fn event_count_and_value_count_slide_per_group() {
    let engine = engine();
    let stream = vec![
        // A: three failures within 5 minutes, three different users -> both fire.
        ev("10:00:00", "ConsoleLogin", "1.1.1.1", "alice", true),
        ev("10:01:00", "ConsoleLogin", "1.1.1.1", "bob", true),
        ev("10:02:00", "ConsoleLogin", "2.2.2.2", "alice", true),
        ev("10:03:00", "ConsoleLogin", "1.1.1.1", "carol", true),
        // B: three failures, but spread over more than 5 minutes, one user.
        ev("10:10:00", "ConsoleLogin", "2.2.2.2", "dave", true),
        ev("10:20:00", "ConsoleLogin", "2.2.2.2", "dave", true),
        // A successful login is no failure.
        ev("10:20:30", "ConsoleLogin", "2.2.2.2", "dave", false),
        // A again: the window restarted after the hit, so two more do not fire.
        ev("10:04:00", "ConsoleLogin", "1.1.1.1", "alice", true),
        ev("10:04:30", "ConsoleLogin", "1.1.1.1", "alice", true),
    ];
    let out = run(&engine, &stream);
    insta::assert_yaml_snapshot!("counts", out);
    assert_eq!(out.len(), 2, "{out:?}");
}

#[test]
fn temporal_and_temporal_ordered() {
    let engine = engine();
    let stream = vec![
        // mallory: key then user -> temporal fires, ordered does not.
        ev("11:00:00", "CreateAccessKey", "3.3.3.3", "mallory", false),
        ev("11:01:00", "CreateUser", "3.3.3.3", "mallory", false),
        // trent: user then key -> both fire.
        ev("11:02:00", "CreateUser", "4.4.4.4", "trent", false),
        ev("11:03:00", "CreateAccessKey", "4.4.4.4", "trent", false),
        // victor: user then key ten minutes later -> neither.
        ev("11:10:00", "CreateUser", "5.5.5.5", "victor", false),
        ev("11:20:00", "CreateAccessKey", "5.5.5.5", "victor", false),
    ];
    let out = run(&engine, &stream);
    insta::assert_yaml_snapshot!("temporal", out);
    assert_eq!(out.len(), 3, "{out:?}");
}

#[test]
fn unsupported_correlations_are_refused_with_a_reason() {
    let text = format!(
        "{RULES}---\ntitle: Too few\ncorrelation: {{type: event_count, rules: [failed_login], group-by: [sourceIPAddress], timespan: 1h, condition: {{lt: 3}}}}\n\
         ---\ntitle: Dangling\ncorrelation: {{type: event_count, rules: [nope], group-by: [x], timespan: 1h, condition: {{gte: 3}}}}\n\
         ---\ntitle: Sum\ncorrelation: {{type: value_sum, rules: [failed_login], group-by: [x], timespan: 1h, condition: {{gte: 3, field: bytes}}}}\n"
    );
    let mut b = Engine::builder(Catalog::builtin());
    assert!(b.add_yaml(&text, "rules.yml").is_empty());
    let engine = b.build();
    let got: Vec<String> = engine.load_errors().iter().map(|e| e.to_string()).collect();
    insta::assert_yaml_snapshot!("refused", got);
    assert_eq!(got.len(), 3);
}

#[test]
fn spec_correlation_examples_parse_and_name_their_missing_rules() {
    let dir = crate::shared_data().join("sigma/spec/tests/schema/correlation");
    let mut b = Engine::builder(Catalog::builtin());
    for (name, text) in crate::rule_files(&dir) {
        let errs = b.add_yaml(&text, &name);
        assert!(errs.is_empty(), "{name}: {errs:?}");
    }
    let engine = b.build();
    let got: Vec<String> = engine
        .load_errors()
        .iter()
        .map(|e| format!("{}: {}", e.origin, e.reason.kind()))
        .collect();
    insta::assert_yaml_snapshot!("spec_examples", got);
    assert_eq!(got.len(), 8);
}
