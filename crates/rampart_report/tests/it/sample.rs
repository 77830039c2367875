//! A realistic sample report: two Azure subscriptions and an AWS account, four controls, five
//! recommendations (one preview, one custom), exemptions, input errors, a grouping and two standards.
//! Scores are computed from the resource results with Defender's formula, not typed in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{TimeZone, Utc};
use rampart_model::{Cause, Provider, Severity, Status};
use rampart_report::{
    round2, ComplianceControlReport, ComplianceState, ControlReport, ExemptionSummary,
    ExpiredExemption, GroupReport, GroupValue, InputError, InputSummary, RecommendationReport,
    Report, ResourceResult, ResourceView, ScopeReport, Score, StandardReport, StringTable,
    ToolInfo, REPORT_SCHEMA_VERSION,
};

const SUB_A: &str = "00000000-0000-0000-0000-00000000000a";
const SUB_B: &str = "00000000-0000-0000-0000-00000000000b";
const AWS: &str = "123456789012";

struct Res {
    id: String,
    name: &'static str,
    ty: &'static str,
    scope: &'static str,
    provider: Provider,
    region: &'static str,
    rg: Option<&'static str>,
    env: Option<&'static str>,
}

fn azure(
    scope: &'static str,
    rg: &'static str,
    ty: &'static str,
    provider_path: &str,
    name: &'static str,
    region: &'static str,
    env: Option<&'static str>,
) -> Res {
    Res {
        id: format!("/subscriptions/{scope}/resourceGroups/{rg}/providers/{provider_path}/{name}"),
        name,
        ty,
        scope,
        provider: Provider::Azure,
        region,
        rg: Some(rg),
        env,
    }
}

fn resources() -> Vec<Res> {
    vec![
        azure(
            SUB_A,
            "rg-web",
            "microsoft.storage/storageaccounts",
            "Microsoft.Storage/storageAccounts",
            "stwebprod01",
            "westeurope",
            Some("prod"),
        ),
        azure(
            SUB_A,
            "rg-web",
            "microsoft.storage/storageaccounts",
            "Microsoft.Storage/storageAccounts",
            "stweblogs",
            "westeurope",
            Some("prod"),
        ),
        azure(
            SUB_A,
            "rg-data",
            "microsoft.sql/servers",
            "Microsoft.Sql/servers",
            "sql-core",
            "northeurope",
            Some("prod"),
        ),
        azure(
            SUB_A,
            "rg-web",
            "microsoft.compute/virtualmachines",
            "Microsoft.Compute/virtualMachines",
            "vm-jump",
            "westeurope",
            None,
        ),
        // An attacker-controlled name: every renderer must escape it.
        azure(
            SUB_B,
            "rg-dev",
            "microsoft.storage/storageaccounts",
            "Microsoft.Storage/storageAccounts",
            "<script>alert(\"x\")</script>,=cmd",
            "eastus",
            Some("dev"),
        ),
        azure(
            SUB_B,
            "rg-dev",
            "microsoft.keyvault/vaults",
            "Microsoft.KeyVault/vaults",
            "kv-dev",
            "eastus",
            Some("dev"),
        ),
        Res {
            id: "arn:aws:s3:::acme-logs".to_owned(),
            name: "acme-logs",
            ty: "AWS::S3::Bucket",
            scope: AWS,
            provider: Provider::Aws,
            region: "us-east-1",
            rg: None,
            env: Some("prod"),
        },
    ]
}

struct Rec {
    id: &'static str,
    title: &'static str,
    severity: Severity,
    controls: &'static [&'static str],
    preview: bool,
    custom: bool,
    mcsb: &'static [&'static str],
    /// (resource name, status, cause, reason)
    results: Vec<(&'static str, Status, Option<Cause>, Option<&'static str>)>,
}

const CONTROLS: &[(&str, &str, u32)] = &[
    (
        "1195afff-c881-495e-9bc5-1486211ae03f",
        "Encrypt data in transit",
        4,
    ),
    (
        "ae8cd3ad-c1b1-4b14-8a15-1d7d5b7e7c7d",
        "Restrict unauthorized network access",
        4,
    ),
    (
        "2acd365d-e8b5-4094-bce4-244b7c51d67c",
        "Enable auditing and logging",
        1,
    ),
    (
        "f9f9eed1-6a2b-4c8e-8f4c-2b2e1c6a4d11",
        "Protect applications against DDoS attacks",
        2,
    ),
];

