//! The rule index of one log source: rules keyed by the literal values an index field
//! (e.g. CloudTrail's `eventName`) must equal for them to fire, plus the rules no index
//! field constrains. An event meets only the rules under its own value and the
//! unconstrained ones.

use std::collections::HashMap;

use crate::event::{Event, FieldId};

/// Literal (lowercased) → rules that need it.
pub(crate) type LiteralTable = HashMap<Box<str>, Vec<u32>>;

/// Rule positions (into the engine's rule list) by lowercased literal.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleIndex {
    /// `(field, literal → rules)`, one table per index field that constrains some rule.
    pub(crate) by_value: Vec<(FieldId, LiteralTable)>,
    /// Rules that every event must be tried against.
    pub(crate) always: Vec<u32>,
}

impl RuleIndex {
    /// Adds `rule` under the first index field whose literals it is constrained to.
    pub(crate) fn add(&mut self, rule: u32, constraint: Option<(FieldId, Vec<String>)>) {
        let Some((field, lits)) = constraint else {
            self.always.push(rule);
            return;
        };
        let pos = match self.by_value.iter().position(|(f, _)| *f == field) {
            Some(p) => p,
            None => {
                self.by_value.push((field, HashMap::new()));
                self.by_value.len() - 1
            }
        };
        for l in lits {
            self.by_value[pos].1.entry(l.into()).or_default().push(rule);
        }
    }

    /// Pushes the candidate rules for `ev` into `out` (sorted, without repeats).
    pub(crate) fn candidates<E: Event + ?Sized>(&self, ev: &E, out: &mut Vec<u32>) {
        out.clear();
        out.extend_from_slice(&self.always);
        let mut buf = [0u8; 64];
        for (field, table) in &self.by_value {
            for v in ev.values(*field) {
                let Some(text) = v.as_text() else { continue };
                let hits = if text.len() <= buf.len() && text.is_ascii() {
                    let b = &mut buf[..text.len()];
                    b.copy_from_slice(text.as_bytes());
                    b.make_ascii_lowercase();
                    // ASCII in, ASCII out: always valid UTF-8.
                    std::str::from_utf8(b).ok().and_then(|k| table.get(k))
                } else {
                    table.get(text.to_ascii_lowercase().as_str())
                };
                if let Some(rules) = hits {
                    out.extend_from_slice(rules);
                }
            }
        }
        if out.len() > self.always.len() && out.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }
}
