//! The report-level string table: every string that repeats across resources and results (types,
//! scopes, regions, resource groups, reasons) is stored once and referred to by a 4-byte [`StrId`].
//! This is what keeps a 1M-resource report (≈12M results) within memory.

use foldhash::HashMap;
use std::sync::Arc;

/// An index into a [`StringTable`], or [`StrId::NONE`] for "no string".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StrId(u32);

impl StrId {
    /// The sentinel for an absent string (a result without a reason, a resource without a region).
    pub const NONE: StrId = StrId(u32::MAX);

    /// Whether this is [`StrId::NONE`].
    #[must_use]
    pub fn is_none(self) -> bool {
        self == Self::NONE
    }

    /// The raw index.
    #[must_use]
    pub fn index(self) -> u32 {
        self.0
    }
}

/// Each distinct string stored once. Ids are dense and stable for the life of the table; two tables
/// holding the same strings may number them differently (compare strings, not ids, across reports).
#[derive(Debug, Clone, Default)]
pub struct StringTable {
    strings: Vec<Arc<str>>,
    /// Per string, whether JSON must escape it: found once when the string is added, because a
    /// report writes each interned string millions of times (types, scopes, reasons of results).
    escaped: Vec<bool>,
    index: HashMap<Arc<str>, u32>,
}

impl StringTable {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `s`, adding it if new. A table is limited to `u32::MAX - 1` strings; beyond that
    /// (never reached in practice: 4 billion distinct strings) the string is not stored and
    /// [`StrId::NONE`] is returned.
    pub fn intern(&mut self, s: &str) -> StrId {
        if let Some(&idx) = self.index.get(s) {
            return StrId(idx);
        }
        let Ok(idx) = u32::try_from(self.strings.len()) else {
            return StrId::NONE;
        };
        if idx == u32::MAX {
            return StrId::NONE;
        }
        let shared: Arc<str> = Arc::from(s);
        self.strings.push(Arc::clone(&shared));
        self.escaped.push(crate::escape::needs_escape(s.as_bytes()));
        self.index.insert(shared, idx);
        StrId(idx)
    }

    /// [`StringTable::intern`] for an optional string (`None` → [`StrId::NONE`]).
    pub fn intern_opt(&mut self, s: Option<&str>) -> StrId {
        s.map_or(StrId::NONE, |s| self.intern(s))
    }

    /// The id of `s` if it is in the table.
    #[must_use]
    pub fn lookup(&self, s: &str) -> Option<StrId> {
        self.index.get(s).map(|&i| StrId(i))
    }

    /// The string of `id`; `None` for [`StrId::NONE`] or an id from another table that is out of range.
    #[must_use]
    pub fn get(&self, id: StrId) -> Option<&str> {
        self.strings.get(id.0 as usize).map(|s| &**s)
    }

    /// The string of `id` and whether JSON must escape it; `None` as for [`StringTable::get`].
    pub(crate) fn get_escaped(&self, id: StrId) -> Option<(&str, bool)> {
        let i = id.0 as usize;
        Some((
            self.strings.get(i)?,
            self.escaped.get(i).copied().unwrap_or(true),
        ))
    }

    /// The string of `id`, or `""` when absent.
    #[must_use]
    pub fn str(&self, id: StrId) -> &str {
        self.get(id).unwrap_or("")
    }

    /// Number of distinct strings.
    #[must_use]
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}