fn recs() -> Vec<Rec> {
    use Status::{Healthy as H, NotApplicable as NA, Unhealthy as U};
    vec![
        Rec {
            id: "404c3081-a854-4457-ae30-26a93ef643f9",
            title: "Secure transfer to storage accounts should be enabled",
            severity: Severity::High,
            controls: &["1195afff-c881-495e-9bc5-1486211ae03f"],
            preview: false,
            custom: false,
            mcsb: &["DP-3"],
            results: vec![
                ("stwebprod01", H, None, None),
                (
                    "stweblogs",
                    U,
                    None,
                    Some("properties.supportsHttpsTrafficOnly is false"),
                ),
                (
                    "<script>alert(\"x\")</script>,=cmd",
                    U,
                    None,
                    Some("properties.supportsHttpsTrafficOnly is false; \"quoted\" <b>html</b>"),
                ),
                ("acme-logs", H, None, None),
            ],
        },
        Rec {
            id: "a4fe33eb-e377-4efb-ab31-0784311bc499",
            title: "Storage accounts should restrict network access using virtual network rules",
            severity: Severity::Medium,
            controls: &["ae8cd3ad-c1b1-4b14-8a15-1d7d5b7e7c7d"],
            preview: false,
            custom: false,
            mcsb: &["NS-2"],
            results: vec![
                (
                    "stwebprod01",
                    U,
                    None,
                    Some("networkAcls.defaultAction is Allow"),
                ),
                (
                    "stweblogs",
                    NA,
                    Some(Cause::Exempt),
                    Some("waiver: logs ingestion from partner, until 2026-12-31"),
                ),
                ("<script>alert(\"x\")</script>,=cmd", U, None, None),
            ],
        },
        Rec {
            id: "22730e10-96f6-4aac-ad84-9383d35b5917",
            title: "Management ports should be closed on your virtual machines",
            severity: Severity::High,
            controls: &["ae8cd3ad-c1b1-4b14-8a15-1d7d5b7e7c7d"],
            preview: false,
            custom: false,
            mcsb: &["NS-1"],
            results: vec![(
                "vm-jump",
                U,
                None,
                Some("NSG rule allow-rdp opens 3389 to *"),
            )],
        },
        Rec {
            id: "a6fb4358-5bf4-4ad7-ba82-2cd2f41ce5e9",
            title: "Auditing on SQL server should be enabled",
            severity: Severity::Low,
            controls: &["2acd365d-e8b5-4094-bce4-244b7c51d67c"],
            preview: false,
            custom: false,
            mcsb: &["LT-3"],
            results: vec![
                ("sql-core", H, None, None),
                (
                    "kv-dev",
                    NA,
                    Some(Cause::NotAssessed),
                    Some("diagnostic settings were not exported"),
                ),
            ],
        },
        Rec {
            id: "custom-kv-purge-protection",
            title: "Key vaults should have purge protection (team policy)",
            severity: Severity::Medium,
            controls: &[],
            preview: false,
            custom: true,
            mcsb: &[],
            results: vec![(
                "kv-dev",
                U,
                None,
                Some("properties.enablePurgeProtection is absent"),
            )],
        },
        Rec {
            id: "a7aca53f-2ed4-4466-a25e-0b45ade68efd",
            title: "Azure DDoS Protection Standard should be enabled",
            severity: Severity::Medium,
            controls: &["f9f9eed1-6a2b-4c8e-8f4c-2b2e1c6a4d11"],
            preview: true,
            custom: false,
            mcsb: &["NS-5"],
            results: vec![("vm-jump", U, None, Some("no DDoS plan on the VNet"))],
        },
    ]
}

