//! Scanned images and machines through the whole scan: the vulnerability recommendations assess them
//! from their `vulnerabilityScan`, every finding is a sub-assessment of the result, and the control
//! "Remediate vulnerabilities" counts each image or machine once in H/U, whatever its number of
//! findings; not-assessed ones (unscanned, in progress, failed, no data) never count; an exemption
//! turns the findings NotApplicable / Exempt with their parent.

use std::io::Write;

use chrono::{TimeZone, Utc};
use rampart_model::{Cause, Status, SubAssessmentCause};
use rampart_report::Report;
use rampart_scan::{scan, ScanRequest};
use serde_json::{json, Value};

const IMAGES: &str = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5";
const MACHINES: &str = "1195afff-c881-495e-9bc5-1486211ae03f";

fn finding(id: &str, package: &str, fixed: Option<&str>, ignored: bool) -> Value {
    let mut f = json!({
        "id": id,
        "severity": "High",
        "package": {"name": package, "version": "1.0-1", "ecosystem": "Debian:12", "category": "OS"}
    });
    if let Some(fixed) = fixed {
        f["package"]["fixedVersion"] = json!(fixed);
    }
    if ignored {
        f["ignored"] = json!({"reason": "not reachable"});
    }
    f
}

fn completed(findings: Vec<Value>) -> Value {
    json!({"status": "Completed", "scannedAt": "2026-11-29T10:00:00Z", "distro": "debian 12", "packages": 96, "findings": findings})
}

/// A resource line of a snapshot: `provider`, `scope`, type, id and the scan.
fn line(provider: &str, scope: &str, ty: &str, id: &str, scan: Option<Value>) -> String {
    let mut native = json!({"id": id, "name": id, "type": ty});
    if let Some(scan) = scan {
        native["vulnerabilityScan"] = scan;
    }
    json!({"provider": provider, "scope": scope, "type": ty, "id": id, "name": id, "native": native})
        .to_string()
}

fn inventory() -> Vec<String> {
    let img = "rampart/containerimage";
    vec![
        // Unhealthy: three findings, one ignored — counts once.
        line(
            "aws",
            "123456789012",
            img,
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:1",
            Some(completed(vec![
                finding("CVE-2024-0001", "openssl", Some("1.0-2"), false),
                finding("CVE-2024-0002", "zlib1g", None, false),
                finding("CVE-2024-0003", "libc6", None, true),
            ])),
        ),
        // Healthy: no findings; another healthy: only an ignored finding.
        line(
            "aws",
            "123456789012",
            img,
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/base@sha256:2",
            Some(completed(vec![])),
        ),
        line(
            "aws",
            "123456789012",
            img,
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/tools@sha256:3",
            Some(completed(vec![finding(
                "CVE-2024-0003",
                "libc6",
                None,
                true,
            )])),
        ),
        // Not assessed: never healthy, never counted.
        line(
            "aws",
            "123456789012",
            img,
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/new@sha256:4",
            Some(json!({"status": "Unscanned"})),
        ),
        line(
            "aws",
            "123456789012",
            img,
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/push@sha256:5",
            Some(json!({"status": "InProgress"})),
        ),
        line(
            "aws",
            "123456789012",
            img,
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/bad@sha256:6",
            Some(json!({"status": "Error", "error": "denied"})),
        ),
        line(
            "aws",
            "123456789012",
            img,
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/none@sha256:7",
            None,
        ),
        // A machine with a finding, another clean; a local image under the host provider.
        line(
            "host",
            "web-01",
            "rampart/machine",
            "host:web-01",
            Some(completed(vec![finding(
                "CVE-2024-0001",
                "openssl",
                Some("1.0-2"),
                false,
            )])),
        ),
        // Built with the model's builder, as `rampart scan host` does.
        serde_json::to_string(&rampart_model::scanned_resource(
            rampart_model::ScannedKind::Machine,
            rampart_model::ScannedSubject {
                provider: rampart_model::Provider::Host,
                scope: "db-01".to_owned(),
                region: None,
                id: "host:db-01".to_owned(),
                name: "db-01".to_owned(),
                properties: json!({"hostname": "db-01", "root": "/"}),
            },
            &rampart_model::VulnerabilityScan::completed(
                "2026-11-29T10:00:00Z",
                Some("debian 12".to_owned()),
                96,
                Vec::new(),
            ),
        ))
        .expect("resource"),
        line(
            "host",
            "web-01",
            img,
            "docker-archive:/tmp/app.tar",
            Some(completed(vec![finding(
                "CVE-2024-0009",
                "busybox",
                None,
                false,
            )])),
        ),
    ]
}

