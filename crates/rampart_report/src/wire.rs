//! The [`Report`]'s JSON form and equality. Serialisation borrows the report and expands each compact
//! [`ResultEntry`](crate::ResultEntry) into the contract's `recommendations[].resources[]` object,
//! streaming (nothing is materialised per result); the resource table is written as the top-level
//! `resources` array, after every documented field. Deserialisation reads the contract (with or
//! without the `resources` array) and rebuilds the compact form, interning each result as it is read. Equality is the contract's: two
//! reports are equal when they serialise identically, whatever their string-table numbering.

use chrono::{DateTime, Utc};
use rampart_model::{Provider, Severity, SubAssessment};
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Deserializer, Serialize};

use crate::intern::StringTable;
use crate::model::{
    ControlReport, ExemptionSummary, GroupReport, InputSummary, RecommendationReport, Report,
    ResourceResult, ScopeReport, Score, StandardReport, ToolInfo,
};
use crate::results::{ResourceInfo, ResultEntry, ResultInterner};

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

/// What deserialisation accumulates: results are interned as they are read, one at a time, so
/// reading a large report never holds its results in owned form.
struct Building {
    strings: StringTable,
    resources: Vec<ResourceInfo>,
    interner: ResultInterner,
}

impl Building {
    fn info(&mut self, r: &ResourceIn) -> ResourceInfo {
        ResourceInfo {
            id: r.id.as_str().into(),
            name: r.name.as_str().into(),
            resource_type: self.strings.intern(&r.resource_type),
            scope: self.strings.intern(&r.scope),
            region: self.strings.intern_opt(r.region.as_deref()),
            resource_group: self.strings.intern_opt(r.resource_group.as_deref()),
            provider: r.provider,
        }
    }

    /// Makes the table exactly `inventory` (in its order, duplicates kept, so it round-trips),
    /// followed by any resource that only the results named; re-points the entries.
    fn adopt_inventory(&mut self, inventory: &[ResourceIn], recs: &mut [RecommendationReport]) {
        let mut table = Vec::with_capacity(inventory.len());
        for r in inventory {
            let info = self.info(r);
            table.push(info);
        }
        let mut interner = ResultInterner::new(&table);
        let remap: Vec<u32> = std::mem::take(&mut self.resources)
            .into_iter()
            .map(|info| interner.resource(&mut table, info))
            .collect();
        for rec in recs {
            for e in &mut rec.resources {
                e.resource = remap
                    .get(e.resource as usize)
                    .copied()
                    .unwrap_or(e.resource);
            }
        }
        self.resources = table;
    }
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

/// Top-level members, in contract order.
const FIELDS: &[&str] = &[
    "schema_version",
    "tool",
    "generated_at",
    "score",
    "scopes",
    "groups",
    "controls",
    "recommendations",
    "compliance",
    "input",
    "exemptions",
    "resources",
];

struct ReportVisitor;

impl<'de> Visitor<'de> for ReportVisitor {
    type Value = Report;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Rampart report object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Report, A::Error> {
        let mut b = Building {
            strings: StringTable::new(),
            resources: Vec::new(),
            interner: ResultInterner::new(&[]),
        };
        let (mut schema_version, mut tool, mut generated_at, mut score) = (None, None, None, None);
        let (mut scopes, mut groups, mut controls, mut recommendations) = (None, None, None, None);
        let (mut compliance, mut input, mut exemptions) = (None, None, None);
        let mut late_inventory: Option<Vec<ResourceIn>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "schema_version" => schema_version = Some(map.next_value()?),
                "tool" => tool = Some(map.next_value()?),
                "generated_at" => generated_at = Some(map.next_value()?),
                "score" => score = Some(map.next_value()?),
                "scopes" => scopes = Some(map.next_value()?),
                "groups" => groups = Some(map.next_value()?),
                "controls" => controls = Some(map.next_value()?),
                "recommendations" => recommendations = Some(map.next_value_seed(RecsSeed(&mut b))?),
                "compliance" => compliance = Some(map.next_value()?),
                "input" => input = Some(map.next_value()?),
                "exemptions" => exemptions = Some(map.next_value()?),
                "resources" => {
                    let inventory: Vec<ResourceIn> = map.next_value()?;
                    if recommendations.is_none() && b.resources.is_empty() {
                        for r in &inventory {
                            let info = b.info(r);
                            b.resources.push(info);
                        }
                        // The inventory came first: results point into it as they are read.
                        b.interner = ResultInterner::new(&b.resources);
                    } else {
                        late_inventory = Some(inventory);
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let mut recommendations: Vec<RecommendationReport> =
            recommendations.ok_or_else(|| de::Error::missing_field("recommendations"))?;
        if let Some(inventory) = late_inventory {
            b.adopt_inventory(&inventory, &mut recommendations);
        }
        Ok(Report {
            schema_version: schema_version
                .ok_or_else(|| de::Error::missing_field("schema_version"))?,
            tool: tool.ok_or_else(|| de::Error::missing_field("tool"))?,
            generated_at: generated_at.ok_or_else(|| de::Error::missing_field("generated_at"))?,
            score: score.ok_or_else(|| de::Error::missing_field("score"))?,
            scopes: scopes.ok_or_else(|| de::Error::missing_field("scopes"))?,
            groups: groups.unwrap_or_default(),
            controls: controls.ok_or_else(|| de::Error::missing_field("controls"))?,
            recommendations,
            compliance: compliance.unwrap_or_default(),
            input: input.ok_or_else(|| de::Error::missing_field("input"))?,
            exemptions: exemptions.unwrap_or_default(),
            resources: b.resources,
            strings: b.strings,
        })
    }
}

/// `recommendations`: each read with [`RecSeed`].
struct RecsSeed<'b>(&'b mut Building);

impl<'de> DeserializeSeed<'de> for RecsSeed<'_> {
    type Value = Vec<RecommendationReport>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecsSeed<'_> {
    type Value = Vec<RecommendationReport>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of recommendations")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(rec) = seq.next_element_seed(RecSeed(&mut *self.0))? {
            out.push(rec);
        }
        Ok(out)
    }
}

