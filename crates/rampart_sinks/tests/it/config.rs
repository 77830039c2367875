//! Configuration parsing, validation, and secrets kept out of Debug output and logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use rampart_alerts::AlertSeverity;
use rampart_sinks::{Config, ManualClock};

use crate::common::{alert, t0, wait_until, Auth, HttpReceiver};
use crate::{in_secs, start};

#[test]
fn full_config_parses_with_defaults() {
    let toml = r#"
        [[sink]]
        kind = "jsonl"
        name = "file"
        path = "/var/lib/rampart/alerts.jsonl"

        [[sink]]
        kind = "syslog"
        name = "siem"
        transport = "tls"
        address = "siem.example:6514"
        ca_file = "/etc/rampart/ca.pem"
        min_severity = "medium"

        [[sink]]
        kind = "email"
        name = "soc-mail"
        host = "smtp.example"
        security = "starttls"
        username = "rampart"
        password_env = "SMTP_PASSWORD"
        from = "Rampart <rampart@example.org>"
        to = ["soc@example.org"]
    "#;
    let c = Config::from_toml_str(toml, "sinks.toml").unwrap();
    let summary: Vec<(String, AlertSeverity)> = c
        .sinks
        .iter()
        .map(|s| (s.name().to_owned(), s.min_severity()))
        .collect();
    assert_eq!(
        summary,
        [
            ("file".to_owned(), AlertSeverity::Informational),
            ("siem".to_owned(), AlertSeverity::Medium),
            ("soc-mail".to_owned(), AlertSeverity::High),
        ]
    );
    assert_eq!(c.queue_capacity, 1024);
}

#[test]
fn invalid_configs_name_the_problem() {
    let cases = [
        ("[[sink]]\nkind = \"jsonl\"\nname = \"a\"\npath = \"x\"\npaht = \"y\"\n", "unknown field `paht`"),
        ("[[sink]]\nkind = \"pager\"\nname = \"a\"\n", "unknown variant `pager`"),
        ("[[sink]]\nkind = \"jsonl\"\nname = \"a/b\"\npath = \"x\"\n", "sink \"a/b\": name must be"),
        ("[[sink]]\nkind = \"jsonl\"\nname = \"a\"\npath = \"x\"\n[[sink]]\nkind = \"jsonl\"\nname = \"a\"\npath = \"y\"\n", "duplicate sink name"),
        ("[[sink]]\nkind = \"webhook\"\nname = \"h\"\nurl = \"http://x\"\n", "webhook needs secret_env"),
        ("[[sink]]\nkind = \"syslog\"\nname = \"s\"\ntransport = \"udp\"\naddress = \"x:1\"\nfacility = \"local9\"\n", "unknown facility"),
        ("[[sink]]\nkind = \"jsonl\"\nname = \"a\"\npath = \"x\"\nmin_severity = \"critical\"\n", "unknown severity \"critical\""),
    ];
    for (toml, want) in cases {
        let err = Config::from_toml_str(toml, "sinks.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("sinks.toml"), "{err}");
        assert!(err.contains(want), "{want:?} not in {err}");
    }
    let mut c = Config::from_toml_str(
        "[[sink]]\nkind = \"splunk_hec\"\nname = \"hec\"\nurl = \"http://x\"\ntoken_env = \"NOPE_TOKEN\"\n",
        "sinks.toml",
    )
    .unwrap();
    let err = c
        .resolve_secrets("sinks.toml", |_| None)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "sinks.toml: sink \"hec\": environment variable NOPE_TOKEN is not set or empty"
    );
}

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Secrets appear neither in Debug output of the config nor in the logs of failing
/// deliveries (wrong key / token rejected by real receivers).
#[test]
fn secrets_absent_from_debug_and_logs() {
    let logs = Buf::default();
    let w = logs.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || w.clone())
            .finish(),
    )
    .unwrap();

    let hook = HttpReceiver::start(0, Auth::Hmac(b"the-receivers-key".to_vec()));
    let hec = HttpReceiver::start(0, Auth::Hec("right-token".into()));
    let toml = format!(
        r#"
        [retry]
        initial_backoff_ms = 20
        max_backoff_ms = 40
        [[sink]]
        kind = "webhook"
        name = "hook"
        url = "http://127.0.0.1:{}/alerts"
        secret = "INLINE-HMAC-SECRET-1"
        [[sink]]
        kind = "splunk_hec"
        name = "hec"
        url = "http://127.0.0.1:{}"
        token_env = "T_ENV"
        [[sink]]
        kind = "email"
        name = "mail"
        host = "127.0.0.1"
        port = 1
        security = "none"
        username = "u"
        password_env = "P_ENV"
        from = "a@example.org"
        to = ["b@example.org"]
        min_severity = "informational"
        "#,
        hook.port, hec.port
    );
    let secrets = [
        "INLINE-HMAC-SECRET-1",
        "ENV-HEC-TOKEN-2",
        "ENV-SMTP-PASSWORD-3",
    ];
    let mut c = Config::from_toml_str(&toml, "t").unwrap();
    c.resolve_secrets("t", |v| match v {
        "T_ENV" => Some(secrets[1].into()),
        "P_ENV" => Some(secrets[2].into()),
        _ => None,
    })
    .unwrap();
    let debug = format!("{c:?}");
    assert!(debug.contains("Secret(***)"), "{debug}");

    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(t0());
    let d = start(
        &toml,
        dir.path(),
        &clock,
        &[("T_ENV", secrets[1]), ("P_ENV", secrets[2])],
    );
    let debug_d = format!("{d:?}");
    d.send(&alert(1, AlertSeverity::High, Some("s")));
    assert!(wait_until(std::time::Duration::from_secs(10), || {
        hook.rejected.lock().unwrap().len() >= 2 && hec.rejected.lock().unwrap().len() >= 2
    }));
    let report = d.close(in_secs(0));
    assert!(!report.all_delivered());
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("delivery failed"), "{logs}");
    assert!(
        logs.contains("HTTP status 401") && logs.contains("HTTP status 403"),
        "{logs}"
    );
    for s in secrets {
        assert!(!debug.contains(s), "{s} in config Debug");
        assert!(!debug_d.contains(s), "{s} in dispatcher Debug");
        assert!(!logs.contains(s), "{s} in logs:\n{logs}");
    }
}