fn run(exemptions: Option<&str>) -> Report {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("inventory.jsonl");
    let mut f = std::fs::File::create(&path).expect("create");
    for l in inventory() {
        writeln!(f, "{l}").expect("write");
    }
    let mut request = ScanRequest::new(vec![path]);
    request.now = Utc
        .with_ymd_and_hms(2026, 11, 29, 12, 0, 0)
        .single()
        .expect("date");
    if let Some(text) = exemptions {
        let ex = dir.path().join("exemptions.yaml");
        std::fs::write(&ex, text).expect("write");
        request.exemptions = Some(ex);
    }
    scan(&request, &mut |_| {}).expect("scan")
}

fn control(controls: &[rampart_report::ControlReport]) -> &rampart_report::ControlReport {
    controls
        .iter()
        .find(|c| c.name == "Remediate vulnerabilities")
        .expect("control")
}

#[test]
fn images_and_machines_count_once_each_in_remediate_vulnerabilities() {
    let report = run(None);
    assert_eq!(report.invariant_violations(), Vec::<String>::new());
    let images = report
        .recommendations
        .iter()
        .find(|r| r.id == IMAGES)
        .expect("images");
    assert_eq!(
        (images.healthy, images.unhealthy, images.not_applicable),
        (2, 2, 4)
    );
    let machines = report
        .recommendations
        .iter()
        .find(|r| r.id == MACHINES)
        .expect("machines");
    assert_eq!(
        (
            machines.healthy,
            machines.unhealthy,
            machines.not_applicable
        ),
        (1, 1, 0)
    );

    // The AWS account: 2 healthy + 1 unhealthy image of 7 (4 not assessed): 6 × 2/3 = 4.
    let aws = report
        .scopes
        .iter()
        .find(|s| s.id == "123456789012")
        .expect("aws scope");
    let c = control(&aws.controls);
    assert_eq!(
        (c.healthy, c.unhealthy, c.not_applicable, c.max),
        (2, 1, 4, 6)
    );
    assert!((c.current - 4.0).abs() < 1e-9, "{c:?}");
    // The web-01 host: an unhealthy machine and an unhealthy local image.
    let web = report
        .scopes
        .iter()
        .find(|s| s.id == "web-01")
        .expect("host scope");
    let c = control(&web.controls);
    assert_eq!((c.healthy, c.unhealthy), (0, 2));
    // Overall: H = 2 images + 1 machine, U = 2 images + 1 machine.
    let c = control(&report.controls);
    assert_eq!((c.healthy, c.unhealthy, c.not_applicable), (3, 3, 4));
    assert!((c.current - 3.0).abs() < 1e-9);

    // Findings are the sub-assessments of each result, ignored ones NotApplicable / Ignored.
    let views: Vec<_> = report.results(images).collect();
    let web = views.iter().find(|v| v.id.contains("/web@")).expect("web");
    assert_eq!(web.status, Status::Unhealthy);
    let codes: Vec<(&str, Status)> = web
        .sub_assessments
        .iter()
        .map(|s| (s.id.as_str(), s.status.code))
        .collect();
    assert_eq!(
        codes,
        [
            ("CVE-2024-0001", Status::Unhealthy),
            ("CVE-2024-0002", Status::Unhealthy),
            ("CVE-2024-0003", Status::NotApplicable)
        ]
    );
    assert_eq!(
        web.sub_assessments[0].remediation,
        "Update package openssl to version 1.0-2 or higher"
    );
    assert_eq!(web.sub_assessments[1].remediation, "No remediation exists");
    for v in views.iter().filter(|v| v.status == Status::NotApplicable) {
        assert_eq!(v.cause, Some(Cause::NotAssessed), "{}", v.id);
        assert!(v.sub_assessments.is_empty());
    }
    // The JSON report carries them and reads back the same.
    let text = serde_json::to_string(&report).expect("json");
    let back: Report = serde_json::from_str(&text).expect("read back");
    assert_eq!(back, report);
}

#[test]
fn an_exempt_image_exempts_its_findings_and_leaves_the_score() {
    let report = run(Some(&format!(
        "version: 1\nexemptions:\n  - name: web-accepted\n    category: waiver\n    reason: replaced next sprint\n    recommendations: [{IMAGES}]\n    resources:\n      ids: [\"*/web@*\"]\n"
    )));
    let images = report
        .recommendations
        .iter()
        .find(|r| r.id == IMAGES)
        .expect("images");
    let web = report
        .results(images)
        .find(|v| v.id.contains("/web@"))
        .expect("web");
    assert_eq!(web.cause, Some(Cause::Exempt));
    let causes: Vec<Option<SubAssessmentCause>> =
        web.sub_assessments.iter().map(|s| s.status.cause).collect();
    assert_eq!(
        causes,
        [
            Some(SubAssessmentCause::Exempt),
            Some(SubAssessmentCause::Exempt),
            Some(SubAssessmentCause::Ignored)
        ]
    );
    assert!(web
        .sub_assessments
        .iter()
        .all(|s| s.status.code == Status::NotApplicable));
    let aws = report
        .scopes
        .iter()
        .find(|s| s.id == "123456789012")
        .expect("aws scope");
    let c = control(&aws.controls);
    assert_eq!((c.healthy, c.unhealthy), (2, 0));
    assert!((c.current - 6.0).abs() < 1e-9);
}

