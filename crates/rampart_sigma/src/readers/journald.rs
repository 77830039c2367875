//! journald's JSON export (`journalctl -o json`, one entry per line; see
//! <https://systemd.io/JOURNAL_EXPORT_FORMATS/#journal-json-format>) read into the same
//! [`HostRecord`] as syslog lines, so sshd / sudo / su detections see both alike.
//!
//! Fields used: `MESSAGE` (a string, or an array of bytes when not valid UTF-8, or null),
//! `SYSLOG_IDENTIFIER` (else `_COMM`) as the program, `SYSLOG_PID` (else `_PID`),
//! `_HOSTNAME`, `__REALTIME_TIMESTAMP` (microseconds since the epoch, a string).

use std::borrow::Cow;

use chrono::{TimeZone, Utc};
use serde::Deserialize;

use super::syslog::{parse_message, HostRecord};

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "MESSAGE", default)]
    message: Option<serde_json::Value>,
    #[serde(rename = "SYSLOG_IDENTIFIER", default)]
    identifier: Option<serde_json::Value>,
    #[serde(rename = "_COMM", default)]
    comm: Option<serde_json::Value>,
    #[serde(rename = "SYSLOG_PID", default)]
    syslog_pid: Option<serde_json::Value>,
    #[serde(rename = "_PID", default)]
    pid: Option<serde_json::Value>,
    #[serde(rename = "_HOSTNAME", default)]
    hostname: Option<serde_json::Value>,
    #[serde(rename = "__REALTIME_TIMESTAMP", default)]
    realtime: Option<serde_json::Value>,
}

/// A journald field as text: strings as they are, byte arrays decoded lossily (journald
/// writes non-UTF-8 values that way), numbers as their text.
fn text(v: Option<serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Array(items) => {
            let bytes: Option<Vec<u8>> = items
                .iter()
                .map(|b| b.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect();
            bytes.map(|b| String::from_utf8_lossy(&b).into_owned())
        }
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Parses one `journalctl -o json` line.
pub fn parse_journald_line(line: &str) -> Result<HostRecord<'static>, String> {
    let e: Entry = serde_json::from_str(line).map_err(|e| format!("invalid journald JSON: {e}"))?;
    let timestamp = text(e.realtime)
        .map(|t| {
            t.trim()
                .parse::<i64>()
                .ok()
                .and_then(|us| Utc.timestamp_micros(us).single())
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                .ok_or_else(|| format!("invalid __REALTIME_TIMESTAMP {t:?}"))
        })
        .transpose()?;
    let mut rec = HostRecord {
        timestamp,
        host: text(e.hostname).map(Cow::Owned),
        program: text(e.identifier).or_else(|| text(e.comm)).map(Cow::Owned),
        pid: text(e.syslog_pid).or_else(|| text(e.pid)).map(Cow::Owned),
        message: Cow::Owned(text(e.message).unwrap_or_default()),
        ..HostRecord::default()
    };
    parse_message(&mut rec);
    Ok(rec)
}
