//! ArcSight Common Event Format (CEF:0) rendering of an [`Alert`]: the payload of the
//! syslog sinks and of `rampart detect --format cef`. Pure: one alert in, one line out.
//!
//! Layout (ArcSight "Implementing CEF", rev. 25):
//!
//! ```text
//! CEF:0|<vendor>|<product>|<version>|<alert_type>|<display_name>|<severity 0-10>|<extension>
//! ```
//!
//! Escaping invariants, which keep one alert on one line whatever the input holds:
//! - header fields: `\` becomes `\\` and `|` becomes `\|`; CR and LF (not allowed in the
//!   header) become a space;
//! - extension values: `\` becomes `\\`, `=` becomes `\=`, LF becomes `\n`, CR becomes `\r`
//!   (`|` needs no escape there);
//! - in both, the other C0 control characters and DEL become a space, so a hostile log
//!   line cannot inject terminal escapes or syslog framing bytes.
//!
//! Severity: Informational 1, Low 3, Medium 5, High 8 (CEF's bands: 0–3 low, 4–6 medium,
//! 7–8 high, 9–10 very high; Defender has no "very high").
//!
//! Extension keys, in this order, each present only when the alert has the value:
//! `rt` (time generated), `start`, `end` (milliseconds since the epoch), `cnt`, `msg`
//! (description), `act` (status), `reason` (status reason), `externalId` (system alert
//! id), `cat` (log source), `src` (first IP entity that parses as an address), `suser`
//! (first account, `domain\name` when it has a domain), `dhost` (first host), and the
//! custom strings with their labels: `cs1` ruleId, `cs2` tactics, `cs3` techniques
//! (techniques then sub-techniques, comma-separated), `cs4` scope, `cs5`
//! compromisedEntity, `cs6` resourceId (first resource entity). Entities beyond the first
//! of each kind are in the JSON sinks, not here.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::{Alert, AlertSeverity, Entity};

/// The Device Version header field.
const DEVICE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// CEF severity (0–10) of a Defender severity.
pub fn severity(sev: AlertSeverity) -> u8 {
    match sev {
        AlertSeverity::Informational => 1,
        AlertSeverity::Low => 3,
        AlertSeverity::Medium => 5,
        AlertSeverity::High => 8,
    }
}

/// The alert as one CEF:0 line, without a trailing newline.
pub fn format(alert: &Alert) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("CEF:0|");
    for field in [
        alert.vendor_name.as_str(),
        alert.product_name.as_str(),
        DEVICE_VERSION,
        alert.alert_type.as_str(),
        alert.display_name.as_str(),
    ] {
        push_header(&mut out, field);
        out.push('|');
    }
    let _ = write!(out, "{}|", severity(alert.severity));

    let mut ext = Extension { out, first: true };
    ext.raw("rt", &alert.time_generated.timestamp_millis().to_string());
    ext.raw("start", &alert.start_time.timestamp_millis().to_string());
    ext.raw("end", &alert.end_time.timestamp_millis().to_string());
    ext.raw("cnt", &alert.count.to_string());
    ext.opt("msg", Some(alert.description.as_str()));
    ext.raw("act", status_str(alert));
    ext.opt("reason", alert.status_reason.as_deref());
    ext.opt("externalId", Some(alert.system_alert_id.as_str()));
    ext.opt("cat", Some(alert.log_source.as_str()));

    let src = alert.entities.iter().find_map(|e| match e {
        Entity::Ip { address } => address.trim().parse::<IpAddr>().ok(),
        _ => None,
    });
    if let Some(ip) = src {
        ext.raw("src", &ip.to_string());
    }
    let suser = alert.entities.iter().find_map(|e| match e {
        Entity::Account { name, domain } => Some(match domain {
            Some(d) if !d.is_empty() => format!("{d}\\{name}"),
            _ => name.clone(),
        }),
        _ => None,
    });
    ext.opt("suser", suser.as_deref());
    let dhost = alert.entities.iter().find_map(|e| match e {
        Entity::Host { hostname } => Some(hostname.as_str()),
        _ => None,
    });
    ext.opt("dhost", dhost);

    let tactics = alert
        .tactics
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(",");
    let techniques = alert
        .techniques
        .iter()
        .chain(&alert.sub_techniques)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(",");
    let resource = alert.entities.iter().find_map(|e| match e {
        Entity::Resource { id, .. } => Some(id.as_str()),
        _ => None,
    });
    ext.custom(1, "ruleId", Some(alert.rule_id.as_str()));
    ext.custom(2, "tactics", Some(tactics.as_str()));
    ext.custom(3, "techniques", Some(techniques.as_str()));
    ext.custom(4, "scope", alert.scope.as_deref());
    ext.custom(5, "compromisedEntity", alert.compromised_entity.as_deref());
    ext.custom(6, "resourceId", resource);
    ext.out
}

