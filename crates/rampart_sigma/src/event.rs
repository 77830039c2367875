//! The event abstraction the matcher reads: field values looked up by a compile-time
//! [`FieldId`], never by string at match time. Readers (see [`crate::json`]) fill only the
//! fields the loaded rules read, so no full document tree is built per event.

use std::borrow::Cow;
use std::collections::HashMap;

/// Index of a field path in a [`FieldTable`]; dense, starting at 0.
pub type FieldId = u32;

/// One value of a field in an event. A field may hold several (a JSON array, or a path
/// that crosses an array), and Sigma matches a field when any of its values matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    /// A string, unescaped.
    Str(Cow<'a, str>),
    /// A number, as its source text (compared numerically by `lt`/`gt`/..., textually by
    /// string patterns, the way Sigma treats all values as strings).
    Num(Cow<'a, str>),
    Bool(bool),
    /// A JSON `null`: the field exists but is null.
    Null,
    /// An object or array kept as its JSON text, so string patterns (`contains`) over a
    /// whole sub-document work as in log backends that search the serialised field.
    Json(Cow<'a, str>),
}

impl Val<'_> {
    /// The text string patterns apply to; `None` for null.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Val::Str(s) | Val::Num(s) | Val::Json(s) => Some(s),
            Val::Bool(true) => Some("true"),
            Val::Bool(false) => Some("false"),
            Val::Null => None,
        }
    }

    /// The numeric value for `lt`/`lte`/`gt`/`gte`, from numbers or numeric strings.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Num(s) | Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// An event as the matcher sees it.
pub trait Event {
    /// All values of `field`; empty when the field is absent.
    fn values(&self, field: FieldId) -> &[Val<'_>];
    /// The text keyword (field-less) detections search: the raw record.
    fn keyword_text(&self) -> Option<&str>;
}

/// Field paths (dotted, as the event has them after mapping) interned to dense ids.
#[derive(Debug, Clone, Default)]
pub struct FieldTable {
    paths: Vec<Box<str>>,
    ids: HashMap<Box<str>, FieldId>,
}

impl FieldTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `path`, adding it when new.
    pub fn intern(&mut self, path: &str) -> FieldId {
        if let Some(id) = self.ids.get(path) {
            return *id;
        }
        let id = FieldId::try_from(self.paths.len()).unwrap_or(FieldId::MAX);
        self.paths.push(path.into());
        self.ids.insert(path.into(), id);
        id
    }

    pub fn get(&self, path: &str) -> Option<FieldId> {
        self.ids.get(path).copied()
    }

    pub fn path(&self, id: FieldId) -> &str {
        self.paths.get(id as usize).map(|p| &**p).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// `(id, path)` for every interned path.
    pub fn iter(&self) -> impl Iterator<Item = (FieldId, &str)> {
        self.paths
            .iter()
            .enumerate()
            .map(|(i, p)| (i as FieldId, &**p))
    }
}

/// Storage for the values of one field: the common single value needs no allocation.
#[derive(Debug, Clone, Default)]
pub enum Slot<'a> {
    #[default]
    Empty,
    One([Val<'a>; 1]),
    Many(Vec<Val<'a>>),
}

impl<'a> Slot<'a> {
    pub fn push(&mut self, v: Val<'a>) {
        match std::mem::take(self) {
            Slot::Empty => *self = Slot::One([v]),
            Slot::One([first]) => *self = Slot::Many(vec![first, v]),
            Slot::Many(mut vs) => {
                vs.push(v);
                *self = Slot::Many(vs);
            }
        }
    }

    pub fn as_slice(&self) -> &[Val<'a>] {
        match self {
            Slot::Empty => &[],
            Slot::One(v) => v,
            Slot::Many(v) => v,
        }
    }
}

/// A simple event held in slots, indexed by [`FieldId`]. Readers fill it; tests build it
/// by hand with [`SlotEvent::set`].
#[derive(Debug, Clone, Default)]
pub struct SlotEvent<'a> {
    slots: Vec<Slot<'a>>,
    raw: Option<Cow<'a, str>>,
}

impl<'a> SlotEvent<'a> {
    /// An empty event with room for `fields` field ids.
    pub fn with_fields(fields: usize) -> Self {
        let mut slots = Vec::with_capacity(fields);
        slots.resize_with(fields, Slot::default);
        SlotEvent { slots, raw: None }
    }

    /// Adds a value to `field` (growing the table when needed).
    pub fn push(&mut self, field: FieldId, v: Val<'a>) {
        let i = field as usize;
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, Slot::default);
        }
        self.slots[i].push(v);
    }

    pub fn set_raw(&mut self, raw: impl Into<Cow<'a, str>>) {
        self.raw = Some(raw.into());
    }

    pub fn raw(&self) -> Option<&str> {
        self.raw.as_deref()
    }

    pub(crate) fn slots_mut(&mut self) -> &mut Vec<Slot<'a>> {
        &mut self.slots
    }

    /// The slot storage, emptied and detached from this event's lifetime, so a reader
    /// can reuse one allocation for every record.
    pub(crate) fn into_storage<'b>(self) -> Vec<Slot<'b>> {
        let mut v = self.slots;
        v.clear();
        // Empty, so the closure never runs; collecting in place keeps the allocation.
        v.into_iter().map(|_| Slot::Empty).collect()
    }

    /// An empty event over storage from [`SlotEvent::into_storage`].
    pub(crate) fn from_storage(slots: Vec<Slot<'a>>) -> Self {
        SlotEvent { slots, raw: None }
    }
}

impl Event for SlotEvent<'_> {
    fn values(&self, field: FieldId) -> &[Val<'_>] {
        self.slots
            .get(field as usize)
            .map(Slot::as_slice)
            .unwrap_or(&[])
    }

    fn keyword_text(&self) -> Option<&str> {
        self.raw.as_deref()
    }
}
