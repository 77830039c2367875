//! The compact per-resource part of the [`Report`]: one [`ResourceInfo`] per resource read (the
//! report's inventory) and one 12-byte [`ResultEntry`] per (recommendation, resource) result, whose
//! strings live once in the report's [`StringTable`]. Renderers read them through borrowed views
//! ([`ResourceView`], [`ResourceResultView`]) with `&str` fields; serialisation expands each entry
//! into the contract's `recommendations[].resources[]` object (see `wire.rs`).

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};

use rampart_model::{Cause, Provider, Status, SubAssessment};
use serde::Serialize;

use crate::intern::{StrId, StringTable};
use crate::model::{RecommendationReport, Report, ResourceResult};

/// One resource read by the scan: what the report says about it (tags and the native document are
/// not kept). Interned fields are ids into [`Report::strings`]; read them through [`Report::resource`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInfo {
    /// The provider's globally unique id (ARM id, ARN, full resource name).
    pub id: Box<str>,
    /// Display name. Attacker-controlled: renderers escape it.
    pub name: Box<str>,
    /// The provider's native type (interned).
    pub resource_type: StrId,
    /// The scope id (interned).
    pub scope: StrId,
    /// Region / location (interned), [`StrId::NONE`] when the provider has none.
    pub region: StrId,
    /// Azure resource group (interned), [`StrId::NONE`] elsewhere.
    pub resource_group: StrId,
    /// The cloud or platform.
    pub provider: Provider,
}

/// One recommendation's result on one resource, compact: 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultEntry {
    /// Index into [`Report::resources`].
    pub resource: u32,
    /// A human sentence (interned in [`Report::strings`]), [`StrId::NONE`] when there is none.
    pub reason: StrId,
    /// Healthy, Unhealthy or NotApplicable.
    pub status: Status,
    /// Why NotApplicable; `None` for the other statuses.
    pub cause: Option<Cause>,
}

/// A resource of the report with its strings resolved; serialises as an entry of the top-level
/// `resources` array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ResourceView<'a> {
    /// The provider's globally unique id.
    pub id: &'a str,
    /// Display name (attacker-controlled).
    pub name: &'a str,
    /// The provider's native type.
    #[serde(rename = "type")]
    pub resource_type: &'a str,
    /// The scope id.
    pub scope: &'a str,
    /// The cloud or platform.
    pub provider: Provider,
    /// Region / location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<&'a str>,
    /// Azure resource group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<&'a str>,
}

/// One recommendation's result on one resource with every string resolved: exactly the contract's
/// `recommendations[].resources[]` object (it serialises to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ResourceResultView<'a> {
    /// The provider's globally unique id (ARM id, ARN, full resource name).
    pub id: &'a str,
    /// Display name. Attacker-controlled: renderers escape it.
    pub name: &'a str,
    /// The provider's native type.
    #[serde(rename = "type")]
    pub resource_type: &'a str,
    /// The scope id the resource belongs to.
    pub scope: &'a str,
    /// The cloud or platform.
    pub provider: Provider,
    /// Region / location, where the provider has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<&'a str>,
    /// Azure resource group; `None` elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<&'a str>,
    /// Healthy, Unhealthy or NotApplicable.
    pub status: Status,
    /// Why NotApplicable; `None` for the other statuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// What was found, what was missing, or the exemption's note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    /// Findings under this result (from the recommendation's side table); empty for most results.
    #[serde(skip_serializing_if = "<[SubAssessment]>::is_empty")]
    pub sub_assessments: &'a [SubAssessment],
}

impl ResourceResultView<'_> {
    /// An owned copy (the pre-compact struct), e.g. to edit and [`Report::set_results`] again.
    #[must_use]
    pub fn to_owned_result(&self) -> ResourceResult {
        ResourceResult {
            id: self.id.to_owned(),
            name: self.name.to_owned(),
            resource_type: self.resource_type.to_owned(),
            scope: self.scope.to_owned(),
            provider: self.provider,
            region: self.region.map(str::to_owned),
            resource_group: self.resource_group.map(str::to_owned),
            status: self.status,
            cause: self.cause,
            reason: self.reason.map(str::to_owned),
            sub_assessments: self.sub_assessments.to_vec(),
        }
    }
}

