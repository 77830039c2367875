//! The compact in-memory record of a scan: one summary per resource and one entry per (recommendation,
//! resource) assessment. Sized for millions of resources: strings that repeat (types, scopes, regions,
//! resource groups, reasons) are interned, and an entry is 12 bytes. The summaries, entries and string
//! table are the report's own types ([`ResourceInfo`], [`ResultEntry`], [`StringTable`]) so that
//! building the report moves them instead of copying per entry. Tags (read by exemptions and
//! `--group-by tag:KEY`, not reported) are kept apart, interned, and dropped with the store.

use rampart_exemptions::ExemptionSubject;
use std::collections::BTreeMap;

use rampart_model::{Assessment, Resource, Status, SubAssessment, SubAssessmentCause};
use rampart_report::{ResourceInfo, ResultEntry, StrId, StringTable};
use rampart_score::Grouping;

/// Every resource's tags, interned and flattened: resource `k` owns `pairs[spans[k]..spans[k + 1]]`.
#[derive(Debug)]
struct Tags {
    strings: StringTable,
    spans: Vec<u32>,
    pairs: Vec<(StrId, StrId)>,
}

impl Tags {
    fn of(&self, key: u32) -> &[(StrId, StrId)] {
        let k = key as usize;
        match (self.spans.get(k), self.spans.get(k + 1)) {
            (Some(&a), Some(&b)) => self.pairs.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The value of `key` on resource `resource`: exact key first, then ASCII case-insensitive (Azure
    /// tag names are case-insensitive), as `rampart_model::Resource` lookups do.
    fn get(&self, resource: u32, key: &str) -> Option<&str> {
        let pairs = self.of(resource);
        let exact = self.strings.lookup(key);
        exact
            .and_then(|k| pairs.iter().find(|(name, _)| *name == k))
            .or_else(|| {
                pairs
                    .iter()
                    .find(|(name, _)| self.strings.str(*name).eq_ignore_ascii_case(key))
            })
            .and_then(|(_, value)| self.strings.get(*value))
    }
}

/// The Resource Graph type of an Azure subscription row; its `name` is the subscription's display name.
const SUBSCRIPTION_TYPE: &str = "microsoft.resources/subscriptions";

/// Everything a scan accumulates before scoring and reporting.
#[derive(Debug)]
pub(crate) struct ScanStore {
    /// Types, scopes, regions, resource groups and reasons; becomes the report's table.
    pub(crate) strings: StringTable,
    /// One per resource read, indexed by the resource's dense key; becomes the report's inventory.
    pub(crate) resources: Vec<ResourceInfo>,
    /// Indexed by recommendation index of the benchmark.
    pub(crate) entries: Vec<Vec<ResultEntry>>,
    /// Per recommendation, the sub-assessments of its entries by entry position (vulnerability
    /// findings; empty and unallocated for nearly every recommendation).
    pub(crate) subs: Vec<BTreeMap<u32, Vec<SubAssessment>>>,
    /// Display names of scopes, from the scope's own row when the inventory has one (an Azure
    /// `microsoft.resources/subscriptions` row from Resource Graph's ResourceContainers table).
    pub(crate) scope_names: std::collections::HashMap<String, String>,
    tags: Tags,
    /// Whether resources' tags are kept (something reads them: tag exemptions, tag grouping);
    /// without, every resource has none here.
    keep_tags: bool,
}

impl ScanStore {
    pub(crate) fn new(n_recommendations: usize, keep_tags: bool) -> Self {
        Self {
            strings: StringTable::new(),
            resources: Vec::new(),
            entries: (0..n_recommendations).map(|_| Vec::new()).collect(),
            subs: (0..n_recommendations).map(|_| BTreeMap::new()).collect(),
            scope_names: std::collections::HashMap::new(),
            tags: Tags {
                strings: StringTable::new(),
                spans: vec![0],
                pairs: Vec::new(),
            },
            keep_tags,
        }
    }

    /// Records a resource and returns its dense key.
    pub(crate) fn add_resource(&mut self, resource: &Resource) -> u32 {
        let key = u32::try_from(self.resources.len()).unwrap_or(u32::MAX);
        if resource
            .resource_type
            .eq_ignore_ascii_case(SUBSCRIPTION_TYPE)
            && !resource.name.is_empty()
        {
            self.scope_names
                .insert(resource.scope.clone(), resource.name.clone());
        }
        self.resources.push(ResourceInfo {
            id: resource.id.as_str().into(),
            name: resource.name.as_str().into(),
            provider: resource.provider,
            scope: self.strings.intern(&resource.scope),
            resource_type: self.strings.intern(&resource.resource_type),
            region: self.strings.intern_opt(resource.region.as_deref()),
            resource_group: self.strings.intern_opt(resource.resource_group.as_deref()),
        });
        if self.keep_tags {
            for (k, v) in &resource.tags {
                let pair = (self.tags.strings.intern(k), self.tags.strings.intern(v));
                self.tags.pairs.push(pair);
            }
        }
        let end = u32::try_from(self.tags.pairs.len()).unwrap_or(u32::MAX);
        self.tags.spans.push(end);
        key
    }

    fn entry(&mut self, resource: u32, assessment: &Assessment) -> ResultEntry {
        ResultEntry {
            resource,
            reason: self.strings.intern_opt(assessment.reason.as_deref()),
            status: assessment.status,
            cause: assessment.cause,
        }
    }

    pub(crate) fn push(&mut self, resource: u32, recommendation: usize, assessment: Assessment) {
        let entry = self.entry(resource, &assessment);
        if let Some(list) = self.entries.get_mut(recommendation) {
            if !assessment.sub_assessments.is_empty() {
                if let Some(side) = self.subs.get_mut(recommendation) {
                    let at = u32::try_from(list.len()).unwrap_or(u32::MAX);
                    side.insert(at, assessment.sub_assessments);
                }
            }
            list.push(entry);
        }
    }

    /// Replaces the assessment of entry `idx` of `recommendation` (keeping its resource).
    pub(crate) fn set(&mut self, recommendation: usize, idx: usize, assessment: &Assessment) {
        let Some(resource) = self
            .entries
            .get(recommendation)
            .and_then(|l| l.get(idx))
            .map(|e| e.resource)
        else {
            return;
        };
        let entry = self.entry(resource, assessment);
        if let Some(slot) = self
            .entries
            .get_mut(recommendation)
            .and_then(|l| l.get_mut(idx))
        {
            *slot = entry;
        }
        // An exempt parent: its findings no longer count either (Defender: cause Exempt).
        if assessment.cause == Some(rampart_model::Cause::Exempt) {
            let at = u32::try_from(idx).unwrap_or(u32::MAX);
            if let Some(subs) = self
                .subs
                .get_mut(recommendation)
                .and_then(|m| m.get_mut(&at))
            {
                for sub in subs
                    .iter_mut()
                    .filter(|s| s.status.code == Status::Unhealthy)
                {
                    sub.status.code = Status::NotApplicable;
                    sub.status.cause = Some(SubAssessmentCause::Exempt);
                    sub.status.description = Some("the parent assessment is exempt".to_owned());
                }
            }
        }
    }

    /// What exemption selectors read of resource `key`, without rebuilding a `Resource`.
    pub(crate) fn subject(&self, key: u32) -> Option<Subject<'_>> {
        let info = self.resources.get(key as usize)?;
        Some(Subject {
            store: self,
            key,
            info,
        })
    }

    /// The resource's value for `grouping` (as `Grouping::value_of` reads a `Resource`).
    pub(crate) fn group_value(&self, key: u32, grouping: &Grouping) -> Option<&str> {
        let info = self.resources.get(key as usize)?;
        match grouping {
            Grouping::Scope => self.strings.get(info.scope),
            Grouping::ResourceGroup => self.strings.get(info.resource_group),
            Grouping::Region => self.strings.get(info.region),
            Grouping::Tag(tag) => self.tags.get(key, tag),
        }
    }
}

/// One stored resource as exemption selectors see it.
pub(crate) struct Subject<'a> {
    store: &'a ScanStore,
    key: u32,
    info: &'a ResourceInfo,
}

impl ExemptionSubject for Subject<'_> {
    fn id(&self) -> &str {
        &self.info.id
    }
    fn scope(&self) -> &str {
        self.store.strings.str(self.info.scope)
    }
    fn resource_group(&self) -> Option<&str> {
        self.store.strings.get(self.info.resource_group)
    }
    fn tag(&self, key: &str) -> Option<&str> {
        self.store.tags.get(self.key, key)
    }
}
