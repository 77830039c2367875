//! Email over SMTP to aiosmtpd, with Defender's throttling driven by a manual clock.
//! Each step runs a dispatcher to completion (close), so each step is also a restart:
//! the throttle state must survive it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Duration as Span;
use rampart_alerts::{Alert, AlertSeverity};
use rampart_sinks::ManualClock;

use crate::common::{alert, free_port, t0, wait_until, SmtpReceiver};
use crate::{in_secs, start};

/// A self-signed certificate for 127.0.0.1 and its key, written as `cert.pem` and `key.pem` in
/// `dir`.
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

/// The one message the receiver gets (waiting up to 10 s for it; more than one fails).
fn one_message(smtp: &SmtpReceiver) -> String {
    assert!(wait_until(Duration::from_secs(10), || smtp
        .messages()
        .len()
        == 1));
    smtp.messages()[0].clone()
}

fn toml(port: u16) -> String {
    format!(
        "[retry]\ninitial_backoff_ms = 50\nmax_backoff_ms = 100\n\
         [[sink]]\nkind = \"email\"\nname = \"mail\"\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
         from = \"Rampart <rampart@example.org>\"\nto = [\"soc@example.org\", \"oncall@example.org\"]\nmin_severity = \"low\"\n"
    )
}

fn subject(msg: &str) -> String {
    msg.lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or("(none)")
        .to_owned()
}

