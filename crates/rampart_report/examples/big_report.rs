//! Builds a report at the scale the contract is sized for and renders it, to measure the report's own
//! memory and rendering speed apart from the scan: `N` resources (default 1,000,000) with `R` results
//! each (default 12, the Defender-like 10–15), rendered as `FORMAT` (default json) into `OUT`
//! (default /dev/null). Measure with `/usr/bin/time -v`:
//! `cargo run --release -p rampart_report --example big_report -- 1000000 12 json /dev/null`.

use std::fs::File;
use std::io::BufWriter;

use chrono::{TimeZone, Utc};
use rampart_model::{Cause, Provider, Severity, Status};
use rampart_report::{
    render, ExemptionSummary, Format, InputSummary, RecommendationReport, Report, ResourceView,
    ResultEntry, Score, StrId, StringTable, ToolInfo, REPORT_SCHEMA_VERSION,
};

const TYPES: [&str; 6] = [
    "microsoft.storage/storageaccounts",
    "microsoft.compute/virtualmachines",
    "microsoft.network/networksecuritygroups",
    "microsoft.keyvault/vaults",
    "microsoft.sql/servers",
    "microsoft.web/sites",
];
const REGIONS: [&str; 4] = ["westeurope", "northeurope", "eastus", "westus2"];
const RECOMMENDATIONS: usize = 200;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u32 = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    let per: u32 = args.next().map_or(Ok(12), |s| s.parse())?;
    let format: Format = args.next().map_or(Ok(Format::Json), |s| s.parse())?;
    let out = args.next().unwrap_or_else(|| "/dev/null".to_owned());

    let mut report = Report {
        schema_version: REPORT_SCHEMA_VERSION.to_owned(),
        tool: ToolInfo::rampart("0.0.0"),
        generated_at: Utc.timestamp_opt(0, 0).single().ok_or("time")?,
        score: Score::new(0.0, 0),
        scopes: Vec::new(),
        groups: Vec::new(),
        controls: Vec::new(),
        recommendations: (0..RECOMMENDATIONS)
            .map(|i| RecommendationReport {
                id: format!("00000000-0000-0000-0000-{i:012}"),
                title: format!("Recommendation {i} should be enabled"),
                severity: Severity::Medium,
                control: "Enable encryption at rest".to_owned(),
                controls: vec!["control".to_owned()],
                preview: false,
                custom: false,
                mcsb: vec!["DP-3".to_owned()],
                description: "What it checks.".to_owned(),
                remediation: "How to fix it.".to_owned(),
                healthy: 0,
                unhealthy: 0,
                not_applicable: 0,
                resources: Vec::new(),
                sub_assessments: std::collections::BTreeMap::new(),
            })
            .collect(),
        compliance: Vec::new(),
        input: InputSummary::default(),
        exemptions: ExemptionSummary::default(),
        resources: Vec::with_capacity(n as usize),
        strings: StringTable::new(),
    };
    let reasons: Vec<StrId> = (0..50)
        .map(|i| {
            report
                .strings
                .intern(&format!("properties.setting{i} is 'off' (expected 'on')"))
        })
        .collect();
    for k in 0..n {
        let sub = k % 20;
        let rg = k % 500;
        let name = format!("res-{k:07}");
        let ty = TYPES[(k % 6) as usize];
        let id = format!(
            "/subscriptions/00000000-0000-0000-0000-{sub:012}/resourceGroups/rg-{rg:03}/providers/{ty}/{name}"
        );
        let scope = format!("00000000-0000-0000-0000-{sub:012}");
        let group = format!("rg-{rg:03}");
        let index = report.add_resource(ResourceView {
            id: &id,
            name: &name,
            resource_type: ty,
            scope: &scope,
            provider: Provider::Azure,
            region: Some(REGIONS[(k % 4) as usize]),
            resource_group: Some(&group),
        });
        for j in 0..per {
            let rec = (k as usize * 7 + j as usize * 13) % RECOMMENDATIONS;
            let (status, cause, reason) = match (k + j) % 4 {
                0 => (Status::Unhealthy, None, reasons[((k + j) % 50) as usize]),
                1 => (
                    Status::NotApplicable,
                    Some(Cause::NotApplicableByCondition),
                    StrId::NONE,
                ),
                _ => (Status::Healthy, None, StrId::NONE),
            };
            report.recommendations[rec].resources.push(ResultEntry {
                resource: index,
                reason,
                status,
                cause,
            });
        }
    }
    for rec in &mut report.recommendations {
        rec.resources.shrink_to_fit();
        rec.recount();
    }
    let mut w = BufWriter::new(File::create(out)?);
    render(&report, format, &mut w)?;
    Ok(())
}
