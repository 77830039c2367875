//! The log readers beyond CloudTrail (Azure diagnostic records, Entra ID, GCP audit,
//! Kubernetes audit, syslog, journald), the sniffer and `read_log`: projected events on
//! hand-made samples in documented shapes and on Panther's realistic events, SigmaHQ rules
//! firing per source, and bad input reported by file and line without panics.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rampart_sigma::{
    builtin_rules, parse_journald_line, parse_syslog_line, read_log, sniff, Catalog,
    CorrelationState, Engine, Event, LogFormat, LogRead, ReadOptions, YearHint,
};

use crate::{rule_files, shared_data};

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures/logs")
        .join(name)
}

/// The reference date of the hand-made syslog samples (lines dated November).
pub(crate) const HINT: YearHint = YearHint {
    year: 2026,
    month: 11,
};

/// Every SigmaHQ rule plus the built-in ones.
pub(crate) fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut b = Engine::builder(Catalog::builtin());
        for (name, text) in rule_files(&shared_data().join("sigma/rules")) {
            b.add_yaml(&text, &name);
        }
        for (name, text) in builtin_rules() {
            let errs = b.add_yaml(text, name);
            assert!(errs.is_empty(), "{errs:?}");
        }
        b.build()
    })
}

/// What one read produced: rendered events, rule and correlation hits, the read.
pub(crate) struct Run {
    pub(crate) events: Vec<String>,
    /// `source@line: rule title`, in event order; correlations as `correlation: title [group]`.
    pub(crate) hits: Vec<String>,
    pub(crate) read: LogRead,
}

pub(crate) fn run_bytes(bytes: &[u8], origin: &str, format: Option<LogFormat>) -> Run {
    run_with(engine(), bytes, origin, format)
}

pub(crate) fn run_with(
    engine: &Engine,
    bytes: &[u8],
    origin: &str,
    format: Option<LogFormat>,
) -> Run {
    let (mut events, mut hits) = (Vec::new(), Vec::new());
    let (mut scratch, mut matched, mut corr) = (Vec::new(), Vec::new(), Vec::new());
    let mut state = CorrelationState::new();
    let opts = ReadOptions {
        year_hint: Some(HINT),
    };
    let read = read_log(bytes, origin, format, engine, &opts, |le| {
        let src = &engine.sources()[le.source];
        let fields: Vec<String> = src
            .fields()
            .iter()
            .filter_map(|(id, path)| {
                let vals = le.event.values(id);
                (!vals.is_empty()).then(|| {
                    let vs: Vec<String> = vals
                        .iter()
                        .map(|v| v.as_text().unwrap_or("null").to_string())
                        .collect();
                    format!("{path}={}", vs.join("|"))
                })
            })
            .collect();
        // Host records: the text keyword rules search, too.
        let keyword = match le.event.keyword_text() {
            Some(k) if le.source_name.starts_with("linux") => format!(" | {k}"),
            _ => String::new(),
        };
        events.push(format!(
            "{}@{}: {}{keyword}",
            le.source_name,
            le.line,
            fields.join(", ")
        ));
        engine.matches(le.source, le.event, &mut scratch, &mut matched);
        for &r in &matched {
            hits.push(format!(
                "{}@{}: {}",
                le.source_name,
                le.line,
                engine.rule(r).meta.title
            ));
        }
        corr.clear();
        engine.correlate(&mut state, le.source, le.event, &matched, &mut corr);
        for h in &corr {
            let c = &engine.correlations()[h.correlation as usize];
            let group: Vec<String> = h.group.iter().map(|(k, v)| format!("{k}={v}")).collect();
            hits.push(format!(
                "{}@{}: correlation: {} [{}] count={}",
                le.source_name,
                le.line,
                c.title,
                group.join(", "),
                h.count
            ));
        }
        ControlFlow::Continue(())
    })
    .unwrap_or_else(|e| panic!("{origin}: {e}"));
    Run { events, hits, read }
}