/// Headers that vary run to run (Message-ID, aiosmtpd's X-Peer port) left out.
fn stable(msg: &str) -> String {
    msg.lines()
        .filter(|l| !l.starts_with("Message-ID:") && !l.starts_with("X-Peer:"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn throttling_per_scope_and_severity_with_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let Some(smtp) = SmtpReceiver::start(dir.path()) else {
        return;
    };
    let state = dir.path().join("state");
    let clock = ManualClock::new(t0());
    let cfg = toml(smtp.port);
    // One step: a fresh dispatcher (a restart), some alerts at the clock's time, close.
    let step = |alerts: &[Alert], expect_total: usize| {
        let d = start(&cfg, &state, &clock, &[]);
        for a in alerts {
            d.send(a);
        }
        let report = d.close(in_secs(15));
        assert!(report.all_delivered(), "{report:?}");
        assert!(
            wait_until(Duration::from_secs(10), || smtp.messages().len()
                >= expect_total),
            "expected {expect_total} emails, got {:?}",
            smtp.messages()
                .iter()
                .map(|m| subject(m))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(smtp.messages().len(), expect_total);
    };

    step(&[alert(1, AlertSeverity::High, Some("acct-1"))], 1);
    clock.advance(Span::hours(1));
    // Throttled: High again on acct-1 within 6 h. Not throttled: another scope.
    step(&[alert(2, AlertSeverity::High, Some("acct-1"))], 1);
    step(&[alert(3, AlertSeverity::High, Some("acct-2"))], 2);
    // Below the minimum severity: no email, not pending either.
    step(&[alert(4, AlertSeverity::Informational, Some("acct-1"))], 2);
    // Medium has its own window: sent, and carries the throttled High alert 2.
    step(&[alert(5, AlertSeverity::Medium, Some("acct-1"))], 3);
    // Medium again within 12 h: throttled; High within 6 h: throttled.
    clock.advance(Span::hours(4)); // t0 + 5 h
    step(
        &[
            alert(6, AlertSeverity::Medium, Some("acct-1")),
            alert(7, AlertSeverity::High, Some("acct-1")),
        ],
        3,
    );
    // t0 + 6 h: the High window of acct-1 opens; with no new alert, the worker sends the
    // summary of alerts 6 and 7 by itself.
    clock.advance(Span::hours(1));
    step(&[], 4);
    // A Low alert on acct-1: its own (24 h) window, never used: sent at once.
    step(&[alert(8, AlertSeverity::Low, Some("acct-1"))], 5);

    let msgs = smtp.messages();
    let subjects: Vec<String> = msgs.iter().map(|m| subject(m)).collect();
    insta::assert_snapshot!("subjects", subjects.join("\n"));
    assert!(msgs[2].contains("alert-0002") && !msgs[2].contains("alert-0004"));
    assert!(msgs[3].contains("alert-0006") && msgs[3].contains("alert-0007"));
    assert!(
        msgs[3].contains("To: soc@example.org, oncall@example.org"),
        "{}",
        msgs[3]
    );
    insta::assert_snapshot!("medium_with_summary", stable(&msgs[2]));
}

/// SMTP down: the email waits in the spool and goes out when the server is up.
#[test]
fn email_retried_when_smtp_comes_up() {
    if !SmtpReceiver::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let state = dir.path().join("state");
    let clock = ManualClock::new(t0());
    let d = start(&toml(port), &state, &clock, &[]);
    d.send(&alert(1, AlertSeverity::High, Some("acct-1")));
    let report = d.close(in_secs(1));
    assert_eq!(report.sinks[0].left_in_spool, 1, "{report:?}");

    let smtp = SmtpReceiver::start_on(dir.path(), port).unwrap();
    let d = start(&toml(port), &state, &clock, &[]);
    let report = d.close(in_secs(15));
    assert!(report.all_delivered(), "{report:?}");
    assert!(one_message(&smtp).contains("alert-0001"));
}

/// STARTTLS (required) with AUTH against aiosmtpd presenting a certificate from a private
/// CA given as `ca_file`; with a wrong password nothing is sent (aiosmtpd answers a failed
/// AUTH by going silent, so the attempt ends at the timeout) and the alert stays spooled.
#[test]
fn starttls_with_auth_and_private_ca() {
    if !SmtpReceiver::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let port = free_port();
    let smtp = SmtpReceiver::start_with(
        dir.path(),
        port,
        Some((&cert, &key)),
        Some(("rampart", "pw-7=|x")),
    )
    .unwrap();
    let cfg = |pw_env: &str| {
        format!(
            "[retry]\ninitial_backoff_ms = 50\nmax_backoff_ms = 100\n\
             [[sink]]\nkind = \"email\"\nname = \"mail\"\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"starttls\"\n\
             username = \"rampart\"\npassword_env = \"{pw_env}\"\nca_file = {:?}\ntimeout_ms = 3000\n\
             from = \"rampart@example.org\"\nto = [\"soc@example.org\"]\n",
            cert.display().to_string()
        )
    };
    let clock = ManualClock::new(t0());
    let env = [("GOOD", "pw-7=|x"), ("BAD", "wrong")];

    let d = start(&cfg("BAD"), &dir.path().join("bad"), &clock, &env);
    d.send(&alert(1, AlertSeverity::High, Some("acct-1")));
    let report = d.close(in_secs(1));
    assert_eq!(report.sinks[0].left_in_spool, 1, "{report:?}");
    assert!(smtp.messages().is_empty());

    let d = start(&cfg("GOOD"), &dir.path().join("good"), &clock, &env);
    d.send(&alert(2, AlertSeverity::High, Some("acct-1")));
    let report = d.close(in_secs(15));
    assert!(report.all_delivered(), "{report:?}");
    assert!(one_message(&smtp).contains("alert-0002"));
}

/// Without the private CA, the server certificate is refused: nothing is sent.
#[test]
fn starttls_refuses_untrusted_certificate() {
    if !SmtpReceiver::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let port = free_port();
    let smtp = SmtpReceiver::start_with(dir.path(), port, Some((&cert, &key)), None).unwrap();
    let cfg = format!(
        "[retry]\ninitial_backoff_ms = 50\nmax_backoff_ms = 100\n\
         [[sink]]\nkind = \"email\"\nname = \"mail\"\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"starttls\"\n\
         from = \"rampart@example.org\"\nto = [\"soc@example.org\"]\n"
    );
    let clock = ManualClock::new(t0());
    let d = start(&cfg, &dir.path().join("state"), &clock, &[]);
    d.send(&alert(1, AlertSeverity::High, None));
    let report = d.close(in_secs(1));
    assert_eq!(report.sinks[0].left_in_spool, 1, "{report:?}");
    assert!(report.sinks[0].failed_attempts >= 1);
    assert!(smtp.messages().is_empty());
}

/// SMTPS (`security = "tls"`: TLS from the first byte) to aiosmtpd with a private CA.
#[test]
fn smtps_with_private_ca() {
    if !SmtpReceiver::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let port = free_port();
    let smtp =
        SmtpReceiver::start_mode(dir.path(), port, Some((&cert, &key)), None, "smtps").unwrap();
    let cfg = format!(
        "[[sink]]\nkind = \"email\"\nname = \"mail\"\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"tls\"\n\
         ca_file = {:?}\nfrom = \"rampart@example.org\"\nto = [\"soc@example.org\"]\n",
        cert.display().to_string()
    );
    let clock = ManualClock::new(t0());
    let d = start(&cfg, &dir.path().join("state"), &clock, &[]);
    d.send(&alert(1, AlertSeverity::High, None));
    let report = d.close(in_secs(15));
    assert!(report.all_delivered(), "{report:?}");
    assert!(one_message(&smtp).contains("alert-0001"));
}
