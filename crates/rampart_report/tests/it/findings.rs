//! Sub-assessments (vulnerability findings) in every format: the sample report plus a container-image
//! recommendation whose results carry findings (one ignored, one with hostile text), rendered,
//! validated against the schemas and snapshotted.

use rampart_model::{
    AffectedPackage, Cause, Cvss, CvssScore, Finding, FindingSeverity, IgnoredBy, PackageCategory,
    Provider, Severity, Status, SubAssessment,
};
use rampart_report::{
    render, Format, RecommendationReport, Report, ResourceResult, ResultEntry, CSV_HEADER,
};
use serde_json::Value;

use crate::formats::rendered;
use crate::sample;

const IMAGE_REC: &str = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5";

fn finding(
    id: &str,
    aliases: &[&str],
    summary: &str,
    severity: FindingSeverity,
    cvss: Option<(&str, f64)>,
    package: (&str, &str, Option<&str>, &str, PackageCategory),
    ignored: Option<&str>,
) -> SubAssessment {
    SubAssessment::from_finding(&Finding {
        id: id.to_owned(),
        aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        summary: Some(summary.to_owned()),
        description: None,
        severity,
        cvss: cvss
            .map(|(vector, score)| Cvss {
                version: "3.1".to_owned(),
                vector: vector.to_owned(),
                base_score: CvssScore::new(score),
            })
            .into_iter()
            .collect(),
        package: AffectedPackage {
            name: package.0.to_owned(),
            version: package.1.to_owned(),
            fixed_version: package.2.map(str::to_owned),
            ecosystem: package.3.to_owned(),
            category: package.4,
            location: Some("var/lib/dpkg/status".to_owned()),
            purl: None,
        },
        ignored: ignored.map(|reason| IgnoredBy {
            reason: reason.to_owned(),
            rule: Some(format!("advisory {id}")),
            expires: Some("2027-01-31".to_owned()),
        }),
    })
}

fn image(name: &str, status: Status, cause: Option<Cause>, reason: Option<&str>) -> ResourceResult {
    ResourceResult {
        id: format!(
            "registry.example.com/library/{name}@sha256:{}",
            "a".repeat(64)
        ),
        name: format!("registry.example.com/library/{name}:1.0"),
        resource_type: "rampart/containerimage".to_owned(),
        scope: "registry.example.com".to_owned(),
        provider: Provider::Host,
        region: None,
        resource_group: None,
        status,
        cause,
        reason: reason.map(str::to_owned),
        sub_assessments: Vec::new(),
    }
}

