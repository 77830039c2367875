//! Projection of JSON records onto the fields the loaded rules read.
//!
//! A [`Projection`] is a trie of the dotted field paths. Parsing a record walks the JSON
//! with serde and keeps only the values at those paths, borrowing strings from the input
//! when they need no unescaping; everything else is skipped without being built. Arrays
//! met on the way are walked element by element (a path through an array yields every
//! element's value). An object or array found at a wanted path is kept as its JSON text.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::event::{FieldId, FieldTable, Slot, SlotEvent, Val};

#[derive(Debug, Clone, Default)]
struct Node {
    children: Vec<(Box<str>, u32)>,
    field: Option<FieldId>,
}

/// The set of field paths to extract from JSON records.
#[derive(Debug, Clone)]
pub struct Projection {
    nodes: Vec<Node>,
    fields: usize,
}

impl Projection {
    /// A projection extracting every path of `table`, each into its own field id.
    pub fn new(table: &FieldTable) -> Self {
        let mut nodes = vec![Node::default()];
        for (id, path) in table.iter() {
            let mut cur = 0usize;
            for seg in path.split('.') {
                let found = nodes[cur]
                    .children
                    .iter()
                    .find(|(k, _)| &**k == seg)
                    .map(|(_, n)| *n as usize);
                cur = match found {
                    Some(n) => n,
                    None => {
                        let n = nodes.len();
                        nodes.push(Node::default());
                        nodes[cur].children.push((seg.into(), n as u32));
                        n
                    }
                };
            }
            nodes[cur].field = Some(id);
        }
        Projection {
            nodes,
            fields: table.len(),
        }
    }

    /// Number of field ids the events it produces have room for.
    pub fn fields(&self) -> usize {
        self.fields
    }

    /// Parses one JSON record (an object) into an event borrowing from `json`.
    pub fn project<'a>(&self, json: &'a str) -> Result<SlotEvent<'a>, serde_json::Error> {
        let mut ev = SlotEvent::with_fields(self.fields);
        self.project_into(json, &mut ev)?;
        Ok(ev)
    }

    /// Like [`Projection::project`], filling an event the caller provides (cleared first
    /// is the caller's duty); the raw record is kept for keyword searches.
    pub fn project_into<'a>(
        &self,
        json: &'a str,
        ev: &mut SlotEvent<'a>,
    ) -> Result<(), serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        NodeSeed {
            proj: self,
            node: 0,
            slots: ev.slots_mut(),
        }
        .deserialize(&mut de)?;
        de.end()?;
        ev.set_raw(json);
        Ok(())
    }

    fn store_raw<'a>(
        &self,
        node: usize,
        text: &'a str,
        slots: &mut Vec<Slot<'a>>,
    ) -> Result<(), serde_json::Error> {
        let n = &self.nodes[node];
        let Some(field) = n.field else {
            return Ok(());
        };
        let slot = field as usize;
        if slot >= slots.len() {
            slots.resize_with(slot + 1, Slot::default);
        }
        match text.as_bytes().first() {
            Some(b'"') => {
                let inner = &text[1..text.len() - 1];
                let v = if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
                    Cow::Borrowed(inner)
                } else {
                    Cow::Owned(serde_json::from_str::<String>(text)?)
                };
                slots[slot].push(Val::Str(v));
            }
            Some(b'{') => {
                slots[slot].push(Val::Json(minify(text)));
                if !n.children.is_empty() {
                    let mut de = serde_json::Deserializer::from_str(text);
                    de::Deserializer::deserialize_any(
                        &mut de,
                        NodeVisitor {
                            proj: self,
                            node,
                            slots,
                        },
                    )?;
                }
            }
            Some(b'[') => {
                // Sigma matches a list-valued field when any element matches.
                let elems: Vec<&'a RawValue> = serde_json::from_str(text)?;
                for e in elems {
                    self.store_raw(node, e.get(), slots)?;
                }
            }
            Some(b't') => slots[slot].push(Val::Bool(true)),
            Some(b'f') => slots[slot].push(Val::Bool(false)),
            Some(b'n') => slots[slot].push(Val::Null),
            Some(_) => slots[slot].push(Val::Num(Cow::Borrowed(text))),
            None => {}
        }
        Ok(())
    }
}

/// The compact form of a JSON text (whitespace outside strings removed), so patterns over
/// a serialised sub-document do not depend on how the producer formatted it. Borrowed
/// when already compact, as CloudTrail's own delivery is.
fn minify(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let mut in_str = false;
    let mut esc = false;
    let needs = b.iter().any(|&c| {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            false
        } else if c == b'"' {
            in_str = true;
            false
        } else {
            c.is_ascii_whitespace()
        }
    });
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let (mut in_str, mut esc) = (false, false);
    for ch in text.chars() {
        if in_str {
            out.push(ch);
            if esc {
                esc = false;
            } else if ch == '\\' {
                esc = true;
            } else if ch == '"' {
                in_str = false;
            }
        } else if ch == '"' {
            in_str = true;
            out.push(ch);
        } else if !ch.is_ascii_whitespace() {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

struct NodeSeed<'p, 's, 'a> {
    proj: &'p Projection,
    node: usize,
    slots: &'s mut Vec<Slot<'a>>,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.proj.nodes[self.node].field.is_some() {
            let raw = <&'de RawValue>::deserialize(d)?;
            self.proj
                .store_raw(self.node, raw.get(), self.slots)
                .map_err(de::Error::custom)
        } else {
            d.deserialize_any(NodeVisitor {
                proj: self.proj,
                node: self.node,
                slots: self.slots,
            })
        }
    }
}

struct NodeVisitor<'p, 's, 'a> {
    proj: &'p Projection,
    node: usize,
    slots: &'s mut Vec<Slot<'a>>,
}

/// A map key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

macro_rules! ignore_scalar {
    ($($name:ident: $t:ty),*) => {
        $(fn $name<E: de::Error>(self, _v: $t) -> Result<(), E> { Ok(()) })*
    };
}

impl<'de> Visitor<'de> for NodeVisitor<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    ignore_scalar!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64,
        visit_str: &str, visit_i128: i128, visit_u128: u128);

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let node = &self.proj.nodes[self.node];
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let child = node
                .children
                .iter()
                .find(|(name, _)| **name == *k)
                .map(|(_, n)| *n as usize);
            match child {
                Some(c) => map.next_value_seed(NodeSeed {
                    proj: self.proj,
                    node: c,
                    slots: &mut *self.slots,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // A path crossing an array applies to each element.
        while seq
            .next_element_seed(NodeSeed {
                proj: self.proj,
                node: self.node,
                slots: &mut *self.slots,
            })?
            .is_some()
        {}
        Ok(())
    }
}