fn status_str(alert: &Alert) -> &'static str {
    match alert.status {
        crate::AlertStatus::Active => "Active",
        crate::AlertStatus::InProgress => "InProgress",
        crate::AlertStatus::Resolved => "Resolved",
        crate::AlertStatus::Dismissed => "Dismissed",
    }
}

struct Extension {
    out: String,
    first: bool,
}

impl Extension {
    /// `key=value` with `value` already known to need no escaping (numbers, fixed words).
    fn raw(&mut self, key: &str, value: &str) {
        self.sep();
        self.out.push_str(key);
        self.out.push('=');
        self.out.push_str(value);
    }

    /// `key=value` escaped; absent or empty values are left out.
    fn opt(&mut self, key: &str, value: Option<&str>) {
        let Some(v) = value.filter(|v| !v.is_empty()) else {
            return;
        };
        self.sep();
        self.out.push_str(key);
        self.out.push('=');
        push_ext_value(&mut self.out, v);
    }

    /// `csN=value csNLabel=label`, only when the value is present and non-empty.
    fn custom(&mut self, n: u8, label: &str, value: Option<&str>) {
        if value.is_none_or(str::is_empty) {
            return;
        }
        self.opt(&format!("cs{n}"), value);
        self.raw(&format!("cs{n}Label"), label);
    }

    fn sep(&mut self) {
        if !self.first {
            self.out.push(' ');
        }
        self.first = false;
    }
}

/// Appends a header field: `\` and `|` escaped, line breaks and other controls as spaces.
fn push_header(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            c if c.is_ascii_control() => out.push(' '),
            c => out.push(c),
        }
    }
}

