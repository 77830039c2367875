//! Delivery of each kind to a real receiver, exact payloads, min severity.

use std::time::Duration;

use rampart_alerts::{Alert, AlertSeverity};
use rampart_sinks::ManualClock;

use crate::common::{
    alert, hostile_alert, t0, tls_server, tls_server_ip, wait_until, Auth, HttpReceiver, HttpsHec,
    SyslogReceiver,
};
use crate::{in_secs, start};

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn jsonl_appends_one_alert_per_line_above_min_severity() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out/alerts.jsonl");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    // A line already there stays (append, not truncate).
    std::fs::write(&out, "{\"earlier\":true}\n").unwrap();
    let toml = format!(
        "[[sink]]\nkind = \"jsonl\"\nname = \"file\"\npath = {:?}\nmin_severity = \"low\"\n",
        out.display().to_string()
    );
    let clock = ManualClock::new(t0());
    let d = start(&toml, &dir.path().join("state"), &clock, &[]);
    let sent = [
        alert(1, AlertSeverity::High, Some("123456789012")),
        alert(2, AlertSeverity::Informational, None), // below min severity
        hostile_alert(),
        alert(3, AlertSeverity::Low, None),
    ];
    for a in &sent {
        d.send(a);
    }
    let report = d.close(in_secs(10));
    assert!(report.all_delivered(), "{report:?}");
    assert_eq!(
        report.to_string(),
        "file: 3 delivered, 0 failed attempt(s), 0 spooled, 0 left in spool, 0 lost\n"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("{\"earlier\":true}"));
    let got: Vec<Alert> = lines.map(|l| serde_json::from_str(l).unwrap()).collect();
    let want: Vec<Alert> = sent
        .iter()
        .filter(|a| a.severity >= AlertSeverity::Low)
        .cloned()
        .collect();
    assert_eq!(got, want);
}

/// Sends the same alerts over one transport and returns what the receiver got, with the
/// PROCID (this process id) checked and replaced by `PID`.
fn syslog_roundtrip(transport: &str, rx: &SyslogReceiver, extra: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[[sink]]\nkind = \"syslog\"\nname = \"siem\"\ntransport = \"{transport}\"\naddress = \"{}\"\n\
         facility = \"local4\"\nhostname = \"ids-01\"\nmin_severity = \"low\"\n{extra}",
        rx.addr
    );
    let clock = ManualClock::new(t0());
    let d = start(&toml, dir.path(), &clock, &[]);
    let sent = [
        alert(1, AlertSeverity::High, Some("123456789012")),
        alert(2, AlertSeverity::Informational, None), // below min severity
        hostile_alert(),
    ];
    for a in &sent {
        d.send(a);
    }
    assert!(
        wait_until(WAIT, || rx.messages().len() >= 2),
        "{transport}: {:?}",
        rx.messages()
    );
    let report = d.close(in_secs(10));
    assert!(report.all_delivered(), "{report:?}");
    std::thread::sleep(Duration::from_millis(100));
    let got = rx.messages();
    let want: Vec<String> = [&sent[0], &sent[2]]
        .iter()
        .map(|a| rampart_sinks::syslog_message(a, 20, "ids-01", "rampart", std::process::id()))
        .collect();
    assert_eq!(got, want, "{transport}");
    let pid = format!(" {} alert ", std::process::id());
    got.iter()
        .map(|m| m.replacen(&pid, " PID alert ", 1))
        .collect()
}

#[test]
fn syslog_udp_tcp_tls_deliver_rfc5424_cef() {
    let udp = syslog_roundtrip("udp", &SyslogReceiver::udp(), "");
    let tcp = syslog_roundtrip("tcp", &SyslogReceiver::stream(None), "");
    let dir = tempfile::tempdir().unwrap();
    let (server, ca_pem) = tls_server();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let tls = syslog_roundtrip(
        "tls",
        &SyslogReceiver::stream(Some(server)),
        &format!(
            "server_name = \"localhost\"\nca_file = {:?}\n",
            ca.display().to_string()
        ),
    );
    assert_eq!(udp, tcp);
    assert_eq!(udp, tls);
    insta::assert_snapshot!(udp.join("\n"));
}