/// A resource missing from the table (an entry whose index is out of range; only a hand-built report
/// can have one, and [`Report::invariant_violations`] reports it): rendered with empty strings.
const MISSING: ResourceView<'static> = ResourceView {
    id: "",
    name: "",
    resource_type: "",
    scope: "",
    provider: Provider::Azure,
    region: None,
    resource_group: None,
};

impl Report {
    /// The resource at `index` of [`Report::resources`] with its strings resolved.
    #[must_use]
    pub fn resource(&self, index: u32) -> Option<ResourceView<'_>> {
        let info = self.resources.get(index as usize)?;
        Some(ResourceView {
            id: &info.id,
            name: &info.name,
            resource_type: self.strings.str(info.resource_type),
            scope: self.strings.str(info.scope),
            provider: info.provider,
            region: self.strings.get(info.region),
            resource_group: self.strings.get(info.resource_group),
        })
    }

    /// Every resource read, in input order.
    pub fn resource_views(&self) -> impl ExactSizeIterator<Item = ResourceView<'_>> + '_ {
        (0..self.resources.len()).map(move |i| self.resource_at(i))
    }

    /// The resource at position `i` of the table as [`Report::resource_views`] yields it (empty
    /// strings past `u32` indexing, never in practice).
    pub(crate) fn resource_at(&self, i: usize) -> ResourceView<'_> {
        self.resource(u32::try_from(i).unwrap_or(u32::MAX))
            .unwrap_or(MISSING)
    }

    /// One entry with its resource and reason resolved (without sub-assessments, which live in the
    /// recommendation's side table: use [`Report::results`] or [`Report::result_in`] for them).
    #[must_use]
    pub fn result(&self, entry: &ResultEntry) -> ResourceResultView<'_> {
        let r = self.resource(entry.resource).unwrap_or(MISSING);
        ResourceResultView {
            id: r.id,
            name: r.name,
            resource_type: r.resource_type,
            scope: r.scope,
            provider: r.provider,
            region: r.region,
            resource_group: r.resource_group,
            status: entry.status,
            cause: entry.cause,
            reason: self.strings.get(entry.reason),
            sub_assessments: &[],
        }
    }

    /// Entry `index` of `rec` with every string and its sub-assessments resolved; `None` when out of
    /// range.
    #[must_use]
    pub fn result_in<'a>(
        &'a self,
        rec: &'a RecommendationReport,
        index: usize,
    ) -> Option<ResourceResultView<'a>> {
        let entry = rec.resources.get(index)?;
        let mut view = self.result(entry);
        view.sub_assessments = sub_assessments_of(rec, index);
        Some(view)
    }

    /// The results of `rec` (a recommendation of this report), in order, with every string resolved.
    pub fn results<'a>(
        &'a self,
        rec: &'a RecommendationReport,
    ) -> impl ExactSizeIterator<Item = ResourceResultView<'a>> + 'a {
        let side = !rec.sub_assessments.is_empty();
        rec.resources.iter().enumerate().map(move |(i, e)| {
            let mut view = self.result(e);
            if side {
                view.sub_assessments = sub_assessments_of(rec, i);
            }
            view
        })
    }

    /// Adds a resource to the table (interning its strings) and returns its index. Does not look for
    /// an equal resource already present.
    pub fn add_resource(&mut self, resource: ResourceView<'_>) -> u32 {
        let index = u32::try_from(self.resources.len()).unwrap_or(u32::MAX);
        let info = ResourceInfo {
            id: resource.id.into(),
            name: resource.name.into(),
            resource_type: self.strings.intern(resource.resource_type),
            scope: self.strings.intern(resource.scope),
            region: self.strings.intern_opt(resource.region),
            resource_group: self.strings.intern_opt(resource.resource_group),
            provider: resource.provider,
        };
        self.resources.push(info);
        index
    }

    /// Replaces the results of `self.recommendations[rec]` by `results` (owned, contract-shaped),
    /// interning them: a resource equal in every field to one already in the table is shared,
    /// otherwise it is added. Counts (`healthy`, ...) are recomputed. A convenience for tests and
    /// small producers: it indexes the whole resource table on each call. Does nothing when `rec` is
    /// out of range.
    pub fn set_results(&mut self, rec: usize, results: impl IntoIterator<Item = ResourceResult>) {
        if rec >= self.recommendations.len() {
            return;
        }
        let mut interner = ResultInterner::new(&self.resources);
        let mut subs = BTreeMap::new();
        let mut entries: Vec<ResultEntry> = Vec::new();
        for mut r in results {
            if !r.sub_assessments.is_empty() {
                let at = u32::try_from(entries.len()).unwrap_or(u32::MAX);
                subs.insert(at, std::mem::take(&mut r.sub_assessments));
            }
            entries.push(interner.entry(&mut self.strings, &mut self.resources, &r));
        }
        let target = &mut self.recommendations[rec];
        target.resources = entries;
        target.sub_assessments = subs;
        target.recount();
    }

    /// The results of `self.recommendations[rec]` as owned, contract-shaped structs (empty when out
    /// of range).
    #[must_use]
    pub fn owned_results(&self, rec: usize) -> Vec<ResourceResult> {
        self.recommendations
            .get(rec)
            .map(|r| self.results(r).map(|v| v.to_owned_result()).collect())
            .unwrap_or_default()
    }
}

