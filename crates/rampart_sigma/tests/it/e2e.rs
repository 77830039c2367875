//! End to end on real CloudTrail: the Stratus Red Team detonations in
//! ../shared/data/logs/stratus-cloudtrail/ run through the CloudTrail reader against all
//! SigmaHQ AWS rules; the matches (technique → rule id → event ids) are snapshotted, and
//! the techniques SigmaHQ has a rule for must raise it.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use rampart_sigma::{read_cloudtrail, Catalog, Engine, Event};

use crate::{rule_files, shared_data};

fn aws_engine() -> Engine {
    let mut b = Engine::builder(Catalog::builtin());
    for (name, text) in rule_files(&shared_data().join("sigma/rules/cloud/aws")) {
        let errs = b.add_yaml(&text, &name);
        assert!(errs.is_empty(), "{errs:?}");
    }
    b.build()
}

type Matches = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn detonation_matches(engine: &Engine) -> Matches {
    let (src, rules) = engine.source("aws_cloudtrail").expect("source");
    let dir = shared_data().join("logs/stratus-cloudtrail");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 35);
    let mut out = Matches::new();
    let (mut scratch, mut hits) = (Vec::new(), Vec::new());
    let mut total = 0;
    for path in files {
        let technique = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let file = std::fs::File::open(&path).expect("open");
        let stats = read_cloudtrail(file, &technique, rules.projection(), |ev| {
            engine.matches(src, ev, &mut scratch, &mut hits);
            for &r in &hits {
                let rule = engine.rule(r);
                let key = format!(
                    "{} ({})",
                    rule.meta.id.as_deref().unwrap_or("?"),
                    rule.meta.title
                );
                let id = ev
                    .values(rules.id_field())
                    .first()
                    .and_then(|v| v.as_text())
                    .unwrap_or("?")
                    .to_string();
                out.entry(technique.clone())
                    .or_default()
                    .entry(key)
                    .or_default()
                    .push(id);
            }
            ControlFlow::Continue(())
        })
        .expect("read");
        assert_eq!(stats.bad_records, 0);
        total += stats.records;
    }
    assert_eq!(total, 310, "all 310 detonation records read");
    out
}

#[test]
fn stratus_detonations_raise_the_sigmahq_aws_rules() {
    let engine = aws_engine();
    let matches = detonation_matches(&engine);
    // The techniques with a SigmaHQ rule whose conditions the detonation meets. (Not
    // listed: ec2-user-data, whose real record carries `requestParameters.userData`
    // while aws_ec2_startup_script_change expects `attribute: userData`; the S3 Browser
    // rules, which need that user agent.)
    let expected = [
        (
            "aws.defense-evasion.cloudtrail-stop",
            "4db60cc0-36fb-42b7-9b58-a5b53019fb74",
        ),
        (
            "aws.defense-evasion.cloudtrail-delete",
            "4db60cc0-36fb-42b7-9b58-a5b53019fb74",
        ),
        (
            "aws.defense-evasion.vpc-remove-flow-logs",
            "e386b9b5-af12-450e-afff-761730fb8a98",
        ),
        (
            "aws.exfiltration.ec2-security-group-open-port-22-ingress",
            "6fb77778-040f-4015-9440-572aa9b6b580",
        ),
        (
            "aws.exfiltration.ec2-share-ebs-snapshot",
            "abae8fec-57bd-4f87-aff6-6e3db989843d",
        ),
        (
            "aws.initial-access.console-login-without-mfa",
            "77caf516-34e5-4df9-b4db-20744fea0a60",
        ),
        (
            "aws.persistence.iam-backdoor-user",
            "0a5177f4-6ca9-44c2-aacf-d3f3d8b6e4d2",
        ),
        (
            "aws.persistence.iam-create-admin-user",
            "0a5177f4-6ca9-44c2-aacf-d3f3d8b6e4d2",
        ),
        (
            "aws.persistence.lambda-layer-extension",
            "97fbabf8-8e1b-47a2-b7d5-a418d2b95e3d",
        ),
        (
            "aws.execution.ssm-send-command",
            "38e7f511-3f74-41d4-836e-f57dfa18eead",
        ),
        // fieldref: the caller's ARN differs from the edited user name.
        (
            "aws.privilege-escalation.iam-update-user-login-profile",
            "055fb148-60f8-462d-ad16-26926ce050f1",
        ),
    ];
    for (technique, rule_id) in expected {
        let fired = matches
            .get(technique)
            .is_some_and(|rules| rules.keys().any(|k| k.starts_with(rule_id)));
        assert!(fired, "{technique}: rule {rule_id} did not fire");
    }
    insta::assert_yaml_snapshot!("stratus_matches", matches);
}