/// Appends an extension value: `\`, `=` escaped, CR/LF as `\r`/`\n`, other controls as spaces.
fn push_ext_value(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '=' => out.push_str("\\="),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_ascii_control() => out.push(' '),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::{AlertStatus, Evidence, Intent};

    fn alert() -> Alert {
        let t = |s: i64| Utc.timestamp_opt(1_700_000_000 + s, 0).single().unwrap();
        Alert {
            alert_type: "Rampart_Sigma_4ad1c8d5".into(),
            system_alert_id: "9f2c1e".into(),
            rule_id: "4ad1c8d5-0000-4000-8000-000000000001".into(),
            display_name: "CloudTrail logging stopped".into(),
            description: "StopLogging was called on a trail.".into(),
            severity: AlertSeverity::High,
            tactics: vec![Intent::DefenseEvasion],
            techniques: vec!["T1562".into()],
            sub_techniques: vec!["T1562.008".into()],
            start_time: t(0),
            end_time: t(60),
            time_generated: t(120),
            count: 3,
            entities: vec![
                Entity::Account {
                    name: "alice".into(),
                    domain: None,
                },
                Entity::Ip {
                    address: "203.0.113.7".into(),
                },
                Entity::Resource {
                    id: "arn:aws:cloudtrail:us-east-1:123456789012:trail/main".into(),
                    provider: Some("aws".into()),
                },
            ],
            compromised_entity: Some("alice".into()),
            remediation_steps: vec!["Restart logging".into()],
            status: AlertStatus::Active,
            status_reason: None,
            evidence: vec![Evidence {
                source: "x.json:1".into(),
                time: None,
                event: "{}".into(),
            }],
            correlation_key: "k".into(),
            scope: Some("123456789012".into()),
            log_source: "aws_cloudtrail".into(),
            product_name: "Rampart".into(),
            vendor_name: "Rampart".into(),
            extended_properties: BTreeMap::new(),
        }
    }

    #[test]
    fn full_alert_line() {
        assert_eq!(
            format(&alert()),
            format!(
                "CEF:0|Rampart|Rampart|{DEVICE_VERSION}|Rampart_Sigma_4ad1c8d5|CloudTrail logging stopped|8|\
                 rt=1700000120000 start=1700000000000 end=1700000060000 cnt=3 \
                 msg=StopLogging was called on a trail. act=Active externalId=9f2c1e cat=aws_cloudtrail \
                 src=203.0.113.7 suser=alice \
                 cs1=4ad1c8d5-0000-4000-8000-000000000001 cs1Label=ruleId \
                 cs2=DefenseEvasion cs2Label=tactics cs3=T1562,T1562.008 cs3Label=techniques \
                 cs4=123456789012 cs4Label=scope cs5=alice cs5Label=compromisedEntity \
                 cs6=arn:aws:cloudtrail:us-east-1:123456789012:trail/main cs6Label=resourceId"
            )
        );
    }

    #[test]
    fn hostile_header_fields_are_escaped() {
        let mut a = alert();
        a.vendor_name = "Ev|l\\Vendor".into();
        a.display_name = "name|with|pipes\\and\r\nnewline=eq\x1b[31m".into();
        let line = format(&a);
        assert!(
            line.starts_with(&format!(
                "CEF:0|Ev\\|l\\\\Vendor|Rampart|{DEVICE_VERSION}|Rampart_Sigma_4ad1c8d5|\
                 name\\|with\\|pipes\\\\and  newline=eq [31m|8|rt="
            )),
            "{line}"
        );
        assert!(!line.contains('\n') && !line.contains('\r') && !line.contains('\x1b'));
    }

    #[test]
    fn hostile_extension_values_are_escaped() {
        let mut a = alert();
        a.description = "a=b\\c\nd\re|f cs1=forged\0".into();
        a.entities = vec![
            Entity::Ip {
                address: "not an ip=1".into(),
            },
            Entity::Ip {
                address: " 2001:db8::1 ".into(),
            },
            Entity::Account {
                name: "svc".into(),
                domain: Some("CORP".into()),
            },
            Entity::Host {
                hostname: "web=01".into(),
            },
        ];
        a.scope = Some(String::new());
        a.status = AlertStatus::Dismissed;
        a.status_reason = Some("rule x".into());
        let line = format(&a);
        let ext = line.splitn(8, '|').nth(7).unwrap();
        assert_eq!(
            ext,
            "rt=1700000120000 start=1700000000000 end=1700000060000 cnt=3 \
             msg=a\\=b\\\\c\\nd\\re|f cs1\\=forged  act=Dismissed reason=rule x externalId=9f2c1e \
             cat=aws_cloudtrail src=2001:db8::1 suser=CORP\\\\svc dhost=web\\=01 \
             cs1=4ad1c8d5-0000-4000-8000-000000000001 cs1Label=ruleId \
             cs2=DefenseEvasion cs2Label=tactics cs3=T1562,T1562.008 cs3Label=techniques \
             cs5=alice cs5Label=compromisedEntity"
        );
    }

    #[test]
    fn severity_bands() {
        assert_eq!(severity(AlertSeverity::Informational), 1);
        assert_eq!(severity(AlertSeverity::Low), 3);
        assert_eq!(severity(AlertSeverity::Medium), 5);
        assert_eq!(severity(AlertSeverity::High), 8);
    }
}
