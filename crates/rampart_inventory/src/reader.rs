//! [`InventoryReader`]: one streaming iterator over every inventory input kind. It sniffs gzip by
//! its magic bytes, then detects the kind from the first JSON value: a Rampart snapshot (JSON
//! Lines with a header), an Azure Resource Graph result object (`{"count", "data": [...], ...}`),
//! a bare ARG array of rows, or ARG rows as JSON Lines. Several top-level documents may follow one
//! another in one file (`cat page1.json page2.json`).
//!
//! Memory is bounded by the largest record: array elements are cut out by [`crate::scan`] and
//! parsed one at a time into a reused buffer.
//!
//! Recovery after a bad record (for `--keep-going`): JSON Lines continue with the next line. In a
//! JSON array a record that is well-formed JSON but not a valid resource (missing `id`, wrong
//! types), or whose brackets and quotes balance but whose content is not JSON, is skipped; a
//! truncated document or bytes between elements that are not `,` or `]` end the read (the next
//! element boundary cannot be known).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use rampart_model::Resource;
use serde_json::{Map, Value};

use crate::arg::row_to_resource;
use crate::error::{InventoryError, Location};
use crate::scan::{Pos, ScanError, Scanner, MAX_RECORD_BYTES};
use crate::snapshot::{SnapshotHeader, SNAPSHOT_VERSION};

const READ_BUFFER: usize = 256 * 1024;

/// The kind of input detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A Rampart snapshot (JSON Lines with a header line).
    Snapshot,
    /// An Azure Resource Graph result object: `{"count": .., "data": [rows], "skip_token": .., ...}`.
    ArgObject,
    /// A bare JSON array of Azure Resource Graph rows.
    ArgArray,
    /// Azure Resource Graph rows, one per line (e.g. `jq -c '.data[]'`).
    ArgJsonLines,
}

/// Counts of what a reader has produced so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Resources returned.
    pub records: u64,
    /// Records skipped after an error the reader could continue from.
    pub skipped: u64,
}

/// Opens an inventory file (any kind, gzip or not).
pub fn open(path: &Path) -> Result<InventoryReader, InventoryError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| InventoryError::Io {
        file: name.clone(),
        source,
    })?;
    Ok(from_reader(
        &name,
        BufReader::with_capacity(READ_BUFFER, file),
    ))
}