pub(crate) fn run_file(path: &Path) -> Run {
    let bytes = std::fs::read(path).expect("read fixture");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    run_bytes(&bytes, name, None)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

const FIXTURES: &[(&str, LogFormat)] = &[
    ("auth.log", LogFormat::Syslog),
    ("journald.json", LogFormat::Journald),
    ("azure_activity.json", LogFormat::AzureDiagnostics),
    ("azure_eventhub.json", LogFormat::AzureDiagnostics),
    ("entra_signins.json", LogFormat::AzureDiagnostics),
    ("gcp_audit.json", LogFormat::GcpAudit),
    ("k8s_audit.jsonl", LogFormat::KubernetesAudit),
];

#[test]
fn the_sniffer_names_each_format_plain_and_gzipped() {
    for (name, want) in FIXTURES {
        let bytes = std::fs::read(fixture(name)).expect("read");
        assert_eq!(sniff(&bytes, name), Some(*want), "{name}");
        let run = run_bytes(&gzip(&bytes), name, None);
        assert_eq!(run.read.format, *want, "{name} gzipped");
        assert_eq!(
            run.events,
            run_file(&fixture(name)).events,
            "{name} gzipped"
        );
    }
    let real = [
        (
            "logs/panther-events/eks-audit.jsonl",
            LogFormat::KubernetesAudit,
        ),
        (
            "logs/panther-events/gcp-auditlog.jsonl",
            LogFormat::GcpAudit,
        ),
        (
            "logs/panther-events/azure-monitoractivity.jsonl",
            LogFormat::AzureDiagnostics,
        ),
        (
            "logs/panther-events/azure-audit.jsonl",
            LogFormat::AzureDiagnostics,
        ),
        (
            "logs/panther-events/aws-cloudtrail.jsonl",
            LogFormat::CloudTrail,
        ),
        (
            "logs/stratus-cloudtrail/aws.persistence.iam-backdoor-user.json",
            LogFormat::CloudTrail,
        ),
    ];
    for (path, want) in real {
        let bytes = std::fs::read(shared_data().join(path)).expect("read");
        assert_eq!(sniff(&bytes, path), Some(want), "{path}");
    }
    for (what, bytes) in [
        ("binary", &b"\x00\x01\x02\xff\xfe garbage \x7f"[..]),
        ("prose", b"hello world, this is not a log\n"),
        ("json without known keys", b"{\"a\":1}\n"),
        ("empty", b""),
    ] {
        assert_eq!(sniff(bytes, "x"), None, "{what}");
    }
}

#[test]
fn each_reader_projects_the_fields_rules_read() {
    for (name, _) in FIXTURES {
        let run = run_file(&fixture(name));
        assert_eq!(
            run.read.stats.bad_records, 0,
            "{name}: {:?}",
            run.read.stats.errors
        );
        let snap = format!(
            "format: {:?}\nrecords: {} unrouted: {}\n{}",
            run.read.format,
            run.read.stats.records,
            run.read.stats.unrouted,
            run.events.join("\n")
        );
        insta::assert_snapshot!(format!("events_{name}"), snap);
    }
}

/// Per new log source, a SigmaHQ rule fires on the sample event it describes and on no
/// other event of the sample.
#[test]
fn sigmahq_rules_fire_on_matching_events_only() {
    let cases: &[(&str, &str, &[&str])] = &[
        // (fixture, rule title, `source@line` it fires on — and nowhere else)
        (
            "azure_activity.json",
            "Azure Firewall Modified or Deleted",
            &["azure_activitylogs@1"],
        ),
        (
            "azure_eventhub.json",
            "Azure Application Gateway Modified or Deleted",
            &["azure_activitylogs@3"],
        ),
        (
            "azure_eventhub.json",
            "User Added to an Administrator's Azure AD Role",
            &["azure_auditlogs@18"],
        ),
        (
            "azure_eventhub.json",
            "Account Lockout",
            &["azure_signinlogs@57"],
        ),
        (
            "gcp_audit.json",
            "Google Cloud Firewall Modified or Deleted",
            &["gcp_audit@2"],
        ),
        (
            "k8s_audit.jsonl",
            "RBAC Permission Enumeration Attempt",
            &[],
        ),
        (
            "auth.log",
            "Privileged User Has Been Created",
            &["linux_syslog@14"],
        ),
        (
            "auth.log",
            "Suspicious OpenSSH Daemon Error",
            &["linux_sshd@15"],
        ),
        (
            "journald.json",
            "Suspicious OpenSSH Daemon Error",
            &["linux_sshd@4"],
        ),
        (
            "journald.json",
            "Suspicious Log Entries",
            &["linux_syslog@5"],
        ),
    ];
    let mut by_file: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (file, _, _) in cases {
        by_file
            .entry(file)
            .or_insert_with(|| run_file(&fixture(file)).hits);
    }
    for (file, title, want) in cases {
        let got: Vec<&str> = by_file[file]
            .iter()
            .filter_map(|h| h.strip_suffix(&format!(": {title}")))
            .collect();
        assert_eq!(&got, want, "{file}: {title}");
    }
    let k8s = &by_file["k8s_audit.jsonl"];
    insta::assert_snapshot!("k8s_hits", k8s.join("\n"));
    for (file, hits) in &by_file {
        assert!(
            !hits.is_empty() || *file == "k8s_audit.jsonl",
            "{file}: no rule fired"
        );
    }
}

#[test]
fn panther_events_read_with_known_skips() {
    let mut out = String::new();
    for file in [
        "azure-monitoractivity.jsonl",
        "azure-audit.jsonl",
        "eks-audit.jsonl",
        "gcp-auditlog.jsonl",
    ] {
        let path = shared_data().join("logs/panther-events").join(file);
        let run = run_file(&path);
        let mut titles: BTreeMap<String, usize> = BTreeMap::new();
        for h in &run.hits {
            let (src, title) = h.split_once(": ").unwrap_or(("?", h));
            let src = src.split('@').next().unwrap_or(src);
            *titles.entry(format!("{src}: {title}")).or_default() += 1;
        }
        out.push_str(&format!(
            "== {file}: format {:?}, {} records, {} bad, {} unrouted, {} events\n",
            run.read.format,
            run.read.stats.records,
            run.read.stats.bad_records,
            run.read.stats.unrouted,
            run.events.len()
        ));
        for (t, n) in titles {
            out.push_str(&format!("{n:4} {t}\n"));
        }
    }
    insta::assert_snapshot!("panther_reads", out);
}

#[test]
fn syslog_lines_parse_into_fields() {
    let lines = [
        "Nov 29 10:00:01 web1 sshd[2101]: Failed password for invalid user admin from 203.0.113.7 port 51000 ssh2",
        "Nov  3 10:00:05 web1 sshd[2103]: Accepted publickey for alice from 2001:db8::7 port 51002 ssh2: RSA SHA256:x",
        "<38>Nov 29 10:00:06 web1 sshd[7]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root",
        "2026-11-29T10:05:00.123456+01:00 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id -u",
        "Nov 29 10:05:30 web1 sudo:      bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/sh",
        "Nov 29 10:06:30 web1 su: FAILED SU (to root) bob on pts/1",
        "Nov 29 10:06:31 web1 su: pam_unix(su-l:session): session opened for user root(uid=0) by bob(uid=1001)",
        "Nov 29 10:08:00 web1 sshd[2201]: Disconnected from invalid user test 203.0.113.9 port 6000 [preauth]",
        "Nov 29 10:08:01 web1 sshd[2202]: error: maximum authentication attempts exceeded for root from 203.0.113.9 port 6001 ssh2 [preauth]",
        "Nov 29 10:09:00 web1 kernel: [12345.678] eth0: entered promiscuous mode",
        "Nov 29 10:09:01 web1 last message repeated 3 times",
    ];
    let parsed: Vec<String> = lines
        .iter()
        .map(|l| match parse_syslog_line(l, HINT) {
            Ok(r) => format!("{:?}", r.fields()),
            Err(e) => format!("error: {e}"),
        })
        .collect();
    insta::assert_snapshot!("syslog_fields", parsed.join("\n"));
    let j = parse_journald_line(
        r#"{"__REALTIME_TIMESTAMP":"1764410401000000","SYSLOG_IDENTIFIER":"sshd","_PID":"9","_HOSTNAME":"h","MESSAGE":"Failed none for root from 203.0.113.1 port 22 ssh2"}"#,
    )
    .expect("journald");
    assert_eq!(j.timestamp.as_deref(), Some("2025-11-29T10:00:01Z"));
    assert_eq!(
        (j.outcome, j.auth_method.as_deref(), j.src_ip.as_deref()),
        (Some("failure"), Some("none"), Some("203.0.113.1"))
    );
}

#[test]
fn bad_input_is_reported_by_file_and_line_never_a_panic() {
    /// (what, format forced, input, errors expected)
    type Case<'a> = (&'a str, Option<LogFormat>, &'a [u8], &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        (
            "truncated json lines",
            Some(LogFormat::KubernetesAudit),
            b"{\"kind\":\"Event\",\"verb\":\"get\"}\n{\"kind\":\"Event\",\"verb\":\"ge",
            &["t.jsonl: record 2 (line 2): invalid JSON: at byte 26: unterminated string"],
        ),
        (
            "wrong shape: an array of strings",
            Some(LogFormat::GcpAudit),
            b"[\n  \"a\",\n  \"b\"\n]\n",
            &[
                "t.jsonl: record 1 (line 2): invalid JSON: at byte 0: a record must be a JSON object",
                "t.jsonl: record 2 (line 3): invalid JSON: at byte 0: a record must be a JSON object",
            ],
        ),
        (
            "binary garbage as syslog",
            Some(LogFormat::Syslog),
            b"Nov 29 10:00:01 h sshd[1]: ok\n\x00\x9f\x92\x96 binary \xff\n",
            &["t.jsonl:2: not a syslog line: no `Mmm dd hh:mm:ss` timestamp at the start"],
        ),
        (
            "journald line that is not JSON",
            Some(LogFormat::Journald),
            b"{\"MESSAGE\":\"x\"}\n{\"MESSAGE\":\n",
            &["t.jsonl:2: invalid journald JSON: EOF while parsing a value at line 1 column 11"],
        ),
        (
            "azure record without a category",
            Some(LogFormat::AzureDiagnostics),
            b"{\"records\":[{\"category\":\"AuditLogs\"},\n 7]}",
            &["t.jsonl: record 2 (line 2): invalid JSON: at byte 0: a record must be a JSON object"],
        ),
    ];
    for (what, format, bytes, want) in cases {
        let run = run_bytes(bytes, "t.jsonl", *format);
        let errs: Vec<String> = run
            .read
            .stats
            .errors
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errs, *want, "{what}");
        assert_eq!(run.read.stats.bad_records, want.len() as u64, "{what}");
    }
    // Whole documents that cannot be read are an error of the read, with their line.
    let engine = engine();
    let opts = ReadOptions::default();
    for (bytes, want) in [
        (
            &b"{\"records\": [\n {\"category\":\"AuditLogs\"},\n {\"cat"[..],
            "t.json:3: invalid Azure diagnostic logs document: EOF while parsing a string at line 3 column 6",
        ),
        (
            b"\x00\x01\x02 binary",
            "t.json: unrecognised log format: not CloudTrail, Azure diagnostic, GCP audit or Kubernetes audit JSON, journald JSON, nor syslog text",
        ),
    ] {
        let err = read_log(bytes, "t.json", None, engine, &opts, |_| ControlFlow::Continue(()))
            .err()
            .map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some(want));
    }
}