/// One recommendation; its `resources` are interned one by one ([`ResultsSeed`]).
struct RecSeed<'b>(&'b mut Building);

const REC_FIELDS: &[&str] = &[
    "id",
    "title",
    "severity",
    "control",
    "controls",
    "preview",
    "custom",
    "mcsb",
    "description",
    "remediation",
    "healthy",
    "unhealthy",
    "not_applicable",
    "resources",
];

impl<'de> DeserializeSeed<'de> for RecSeed<'_> {
    type Value = RecommendationReport;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_struct("RecommendationReport", REC_FIELDS, self)
    }
}

impl<'de> Visitor<'de> for RecSeed<'_> {
    type Value = RecommendationReport;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a recommendation object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut id, mut title, mut severity, mut control) = (None, None, None, None);
        let (mut controls, mut preview, mut custom, mut mcsb) = (None, None, None, None);
        let (mut description, mut remediation) = (None, None);
        let (mut healthy, mut unhealthy, mut not_applicable, mut resources) =
            (None, None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "id" => id = Some(map.next_value()?),
                "title" => title = Some(map.next_value()?),
                "severity" => severity = Some(map.next_value::<Severity>()?),
                "control" => control = Some(map.next_value()?),
                "controls" => controls = Some(map.next_value()?),
                "preview" => preview = Some(map.next_value()?),
                "custom" => custom = Some(map.next_value()?),
                "mcsb" => mcsb = Some(map.next_value()?),
                "description" => description = Some(map.next_value()?),
                "remediation" => remediation = Some(map.next_value()?),
                "healthy" => healthy = Some(map.next_value()?),
                "unhealthy" => unhealthy = Some(map.next_value()?),
                "not_applicable" => not_applicable = Some(map.next_value()?),
                "resources" => {
                    resources = Some(map.next_value_seed(ResultsSeed(&mut *self.0))?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let need = |f: &'static str| de::Error::missing_field(f);
        let (resources, sub_assessments) = resources.ok_or_else(|| need("resources"))?;
        Ok(RecommendationReport {
            id: id.ok_or_else(|| need("id"))?,
            title: title.ok_or_else(|| need("title"))?,
            severity: severity.ok_or_else(|| need("severity"))?,
            control: control.ok_or_else(|| need("control"))?,
            controls: controls.ok_or_else(|| need("controls"))?,
            preview: preview.ok_or_else(|| need("preview"))?,
            custom: custom.ok_or_else(|| need("custom"))?,
            mcsb: mcsb.ok_or_else(|| need("mcsb"))?,
            description: description.unwrap_or_default(),
            remediation: remediation.unwrap_or_default(),
            healthy: healthy.ok_or_else(|| need("healthy"))?,
            unhealthy: unhealthy.ok_or_else(|| need("unhealthy"))?,
            not_applicable: not_applicable.ok_or_else(|| need("not_applicable"))?,
            resources,
            sub_assessments,
        })
    }
}

/// `recommendations[].resources`: each contract object read and interned at once.
struct ResultsSeed<'b>(&'b mut Building);

/// The entries and the side table of their sub-assessments.
type Results = (Vec<ResultEntry>, BTreeMap<u32, Vec<SubAssessment>>);

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_> {
    type Value = Results;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_> {
    type Value = Results;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of resource results")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let b = self.0;
        let mut out = Vec::new();
        let mut subs = BTreeMap::new();
        while let Some(mut r) = seq.next_element::<ResourceResult>()? {
            if !r.sub_assessments.is_empty() {
                let at = u32::try_from(out.len()).unwrap_or(u32::MAX);
                subs.insert(at, std::mem::take(&mut r.sub_assessments));
            }
            out.push(b.interner.entry(&mut b.strings, &mut b.resources, &r));
        }
        out.shrink_to_fit();
        Ok((out, subs))
    }
}

impl<'de> Deserialize<'de> for Report {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("Report", FIELDS, ReportVisitor)
    }
}