/// Reads an inventory from any buffered reader; `name` is used in error messages. Errors (including
/// an unreadable or unknown input) are returned by the iterator.
pub fn from_reader(name: &str, mut r: impl BufRead + Send + 'static) -> InventoryReader {
    let (input, pending): (Box<dyn BufRead + Send>, _) = match r.fill_buf() {
        Ok([0x1f, 0x8b, ..]) => (
            Box::new(BufReader::with_capacity(
                READ_BUFFER,
                MultiGzDecoder::new(r),
            )),
            None,
        ),
        Ok(_) => (Box::new(r), None),
        Err(source) => (
            Box::new(r),
            Some(InventoryError::Io {
                file: name.to_owned(),
                source,
            }),
        ),
    };
    InventoryReader {
        name: name.to_owned(),
        scanner: Scanner::new(input),
        state: if pending.is_some() {
            State::Done
        } else {
            State::Start
        },
        pending,
        queued: None,
        kind: None,
        header: None,
        stats: ReadStats::default(),
        buf: Vec::with_capacity(64 * 1024),
        documents: 0,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a top-level document.
    Start,
    /// Inside an array of rows; `in_object` says whether the array is an ARG object's `data`.
    Array {
        in_object: bool,
        first: bool,
    },
    /// Inside an ARG object after its `data` array.
    ObjectTail,
    /// JSON Lines: Rampart resources (`snapshot`) or ARG rows.
    Lines {
        snapshot: bool,
    },
    Done,
}

/// A streaming reader of resources. See the module docs for recovery after errors: after an error
/// the reader continues when the format allows and otherwise ends (returns `None`).
pub struct InventoryReader {
    name: String,
    scanner: Scanner,
    state: State,
    /// An error to return before anything else.
    pending: Option<InventoryError>,
    /// A record read during detection (the first row of ARG JSON Lines).
    queued: Option<Result<Resource, InventoryError>>,
    kind: Option<InputKind>,
    header: Option<SnapshotHeader>,
    stats: ReadStats,
    buf: Vec<u8>,
    documents: u32,
}

impl InventoryReader {
    /// The detected input kind (known once the first item has been read).
    #[must_use]
    pub fn kind(&self) -> Option<InputKind> {
        self.kind
    }

    /// The snapshot header (for snapshots, once the first item has been read).
    #[must_use]
    pub fn header(&self) -> Option<&SnapshotHeader> {
        self.header.as_ref()
    }

    /// What has been read so far.
    #[must_use]
    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    /// The input's name as used in errors.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    fn loc(&self, pos: Pos) -> Location {
        Location {
            file: self.name.clone(),
            line: pos.line,
            column: Some(pos.column),
        }
    }

    fn line_loc(&self, line: u64) -> Location {
        Location {
            file: self.name.clone(),
            line,
            column: None,
        }
    }

    /// A fatal error: the reader ends after it.
    fn fatal(&mut self, e: InventoryError) -> Option<Result<Resource, InventoryError>> {
        self.state = State::Done;
        Some(Err(e))
    }

    /// A recoverable error: counted, and the reader goes on.
    fn skip(&mut self, e: InventoryError) -> Option<Result<Resource, InventoryError>> {
        self.stats.skipped += 1;
        Some(Err(e))
    }

    fn scan_error(&self, e: ScanError, expected: &str) -> InventoryError {
        let at = self.loc(self.scanner.pos());
        match e {
            ScanError::Io(source) => InventoryError::Io {
                file: self.name.clone(),
                source,
            },
            ScanError::Eof => InventoryError::Syntax {
                at,
                message: format!("unexpected end of input, expected {expected}"),
            },
            ScanError::Unexpected { byte, expected } => InventoryError::Syntax {
                at,
                message: format!("unexpected {}, expected {expected}", show_byte(byte)),
            },
            ScanError::TooLarge => InventoryError::Format {
                at,
                message: format!("record larger than {} MiB", MAX_RECORD_BYTES >> 20),
            },
        }
    }

    /// Peeks the next non-whitespace byte, mapping the end of input to a syntax error.
    fn peek_required(&mut self, expected: &str) -> Result<u8, InventoryError> {
        match self.scanner.peek_non_ws() {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err(self.scan_error(ScanError::Eof, expected)),
            Err(e) => Err(self.scan_error(e, expected)),
        }
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), InventoryError> {
        let b = self.peek_required(expected)?;
        if b != byte {
            return Err(self.scan_error(ScanError::Unexpected { byte: b, expected }, expected));
        }
        self.scanner.bump();
        Ok(())
    }

    /// Reads the next value into `self.buf` (cleared first); returns where it started.
    fn read_value(&mut self, expected: &'static str) -> Result<Pos, InventoryError> {
        self.peek_required(expected)?;
        let start = self.scanner.pos();
        self.buf.clear();
        let mut buf = std::mem::take(&mut self.buf);
        let res = self.scanner.read_value(&mut buf);
        self.buf = buf;
        res.map_err(|e| self.scan_error(e, expected))?;
        Ok(start)
    }

    fn parse_buf<T: serde::de::DeserializeOwned>(&self, start: Pos) -> Result<T, InventoryError> {
        serde_json::from_slice(&self.buf).map_err(|e| self.json_error(&e, start))
    }

    /// Translates a serde_json error inside `self.buf` (which starts at `start`) to the file.
    fn json_error(&self, e: &serde_json::Error, start: Pos) -> InventoryError {
        let (line, column) = if e.line() <= 1 {
            (
                start.line,
                start.column + e.column().saturating_sub(1) as u64,
            )
        } else {
            (start.line + e.line() as u64 - 1, e.column() as u64)
        };
        InventoryError::Syntax {
            at: self.loc(Pos { line, column }),
            message: strip_position(e),
        }
    }

    /// Reads the keys of a top-level object up to its `data` array (then returns `true`, positioned
    /// inside the array) or its end (then returns `false` and the collected members).
    fn object_head(&mut self) -> Result<(bool, Map<String, Value>), InventoryError> {
        let mut members = Map::new();
        self.scanner.bump(); // '{'
        let mut first = true;
        loop {
            let b = self.peek_required("a key or `}`")?;
            if b == b'}' {
                self.scanner.bump();
                return Ok((false, members));
            }
            if !first {
                self.expect(b',', "`,` or `}`")?;
            }
            first = false;
            let start = self.read_value("a key")?;
            let key: String = self.parse_buf(start)?;
            self.expect(b':', "`:`")?;
            if key == "data" && !members.contains_key("rampart_inventory") {
                let b = self.peek_required("the data array")?;
                if b != b'[' {
                    let at = self.loc(self.scanner.pos());
                    return Err(InventoryError::Format {
                        at,
                        message: "field \"data\": expected an array of resources".to_owned(),
                    });
                }
                self.scanner.bump();
                return Ok((true, members));
            }
            let start = self.read_value("a value")?;
            let value: Value = self.parse_buf(start)?;
            members.insert(key, value);
        }
    }

    /// Detects and enters the next top-level document. `Ok(None)` at a clean end of input.
    fn start_document(&mut self) -> Result<Option<()>, InventoryError> {
        let b = match self.scanner.peek_non_ws() {
            Ok(Some(b)) => b,
            Ok(None) if self.documents > 0 => return Ok(None),
            Ok(None) => {
                let at = self.line_loc(1);
                return Err(InventoryError::Format {
                    at,
                    message: "empty input: expected an inventory".to_owned(),
                });
            }
            Err(e) => return Err(self.scan_error(e, "an inventory")),
        };
        self.documents += 1;
        let start = self.scanner.pos();
        match b {
            b'[' => {
                self.scanner.bump();
                self.kind.get_or_insert(InputKind::ArgArray);
                self.state = State::Array {
                    in_object: false,
                    first: true,
                };
            }
            b'{' => {
                let (in_data, members) = self.object_head()?;
                if in_data {
                    self.kind.get_or_insert(InputKind::ArgObject);
                    self.state = State::Array {
                        in_object: true,
                        first: true,
                    };
                } else if members.contains_key("rampart_inventory") {
                    self.header = Some(self.header_from(members, start)?);
                    self.kind.get_or_insert(InputKind::Snapshot);
                    self.finish_first_line()?;
                    self.state = State::Lines { snapshot: true };
                } else if members.contains_key("provider") && members.contains_key("scope") {
                    // A snapshot without its header: accepted, and the first line is a resource.
                    self.kind.get_or_insert(InputKind::Snapshot);
                    let res =
                        serde_json::from_value::<Resource>(Value::Object(members)).map_err(|e| {
                            field_error_from_serde(&e.to_string(), "", self.line_loc(start.line))
                        });
                    self.queued = Some(res);
                    self.finish_first_line()?;
                    self.state = State::Lines { snapshot: true };
                } else if members.contains_key("id") || members.contains_key("type") {
                    self.kind.get_or_insert(InputKind::ArgJsonLines);
                    let at = self.line_loc(start.line);
                    self.queued =
                        Some(row_to_resource(Value::Object(members)).map_err(|e| e.at(at)));
                    self.finish_first_line()?;
                    self.state = State::Lines { snapshot: false };
                } else {
                    return Err(InventoryError::Format {
                        at: self.loc(start),
                        message: "not an inventory: expected a Rampart snapshot header, an Azure Resource Graph \
                                  result with a \"data\" array, or Resource Graph rows"
                            .to_owned(),
                    });
                }
            }
            other => {
                return Err(InventoryError::Format {
                    at: self.loc(start),
                    message: format!("not an inventory: starts with {}", show_byte(other)),
                });
            }
        }
        tracing::debug!(file = %self.name, kind = ?self.kind, "inventory format detected");
        Ok(Some(()))
    }

    /// After the first object of a JSON Lines input: the rest of its line must be blank.
    fn finish_first_line(&mut self) -> Result<(), InventoryError> {
        let line = self.scanner.pos().line;
        self.buf.clear();
        let mut buf = std::mem::take(&mut self.buf);
        let res = self.scanner.read_line(&mut buf);
        let rest_blank = buf.iter().all(u8::is_ascii_whitespace);
        self.buf = buf;
        res.map_err(|e| self.scan_error(e, "a new line"))?;
        if !rest_blank {
            return Err(InventoryError::Syntax {
                at: self.line_loc(line),
                message: "expected one JSON object per line".to_owned(),
            });
        }
        Ok(())
    }

    fn header_from(
        &self,
        members: Map<String, Value>,
        start: Pos,
    ) -> Result<SnapshotHeader, InventoryError> {
        let at = self.line_loc(start.line);
        let version = members
            .get("rampart_inventory")
            .cloned()
            .unwrap_or(Value::Null);
        match version.as_u64() {
            Some(v) if v == u64::from(SNAPSHOT_VERSION) => {}
            Some(v) => {
                return Err(InventoryError::Format {
                    at,
                    message: format!(
                        "unsupported snapshot version {v} (this build reads version {SNAPSHOT_VERSION})"
                    ),
                })
            }
            None => {
                return Err(InventoryError::Field {
                    at,
                    field: "rampart_inventory".to_owned(),
                    problem: format!("expected a version number, got {}", crate::error::json_kind(&version)),
                })
            }
        }
        serde_json::from_value(Value::Object(members))
            .map_err(|e| field_error_from_serde(&e.to_string(), "", at))
    }

    fn next_array_element(
        &mut self,
        in_object: bool,
        first: bool,
    ) -> Option<Result<Resource, InventoryError>> {
        let b = match self.peek_required("a resource or `]`") {
            Ok(b) => b,
            Err(e) => return self.fatal(e),
        };
        if b == b']' {
            self.scanner.bump();
            self.state = if in_object {
                State::ObjectTail
            } else {
                State::Start
            };
            return None;
        }
        if !first {
            if let Err(e) = self.expect(b',', "`,` or `]`") {
                return self.fatal(e);
            }
        }
        self.state = State::Array {
            in_object,
            first: false,
        };
        let start = match self.read_value("a resource") {
            Ok(start) => start,
            Err(e) => return self.fatal(e),
        };
        let row: Value = match self.parse_buf(start) {
            Ok(row) => row,
            Err(e) => return self.skip(e),
        };
        match row_to_resource(row) {
            Ok(r) => {
                self.stats.records += 1;
                Some(Ok(r))
            }
            Err(e) => {
                let at = self.loc(start);
                self.skip(e.at(at))
            }
        }
    }

    /// Skips the members of an ARG object after `data` (`skip_token`, `total_records`, ...).
    fn object_tail(&mut self) -> Result<(), InventoryError> {
        loop {
            let b = self.peek_required("`,` or `}`")?;
            if b == b'}' {
                self.scanner.bump();
                return Ok(());
            }
            self.expect(b',', "`,` or `}`")?;
            let start = self.read_value("a key")?;
            let _: String = self.parse_buf(start)?;
            self.expect(b':', "`:`")?;
            let start = self.read_value("a value")?;
            let _: serde::de::IgnoredAny = self.parse_buf(start)?;
        }
    }

    fn next_line(&mut self, snapshot: bool) -> Option<Result<Resource, InventoryError>> {
        loop {
            let line = self.scanner.pos().line;
            self.buf.clear();
            let mut buf = std::mem::take(&mut self.buf);
            let res = self.scanner.read_line(&mut buf);
            self.buf = buf;
            match res {
                Ok(false) => {
                    self.state = State::Done;
                    return None;
                }
                Ok(true) => {}
                Err(e) => {
                    let e = self.scan_error(e, "a line");
                    return self.fatal(e);
                }
            }
            let text = self.buf.trim_ascii();
            if text.is_empty() {
                continue;
            }
            let start = Pos { line, column: 1 };
            let parsed = if snapshot {
                if text.starts_with(b"{\"rampart_inventory\"") {
                    // A second header: snapshots concatenated with `cat`.
                    match serde_json::from_slice::<Map<String, Value>>(text)
                        .map_err(|e| self.json_error(&e, start))
                        .and_then(|m| self.header_from(m, start))
                    {
                        Ok(_) => continue,
                        Err(e) => return self.skip(e),
                    }
                }
                self.parse_snapshot_line(start)
            } else {
                match serde_json::from_slice::<Value>(text) {
                    Ok(row) => row_to_resource(row).map_err(|e| e.at(self.line_loc(line))),
                    Err(e) => Err(self.json_error(&e, start)),
                }
            };
            return match parsed {
                Ok(r) => {
                    self.stats.records += 1;
                    Some(Ok(r))
                }
                Err(e) => self.skip(e),
            };
        }
    }

    fn parse_snapshot_line(&self, start: Pos) -> Result<Resource, InventoryError> {
        let text = self.buf.trim_ascii();
        let mut de = serde_json::Deserializer::from_slice(text);
        let res: Result<Resource, _> = serde_path_to_error::deserialize(&mut de);
        match res {
            Ok(r) => de.end().map(|()| r).map_err(|e| self.json_error(&e, start)),
            Err(e) => {
                let inner = e.inner();
                if inner.is_data() {
                    let path = e.path().to_string();
                    Err(field_error_from_serde(
                        &strip_position(inner),
                        &path,
                        self.line_loc(start.line),
                    ))
                } else {
                    Err(self.json_error(inner, start))
                }
            }
        }
    }
}