/// Defender's control scoring for one set of resources (`keep` filters which resources count).
fn score_controls(keep: &dyn Fn(&Res) -> bool) -> (Score, Vec<ControlReport>) {
    let all = resources();
    let by_name: BTreeMap<&str, &Res> = all.iter().map(|r| (r.name, r)).collect();
    let recs = recs();
    let mut controls = Vec::new();
    let (mut sum_current, mut sum_max) = (0.0, 0u32);
    for &(cid, cname, max) in CONTROLS {
        // A resource is healthy for a control only if healthy on all its scored recommendations.
        let mut status: BTreeMap<&str, Status> = BTreeMap::new();
        let mut rec_ids = Vec::new();
        for rec in recs
            .iter()
            .filter(|r| r.controls.contains(&cid) && !r.preview && !r.custom)
        {
            rec_ids.push(rec.id.to_owned());
            for (name, st, _, _) in &rec.results {
                if !keep(by_name[name]) {
                    continue;
                }
                let e = status.entry(name).or_insert(*st);
                *e = match (*e, *st) {
                    (Status::Unhealthy, _) | (_, Status::Unhealthy) => Status::Unhealthy,
                    (Status::Healthy, _) | (_, Status::Healthy) => Status::Healthy,
                    _ => Status::NotApplicable,
                };
            }
        }
        let count = |s| status.values().filter(|v| **v == s).count() as u64;
        let (h, u, na) = (
            count(Status::Healthy),
            count(Status::Unhealthy),
            count(Status::NotApplicable),
        );
        let counted = h + u > 0;
        let exact = if counted {
            f64::from(max) * h as f64 / (h + u) as f64
        } else {
            0.0
        };
        if counted {
            sum_current += exact;
            sum_max += max;
        }
        let current = round2(exact);
        controls.push(ControlReport {
            id: cid.to_owned(),
            name: cname.to_owned(),
            max,
            current,
            healthy: h,
            unhealthy: u,
            not_applicable: na,
            potential_increase: if counted {
                round2(f64::from(max) - exact)
            } else {
                0.0
            },
            percentage: if counted {
                round2(current / f64::from(max) * 100.0)
            } else {
                0.0
            },
            points_per_resource: if counted {
                round2(f64::from(max) / (h + u) as f64)
            } else {
                0.0
            },
            counted,
            recommendations: rec_ids,
        });
    }
    (Score::new(sum_current, sum_max), controls)
}