#[test]
fn the_inventory_lines_match_the_documented_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/schemas/inventory-v1.schema.json"
        ))
        .expect("schema"),
    )
    .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for l in inventory() {
        let v: Value = serde_json::from_str(&l).expect("line");
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{l}: {errors:?}");
    }
    // A scan written by the model type validates; a wrong status or a finding without a package
    // does not.
    let scan = rampart_model::VulnerabilityScan::completed(
        "2026-11-29T10:00:00Z",
        Some("debian 12".to_owned()),
        96,
        vec![
            serde_json::from_value(finding("CVE-2024-0001", "openssl", Some("1.0-2"), true))
                .expect("finding"),
        ],
    );
    let subject = |id: &str| rampart_model::ScannedSubject {
        provider: rampart_model::Provider::Aws,
        scope: "123456789012".to_owned(),
        region: Some("eu-west-1".to_owned()),
        id: id.to_owned(),
        name: id.to_owned(),
        properties: serde_json::Value::Null,
    };
    for (kind, scan) in [
        (rampart_model::ScannedKind::ContainerImage, scan),
        (
            rampart_model::ScannedKind::ContainerImage,
            rampart_model::VulnerabilityScan::unscanned(),
        ),
        (
            rampart_model::ScannedKind::Machine,
            rampart_model::VulnerabilityScan::in_progress(),
        ),
        (
            rampart_model::ScannedKind::Machine,
            rampart_model::VulnerabilityScan::failed("denied"),
        ),
    ] {
        let resource = rampart_model::scanned_resource(kind, subject("x"), &scan);
        let v = serde_json::to_value(&resource).expect("resource");
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{v}: {errors:?}");
    }
    let good: Value = serde_json::from_str(&line(
        "host",
        "h",
        "rampart/machine",
        "host:h",
        Some(json!({"status": "Unscanned"})),
    ))
    .expect("line");
    assert!(validator.is_valid(&good));
    for bad_scan in [
        json!({"status": "Done"}),
        json!({"status": "Completed", "findings": [{"id": "CVE-1", "severity": "High"}]}),
    ] {
        let bad: Value = serde_json::from_str(&line(
            "host",
            "h",
            "rampart/machine",
            "host:h",
            Some(bad_scan),
        ))
        .expect("line");
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}

#[test]
fn scan_resources_scores_in_memory_scans_without_an_inventory_file() {
    let image = rampart_model::scanned_resource(
        rampart_model::ScannedKind::ContainerImage,
        rampart_model::ScannedSubject {
            provider: rampart_model::Provider::Host,
            scope: "build-01".to_owned(),
            region: None,
            id: "registry.example.com/web@sha256:1".to_owned(),
            name: "registry.example.com/web:1.0".to_owned(),
            properties: json!({"digest": "sha256:1"}),
        },
        &rampart_model::VulnerabilityScan::completed(
            "2026-11-29T10:00:00Z",
            Some("debian 12".to_owned()),
            96,
            vec![
                serde_json::from_value(finding("CVE-2024-0001", "openssl", Some("1.0-2"), false))
                    .expect("finding"),
            ],
        ),
    );
    let mut request = ScanRequest::new(Vec::new());
    request.now = Utc
        .with_ymd_and_hms(2026, 11, 29, 12, 0, 0)
        .single()
        .expect("date");
    assert!(rampart_scan::scan_resources(&request, "image:web", Vec::new(), &mut |_| {}).is_err());
    let report = rampart_scan::scan_resources(
        &request,
        "image:registry.example.com/web:1.0",
        vec![image],
        &mut |_| {},
    )
    .expect("scan");
    assert_eq!(report.input.files, ["image:registry.example.com/web:1.0"]);
    assert_eq!(report.input.resources, 1);
    let c = control(&report.controls);
    assert_eq!((c.healthy, c.unhealthy, c.max), (0, 1, 6));
    assert_eq!(report.score.max, 6);
    let images = report
        .recommendations
        .iter()
        .find(|r| r.id == IMAGES)
        .expect("images");
    let v = report.results(images).next().expect("result");
    assert_eq!(v.sub_assessments.len(), 1);
    assert_eq!(v.sub_assessments[0].id, "CVE-2024-0001");
}