impl Iterator for InventoryReader {
    type Item = Result<Resource, InventoryError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        if let Some(r) = self.queued.take() {
            match &r {
                Ok(_) => self.stats.records += 1,
                Err(_) => self.stats.skipped += 1,
            }
            return Some(r);
        }
        loop {
            match self.state {
                State::Done => return None,
                State::Start => match self.start_document() {
                    Ok(Some(())) => {
                        if let Some(r) = self.queued.take() {
                            match &r {
                                Ok(_) => self.stats.records += 1,
                                Err(_) => self.stats.skipped += 1,
                            }
                            return Some(r);
                        }
                    }
                    Ok(None) => {
                        self.state = State::Done;
                        return None;
                    }
                    Err(e) => return self.fatal(e),
                },
                State::Array { in_object, first } => {
                    if let Some(item) = self.next_array_element(in_object, first) {
                        return Some(item);
                    }
                }
                State::ObjectTail => match self.object_tail() {
                    Ok(()) => self.state = State::Start,
                    Err(e) => return self.fatal(e),
                },
                State::Lines { snapshot } => return self.next_line(snapshot),
            }
        }
    }
}

/// serde_json's message without its trailing ` at line L column C` (we give the file's position).
fn strip_position(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    msg.strip_suffix(&suffix).map_or(msg.clone(), str::to_owned)
}

/// Turns a serde data error (`missing field `id``, `invalid type: ...`) at `path` into a field error.
fn field_error_from_serde(msg: &str, path: &str, at: Location) -> InventoryError {
    let path = if path == "." { "" } else { path };
    let join = |name: &str| {
        if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return InventoryError::Field {
            at,
            field: join(name),
            problem: "missing".to_owned(),
        };
    }
    InventoryError::Field {
        at,
        field: if path.is_empty() {
            "(record)".to_owned()
        } else {
            path.to_owned()
        },
        problem: msg.to_owned(),
    }
}

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}