/// The sample report with a container-image vulnerability recommendation appended: an unhealthy
/// image with three findings (one ignored; one whose summary and package name are hostile), a healthy
/// image whose only finding is ignored, and an image whose scan failed (not assessed).
pub(crate) fn report_with_findings() -> Report {
    let mut report = sample::report();
    report.recommendations.push(RecommendationReport {
        id: IMAGE_REC.to_owned(),
        title: "Container images should have vulnerability findings resolved".to_owned(),
        severity: Severity::High,
        control: "Remediate vulnerabilities".to_owned(),
        controls: vec!["remediate-vulnerabilities".to_owned()],
        preview: false,
        custom: false,
        mcsb: vec!["PV-6".to_owned()],
        description: "Container images are scanned for known vulnerabilities.".to_owned(),
        remediation: "Rebuild the image with the fixed package versions.".to_owned(),
        healthy: 0,
        unhealthy: 0,
        not_applicable: 0,
        resources: Vec::new(),
        sub_assessments: std::collections::BTreeMap::new(),
    });
    let zlib = finding(
        "CVE-2023-45853",
        &[],
        "zlib: integer overflow in zipOpenNewFileInZip4_6",
        FindingSeverity::Critical,
        Some(("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8)),
        (
            "zlib1g",
            "1:1.2.13.dfsg-1",
            None,
            "Debian:12",
            PackageCategory::Os,
        ),
        Some("minizip is not built into this image"),
    );
    let mut web = image(
        "web",
        Status::Unhealthy,
        None,
        Some("2 unresolved vulnerability findings (1 High, 1 Medium), 1 ignored"),
    );
    web.sub_assessments = vec![
        finding(
            "CVE-2024-0727",
            &["DSA-5621-1"],
            "openssl: denial of service via null dereference in PKCS12 parsing",
            FindingSeverity::Medium,
            Some(("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", 5.5)),
            (
                "openssl",
                "3.0.11-1~deb12u2",
                Some("3.0.13-1~deb12u1"),
                "Debian:12",
                PackageCategory::Os,
            ),
            None,
        ),
        finding(
            "GHSA-xxxx-0000-hostile",
            &["CVE-2024-99999"],
            "<script>alert(1)</script> \"quoted\"",
            FindingSeverity::High,
            None,
            (
                "=cmd|' /C calc'!A0",
                "1.0.0",
                Some("1.0.1"),
                "npm",
                PackageCategory::Language,
            ),
            None,
        ),
        zlib.clone(),
    ];
    let mut base = image("base", Status::Healthy, None, None);
    base.sub_assessments = vec![zlib];
    let broken = image(
        "broken",
        Status::NotApplicable,
        Some(Cause::NotAssessed),
        Some("the last vulnerability scan of the image failed (Error): gzip: invalid header"),
    );
    let i = report.recommendations.len() - 1;
    report.set_results(i, [web, base, broken]);
    report
}

fn image_rec(report: &Report) -> &RecommendationReport {
    report
        .recommendations
        .iter()
        .find(|r| r.id == IMAGE_REC)
        .expect("image recommendation")
}

#[test]
fn result_entries_stay_twelve_bytes_and_findings_live_in_the_side_table() {
    assert_eq!(std::mem::size_of::<ResultEntry>(), 12);
    let report = report_with_findings();
    // Only the recommendation with findings has a side table, keyed by entry position.
    for rec in &report.recommendations {
        assert_eq!(
            rec.sub_assessments.is_empty(),
            rec.id != IMAGE_REC,
            "{}",
            rec.id
        );
    }
    let rec = image_rec(&report);
    assert_eq!(
        rec.sub_assessments.keys().copied().collect::<Vec<_>>(),
        [0, 1]
    );
    assert_eq!((rec.healthy, rec.unhealthy, rec.not_applicable), (1, 1, 1));
    let views: Vec<_> = report.results(rec).collect();
    assert_eq!(views[0].sub_assessments.len(), 3);
    assert_eq!(views[1].sub_assessments.len(), 1);
    assert!(views[2].sub_assessments.is_empty());
    assert!(report
        .invariant_violations()
        .iter()
        .all(|v| !v.contains(IMAGE_REC)));
}

#[test]
fn json_carries_findings_round_trips_and_matches_the_schema() {
    let report = report_with_findings();
    let text = rendered(&report, Format::Json);
    // The hand-written renderer and serde agree.
    assert_eq!(
        text,
        serde_json::to_string_pretty(&report).expect("serde") + "\n"
    );
    let mut compact = Vec::new();
    let options = rampart_report::RenderOptions {
        compact_json: true,
        ..rampart_report::RenderOptions::default()
    };
    rampart_report::render_with(&report, Format::Json, &options, &mut compact).expect("render");
    assert_eq!(
        String::from_utf8(compact).expect("utf-8"),
        serde_json::to_string(&report).expect("serde") + "\n"
    );
    let back: Report = serde_json::from_str(&text).expect("parse back");
    assert_eq!(back, report);
    assert_eq!(
        image_rec(&back).sub_assessments,
        image_rec(&report).sub_assessments
    );
    // Owned results keep their findings too.
    let i = report.recommendations.len() - 1;
    let owned = report.owned_results(i);
    let mut again = report.clone();
    again.set_results(i, owned);
    assert_eq!(again, report);

    let value: Value = serde_json::from_str(&text).expect("json");
    let schema = crate::schemas::load(
        crate::schemas::crate_dir().join("../../docs/schemas/report-v1.schema.json"),
    );
    crate::schemas::assert_valid(&schema, &value, "report with findings");
    let rec = value["recommendations"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["id"] == IMAGE_REC))
        .expect("rec")
        .clone();
    insta::assert_json_snapshot!("findings_json", rec["resources"]);
    // A finding with an unknown severity is rejected by the schema.
    let validator = jsonschema::validator_for(&schema).expect("schema");
    let mut bad = value;
    let last = bad["recommendations"].as_array().map_or(0, Vec::len) - 1;
    bad["recommendations"][last]["resources"][0]["sub_assessments"][0]["severity"] =
        Value::from("Dire");
    assert!(!validator.is_valid(&bad));
}

#[test]
fn sarif_has_one_result_per_finding_with_suppressions_for_ignored_ones() {
    let report = report_with_findings();
    let log: Value = serde_json::from_str(&rendered(&report, Format::Sarif)).expect("json");
    let schema = crate::schemas::load(
        crate::schemas::crate_dir().join("tests/schemas/sarif-schema-2.1.0.json"),
    );
    crate::schemas::assert_valid(&schema, &log, "SARIF log with findings");
    let results: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["ruleId"] == IMAGE_REC)
        .collect();
    // web: 3 findings (1 suppressed); base (healthy): its ignored finding, suppressed; broken: none.
    assert_eq!(results.len(), 4);
    let suppressed = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .count();
    assert_eq!(suppressed, 2);
    let fps: std::collections::BTreeSet<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["rampartFinding/v1"]
                .as_str()
                .expect("fp")
        })
        .collect();
    assert_eq!(fps.len(), 4);
    // Every other recommendation still has one result per unhealthy resource.
    let others = log["runs"][0]["results"].as_array().expect("results").len() - results.len();
    let unhealthy: u64 = report
        .recommendations
        .iter()
        .filter(|r| r.id != IMAGE_REC)
        .map(|r| r.unhealthy)
        .sum();
    assert_eq!(others as u64, unhealthy);
    insta::assert_json_snapshot!("findings_sarif", results);
}

