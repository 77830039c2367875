//! Projection of JSON records onto the fields the loaded rules read.
//!
//! A [`Projection`] is a trie of the dotted field paths. [`Projection::project`] walks the
//! record's bytes once with a small purpose-built scanner: values under wanted paths are
//! kept (strings borrowed from the input unless they contain escapes), everything else is
//! skipped with `memchr` jumps over strings, without being decoded or built. Arrays met on
//! the way are walked element by element (a path through an array yields every element's
//! value). An object at a wanted path is kept as its compact JSON text, so patterns over a
//! whole sub-document do not depend on how the producer formatted it.
//!
//! The scanner checks structure (balanced brackets, terminated strings, separators,
//! literals); it does not re-validate number syntax or escape sequences of skipped values.

use std::borrow::Cow;

use crate::event::{FieldId, FieldTable, Slot, SlotEvent, Val};

#[derive(Debug, Clone, Default)]
struct Node {
    children: Vec<(Box<str>, u32)>,
    field: Option<FieldId>,
}

/// A record that is not well-formed JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {what}")]
pub struct JsonError {
    pub offset: usize,
    pub what: &'static str,
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

    /// The field id of the dotted `path`, when it is one of the extracted paths. Readers
    /// of non-JSON logs (syslog) fill their parsed fields through it.
    pub fn field_id(&self, path: &str) -> Option<FieldId> {
        let mut cur = 0usize;
        for seg in path.split('.') {
            cur = find_child(self.nodes.get(cur)?, seg)?;
        }
        self.nodes.get(cur)?.field
    }

    /// Parses one JSON record (an object) into an event borrowing from `json`.
    pub fn project<'a>(&self, json: &'a str) -> Result<SlotEvent<'a>, JsonError> {
        let mut ev = SlotEvent::with_fields(self.fields);
        self.project_into(json, &mut ev)?;
        Ok(ev)
    }

    /// Like [`Projection::project`], into an event the caller provides (normally empty);
    /// the raw record is kept for keyword searches.
    pub fn project_into<'a>(&self, json: &'a str, ev: &mut SlotEvent<'a>) -> Result<(), JsonError> {
        let mut w = Walker {
            s: json,
            b: json.as_bytes(),
            i: 0,
        };
        w.ws();
        if w.peek() != Some(b'{') {
            return Err(w.err("a record must be a JSON object"));
        }
        let slots = ev.slots_mut();
        if slots.len() < self.fields {
            slots.resize_with(self.fields, Slot::default);
        }
        w.value(self, Some(0), slots)?;
        w.ws();
        if w.i != w.b.len() {
            return Err(w.err("trailing characters after the record"));
        }
        ev.set_raw(json);
        Ok(())
    }
}

