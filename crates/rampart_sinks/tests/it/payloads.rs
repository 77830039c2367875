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

/// Splits a CEF line into its 7 header fields and extension pairs, unescaping as the
/// spec says: a reader's view, written independently of the formatter.
fn parse_cef(line: &str) -> (Vec<String>, Vec<(String, String)>) {
    let mut header = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars();
    while header.len() < 7 {
        match chars.next() {
            Some('\\') => cur.push(chars.next().expect("dangling escape in header")),
            Some('|') => header.push(std::mem::take(&mut cur)),
            Some(c) => cur.push(c),
            None => panic!("short header: {line}"),
        }
    }
    let ext: Vec<char> = chars.collect();
    // Positions of unescaped '=': each ends a key that starts after the previous space.
    let mut pairs = Vec::new();
    let mut i = 0;
    let mut key_start = 0;
    let mut pending: Option<(String, usize)> = None;
    while i < ext.len() {
        match ext[i] {
            '\\' => i += 2,
            '=' => {
                let ks = ext[..i]
                    .iter()
                    .rposition(|&c| c == ' ')
                    .map_or(key_start, |p| p + 1);
                if let Some((k, vs)) = pending.take() {
                    pairs.push((k, unescape(&ext[vs..ks.saturating_sub(1)])));
                }
                let key: String = ext[ks..i].iter().collect();
                assert!(
                    key.chars().all(|c| c.is_ascii_alphanumeric()),
                    "bad key {key:?} in {line}"
                );
                pending = Some((key, i + 1));
                key_start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    if let Some((k, vs)) = pending {
        pairs.push((k, unescape(&ext[vs..])));
    }
    (header, pairs)
}

fn unescape(v: &[char]) -> String {
    let mut out = String::new();
    let mut it = v.iter();
    while let Some(&c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(&o) => out.push(o),
                None => panic!("dangling escape"),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// What the formatter promises to keep: control characters other than CR/LF become spaces.
fn expected_text(s: &str, keep_breaks: bool) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\r' if keep_breaks => c,
            c if c.is_ascii_control() => ' ',
            c => c,
        })
        .collect()
}

proptest::proptest! {
    /// Whatever the strings, a CEF line is one line whose fields read back as written.
    #[test]
    fn cef_round_trips_arbitrary_text(
        name in "\\PC*|[|\\\\=\n\r\t\u{0}\u{1b} a-z]{0,40}",
        desc in "\\PC*|[|\\\\=\n\r\t\u{0}\u{1b} a-z]{0,40}",
        user in "[|\\\\= a-z]{1,20}",
        scope in "[|\\\\=\n a-z0-9]{1,20}",
    ) {
        let mut a = crate::common::alert(1, AlertSeverity::Low, Some(&scope));
        a.display_name = name.clone();
        a.description = desc.clone();
        a.entities = vec![rampart_alerts::Entity::Account { name: user.clone(), domain: None }];
        let line = rampart_alerts::cef::format(&a);
        proptest::prop_assert!(!line.contains('\n') && !line.contains('\r'));
        let (header, ext) = parse_cef(&line);
        proptest::prop_assert_eq!(&header[5], &expected_text(&name, false));
        proptest::prop_assert_eq!(&header[6], "3");
        let get = |k: &str| ext.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        if desc.is_empty() {
            proptest::prop_assert_eq!(get("msg"), None);
        } else {
            proptest::prop_assert_eq!(get("msg"), Some(expected_text(&desc, true)));
        }
        proptest::prop_assert_eq!(get("suser"), Some(user.clone()));
        proptest::prop_assert_eq!(get("cs4"), Some(scope.clone()));
        proptest::prop_assert_eq!(get("cs4Label"), Some("scope".to_owned()));
    }
}