#[test]
fn ocsf_event_lists_the_findings_as_vulnerabilities() {
    let report = report_with_findings();
    let schema = crate::schemas::load(
        crate::schemas::crate_dir()
            .join("tests/schemas/ocsf-1.5.0-detection_finding-cloud.schema.json"),
    );
    let text = rendered(&report, Format::Ocsf);
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("event"))
        .collect();
    for (i, e) in events.iter().enumerate() {
        crate::schemas::assert_valid(&schema, e, &format!("OCSF event {i}"));
    }
    let image_events: Vec<&Value> = events
        .iter()
        .filter(|e| e["finding_info"]["product_uid"] == IMAGE_REC)
        .collect();
    // Only the unhealthy image is a finding (healthy and not-assessed results are not).
    assert_eq!(image_events.len(), 1);
    let e = image_events[0];
    assert_eq!(e["vulnerabilities"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        e["unmapped"]["rampart"]["ignored_findings"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    insta::assert_json_snapshot!("findings_ocsf", e);
}

#[test]
fn csv_has_a_row_per_finding() {
    let report = report_with_findings();
    let text = rendered(&report, Format::Csv);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        CSV_HEADER
    );
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    let image_rows: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[0] == IMAGE_REC).collect();
    // web: 3 findings, base: 1, broken: 1 row without a finding.
    assert_eq!(image_rows.len(), 5);
    assert_eq!(&image_rows[1][21], "'=cmd|' /C calc'!A0");
    assert_eq!(&image_rows[4][18], "");
    let mut section = String::new();
    for r in &image_rows {
        section.push_str(&r.iter().collect::<Vec<_>>().join(" | "));
        section.push('\n');
    }
    insta::assert_snapshot!("findings_csv", section);
}

#[test]
fn table_and_html_show_findings() {
    let report = report_with_findings();
    let table = rendered(&report, Format::Table);
    assert!(!table.chars().any(|c| c.is_control() && c != '\n'));
    assert!(table.contains("Vulnerability findings (2 of 2)"), "{table}");
    insta::assert_snapshot!("findings_table", table);

    let html = rendered(&report, Format::Html);
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("CVE-2024-0727"));
    assert!(html.contains("2 findings (1 High, 1 Medium), 1 ignored"));
    assert!(html.contains("NotApplicable (Ignored): ignored by advisory CVE-2023-45853"));
    let mut out = Vec::new();
    render(&report, Format::Html, &mut out).expect("render");
    let start = html
        .find("<td><strong>CVE-2024-0727")
        .expect("findings table");
    let end = html[start..]
        .find("</table>")
        .map_or(html.len(), |e| start + e);
    insta::assert_snapshot!("findings_html", &html[start..end]);
}