struct Walker<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Walker<'a> {
    fn err(&self, what: &'static str) -> JsonError {
        JsonError {
            offset: self.i,
            what,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips whitespace; returns whether there was any.
    fn ws(&mut self) -> bool {
        let start = self.i;
        while let Some(c) = self.peek() {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.i += 1;
            } else {
                break;
            }
        }
        self.i != start
    }

    fn expect(&mut self, c: u8, what: &'static str) -> Result<(), JsonError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(what))
        }
    }

    /// At an opening quote: moves past the closing one. Returns (content start, content
    /// end, whether it has escapes).
    fn string(&mut self) -> Result<(usize, usize, bool), JsonError> {
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            match find_quote_or_backslash(&self.b[self.i..]) {
                None => {
                    self.i = self.b.len();
                    return Err(self.err("unterminated string"));
                }
                Some(off) => {
                    self.i += off;
                    if self.b[self.i] == b'"' {
                        let end = self.i;
                        self.i += 1;
                        return Ok((start, end, escaped));
                    }
                    escaped = true;
                    self.i += 2;
                    if self.i > self.b.len() {
                        return Err(self.err("unterminated string"));
                    }
                }
            }
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), JsonError> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn number(&mut self) -> Result<(), JsonError> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E') {
                self.i += 1;
            } else {
                break;
            }
        }
        if self.i == start {
            return Err(self.err("expected a JSON value"));
        }
        Ok(())
    }

    /// Parses or skips one value. With `node`, values at wanted paths are stored. Returns
    /// whether the value's text has whitespace outside strings (needs compacting).
    fn value(
        &mut self,
        proj: &Projection,
        node: Option<usize>,
        slots: &mut [Slot<'a>],
    ) -> Result<bool, JsonError> {
        let Some(n) = node else {
            return self.skip();
        };
        let field = proj.nodes[n].field;
        let start = self.i;
        match self.peek() {
            Some(b'"') => {
                let (s, e, esc) = self.string()?;
                if let Some(f) = field {
                    let v = if esc {
                        Cow::Owned(
                            serde_json::from_str::<String>(&self.s[s - 1..=e])
                                .map_err(|_| self.err("invalid string escape"))?,
                        )
                    } else {
                        Cow::Borrowed(&self.s[s..e])
                    };
                    slots[f as usize].push(Val::Str(v));
                }
                Ok(false)
            }
            Some(b'{') => {
                let spaced = if proj.nodes[n].children.is_empty() {
                    self.skip()?
                } else {
                    self.object(proj, n, slots)?
                };
                if let Some(f) = field {
                    let text = &self.s[start..self.i];
                    let v = if spaced {
                        Cow::Owned(compact(text))
                    } else {
                        Cow::Borrowed(text)
                    };
                    slots[f as usize].push(Val::Json(v));
                }
                Ok(spaced)
            }
            Some(b'[') => {
                // Sigma matches a list-valued field when any element matches, and a path
                // through an array applies to each element: same node for each element.
                self.i += 1;
                let mut spaced = self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(spaced);
                }
                loop {
                    spaced |= self.value(proj, Some(n), slots)?;
                    spaced |= self.ws();
                    match self.peek() {
                        Some(b',') => {
                            self.i += 1;
                            spaced |= self.ws();
                        }
                        Some(b']') => {
                            self.i += 1;
                            return Ok(spaced);
                        }
                        _ => return Err(self.err("expected `,` or `]`")),
                    }
                }
            }
            Some(b't') => {
                self.literal(b"true")?;
                if let Some(f) = field {
                    slots[f as usize].push(Val::Bool(true));
                }
                Ok(false)
            }
            Some(b'f') => {
                self.literal(b"false")?;
                if let Some(f) = field {
                    slots[f as usize].push(Val::Bool(false));
                }
                Ok(false)
            }
            Some(b'n') => {
                self.literal(b"null")?;
                if let Some(f) = field {
                    slots[f as usize].push(Val::Null);
                }
                Ok(false)
            }
            Some(_) => {
                self.number()?;
                if let Some(f) = field {
                    slots[f as usize].push(Val::Num(Cow::Borrowed(&self.s[start..self.i])));
                }
                Ok(false)
            }
            None => Err(self.err("unexpected end of input")),
        }
    }

    /// An object whose node has children: keys looked up, values parsed or skipped.
    fn object(
        &mut self,
        proj: &Projection,
        n: usize,
        slots: &mut [Slot<'a>],
    ) -> Result<bool, JsonError> {
        self.i += 1;
        let mut spaced = self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(spaced);
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.err("expected an object key"));
            }
            let (s, e, esc) = self.string()?;
            let child = if esc {
                let key: String = serde_json::from_str(&self.s[s - 1..=e])
                    .map_err(|_| self.err("invalid key escape"))?;
                find_child(&proj.nodes[n], &key)
            } else {
                find_child(&proj.nodes[n], &self.s[s..e])
            };
            spaced |= self.ws();
            self.expect(b':', "expected `:`")?;
            spaced |= self.ws();
            spaced |= self.value(proj, child, slots)?;
            spaced |= self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    spaced |= self.ws();
                }
                Some(b'}') => {
                    self.i += 1;
                    return Ok(spaced);
                }
                _ => return Err(self.err("expected `,` or `}`")),
            }
        }
    }

    /// Skips one value; returns whether it has whitespace outside strings.
    fn skip(&mut self) -> Result<bool, JsonError> {
        match self.peek() {
            Some(b'"') => self.string().map(|_| false),
            Some(b'{' | b'[') => {
                // Open brackets as bits (1 = object); nesting is capped at 128 levels.
                let mut stack: u128 = 0;
                let mut depth = 0u32;
                let mut spaced = false;
                loop {
                    match self.peek() {
                        None => return Err(self.err("unexpected end of input")),
                        Some(b'"') => {
                            self.string()?;
                            continue;
                        }
                        Some(c @ (b'{' | b'[')) => {
                            if depth == 128 {
                                return Err(self.err("nesting deeper than 128 levels"));
                            }
                            stack = (stack << 1) | u128::from(c == b'{');
                            depth += 1;
                        }
                        Some(c @ (b'}' | b']')) => {
                            if depth == 0 || (stack & 1 == 1) != (c == b'}') {
                                return Err(self.err("mismatched bracket"));
                            }
                            stack >>= 1;
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Ok(spaced);
                            }
                        }
                        Some(b' ' | b'\n' | b'\r' | b'\t') => spaced = true,
                        Some(_) => {}
                    }
                    self.i += 1;
                }
            }
            Some(b't') => self.literal(b"true").map(|_| false),
            Some(b'f') => self.literal(b"false").map(|_| false),
            Some(b'n') => self.literal(b"null").map(|_| false),
            Some(_) => self.number().map(|_| false),
            None => Err(self.err("unexpected end of input")),
        }
    }
}

/// Position of the first `"` or `\\` in `b`. Most JSON strings are short, so eight bytes
/// are tested at a time with word arithmetic before handing long runs to `memchr2`.
fn find_quote_or_backslash(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= b.len() && i < 64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let w = u64::from_le_bytes(w);
        let q = w ^ (ONES * u64::from(b'"'));
        let s = w ^ (ONES * u64::from(b'\\'));
        // A zero byte in q or s is a match; the lowest flagged byte is always exact.
        let hits = (q.wrapping_sub(ONES) & !q | s.wrapping_sub(ONES) & !s) & HIGHS;
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if i + 8 > b.len() {
        return b[i..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\')
            .map(|p| i + p);
    }
    memchr::memchr2(b'"', b'\\', &b[i..]).map(|p| i + p)
}

fn find_child(node: &Node, key: &str) -> Option<usize> {
    let k = key.as_bytes();
    let first = k.first().copied();
    // Length and first byte rule out almost every candidate before a full compare.
    node.children
        .iter()
        .find(|(name, _)| {
            let n = name.as_bytes();
            n.len() == k.len() && n.first().copied() == first && n == k
        })
        .map(|(_, c)| *c as usize)
}

/// `text` without whitespace outside strings.
fn compact(text: &str) -> String {
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
    out
}
