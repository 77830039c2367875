//! The [`Report`]'s JSON form and equality. Serialisation borrows the report and expands each compact
//! [`ResultEntry`](crate::ResultEntry) into the contract's `recommendations[].resources[]` object,
//! streaming (nothing is materialised per result); the resource table is written as the top-level
//! `resources` array, after every documented field. Deserialisation reads the contract (with or
//! without the `resources` array) and rebuilds the compact form. Equality is the contract's: two
//! reports are equal when they serialise identically, whatever their string-table numbering.

use chrono::{DateTime, Utc};
use rampart_model::{Provider, Severity};
use serde::ser::Serializer;
use serde::{Deserialize, Deserializer, Serialize};

use crate::intern::StringTable;
use crate::model::{
    ControlReport, ExemptionSummary, GroupReport, InputSummary, RecommendationReport, Report,
    ResourceResult, ScopeReport, Score, StandardReport, ToolInfo,
};
use crate::results::{ResourceView, ResultInterner};

#[derive(Serialize, PartialEq)]
struct ReportOut<'a> {
    schema_version: &'a str,
    tool: &'a ToolInfo,
    generated_at: &'a DateTime<Utc>,
    score: &'a Score,
    scopes: &'a [ScopeReport],
    groups: &'a [GroupReport],
    controls: &'a [ControlReport],
    recommendations: RecsOut<'a>,
    compliance: &'a [StandardReport],
    input: &'a InputSummary,
    exemptions: &'a ExemptionSummary,
    resources: InventoryOut<'a>,
}

impl<'a> ReportOut<'a> {
    fn of(r: &'a Report) -> Self {
        Self {
            schema_version: &r.schema_version,
            tool: &r.tool,
            generated_at: &r.generated_at,
            score: &r.score,
            scopes: &r.scopes,
            groups: &r.groups,
            controls: &r.controls,
            recommendations: RecsOut(r),
            compliance: &r.compliance,
            input: &r.input,
            exemptions: &r.exemptions,
            resources: InventoryOut(r),
        }
    }
}

struct RecsOut<'a>(&'a Report);

impl Serialize for RecsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        s.collect_seq(r.recommendations.iter().map(|rec| RecOut::of(r, rec)))
    }
}

impl PartialEq for RecsOut<'_> {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0, other.0);
        a.recommendations.len() == b.recommendations.len()
            && a.recommendations
                .iter()
                .zip(&b.recommendations)
                .all(|(x, y)| RecOut::of(a, x) == RecOut::of(b, y))
    }
}

#[derive(Serialize, PartialEq)]
struct RecOut<'a> {
    id: &'a str,
    title: &'a str,
    severity: Severity,
    control: &'a str,
    controls: &'a [String],
    preview: bool,
    custom: bool,
    mcsb: &'a [String],
    description: &'a str,
    remediation: &'a str,
    healthy: u64,
    unhealthy: u64,
    not_applicable: u64,
    resources: ResultsOut<'a>,
}

impl<'a> RecOut<'a> {
    fn of(report: &'a Report, rec: &'a RecommendationReport) -> Self {
        Self {
            id: &rec.id,
            title: &rec.title,
            severity: rec.severity,
            control: &rec.control,
            controls: &rec.controls,
            preview: rec.preview,
            custom: rec.custom,
            mcsb: &rec.mcsb,
            description: &rec.description,
            remediation: &rec.remediation,
            healthy: rec.healthy,
            unhealthy: rec.unhealthy,
            not_applicable: rec.not_applicable,
            resources: ResultsOut { report, rec },
        }
    }
}

struct ResultsOut<'a> {
    report: &'a Report,
    rec: &'a RecommendationReport,
}

impl Serialize for ResultsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.report.results(self.rec))
    }
}

impl PartialEq for ResultsOut<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.rec.resources.len() == other.rec.resources.len()
            && self
                .report
                .results(self.rec)
                .zip(other.report.results(other.rec))
                .all(|(x, y)| x == y)
    }
}

struct InventoryOut<'a>(&'a Report);

impl Serialize for InventoryOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.resource_views())
    }
}

impl PartialEq for InventoryOut<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.resources.len() == other.0.resources.len()
            && self
                .0
                .resource_views()
                .zip(other.0.resource_views())
                .all(|(x, y)| x == y)
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ReportOut::of(self).serialize(s)
    }
}

impl PartialEq for Report {
    fn eq(&self, other: &Self) -> bool {
        ReportOut::of(self) == ReportOut::of(other)
    }
}

#[derive(Deserialize)]
struct ReportIn {
    schema_version: String,
    tool: ToolInfo,
    generated_at: DateTime<Utc>,
    score: Score,
    scopes: Vec<ScopeReport>,
    #[serde(default)]
    groups: Vec<GroupReport>,
    controls: Vec<ControlReport>,
    recommendations: Vec<RecIn>,
    #[serde(default)]
    compliance: Vec<StandardReport>,
    input: InputSummary,
    #[serde(default)]
    exemptions: ExemptionSummary,
    /// Absent from reports written before the resource table existed.
    #[serde(default)]
    resources: Vec<ResourceIn>,
}

#[derive(Deserialize)]
struct RecIn {
    id: String,
    title: String,
    severity: Severity,
    control: String,
    controls: Vec<String>,
    preview: bool,
    custom: bool,
    mcsb: Vec<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    remediation: String,
    healthy: u64,
    unhealthy: u64,
    not_applicable: u64,
    resources: Vec<ResourceResult>,
}

#[derive(Deserialize)]
struct ResourceIn {
    id: String,
    name: String,
    #[serde(rename = "type")]
    resource_type: String,
    scope: String,
    provider: Provider,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    resource_group: Option<String>,
}

impl<'de> Deserialize<'de> for Report {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = ReportIn::deserialize(d)?;
        let mut report = Report {
            schema_version: wire.schema_version,
            tool: wire.tool,
            generated_at: wire.generated_at,
            score: wire.score,
            scopes: wire.scopes,
            groups: wire.groups,
            controls: wire.controls,
            recommendations: Vec::with_capacity(wire.recommendations.len()),
            compliance: wire.compliance,
            input: wire.input,
            exemptions: wire.exemptions,
            resources: Vec::with_capacity(wire.resources.len()),
            strings: StringTable::new(),
        };
        // The table first, in its order (so it round-trips), then the results point into it.
        for r in &wire.resources {
            report.add_resource(ResourceView {
                id: &r.id,
                name: &r.name,
                resource_type: &r.resource_type,
                scope: &r.scope,
                provider: r.provider,
                region: r.region.as_deref(),
                resource_group: r.resource_group.as_deref(),
            });
        }
        drop(wire.resources);
        let mut interner = ResultInterner::new(&report);
        for rec in wire.recommendations {
            let resources = rec
                .resources
                .iter()
                .map(|r| interner.entry(&mut report, r))
                .collect();
            report.recommendations.push(RecommendationReport {
                id: rec.id,
                title: rec.title,
                severity: rec.severity,
                control: rec.control,
                controls: rec.controls,
                preview: rec.preview,
                custom: rec.custom,
                mcsb: rec.mcsb,
                description: rec.description,
                remediation: rec.remediation,
                healthy: rec.healthy,
                unhealthy: rec.unhealthy,
                not_applicable: rec.not_applicable,
                resources,
            });
        }
        Ok(report)
    }
}
