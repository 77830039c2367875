//! SARIF 2.1.0: one run; `tool.driver.rules` has one rule per recommendation, `results` one result
//! per Unhealthy resource. Cloud resources have no file, so each result is located by a
//! `logicalLocation` (`kind: "resource"`, `fullyQualifiedName` = the resource id).
//! `partialFingerprints["rampartFinding/v1"]` is a stable hash of (recommendation id, lower-cased
//! resource id), so code-scanning platforms track a finding across scans.

use std::io::Write;

use rampart_model::{Severity, Status};
use serde_json::{json, Value};

use crate::render::common::{finding_fingerprint, security_severity};
use crate::render::RenderOptions;
use crate::{Report, ReportError};

/// The `$schema` written into the log: the OASIS 2.1.0 (errata 01) schema.
pub const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn text_or(s: &str, fallback: &str) -> String {
    if s.trim().is_empty() {
        fallback.to_owned()
    } else {
        s.to_owned()
    }
}

/// The SARIF log as a JSON value.
pub(crate) fn to_value(report: &Report) -> Value {
    let rules: Vec<Value> = report
        .recommendations
        .iter()
        .map(|rec| {
            let mut tags = vec![Value::from("security")];
            tags.extend(rec.mcsb.iter().map(|m| Value::from(format!("MCSB/{m}"))));
            json!({
                "id": rec.id,
                "name": rec.title,
                "shortDescription": { "text": rec.title },
                "fullDescription": { "text": text_or(&rec.description, &rec.title) },
                "help": { "text": text_or(&rec.remediation, "No remediation text is available for this recommendation.") },
                "defaultConfiguration": { "level": level(rec.severity) },
                "properties": {
                    "severity": rec.severity.as_str(),
                    "security-severity": security_severity(rec.severity),
                    "control": rec.control,
                    "controls": rec.controls,
                    "mcsb": rec.mcsb,
                    "preview": rec.preview,
                    "custom": rec.custom,
                    "tags": tags,
                }
            })
        })
        .collect();

    let mut results = Vec::new();
    for (index, rec) in report.recommendations.iter().enumerate() {
        for res in rec
            .resources
            .iter()
            .filter(|r| r.status == Status::Unhealthy)
        {
            let message = match res.reason.as_deref() {
                Some(reason) if !reason.trim().is_empty() => {
                    format!("{} ({}): {reason}", rec.title, res.name)
                }
                _ => format!("{} ({})", rec.title, res.name),
            };
            let mut properties = json!({
                "scope": res.scope,
                "provider": res.provider.as_str(),
                "resourceType": res.resource_type,
                "resourceName": res.name,
            });
            if let Some(region) = &res.region {
                properties["region"] = Value::from(region.as_str());
            }
            if let Some(rg) = &res.resource_group {
                properties["resourceGroup"] = Value::from(rg.as_str());
            }
            results.push(json!({
                "ruleId": rec.id,
                "ruleIndex": index,
                "level": level(rec.severity),
                "kind": "fail",
                "message": { "text": message },
                "locations": [{
                    "logicalLocations": [{
                        "name": res.name,
                        "fullyQualifiedName": res.id,
                        "kind": "resource",
                    }]
                }],
                "partialFingerprints": { "rampartFinding/v1": finding_fingerprint(rec, res) },
                "properties": properties,
            }));
        }
    }

    let notifications: Vec<Value> = report
        .input
        .errors
        .iter()
        .map(|e| {
            let at = e
                .line
                .map_or_else(|| e.file.clone(), |l| format!("{}:{l}", e.file));
            json!({ "level": "warning", "message": { "text": format!("{at}: {}", e.message) } })
        })
        .collect();

    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": report.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": {
                "secureScore": {
                    "current": report.score.current,
                    "max": report.score.max,
                    "percentage": report.score.percentage,
                }
            }
        }]
    })
}

pub(crate) fn render(
    report: &Report,
    _options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report))
        .map_err(ReportError::json("sarif"))?;
    out.write_all(b"\n").map_err(ReportError::io("sarif"))
}
