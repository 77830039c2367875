//! rampart_alerts: grouping, entities, MITRE mapping, remediation, suppression.

mod entities;
mod grouping;
mod suppress;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use rampart_alerts::{EntityMap, ExtractedEntities, RuleInfo};

/// Fixed "now" for `time_generated`, so snapshots are stable.
pub(crate) fn generated() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

pub(crate) fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 7, 31, h, m, 0)
        .single()
        .expect("valid")
}

pub(crate) fn rule(id: &str, level: &str, tags: &[&str]) -> Arc<RuleInfo> {
    Arc::new(RuleInfo {
        id: id.into(),
        title: format!("Rule {id}"),
        description: Some(format!("Description of {id}")),
        level: Some(level.into()),
        status: Some("test".into()),
        author: Some("Jane Doe".into()),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        references: vec!["https://example.org/ref".into()],
        falsepositives: vec![],
        remediation: vec![],
        origin: "test.yml".into(),
        kind: "sigma".into(),
    })
}

/// Entities of a CloudTrail record by the built-in map.
pub(crate) fn cloudtrail_entities(raw: &str) -> ExtractedEntities {
    let v: serde_json::Value = serde_json::from_str(raw).expect("json");
    EntityMap::builtin().extract("aws_cloudtrail", &|p| rampart_alerts::json_lookup(&v, p))
}

pub(crate) fn ct_event(user: &str, ip: &str, time: DateTime<Utc>) -> String {
    serde_json::json!({
        "eventTime": time.to_rfc3339(),
        "eventName": "StopLogging",
        "eventSource": "cloudtrail.amazonaws.com",
        "sourceIPAddress": ip,
        "recipientAccountId": "143434273843",
        "requestParameters": {"name": "main-trail"},
        "userIdentity": {
            "type": "IAMUser",
            "arn": format!("arn:aws:iam::143434273843:user/{user}"),
            "userName": user,
            "accountId": "143434273843"
        }
    })
    .to_string()
}