#[test]
fn read_log_file_sniffs_and_reads_files_and_gzip() {
    let dir = std::env::temp_dir().join(format!("rampart-sigma-logs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    for (name, want) in FIXTURES {
        let bytes = std::fs::read(fixture(name)).expect("read");
        let gz = dir.join(format!("{name}.gz"));
        std::fs::write(&gz, gzip(&bytes)).expect("write");
        let expected = run_file(&fixture(name));
        for path in [fixture(name), gz] {
            let mut n = 0usize;
            let read = rampart_sigma::read_log_file(&path, engine(), |_| {
                n += 1;
                ControlFlow::Continue(())
            })
            .expect("read");
            assert_eq!((read.format, n), (*want, expected.events.len()), "{path:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reader_available_for_every_source_but_m365() {
    let missing: Vec<&str> = engine()
        .sources()
        .iter()
        .filter(|s| !s.reader_available())
        .map(|s| s.spec.name.as_str())
        .collect();
    assert_eq!(missing, vec!["m365"]);
}

mod prop {
    use proptest::prelude::*;
    use rampart_sigma::{parse_journald_line, parse_syslog_line};

    use super::HINT;

    /// Lines assembled from syslog and sshd / sudo / su fragments, cut and joined at
    /// random: the parsers return a record or an error, never panic, and a parsed
    /// record's message is part of the line.
    fn fragments() -> impl Strategy<Value = String> {
        let parts = prop::sample::select(vec![
            "Nov 29 10:00:01 ",
            "Feb  3 01:02:03 ",
            "2026-11-29T10:00:01.5+01:00 ",
            "<38>",
            "<9999>",
            "h ",
            "sshd[1]: ",
            "sudo: ",
            "su: ",
            "sshd: ",
            "[",
            "]",
            ":",
            " ",
            "Failed password for ",
            "Accepted publickey for ",
            "invalid user ",
            "root",
            " from ",
            "203.0.113.7",
            " port ",
            "22",
            " ssh2",
            "Invalid user ",
            "Disconnected from ",
            "authenticating user ",
            "pam_unix(sshd:auth): ",
            "authentication failure; ",
            "rhost=1.2.3.4 user=root",
            "session opened for user ",
            "root(uid=0) by ",
            "(to root) ",
            "FAILED SU ",
            " on pts/0",
            "alice : ",
            "TTY=pts/0 ; ",
            "USER=root ; ",
            "COMMAND=/bin/id",
            "é",
            "\u{0}",
            "\r",
            "ünï",
        ]);
        prop::collection::vec(parts, 0..14).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn syslog_parser_never_panics(line in fragments()) {
            if let Ok(rec) = parse_syslog_line(&line, HINT) {
                prop_assert!(line.contains(rec.message.as_ref()));
                let _ = rec.fields();
            }
        }

        #[test]
        fn syslog_parser_never_panics_on_any_text(line in "\\PC{0,80}") {
            let _ = parse_syslog_line(&line, HINT);
            let _ = parse_journald_line(&line);
        }
    }
}

#[test]
fn host_records_carry_every_field_and_add_fields_projects_more() {
    // No rule reads `user` or `host`; host sources keep them anyway.
    let mut b = Engine::builder(Catalog::builtin());
    assert!(b.add_fields(
        "gcp_audit",
        &["protoPayload.authenticationInfo.principalEmail"]
    ));
    assert!(!b.add_fields("no_such_source", &["x"]));
    let engine = b.build();
    let run = run_with(
        &engine,
        b"Nov 29 10:00:01 web1 sshd[7]: Accepted password for alice from 203.0.113.7 port 22 ssh2\n",
        "auth.log",
        None,
    );
    assert!(
        run.events.iter().any(|e| e.starts_with("linux_sshd@1:")
            && e.contains("host=web1")
            && e.contains("user=alice")
            && e.contains("src_ip=203.0.113.7")),
        "{:?}",
        run.events
    );
    let gcp = std::fs::read(fixture("gcp_audit.json")).expect("read");
    let run = run_with(&engine, &gcp, "gcp_audit.json", None);
    assert!(
        run.events[0].contains("principalEmail=mallory@example-corp.com"),
        "{}",
        run.events[0]
    );
}

#[test]
fn json_lines_of_records_wrappers_are_unwrapped() {
    // Event Hub messages dumped one per line: each line is a `{"records": [...]}`.
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("azure_eventhub.json")).expect("read"))
            .expect("json");
    let records = doc["records"].as_array().expect("records").clone();
    let (a, b) = records.split_at(2);
    let lines = format!(
        "{}\n{}\n",
        serde_json::json!({ "records": a }),
        serde_json::json!({ "records": b })
    );
    let run = run_bytes(lines.as_bytes(), "hub.jsonl", None);
    assert_eq!(run.read.format, LogFormat::AzureDiagnostics);
    let got: Vec<&str> = run
        .events
        .iter()
        .map(|e| e.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        got,
        vec![
            "azure_activitylogs@1",
            "azure_auditlogs@1",
            "azure_signinlogs@2",
            "kubernetes_audit@2"
        ]
    );
    assert_eq!((run.read.stats.records, run.read.stats.bad_records), (4, 0));
    // A one-line array (gcloud piped through `jq -c`) is unwrapped the same way.
    let gcp: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("gcp_audit.json")).expect("read"))
            .expect("json");
    let run = run_bytes(format!("{gcp}\n").as_bytes(), "gcp.json", None);
    assert_eq!(
        (
            run.read.format,
            run.events.len(),
            run.read.stats.bad_records
        ),
        (LogFormat::GcpAudit, 2, 0)
    );
}

#[test]
fn syslog_file_names_let_the_sniffer_look_past_a_first_odd_line() {
    let text = b"--- rotated ---\nNov 29 10:00:01 web1 sshd[7]: Accepted password for a from 203.0.113.7 port 22 ssh2\n";
    assert_eq!(sniff(text, "/var/log/auth.log.1"), Some(LogFormat::Syslog));
    assert_eq!(
        sniff(text, "/var/log/secure-20261129"),
        Some(LogFormat::Syslog)
    );
    assert_eq!(sniff(text, "notes.txt"), None);
}