/// A TLS server whose certificate the client does not trust gets nothing; the alert
/// stays in the spool.
#[test]
fn syslog_tls_refuses_untrusted_certificate() {
    let (server, _) = tls_server();
    let rx = SyslogReceiver::stream(Some(server));
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[retry]\ninitial_backoff_ms = 20\nmax_backoff_ms = 40\n\
         [[sink]]\nkind = \"syslog\"\nname = \"siem\"\ntransport = \"tls\"\naddress = \"{}\"\nserver_name = \"localhost\"\n",
        rx.addr
    );
    let clock = ManualClock::new(t0());
    let d = start(&toml, dir.path(), &clock, &[]);
    d.send(&alert(1, AlertSeverity::High, None));
    let report = d.close(in_secs(1));
    assert_eq!(report.sinks[0].delivered, 0);
    assert_eq!(report.sinks[0].left_in_spool, 1);
    assert!(report.sinks[0].failed_attempts >= 1);
    assert!(rx.messages().is_empty());
}

#[test]
fn webhook_posts_signed_json() {
    let key = "whk_5ecret=|\\";
    let rx = HttpReceiver::start(0, Auth::Hmac(key.as_bytes().to_vec()));
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[[sink]]\nkind = \"webhook\"\nname = \"hook\"\nurl = \"http://127.0.0.1:{}/rampart\"\nsecret_env = \"HOOK_KEY\"\n",
        rx.port
    );
    let clock = ManualClock::new(t0());
    let d = start(&toml, dir.path(), &clock, &[("HOOK_KEY", key)]);
    let a = hostile_alert();
    d.send(&a);
    let report = d.close(in_secs(10));
    assert!(report.all_delivered(), "{report:?}");
    let got = rx.accepted();
    assert_eq!(got.len(), 1);
    assert!(rx.rejected.lock().unwrap().is_empty());
    let r = &got[0];
    assert_eq!(r.path, "/rampart");
    assert_eq!(r.body, serde_json::to_string(&a).unwrap());
    let shown: Vec<String> = [
        "content-type",
        "x-rampart-alert-id",
        "x-rampart-signature",
        "x-rampart-timestamp",
    ]
    .iter()
    .map(|h| format!("{h}: {}", r.headers[*h]))
    .collect();
    insta::assert_snapshot!(shown.join("\n"));

    // The receiver-side check documented in docs/sinks.md, run as written.
    assert!(documented_python_verify(key, r, &r.body));
    assert!(!documented_python_verify(
        key,
        r,
        &r.body.replace("Medium", "Low")
    ));
    assert!(!documented_python_verify("other key", r, &r.body));
}

