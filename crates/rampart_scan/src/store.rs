//! The compact in-memory record of a scan: one summary per resource and one entry per (recommendation,
//! resource) assessment. Sized for millions of resources: strings that repeat (types, scopes, regions,
//! resource groups, reasons) are interned, and an entry is 12 bytes.

use std::collections::{BTreeMap, HashMap};

use rampart_model::{Assessment, Cause, Provider, Resource, Status};

/// A string table: each distinct string stored once, referred to by a dense index.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    index: HashMap<Box<str>, u32>,
    strings: Vec<Box<str>>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&idx) = self.index.get(s) {
            return idx;
        }
        let idx = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
        self.strings.push(s.into());
        self.index.insert(s.into(), idx);
        idx
    }

    pub(crate) fn get(&self, idx: u32) -> &str {
        self.strings.get(idx as usize).map_or("", |s| s)
    }
}

/// What the report needs to know about a resource once its document is dropped.
#[derive(Debug)]
pub(crate) struct ResourceSummary {
    pub(crate) id: Box<str>,
    pub(crate) name: Box<str>,
    pub(crate) provider: Provider,
    pub(crate) scope: u32,
    pub(crate) resource_type: u32,
    pub(crate) region: Option<u32>,
    pub(crate) resource_group: Option<u32>,
    pub(crate) tags: Box<[(Box<str>, Box<str>)]>,
}

/// Sentinel for "no reason".
const NO_REASON: u32 = u32::MAX;

/// One assessment of one recommendation on one resource.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) resource: u32,
    pub(crate) status: Status,
    pub(crate) cause: Option<Cause>,
    reason: u32,
}

/// Everything a scan accumulates before scoring and reporting.
#[derive(Debug)]
pub(crate) struct ScanStore {
    pub(crate) strings: Interner,
    pub(crate) resources: Vec<ResourceSummary>,
    /// Indexed by recommendation index of the benchmark.
    pub(crate) entries: Vec<Vec<Entry>>,
}

impl ScanStore {
    pub(crate) fn new(n_recommendations: usize) -> Self {
        Self {
            strings: Interner::default(),
            resources: Vec::new(),
            entries: (0..n_recommendations).map(|_| Vec::new()).collect(),
        }
    }

    /// Records a resource and returns its dense key.
    pub(crate) fn add_resource(&mut self, resource: &Resource) -> u32 {
        let key = u32::try_from(self.resources.len()).unwrap_or(u32::MAX);
        let summary = ResourceSummary {
            id: resource.id.as_str().into(),
            name: resource.name.as_str().into(),
            provider: resource.provider,
            scope: self.strings.intern(&resource.scope),
            resource_type: self.strings.intern(&resource.resource_type),
            region: resource.region.as_deref().map(|r| self.strings.intern(r)),
            resource_group: resource.resource_group.as_deref().map(|g| self.strings.intern(g)),
            tags: resource
                .tags
                .iter()
                .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
                .collect(),
        };
        self.resources.push(summary);
        key
    }

    pub(crate) fn push(&mut self, resource: u32, recommendation: usize, assessment: Assessment) {
        let reason = match &assessment.reason {
            Some(r) => self.strings.intern(r),
            None => NO_REASON,
        };
        if let Some(list) = self.entries.get_mut(recommendation) {
            list.push(Entry { resource, status: assessment.status, cause: assessment.cause, reason });
        }
    }

    pub(crate) fn reason(&self, entry: &Entry) -> Option<&str> {
        (entry.reason != NO_REASON).then(|| self.strings.get(entry.reason))
    }

    pub(crate) fn set(&mut self, recommendation: usize, idx: usize, assessment: &Assessment) {
        let reason = match &assessment.reason {
            Some(r) => self.strings.intern(r),
            None => NO_REASON,
        };
        if let Some(entry) = self.entries.get_mut(recommendation).and_then(|l| l.get_mut(idx)) {
            entry.status = assessment.status;
            entry.cause = assessment.cause;
            entry.reason = reason;
        }
    }

    /// A minimal `Resource` rebuilt from a summary, for matchers that take one (exemptions); `native` is null.
    pub(crate) fn resource_view(&self, key: u32) -> Option<Resource> {
        let s = self.resources.get(key as usize)?;
        Some(Resource {
            provider: s.provider,
            scope: self.strings.get(s.scope).to_owned(),
            region: s.region.map(|r| self.strings.get(r).to_owned()),
            resource_group: s.resource_group.map(|g| self.strings.get(g).to_owned()),
            resource_type: self.strings.get(s.resource_type).to_owned(),
            id: s.id.to_string(),
            name: s.name.to_string(),
            tags: s.tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
            native: serde_json::Value::Null,
            relationships: Vec::new(),
        })
    }
}
