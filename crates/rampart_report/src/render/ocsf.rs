//! OCSF 1.5.0 **Detection Finding** (`class_uid` 2004, category 2 "Findings"), as JSON Lines: one
//! event object per line, so a SIEM or a data lake can ingest the stream without holding an array.
//!
//! One event per Unhealthy assessment (`status_code` `FAIL`, `status_id` 1 New) and one per exempted
//! assessment (NotApplicable with cause `Exempt`: `status_code` `EXEMPT`, `status_id` 3 Suppressed, as
//! Prowler reports muted findings). Other NotApplicable and Healthy results are not findings.
//! A result with sub-assessments (vulnerability findings) stays one event, with its findings that
//! count in the class's `vulnerabilities` attribute (Vulnerability Details objects: CVE with CVSS,
//! affected package with fixed version, remediation) and the ignored ones, with their reasons, under
//! `unmapped.rampart.ignored_findings`: the parent assessment is what Defender scores, and the class
//! validates against the same Detection Finding schema.
//! OCSF Detection Finding has no `compliance` attribute; the MCSB mapping and Rampart's own fields go
//! under `unmapped`, which the class reserves for that.

use std::io::Write;

use rampart_model::{Cause, FindingSeverity, PackageCategory, Severity, Status, SubAssessment};
use serde_json::{json, Value};

use crate::render::common::{finding_fingerprint, ocsf_provider};
use crate::render::RenderOptions;
use crate::{RecommendationReport, Report, ReportError, ResourceResultView};

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.5.0";

fn severity_id(s: Severity) -> u8 {
    // OCSF: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical.
    match s {
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
    }
}

/// The partition of an AWS ARN (`aws`, `aws-cn`, `aws-us-gov`).
fn aws_partition(id: &str) -> Option<&str> {
    let rest = id.strip_prefix("arn:")?;
    rest.split(':').next().filter(|p| !p.is_empty())
}

/// OCSF Vulnerability Details of one finding.
fn vulnerability(sub: &SubAssessment) -> Value {
    let d = &sub.additional_data;
    let mut package = json!({
        "name": d.package_name,
        "version": d.version,
        "type_id": match d.category {
            PackageCategory::Os => 2,
            PackageCategory::Language => 1,
        },
        "package_manager": d.ecosystem,
    });
    if let Some(v) = &d.fixed_version {
        package["fixed_in_version"] = Value::from(v.as_str());
    }
    if let Some(p) = &d.location {
        package["path"] = Value::from(p.as_str());
    }
    if let Some(p) = &d.purl {
        package["purl"] = Value::from(p.as_str());
    }
    let severity = match sub.severity {
        FindingSeverity::Unknown => "Unknown",
        other => other.as_str(),
    };
    let mut v = json!({
        "title": sub.display_name,
        "severity": severity,
        "is_fix_available": d.fixed_version.is_some(),
        "affected_packages": [package],
        "remediation": { "desc": sub.remediation },
    });
    if !sub.description.trim().is_empty() {
        v["desc"] = Value::from(sub.description.as_str());
    }
    let cvss: Vec<Value> = d
        .cvss
        .iter()
        .filter_map(|c| {
            let score = c.base_score?;
            Some(json!({ "version": c.version, "base_score": score.value(), "vector_string": c.vector }))
        })
        .collect();
    // The class requires exactly one of `cve`, `advisory`, `cwe`: the CVE (the finding's own id, else
    // a CVE among its aliases) when there is one, else the advisory; every other id is related.
    let cve = std::iter::once(&sub.id)
        .chain(&d.aliases)
        .find(|id| id.starts_with("CVE-"));
    if let Some(cve) = cve {
        let mut c = json!({ "uid": cve });
        if !cvss.is_empty() {
            c["cvss"] = Value::from(cvss);
        }
        v["cve"] = c;
    } else {
        v["advisory"] = json!({ "uid": sub.id });
    }
    let related: Vec<&String> = std::iter::once(&sub.id)
        .chain(&d.aliases)
        .filter(|a| Some(*a) != cve && (cve.is_some() || *a != &sub.id))
        .collect();
    if !related.is_empty() {
        v["related_vulnerabilities"] = json!(related);
    }
    v
}