/// Runs the Python `verify` function of docs/sinks.md on a received request.
fn documented_python_verify(key: &str, r: &crate::common::Request, body: &str) -> bool {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/sinks.md"))
        .unwrap();
    let snippet = doc
        .split("```python\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a python block in docs/sinks.md");
    let script = format!(
        "{snippet}\nimport sys\nh = {{'X-Rampart-Timestamp': sys.argv[2], 'X-Rampart-Signature': sys.argv[3]}}\n\
         print(verify(sys.argv[1].encode(), h, sys.argv[4].encode(), tolerance=10**12))\n"
    );
    let out = std::process::Command::new("python3")
        .args(["-c", &script, key])
        .arg(&r.headers["x-rampart-timestamp"])
        .arg(&r.headers["x-rampart-signature"])
        .arg(body)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    match String::from_utf8(out.stdout).unwrap().trim() {
        "True" => true,
        "False" => false,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn splunk_hec_posts_event_envelope_with_token() {
    let rx = HttpReceiver::start(0, Auth::Hec("0b6e2a4c-hec-token".into()));
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[[sink]]\nkind = \"splunk_hec\"\nname = \"splunk\"\nurl = \"http://127.0.0.1:{}/\"\ntoken_env = \"HEC\"\n\
         index = \"security\"\nhost = \"ids-01\"\nmin_severity = \"medium\"\n",
        rx.port
    );
    let clock = ManualClock::new(t0());
    let d = start(&toml, dir.path(), &clock, &[("HEC", "0b6e2a4c-hec-token")]);
    let a = alert(1, AlertSeverity::High, Some("123456789012"));
    d.send(&a);
    d.send(&alert(2, AlertSeverity::Low, None)); // below min severity
    let report = d.close(in_secs(10));
    assert!(report.all_delivered(), "{report:?}");
    let got = rx.accepted();
    assert_eq!(got.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(
        body,
        rampart_sinks::hec_envelope(&a, "ids-01", "rampart", "rampart:alert", Some("security"))
    );
    assert_eq!(body["event"], serde_json::to_value(&a).unwrap());
    assert_eq!(body["time"], serde_json::json!(1_796_000_560.0));
}

/// A TCP syslog receiver that restarts (closing the sink's connection) still gets the
/// next alerts: the sink notices the closed connection and reconnects, nothing is lost.
#[test]
fn syslog_tcp_reconnects_after_receiver_restart() {
    let first = SyslogReceiver::stream(None);
    let addr = first.addr;
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[retry]\ninitial_backoff_ms = 20\nmax_backoff_ms = 40\n\
         [[sink]]\nkind = \"syslog\"\nname = \"siem\"\ntransport = \"tcp\"\naddress = \"{addr}\"\nhostname = \"ids-01\"\n"
    );
    let clock = ManualClock::new(t0());
    let d = start(&toml, dir.path(), &clock, &[]);
    d.send(&alert(1, AlertSeverity::High, None));
    assert!(wait_until(WAIT, || first.messages().len() == 1));
    drop(first);
    let second = SyslogReceiver::stream_on(None, addr.port());
    for n in 2..5 {
        d.send(&alert(n, AlertSeverity::High, None));
    }
    assert!(
        wait_until(WAIT, || second.messages().len() >= 3),
        "{:?}",
        second.messages()
    );
    let report = d.close(in_secs(10));
    assert!(report.all_delivered(), "{report:?}");
    let ids: Vec<bool> = (2..5)
        .map(|n| {
            second
                .messages()
                .iter()
                .any(|m| m.contains(&format!("externalId=alert-{n:04} ")))
        })
        .collect();
    assert_eq!(ids, [true, true, true]);
}

/// HEC over https with Splunk's usual self-signed certificate: trusted through `ca_file`,
/// refused without it (the alert stays spooled).
#[test]
fn splunk_hec_over_https_with_private_ca() {
    let (server, ca_pem) = tls_server_ip();
    let rx = HttpsHec::start(server, "tok-1");
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("splunk-ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let toml = |extra: &str| {
        format!(
            "[retry]\ninitial_backoff_ms = 20\nmax_backoff_ms = 40\n\
             [[sink]]\nkind = \"splunk_hec\"\nname = \"splunk\"\nurl = \"https://127.0.0.1:{}\"\ntoken = \"tok-1\"\nhost = \"ids-01\"\n{extra}",
            rx.port
        )
    };
    let clock = ManualClock::new(t0());
    let a = alert(1, AlertSeverity::High, None);

    let d = start(&toml(""), &dir.path().join("untrusted"), &clock, &[]);
    d.send(&a);
    let report = d.close(in_secs(1));
    assert_eq!(report.sinks[0].left_in_spool, 1, "{report:?}");
    assert!(rx.bodies.lock().unwrap().is_empty());

    let d = start(
        &toml(&format!("ca_file = {:?}\n", ca.display().to_string())),
        &dir.path().join("trusted"),
        &clock,
        &[],
    );
    d.send(&a);
    let report = d.close(in_secs(10));
    assert!(report.all_delivered(), "{report:?}");
    let bodies = rx.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(
        body,
        rampart_sinks::hec_envelope(&a, "ids-01", "rampart", "rampart:alert", None)
    );
}