/// The sub-assessments of entry `index` of `rec` (empty when it has none).
pub(crate) fn sub_assessments_of(rec: &RecommendationReport, index: usize) -> &[SubAssessment] {
    u32::try_from(index)
        .ok()
        .and_then(|i| rec.sub_assessments.get(&i))
        .map_or(&[], Vec::as_slice)
}

/// Finds or adds the resource of an owned result, so equal resources share one table entry.
pub(crate) struct ResultInterner {
    index: HashMap<ResourceKey, u32>,
}

/// A resource's identity in the table: every field (two results naming the same id with a different
/// name stay two resources, so a round trip reproduces each result exactly).
#[derive(PartialEq, Eq, Hash)]
struct ResourceKey {
    id: Box<str>,
    name: Box<str>,
    resource_type: StrId,
    scope: StrId,
    region: StrId,
    resource_group: StrId,
    provider: Provider,
}

impl ResourceKey {
    fn of(info: &ResourceInfo) -> Self {
        Self {
            id: info.id.clone(),
            name: info.name.clone(),
            resource_type: info.resource_type,
            scope: info.scope,
            region: info.region,
            resource_group: info.resource_group,
            provider: info.provider,
        }
    }
}

impl ResultInterner {
    /// Indexes `resources` (the first of equal ones wins).
    pub(crate) fn new(resources: &[ResourceInfo]) -> Self {
        let mut index = HashMap::with_capacity(resources.len());
        for (i, info) in resources.iter().enumerate() {
            index
                .entry(ResourceKey::of(info))
                .or_insert(u32::try_from(i).unwrap_or(u32::MAX));
        }
        Self { index }
    }

    /// The index of `info` in `resources`, appending it when no equal resource is there.
    pub(crate) fn resource(
        &mut self,
        resources: &mut Vec<ResourceInfo>,
        info: ResourceInfo,
    ) -> u32 {
        *self.index.entry(ResourceKey::of(&info)).or_insert_with(|| {
            let i = u32::try_from(resources.len()).unwrap_or(u32::MAX);
            resources.push(info);
            i
        })
    }

    /// The compact entry of `r`, adding its resource and strings as needed.
    pub(crate) fn entry(
        &mut self,
        strings: &mut StringTable,
        resources: &mut Vec<ResourceInfo>,
        r: &ResourceResult,
    ) -> ResultEntry {
        let info = ResourceInfo {
            id: r.id.as_str().into(),
            name: r.name.as_str().into(),
            resource_type: strings.intern(&r.resource_type),
            scope: strings.intern(&r.scope),
            region: strings.intern_opt(r.region.as_deref()),
            resource_group: strings.intern_opt(r.resource_group.as_deref()),
            provider: r.provider,
        };
        ResultEntry {
            resource: self.resource(resources, info),
            reason: strings.intern_opt(r.reason.as_deref()),
            status: r.status,
            cause: r.cause,
        }
    }
}
