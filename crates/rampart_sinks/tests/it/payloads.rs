//! Exact payloads, independent of transport: CEF, the RFC 5424 message, HEC envelope,
//! webhook signature.

use rampart_alerts::AlertSeverity;

use crate::common::{alert, hostile_alert};

#[test]
fn cef_lines() {
    let lines = [
        rampart_alerts::cef::format(&alert(1, AlertSeverity::High, Some("123456789012"))),
        rampart_alerts::cef::format(&alert(2, AlertSeverity::Informational, None)),
        rampart_alerts::cef::format(&hostile_alert()),
    ];
    for l in &lines {
        assert!(
            !l.contains('\n') && !l.contains('\r') && !l.contains('\u{1b}'),
            "{l}"
        );
    }
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn syslog_rfc5424_message() {
    let msgs = [
        rampart_sinks::syslog_message(
            &alert(1, AlertSeverity::High, Some("123456789012")),
            4,
            "ids-01",
            "rampart",
            4242,
        ),
        rampart_sinks::syslog_message(
            &alert(2, AlertSeverity::Low, None),
            20,
            "host with space",
            "",
            1,
        ),
    ];
    insta::assert_snapshot!(msgs.join("\n"));
}

#[test]
fn hec_envelope() {
    let env = rampart_sinks::hec_envelope(
        &alert(1, AlertSeverity::High, Some("123456789012")),
        "ids-01",
        "rampart",
        "rampart:alert",
        Some("security"),
    );
    insta::assert_json_snapshot!(env);
}

/// The signature against Python's `hmac` module, an implementation independent of ours.
#[test]
fn webhook_signature_is_hmac_sha256_of_timestamp_dot_body() {
    assert_eq!(
        rampart_sinks::webhook_signature(b"key", 1_700_000_000, b"{}"),
        format!("sha256={}", python_hmac("key", "1700000000.{}"))
    );
    let body = r#"{"display_name":"x=y|z"}"#;
    assert_eq!(
        rampart_sinks::webhook_signature(b"s3cr3t=|k\\ey", 1_796_000_400, body.as_bytes()),
        format!(
            "sha256={}",
            python_hmac("s3cr3t=|k\\ey", &format!("1796000400.{body}"))
        )
    );
}

/// HMAC-SHA256 by Python's standard library, an implementation independent of ours.
fn python_hmac(key: &str, msg: &str) -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import hmac,hashlib,sys;print(hmac.new(sys.argv[1].encode(),sys.argv[2].encode(),hashlib.sha256).hexdigest())",
            key,
            msg,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}
