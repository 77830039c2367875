//! SARIF 2.1.0: one run; `tool.driver.rules` has one rule per recommendation, `results` one result
//! per Unhealthy resource, except that a result with sub-assessments (vulnerability findings) becomes
//! one result per finding, as code-scanning platforms expect of vulnerability scanners (one alert per
//! advisory and package, each with its own fingerprint, level from the finding's severity and
//! `security-severity` from its CVSS score); ignored findings are results with an external
//! `suppression` carrying the ignore rule's reason, so platforms show them as dismissed. Cloud resources have no file, so each result is located by a
//! `logicalLocation` (`kind: "resource"`, `fullyQualifiedName` = the resource id).
//! `partialFingerprints["rampartFinding/v1"]` is a stable hash of (recommendation id, lower-cased
//! resource id), so code-scanning platforms track a finding across scans.

use std::io::Write;

use rampart_model::{FindingSeverity, Severity, Status, SubAssessment};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Value};

use crate::render::common::{
    finding_fingerprint, finding_security_severity, security_severity, sub_fingerprint,
};
use crate::render::RenderOptions;
use crate::{RecommendationReport, Report, ReportError, ResourceResultView};

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

/// The SARIF log as a JSON value, except `runs[0].results`, which is `null` here and streamed by
/// [`render`].
fn skeleton(report: &Report) -> Value {
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

    // Filled in while writing (see `Splice`): the results are streamed, never held.
    let results = Value::Null;

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

/// One SARIF result: `rec` (at `index` in the rules) failed on `res`.
fn result(index: usize, rec: &RecommendationReport, res: &ResourceResultView<'_>) -> Value {
    let message = match res.reason {
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
    if let Some(region) = res.region {
        properties["region"] = Value::from(region);
    }
    if let Some(rg) = res.resource_group {
        properties["resourceGroup"] = Value::from(rg);
    }
    json!({
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
    })
}

fn finding_level(s: FindingSeverity) -> &'static str {
    match s {
        FindingSeverity::Critical | FindingSeverity::High => "error",
        FindingSeverity::Medium => "warning",
        FindingSeverity::Low | FindingSeverity::Unknown => "note",
    }
}

/// One SARIF result per vulnerability finding `sub` of `res` under `rec`.
fn finding_result(
    index: usize,
    rec: &RecommendationReport,
    res: &ResourceResultView<'_>,
    sub: &SubAssessment,
) -> Value {
    let d = &sub.additional_data;
    let fix = d.fixed_version.as_deref().map_or_else(
        || "no fix available".to_owned(),
        |v| format!("fixed in {v}"),
    );
    let message = format!(
        "{} in {} {} ({fix}) on {}: {}",
        sub.id, d.package_name, d.version, res.name, sub.display_name
    );
    let mut result = result(index, rec, res);
    result["level"] = Value::from(finding_level(sub.severity));
    result["message"] = json!({ "text": message });
    result["partialFingerprints"] = json!({ "rampartFinding/v1": sub_fingerprint(rec, res, sub) });
    result["properties"]["security-severity"] = Value::from(finding_security_severity(sub));
    result["properties"]["subAssessment"] = serde_json::to_value(sub).unwrap_or(Value::Null);
    if !sub.counts() {
        result["suppressions"] = json!([{
            "kind": "external",
            "justification": sub.status.description.as_deref().unwrap_or("ignored"),
        }]);
    }
    result
}

/// The SARIF results of one recommendation result: none unless Unhealthy (or Healthy with only
/// ignored findings); one per finding when it has sub-assessments, else one.
fn results_of<'a>(
    index: usize,
    rec: &'a RecommendationReport,
    res: ResourceResultView<'a>,
) -> Vec<Value> {
    if res.sub_assessments.is_empty() {
        if res.status == Status::Unhealthy {
            return vec![result(index, rec, &res)];
        }
        return Vec::new();
    }
    if res.status == Status::NotApplicable {
        return Vec::new();
    }
    res.sub_assessments
        .iter()
        .map(|sub| finding_result(index, rec, &res, sub))
        .collect()
}

/// Every result of the log, built one at a time as the serializer asks for them.
struct Results<'a>(&'a Report);

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        s.collect_seq(
            report
                .recommendations
                .iter()
                .enumerate()
                .flat_map(move |(index, rec)| {
                    let side = !rec.sub_assessments.is_empty();
                    rec.resources
                        .iter()
                        .enumerate()
                        .filter(move |(_, e)| e.status == Status::Unhealthy || side)
                        .flat_map(move |(i, e)| {
                            let view = if side {
                                report.result_in(rec, i).unwrap_or_else(|| report.result(e))
                            } else {
                                report.result(e)
                            };
                            results_of(index, rec, view)
                        })
                }),
        )
    }
}

/// Serialises a skeleton value, writing [`Results`] in place of every `"results": null` member (the
/// skeleton has exactly one: `runs[0].results`). Key order is the skeleton's, so the output is what
/// serialising the complete value would give.
struct Splice<'a> {
    value: &'a Value,
    results: &'a Results<'a>,
}

impl Serialize for Splice<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    if key == "results" && value.is_null() {
                        map.serialize_entry(key, self.results)?;
                    } else {
                        map.serialize_entry(
                            key,
                            &Splice {
                                value,
                                results: self.results,
                            },
                        )?;
                    }
                }
                map.end()
            }
            Value::Array(items) => s.collect_seq(items.iter().map(|value| Splice {
                value,
                results: self.results,
            })),
            other => other.serialize(s),
        }
    }
}

pub(crate) fn render(
    report: &Report,
    _options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let skeleton = skeleton(report);
    let results = Results(report);
    // A local buffer: serde_json writes many small pieces, each a dynamic call on `out` otherwise.
    let mut buf = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(
        &mut buf,
        &Splice {
            value: &skeleton,
            results: &results,
        },
    )
    .map_err(ReportError::json("sarif"))?;
    buf.write_all(b"\n").map_err(ReportError::io("sarif"))?;
    buf.flush().map_err(ReportError::io("sarif"))
}