fn event(report: &Report, rec: &RecommendationReport, res: &ResourceResultView<'_>) -> Value {
    let exempt = res.status == Status::NotApplicable;
    let (status_id, status, status_code) = if exempt {
        (3, "Suppressed", "EXEMPT")
    } else {
        (1, "New", "FAIL")
    };
    let uid = format!(
        "rampart-{}-{}",
        res.provider.as_str(),
        finding_fingerprint(rec, res)
    );

    let mut resource = json!({
        "uid": res.id,
        "name": res.name,
        "type": res.resource_type,
    });
    if let Some(region) = res.region {
        resource["region"] = Value::from(region);
    }
    if let Some(partition) = aws_partition(res.id) {
        resource["cloud_partition"] = Value::from(partition);
    }
    if let Some(rg) = res.resource_group {
        resource["group"] = json!({ "name": rg });
    }

    let mut cloud = json!({
        "provider": ocsf_provider(res.provider),
        "account": { "uid": res.scope },
    });
    if let Some(region) = res.region {
        cloud["region"] = Value::from(region);
    }

    let mut types: Vec<String> = Vec::new();
    if !rec.control.is_empty() {
        types.push(rec.control.clone());
    }
    if rec.custom {
        types.push("Custom recommendation".to_owned());
    }

    let mut finding_info = json!({
        "uid": uid,
        "title": rec.title,
        "types": types,
        "product_uid": rec.id,
    });
    if !rec.description.trim().is_empty() {
        finding_info["desc"] = Value::from(rec.description.as_str());
    }

    let mut event = json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "type_uid": 200_401,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id(rec.severity),
        "severity": rec.severity.as_str(),
        "status_id": status_id,
        "status": status,
        "status_code": status_code,
        "time": report.generated_at.timestamp_millis(),
        "message": format!("{} ({})", rec.title, res.name),
        "finding_info": finding_info,
        "resources": [resource],
        "cloud": cloud,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "event_code": rec.id,
            "product": {
                "name": "Rampart",
                "vendor_name": "Rampart",
                "version": report.tool.version,
            },
        },
        "unmapped": {
            "compliance": { "MCSB": rec.mcsb },
            "rampart": {
                "recommendation_id": rec.id,
                "controls": rec.controls,
                "preview": rec.preview,
                "custom": rec.custom,
                "scope": res.scope,
                "assessment_status": res.status.as_str(),
                "cause": res.cause.map(Cause::as_str),
            },
        },
    });
    if let Some(reason) = res.reason.filter(|r| !r.trim().is_empty()) {
        event["status_detail"] = Value::from(reason);
    }
    if !rec.remediation.trim().is_empty() {
        event["remediation"] = json!({ "desc": rec.remediation });
    }
    if !res.sub_assessments.is_empty() {
        let open: Vec<Value> = res
            .sub_assessments
            .iter()
            .filter(|s| s.counts())
            .map(vulnerability)
            .collect();
        if !open.is_empty() {
            event["vulnerabilities"] = Value::from(open);
        }
        let ignored: Vec<Value> = res
            .sub_assessments
            .iter()
            .filter(|s| !s.counts())
            .map(|s| {
                json!({
                    "id": s.id,
                    "package": s.additional_data.package_name,
                    "version": s.additional_data.version,
                    "cause": s.status.cause.map(|c| c.as_str()),
                    "description": s.status.description,
                })
            })
            .collect();
        if !ignored.is_empty() {
            event["unmapped"]["rampart"]["ignored_findings"] = Value::from(ignored);
        }
    }
    event
}

/// Every OCSF event of the report, in report order.
pub(crate) fn events(report: &Report) -> impl Iterator<Item = Value> + '_ {
    report.recommendations.iter().flat_map(move |rec| {
        rec.resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.status == Status::Unhealthy
                    || (r.status == Status::NotApplicable && r.cause == Some(Cause::Exempt))
            })
            .map(move |(i, entry)| {
                let view = report
                    .result_in(rec, i)
                    .unwrap_or_else(|| report.result(entry));
                event(report, rec, &view)
            })
    })
}

pub(crate) fn render(
    report: &Report,
    _options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    // A local buffer: serde_json writes many small pieces, each a dynamic call on `out` otherwise.
    let mut buf = std::io::BufWriter::with_capacity(1 << 16, out);
    for event in events(report) {
        serde_json::to_writer(&mut buf, &event).map_err(ReportError::json("ocsf"))?;
        buf.write_all(b"\n").map_err(ReportError::io("ocsf"))?;
    }
    buf.flush().map_err(ReportError::io("ocsf"))
}
