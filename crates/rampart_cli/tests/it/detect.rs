//! `rampart detect` on real CloudTrail (the Stratus Red Team detonations), suppression,
//! exit codes, formats, bad input and `--follow`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::{path_str, rampart, stderr, stdout};

fn stratus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/logs/stratus-cloudtrail")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/sigma")
}

fn alerts(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).expect("each line is one alert"))
        .collect()
}

/// The evidence files (base names) of an alert.
fn evidence_files(a: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = a["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| {
            let s = e["source"].as_str().expect("source");
            let base = s.rsplit('/').next().unwrap_or(s);
            base.rsplit_once(':')
                .map_or(base, |(file, _line)| file)
                .to_string()
        })
        .collect();
    v.dedup();
    v
}

/// Each technique's detonation raises the alert of the rule that describes it (SigmaHQ's
/// or Rampart's built-in), as the rule states it.
#[test]
fn stratus_detonations_raise_the_matching_rules_alerts() {
    let out = rampart(&["detect", path_str(&stratus())]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "alerts raised: exit 1\n{}",
        stderr(&out)
    );
    let alerts = alerts(&stdout(&out));
    let expected = [
        (
            "aws.defense-evasion.cloudtrail-stop",
            "4db60cc0-36fb-42b7-9b58-a5b53019fb74",
            "AWS CloudTrail Important Change",
        ),
        (
            "aws.defense-evasion.cloudtrail-stop",
            "3accf718-aec0-41e8-abbe-d2950216861a",
            "CloudTrail Logging Tampered With",
        ),
        (
            "aws.defense-evasion.cloudtrail-delete",
            "4db60cc0-36fb-42b7-9b58-a5b53019fb74",
            "AWS CloudTrail Important Change",
        ),
        (
            "aws.defense-evasion.cloudtrail-event-selectors",
            "3accf718-aec0-41e8-abbe-d2950216861a",
            "CloudTrail Logging Tampered With",
        ),
        (
            "aws.defense-evasion.vpc-remove-flow-logs",
            "e386b9b5-af12-450e-afff-761730fb8a98",
            "AWS VPC Flow Logs Deleted",
        ),
        (
            "aws.exfiltration.ec2-security-group-open-port-22-ingress",
            "6fb77778-040f-4015-9440-572aa9b6b580",
            "Ingress/Egress Security Group Modification",
        ),
        (
            "aws.exfiltration.ec2-security-group-open-port-22-ingress",
            "ee0a56ad-eee3-4770-9853-ad87cc7409a0",
            "Security Group Opened To The Internet",
        ),
        (
            "aws.exfiltration.ec2-share-ebs-snapshot",
            "abae8fec-57bd-4f87-aff6-6e3db989843d",
            "AWS Snapshot Backup Exfiltration",
        ),
        (
            "aws.initial-access.console-login-without-mfa",
            "77caf516-34e5-4df9-b4db-20744fea0a60",
            "AWS Successful Console Login Without MFA",
        ),
        (
            "aws.persistence.iam-backdoor-user",
            "0a5177f4-6ca9-44c2-aacf-d3f3d8b6e4d2",
            "AWS IAM Backdoor Users Keys",
        ),
        (
            "aws.persistence.iam-backdoor-user",
            "27282255-5938-4354-b10f-37eb9093de94",
            "Access Key Created For Another IAM User",
        ),
        (
            "aws.persistence.iam-create-admin-user",
            "0a5177f4-6ca9-44c2-aacf-d3f3d8b6e4d2",
            "AWS IAM Backdoor Users Keys",
        ),
        (
            "aws.persistence.lambda-layer-extension",
            "97fbabf8-8e1b-47a2-b7d5-a418d2b95e3d",
            "AWS New Lambda Layer Attached",
        ),
        (
            "aws.execution.ssm-send-command",
            "38e7f511-3f74-41d4-836e-f57dfa18eead",
            "Potential Malicious Usage of CloudTrail System Manager",
        ),
        (
            "aws.privilege-escalation.iam-update-user-login-profile",
            "055fb148-60f8-462d-ad16-26926ce050f1",
            "AWS User Login Profile Was Modified",
        ),
    ];
    for (technique, rule_id, title) in expected {
        let file = format!("{technique}.json");
        let found = alerts
            .iter()
            .find(|a| a["rule_id"] == rule_id && evidence_files(a).contains(&file));
        let a = found.unwrap_or_else(|| panic!("{technique}: no alert of rule {rule_id}"));
        assert_eq!(a["display_name"], title, "{technique}");
        assert_eq!(a["status"], "Active");
        for key in [
            "severity",
            "tactics",
            "start_time",
            "end_time",
            "count",
            "entities",
            "system_alert_id",
        ] {
            assert!(!a[key].is_null(), "{technique}: {key} missing");
        }
    }
    // The whole run, minus what changes between runs (time_generated) and paths.
    let summary: Vec<serde_json::Value> = alerts
        .iter()
        .map(|a| {
            serde_json::json!({
                "rule_id": a["rule_id"],
                "display_name": a["display_name"],
                "severity": a["severity"],
                "tactics": a["tactics"],
                "techniques": a["techniques"],
                "sub_techniques": a["sub_techniques"],
                "start_time": a["start_time"],
                "end_time": a["end_time"],
                "count": a["count"],
                "entities": a["entities"],
                "compromised_entity": a["compromised_entity"],
                "scope": a["scope"],
                "system_alert_id": a["system_alert_id"],
                "evidence_files": evidence_files(a),
                "author": a["extended_properties"]["author"],
                "rule_origin": a["extended_properties"]["rule_origin"],
            })
        })
        .collect();
    insta::assert_json_snapshot!("stratus_alerts", summary);
}