/// The sample report.
pub(crate) fn report() -> Report {
    let all = resources();
    let by_name: BTreeMap<&str, &Res> = all.iter().map(|r| (r.name, r)).collect();
    let (score, controls) = score_controls(&|_| true);
    let scopes = [
        (SUB_A, Some("Production"), Provider::Azure),
        (SUB_B, Some("Development"), Provider::Azure),
        (AWS, None, Provider::Aws),
    ]
    .into_iter()
    .map(|(id, name, provider)| {
        let (score, controls) = score_controls(&|r| r.scope == id);
        ScopeReport {
            id: id.to_owned(),
            name: name.map(str::to_owned),
            provider,
            score,
            resources: all.iter().filter(|r| r.scope == id).count() as u64,
            weight: controls.iter().map(|c| c.healthy + c.unhealthy).sum(),
            controls,
        }
    })
    .collect();
    let envs: BTreeSet<Option<&str>> = all.iter().map(|r| r.env).collect();
    let groups = vec![GroupReport {
        by: "tag:env".to_owned(),
        values: envs
            .into_iter()
            .map(|env| {
                let (score, controls) = score_controls(&|r| r.env == env);
                GroupValue {
                    value: env.unwrap_or("(none)").to_owned(),
                    score,
                    resources: all.iter().filter(|r| r.env == env).count() as u64,
                    controls,
                }
            })
            .collect(),
    }];
    let (recommendations, results): (Vec<_>, Vec<_>) = recs()
        .into_iter()
        .map(|rec| {
            let count = |s| rec.results.iter().filter(|r| r.1 == s).count() as u64;
            let report = RecommendationReport {
                id: rec.id.to_owned(),
                title: rec.title.to_owned(),
                severity: rec.severity,
                control: rec
                    .controls
                    .first()
                    .and_then(|c| CONTROLS.iter().find(|k| k.0 == *c))
                    .map(|k| k.1.to_owned())
                    .unwrap_or_default(),
                controls: rec.controls.iter().map(|c| (*c).to_owned()).collect(),
                preview: rec.preview,
                custom: rec.custom,
                mcsb: rec.mcsb.iter().map(|c| (*c).to_owned()).collect(),
                description: format!("{} — checks the resource configuration.", rec.title),
                remediation:
                    "Open the resource in the portal and change the setting; or use the CLI."
                        .to_owned(),
                healthy: count(Status::Healthy),
                unhealthy: count(Status::Unhealthy),
                not_applicable: count(Status::NotApplicable),
                resources: Vec::new(),
                sub_assessments: BTreeMap::new(),
            };
            let results: Vec<ResourceResult> = rec
                .results
                .iter()
                .map(|(name, status, cause, reason)| {
                    let r = by_name[name];
                    ResourceResult {
                        id: r.id.clone(),
                        name: r.name.to_owned(),
                        resource_type: r.ty.to_owned(),
                        scope: r.scope.to_owned(),
                        provider: r.provider,
                        region: Some(r.region.to_owned()),
                        resource_group: r.rg.map(str::to_owned),
                        status: *status,
                        cause: *cause,
                        reason: reason.map(str::to_owned),
                        sub_assessments: Vec::new(),
                    }
                })
                .collect();
            (report, results)
        })
        .unzip();
    let compliance = vec![
        StandardReport {
            id: "mcsb-v1".to_owned(),
            name: "Microsoft cloud security benchmark".to_owned(),
            state: ComplianceState::Failed,
            passed_controls: 1,
            failed_controls: 2,
            skipped_controls: 0,
            unsupported_controls: 1,
            pass_percentage: Some(33.33),
            controls: vec![
                cc(
                    "NS-1",
                    "Establish network segmentation boundaries",
                    ComplianceState::Failed,
                    0,
                    1,
                    0,
                    &["22730e10-96f6-4aac-ad84-9383d35b5917"],
                ),
                cc(
                    "NS-2",
                    "Secure cloud services with network controls",
                    ComplianceState::Failed,
                    0,
                    1,
                    0,
                    &["a4fe33eb-e377-4efb-ab31-0784311bc499"],
                ),
                cc(
                    "LT-3",
                    "Enable logging for security investigation",
                    ComplianceState::Passed,
                    1,
                    0,
                    0,
                    &["a6fb4358-5bf4-4ad7-ba82-2cd2f41ce5e9"],
                ),
                cc(
                    "GS-1",
                    "Align organization roles",
                    ComplianceState::Unsupported,
                    0,
                    0,
                    0,
                    &[],
                ),
            ],
        },
        StandardReport {
            id: "cis-azure-2.1.0".to_owned(),
            name: "CIS Microsoft Azure Foundations Benchmark v2.1.0".to_owned(),
            state: ComplianceState::Unsupported,
            passed_controls: 0,
            failed_controls: 0,
            skipped_controls: 0,
            unsupported_controls: 1,
            pass_percentage: None,
            controls: vec![cc(
                "1.1.1",
                "Ensure security defaults are enabled",
                ComplianceState::Unsupported,
                0,
                0,
                0,
                &[],
            )],
        },
    ];
    let mut report = Report {
        schema_version: REPORT_SCHEMA_VERSION.to_owned(),
        tool: ToolInfo::rampart("0.1.0"),
        generated_at: Utc
            .with_ymd_and_hms(2026, 11, 29, 22, 0, 0)
            .single()
            .expect("valid date"),
        score,
        scopes,
        groups,
        controls,
        recommendations,
        compliance,
        input: InputSummary {
            files: vec![
                "inventory/prod.jsonl".to_owned(),
                "inventory/aws.jsonl".to_owned(),
            ],
            resources: all.len() as u64,
            skipped_records: 1,
            errors: vec![InputError {
                file: "inventory/prod.jsonl".to_owned(),
                line: Some(42),
                message: "missing field `type`".to_owned(),
            }],
        },
        exemptions: ExemptionSummary {
            applied: 1,
            expired: vec![ExpiredExemption {
                name: "legacy-sql-waiver".to_owned(),
                expires_on: "2026-06-30".to_owned(),
                file: Some("exemptions.yaml".to_owned()),
            }],
        },
        resources: Vec::new(),
        strings: StringTable::new(),
    };
    // The inventory in input order, then the results, which share its entries.
    for r in &all {
        report.add_resource(ResourceView {
            id: &r.id,
            name: r.name,
            resource_type: r.ty,
            scope: r.scope,
            provider: r.provider,
            region: Some(r.region),
            resource_group: r.rg,
        });
    }
    for (i, results) in results.into_iter().enumerate() {
        report.set_results(i, results);
    }
    report
}

fn cc(
    id: &str,
    name: &str,
    state: ComplianceState,
    p: u64,
    f: u64,
    s: u64,
    recs: &[&str],
) -> ComplianceControlReport {
    ComplianceControlReport {
        id: id.to_owned(),
        name: name.to_owned(),
        state,
        passed_assessments: p,
        failed_assessments: f,
        skipped_assessments: s,
        recommendations: recs.iter().map(|r| (*r).to_owned()).collect(),
    }
}