#[test]
fn table_and_cef_formats() {
    let file = stratus().join("aws.defense-evasion.cloudtrail-stop.json");
    let out = rampart(&["detect", "--format", "table", path_str(&file)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    insta::assert_snapshot!("cloudtrail_stop_table", stdout(&out));
    let out = rampart(&["detect", "--format", "cef", path_str(&file)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    for line in text.lines() {
        assert!(line.starts_with("CEF:0|Rampart|"), "{line}");
        assert!(
            line.contains("suser=arn:aws:iam::143434273843:user/christophe"),
            "{line}"
        );
    }
}

#[test]
fn suppression_dismisses_and_clears_the_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("suppress.yaml");
    std::fs::write(
        &rules,
        "rules:\n  - name: trail-maintenance\n    alert_type: '*'\n    entities:\n      account: 'arn:aws:iam::143434273843:user/*'\n    reason: ApprovedTest\n    comment: Stratus detonation\n",
    )
    .expect("write");
    let file = stratus().join("aws.defense-evasion.cloudtrail-stop.json");
    let out = rampart(&["detect", "--suppress", path_str(&rules), path_str(&file)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "every alert dismissed: exit 0\n{}",
        stderr(&out)
    );
    let alerts = alerts(&stdout(&out));
    assert_eq!(alerts.len(), 2);
    for a in &alerts {
        assert_eq!(a["status"], "Dismissed");
        assert_eq!(
            a["status_reason"],
            "suppressed by rule `trail-maintenance`: ApprovedTest (Stratus detonation)"
        );
    }
    // A bad suppression file is an input error naming file, line and field.
    std::fs::write(
        &rules,
        "rules:\n  - name: x\n    alert_type: '*'\n    reason: Other\n",
    )
    .expect("write");
    let out = rampart(&["detect", "--suppress", path_str(&rules), path_str(&file)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("suppress.yaml:2: rules[0].name"), "{err}");
}

#[test]
fn fail_on_gates_by_severity_and_no_alert_is_exit_0() {
    // AWS Snapshot Backup Exfiltration is Medium.
    let file = stratus().join("aws.exfiltration.ec2-share-ebs-snapshot.json");
    let out = rampart(&["detect", "--fail-on", "high", path_str(&file)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(alerts(&stdout(&out)).len(), 1);
    let out = rampart(&["detect", "--fail-on", "medium", path_str(&file)]);
    assert_eq!(out.status.code(), Some(1));
    // A detonation no rule describes raises nothing.
    let quiet = stratus().join("aws.persistence.rolesanywhere-create-trust-anchor.json");
    let out = rampart(&["detect", path_str(&quiet)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn custom_rules_gzip_output_file_and_rule_remediation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src =
        std::fs::read(stratus().join("aws.defense-evasion.cloudtrail-stop.json")).expect("read");
    let gz = dir.path().join("logs/trail.json.gz");
    std::fs::create_dir_all(gz.parent().expect("parent")).expect("mkdir");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&src).expect("gzip");
    std::fs::write(&gz, enc.finish().expect("gzip")).expect("write");
    std::fs::write(dir.path().join("logs/README.md"), "not a log").expect("write");
    let output = dir.path().join("alerts.jsonl");
    let out = rampart(&[
        "detect",
        "--no-bundled",
        "--rules",
        path_str(&fixtures().join("custom")),
        "--output",
        path_str(&output),
        path_str(&dir.path().join("logs")),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "alerts go to --output");
    assert!(
        stderr(&out).contains("note: skipped 1 file(s) not in a known log format")
            && stderr(&out).contains("README.md"),
        "{}",
        stderr(&out)
    );
    let alerts = alerts(&std::fs::read_to_string(&output).expect("output"));
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a["rule_id"], "5f0c2c8e-1f0e-4b8e-9a0e-6d9b7c1a2b3c");
    assert_eq!(a["severity"], "High", "critical maps to High");
    assert_eq!(a["tactics"], serde_json::json!(["DefenseEvasion"]));
    assert_eq!(
        a["remediation_steps"],
        serde_json::json!([
            "Start logging on the trail again (aws cloudtrail start-logging --name <trail>).",
            "Find who stopped it and why."
        ])
    );
}

#[test]
fn bad_rules_and_inputs_are_clean_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = stratus().join("aws.defense-evasion.cloudtrail-stop.json");
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "missing rule dir",
            vec![
                "--rules".into(),
                path_str(&dir.path().join("nope")).into(),
                path_str(&log).into(),
            ],
            "cannot read rules",
        ),
        (
            "empty rule dir",
            vec![
                "--rules".into(),
                path_str(dir.path()).into(),
                path_str(&log).into(),
            ],
            "no Sigma rule files",
        ),
        (
            "only refused rules",
            vec![
                "--no-bundled".into(),
                "--rules".into(),
                path_str(&fixtures().join("lint/refused.yml")).into(),
                path_str(&log).into(),
            ],
            "no Sigma rule loaded",
        ),
        (
            "missing input",
            vec![path_str(&dir.path().join("missing.json")).into()],
            "cannot read",
        ),
    ];
    for (what, args, needle) in cases {
        let mut full = vec!["detect".to_string()];
        full.extend(args);
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let out = rampart(&refs);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.lines()
                .any(|l| l.starts_with("error: ") && l.contains(needle)),
            "{what}: {err}"
        );
        assert!(!err.contains("panicked"), "{what}: {err}");
    }
    // A directory holding no log at all is an input error, not "no alert".
    let notes = dir.path().join("notes");
    std::fs::create_dir_all(&notes).expect("mkdir");
    std::fs::write(notes.join("README.md"), "# not a log\n").expect("write");
    let out = rampart(&["detect", path_str(&notes)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no input file is in a log format"),
        "{}",
        stderr(&out)
    );
    // A refused user rule is a warning naming it; the run goes on with the others.
    let out = rampart(&[
        "detect",
        "--rules",
        path_str(&fixtures().join("lint")),
        path_str(&log),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("refused.yml: rule 0d1c5e2a-7b61-4f1e-9a38-2b1a3c4d5e02 refused: invalid regular expression"), "{err}");
    assert!(
        err.contains("broken.yml: rule (unnamed) refused: cannot parse"),
        "{err}"
    );
    // An unreadable record is reported; a file that is not a log at all is an input error.
    let bad = dir.path().join("bad.jsonl");
    let good_line = serde_json::to_string(
        &serde_json::from_slice::<serde_json::Value>(&std::fs::read(&log).expect("read"))
            .expect("json")[0],
    )
    .expect("json");
    std::fs::write(&bad, format!("{good_line}\n{{not json\n")).expect("write");
    let out = rampart(&["detect", path_str(&bad)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 of 2 records skipped as invalid"),
        "{}",
        stderr(&out)
    );
    assert_eq!(alerts(&stdout(&out)).len(), 2);
}

/// `--follow`: alerts for lines appended later, and again after the file is truncated.
#[test]
fn follow_tails_appends_and_truncation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("trail.jsonl");
    let records: Vec<serde_json::Value> = serde_json::from_slice(
        &std::fs::read(stratus().join("aws.defense-evasion.cloudtrail-stop.json")).expect("read"),
    )
    .expect("array");
    let line = serde_json::to_string(&records[0]).expect("json") + "\n";
    std::fs::write(&file, "").expect("create");
    let child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "detect",
            "--follow",
            "--window",
            "0",
            "--poll-ms",
            "50",
            "--no-bundled",
        ])
        .arg("--rules")
        .arg(fixtures().join("custom"))
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut child = KillOnDrop(child);
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines() {
            let Ok(l) = l else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| {
        rx.recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no alert after {what}"))
    };
    // Half a line first: nothing is read until the line is complete.
    let (head, tail) = line.split_at(40);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .expect("open")
        .write_all(head.as_bytes())
        .expect("append");
    std::thread::sleep(Duration::from_millis(300));
    std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .expect("open")
        .write_all(tail.as_bytes())
        .expect("append");
    let first: serde_json::Value = serde_json::from_str(&next("append")).expect("alert");
    assert_eq!(first["count"], 1);
    assert!(first["evidence"][0]["source"]
        .as_str()
        .expect("source")
        .ends_with("trail.jsonl:1"));
    // Truncate and write a shorter record (another event of the same kind): read from the start.
    let mut other = records[0].clone();
    other.as_object_mut().expect("object").remove("tlsDetails");
    std::fs::write(&file, serde_json::to_string(&other).expect("json") + "\n").expect("truncate");
    let second: serde_json::Value = serde_json::from_str(&next("truncation")).expect("alert");
    assert_eq!(second["rule_id"], first["rule_id"]);
    assert!(second["evidence"][0]["source"]
        .as_str()
        .expect("source")
        .ends_with("trail.jsonl:1"));
    assert!(second["evidence"][0]["event"]
        .as_str()
        .expect("event")
        .contains("eventName"));
    assert!(!second["evidence"][0]["event"]
        .as_str()
        .expect("event")
        .contains("tlsDetails"));
}

/// Stops the followed process however the test ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Syslog through the same command: Rampart's SSH brute-force correlations raise alerts
/// on the source address, the single failures (`generate: false`) do not.
#[test]
fn ssh_brute_force_from_auth_log() {
    let log = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rampart_sigma/tests/it/fixtures/logs/ssh_bruteforce_success.log");
    let out = rampart(&["detect", path_str(&log)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let alerts = alerts(&stdout(&out));
    let rows: Vec<(String, String, u64, String)> = alerts
        .iter()
        .map(|a| {
            (
                a["display_name"].as_str().unwrap_or_default().to_string(),
                a["severity"].as_str().unwrap_or_default().to_string(),
                a["count"].as_u64().unwrap_or_default(),
                a["correlation_key"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    insta::assert_debug_snapshot!("ssh_brute_force", rows);
    assert!(alerts.iter().all(|a| a["log_source"] == "linux_sshd"
        || a["log_source"]
            .as_str()
            .is_some_and(|s| s.starts_with("linux"))));
}

/// Every reader through `detect`: Panther's rule-test events (CloudTrail, Azure, Entra ID,
/// GCP, EKS) raise alerts of their sources. (Counts are not pinned here: they follow the
/// readers' and rules' own tests in rampart_sigma.)
#[test]
fn other_log_sources_raise_alerts() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/logs/panther-events");
    let out = rampart(&["detect", path_str(&dir)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let mut counts: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for a in alerts(&stdout(&out)) {
        let key = format!(
            "{} | {}",
            a["log_source"].as_str().unwrap_or_default(),
            a["display_name"].as_str().unwrap_or_default()
        );
        let e = counts.entry(key).or_default();
        e.0 += 1;
        e.1 += a["count"].as_u64().unwrap_or_default();
    }
    let sources: std::collections::BTreeSet<&str> = counts
        .keys()
        .filter_map(|k| k.split(" | ").next())
        .collect();
    for s in [
        "aws_cloudtrail",
        "azure_activitylogs",
        "gcp_audit",
        "kubernetes_audit",
    ] {
        assert!(sources.contains(s), "no alert from {s}: {sources:?}");
    }
    assert!(counts.values().all(|(alerts, events)| alerts <= events));
}

/// `rampart suppress simulate`: counts over the alerts a previous run wrote.
#[test]
fn suppress_simulate_counts_past_alerts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let past = dir.path().join("past.jsonl");
    let out = rampart(&["detect", "-o", path_str(&past), path_str(&stratus())]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let rules = dir.path().join("suppress.yaml");
    std::fs::write(
        &rules,
        "rules:\n  - name: assume-role-noise\n    rule_id: 905d389b-b853-46d0-9d3d-dea0d3a3cd49\n    reason: BenignPositive\n  - name: christophe\n    state: Disabled\n    alert_type: '*'\n    entities:\n      account: '*:user/christophe'\n    reason: ApprovedTest\n  - name: expired-everything\n    alert_type: '*'\n    reason: Duplicate\n    expiry: 2020-01-01\n",
    )
    .expect("write");
    let out = rampart(&["suppress", "simulate", path_str(&rules), path_str(&past)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("suppress_simulate", stdout(&out));
    std::fs::write(&past, "{\"not\": \"an alert\"}\n").expect("write");
    let out = rampart(&["suppress", "simulate", path_str(&rules), path_str(&past)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("past.jsonl:1: not an alert"),
        "{}",
        stderr(&out)
    );
}

/// `-` reads standard input (gzip too); it cannot be followed.
#[test]
fn standard_input() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(
        &std::fs::read(stratus().join("aws.defense-evasion.cloudtrail-stop.json")).expect("read"),
    )
    .expect("gzip");
    let data = gz.finish().expect("gzip");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["detect", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&data)
        .expect("write");
    let out = child.wait_with_output().expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let alerts = alerts(&stdout(&out));
    assert_eq!(alerts.len(), 2);
    assert!(alerts[0]["evidence"][0]["source"]
        .as_str()
        .expect("source")
        .starts_with("<stdin>:"));
    let out = rampart(&["detect", "--follow", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be followed"),
        "{}",
        stderr(&out)
    );
}

/// `--follow` stopped by SIGTERM writes the groups still open (here the default one-hour
/// window has not passed) and exits with the usual code.
#[cfg(unix)]
#[test]
fn follow_writes_open_groups_when_stopped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("trail.jsonl");
    let records: Vec<serde_json::Value> = serde_json::from_slice(
        &std::fs::read(stratus().join("aws.defense-evasion.cloudtrail-stop.json")).expect("read"),
    )
    .expect("array");
    std::fs::write(
        &file,
        serde_json::to_string(&records[0]).expect("json") + "\n",
    )
    .expect("write");
    let child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["detect", "--follow", "--poll-ms", "50", "--no-bundled"])
        .arg("--rules")
        .arg(fixtures().join("custom"))
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut child = KillOnDrop(child);
    std::thread::sleep(Duration::from_millis(800));
    let status = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let mut text = String::new();
    let mut out = child.0.stdout.take().expect("stdout");
    std::io::Read::read_to_string(&mut out, &mut text).expect("read");
    let code = child.0.wait().expect("wait").code();
    assert_eq!(code, Some(1), "stopped with an alert written: exit 1");
    let alerts = alerts(&text);
    assert_eq!(alerts.len(), 1, "{text}");
    assert_eq!(alerts[0]["rule_id"], "5f0c2c8e-1f0e-4b8e-9a0e-6d9b7c1a2b3c");
}

/// `--sinks`: every alert also goes to the configured sinks. A webhook that is down leaves
/// the alerts in its spool (none lost, the run's exit code unchanged); the next run, with the
/// receiver up, delivers them, signed.
#[test]
fn sinks_deliver_and_spool_across_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let archive = dir.path().join("archive.jsonl");
    // A port nothing listens on yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let config = dir.path().join("sinks.toml");
    std::fs::write(
        &config,
        format!(
            "[retry]\ninitial_backoff_ms = 50\nmax_backoff_ms = 200\n\n\
             [[sink]]\nkind = \"jsonl\"\nname = \"archive\"\npath = \"{}\"\n\n\
             [[sink]]\nkind = \"webhook\"\nname = \"hook\"\nurl = \"http://127.0.0.1:{port}/alerts\"\n\
             secret = \"k3y-not-in-logs\"\ntimeout_ms = 2000\n",
            archive.display()
        ),
    )
    .expect("write config");
    let file = stratus().join("aws.defense-evasion.cloudtrail-stop.json");
    let sink_args = |wait: &str| -> Vec<String> {
        vec![
            "--sinks".into(),
            path_str(&config).into(),
            "--state-dir".into(),
            path_str(&state).into(),
            "--sinks-wait".into(),
            wait.into(),
        ]
    };
    let mut args: Vec<String> = vec!["detect".into()];
    args.extend(sink_args("1"));
    args.push(path_str(&file).into());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = rampart(&argv);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let printed = alerts(&stdout(&out));
    assert_eq!(printed.len(), 2);
    let archived = alerts(&std::fs::read_to_string(&archive).expect("archive written"));
    assert_eq!(
        archived, printed,
        "the JSON Lines sink holds exactly the alerts printed"
    );
    let err = stderr(&out);
    assert!(err.contains("sink archive: 2 delivered"), "{err}");
    assert!(err.contains("sink hook: 0 delivered"), "{err}");
    assert!(err.contains("2 left in spool, 0 lost"), "{err}");
    assert!(!err.contains("k3y-not-in-logs"), "secret in stderr: {err}");

    // The receiver comes up; a run over a log with no alert delivers the spooled two.
    let server = tiny_http::Server::http(format!("127.0.0.1:{port}")).expect("receiver");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let mut body = String::new();
            let _ = req.as_reader().read_to_string(&mut body);
            let sig = req
                .headers()
                .iter()
                .find(|h| h.field.equiv("X-Rampart-Signature"))
                .map(|h| h.value.to_string());
            let _ = tx.send((req.url().to_string(), sig, body));
            let _ = req.respond(tiny_http::Response::empty(200));
        }
    });
    let quiet = stratus().join("aws.persistence.rolesanywhere-create-trust-anchor.json");
    let mut args: Vec<String> = vec!["detect".into()];
    args.extend(sink_args("20"));
    args.push(path_str(&quiet).into());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = rampart(&argv);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("sink hook: 2 delivered"), "{err}");
    assert!(err.contains("0 left in spool, 0 lost"), "{err}");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (url, sig, body) = rx.recv_timeout(Duration::from_secs(5)).expect("delivery");
        assert_eq!(url, "/alerts");
        assert!(sig.is_some_and(|s| s.starts_with("sha256=")), "signed");
        let alert: serde_json::Value = serde_json::from_str(&body).expect("alert JSON");
        ids.push(alert["system_alert_id"].clone());
    }
    let mut expected: Vec<_> = printed
        .iter()
        .map(|a| a["system_alert_id"].clone())
        .collect();
    ids.sort_by_key(|v| v.to_string());
    expected.sort_by_key(|v| v.to_string());
    assert_eq!(ids, expected, "the spooled alerts, each once");
    assert_eq!(
        alerts(&std::fs::read_to_string(&archive).expect("archive")).len(),
        2,
        "nothing new archived by the quiet run"
    );
}
