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
        // Windows PowerShell 5 writes `az ... > file.json` as UTF-16: say so rather than "not JSON".
        Ok([0xff, 0xfe, ..] | [0xfe, 0xff, ..]) => (
            Box::new(r),
            Some(InventoryError::Format {
                at: Location { file: name.to_owned(), line: 1, column: Some(1) },
                message: "UTF-16 input (PowerShell `>` redirection?): save it as UTF-8, e.g. `az ... | Out-File -Encoding utf8`"
                    .to_owned(),
            }),
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
        derive: Derive::ALL,
    }
}

/// What a Resource Graph row's [`Resource`] gets besides its identity and document
/// ([`InventoryReader::derive_relationships`], [`InventoryReader::read_tags`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Derive {
    /// [`Resource::relationships`], from the row's reference properties.
    pub(crate) relationships: bool,
    /// [`Resource::tags`], from the row's `tags` member.
    pub(crate) tags: bool,
}

impl Derive {
    /// Everything (the reader's default).
    pub(crate) const ALL: Derive = Derive {
        relationships: true,
        tags: true,
    };
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
    /// What ARG rows' resources get besides identity and document.
    derive: Derive,
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
        loc(&self.name, pos)
    }

    fn line_loc(&self, line: u64) -> Location {
        line_loc(&self.name, line)
    }

    /// A fatal error: the reader ends after it.
    fn fatal(&mut self, e: InventoryError) -> Step {
        self.state = State::Done;
        Step::Done(Box::new(Out::Fatal(e)))
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

    fn json_error(&self, e: &serde_json::Error, start: Pos) -> InventoryError {
        json_error(&self.name, e, start)
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
                    self.queued = Some(
                        row_to_resource(Value::Object(members), self.derive).map_err(|e| e.at(at)),
                    );
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

    /// The next array element: its bytes are left in `self.buf`.
    fn next_array_element_step(&mut self, in_object: bool, first: bool) -> Option<Step> {
        let b = match self.peek_required("a resource or `]`") {
            Ok(b) => b,
            Err(e) => return Some(self.fatal(e)),
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
                return Some(self.fatal(e));
            }
        }
        self.state = State::Array {
            in_object,
            first: false,
        };
        match self.read_value("a resource") {
            Ok(start) => Some(Step::Record(RecordKind::ArgRow, start)),
            Err(e) => Some(self.fatal(e)),
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

    /// The next non-blank line: its bytes are left in `self.buf`.
    fn next_line_step(&mut self, snapshot: bool) -> Step {
        loop {
            let line = self.scanner.pos().line;
            self.buf.clear();
            let mut buf = std::mem::take(&mut self.buf);
            let res = self.scanner.read_line(&mut buf);
            self.buf = buf;
            match res {
                Ok(false) => {
                    self.state = State::Done;
                    return Step::End;
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
            if !snapshot {
                return Step::Record(RecordKind::ArgLine, start);
            }
            if text.starts_with(b"{\"rampart_inventory\"") {
                // A second header: snapshots concatenated with `cat`.
                match serde_json::from_slice::<Map<String, Value>>(text)
                    .map_err(|e| self.json_error(&e, start))
                    .and_then(|m| self.header_from(m, start))
                {
                    Ok(_) => continue,
                    Err(e) => return Step::Done(Box::new(Out::Skipped(e))),
                }
            }
            return Step::Record(RecordKind::SnapshotLine, start);
        }
    }

    /// Scans to the next record (left in `self.buf`) or outcome. Does not parse records.
    fn step(&mut self) -> Step {
        if let Some(e) = self.pending.take() {
            return Step::Done(Box::new(Out::Fatal(e)));
        }
        if let Some(r) = self.queued.take() {
            return Step::Done(Box::new(Out::from_result(r)));
        }
        loop {
            match self.state {
                State::Done => return Step::End,
                State::Start => match self.start_document() {
                    Ok(Some(())) => {
                        if let Some(r) = self.queued.take() {
                            return Step::Done(Box::new(Out::from_result(r)));
                        }
                    }
                    Ok(None) => {
                        self.state = State::Done;
                        return Step::End;
                    }
                    Err(e) => return self.fatal(e),
                },
                State::Array { in_object, first } => {
                    if let Some(step) = self.next_array_element_step(in_object, first) {
                        return step;
                    }
                }
                State::ObjectTail => match self.object_tail() {
                    Ok(()) => self.state = State::Start,
                    Err(e) => return self.fatal(e),
                },
                State::Lines { snapshot } => return self.next_line_step(snapshot),
            }
        }
    }

    /// Whether Resource Graph rows get [`Resource::relationships`] derived from their reference
    /// properties (the default). A consumer that never reads them turns this off and saves the
    /// work and the allocations (`rampart scan`: no rule reads them, see
    /// `rampart_rules::Engine::READS_RELATIONSHIPS`). Snapshot lines carry their relationships
    /// and keep them either way.
    #[must_use]
    pub fn derive_relationships(mut self, on: bool) -> Self {
        self.derive.relationships = on;
        self
    }

    /// Whether Resource Graph rows get [`Resource::tags`] (the default). A consumer that reads no
    /// tag turns this off (`rampart scan` without tag exemptions or tag grouping: the policies read
    /// the tags in [`Resource::native`], which keeps them). A `tags` member that is neither an
    /// object nor null is an error either way. Snapshot lines keep their tags.
    #[must_use]
    pub fn read_tags(mut self, on: bool) -> Self {
        self.derive.tags = on;
        self
    }

    /// What [`InventoryReader::derive_relationships`] and [`InventoryReader::read_tags`] set.
    pub(crate) fn derive(&self) -> Derive {
        self.derive
    }

    /// Moves scanning and parsing to `workers` threads (at least one; the consuming thread also
    /// parses a batch whenever the one it waits for is not ready), keeping the order of records.
    /// Memory stays bounded: a few batches of records are in flight. Use it when parsing would
    /// otherwise share one core with the work done on each resource.
    #[must_use]
    pub fn parallel(self, workers: usize) -> crate::parallel::ParallelReader {
        crate::parallel::ParallelReader::spawn(self, workers)
    }

    /// [`InventoryReader::parallel`] whose parsing threads also compute `map(&mut resource)` for
    /// each resource, returned with it: work that needs only the resource then runs beside the
    /// parsing, and what no later stage reads of the resource can be freed there.
    /// The threads belong to `scope`, so `map` may borrow from outside it; they end once the input
    /// is exhausted or the returned iterator is dropped.
    pub fn parallel_map<'s, 'env, T: Send + 's>(
        self,
        workers: usize,
        scope: &'s std::thread::Scope<'s, 'env>,
        map: &'s (dyn Fn(&mut Resource) -> T + Sync + 's),
    ) -> crate::parallel::ParallelMap<'s, T> {
        crate::parallel::ParallelMap::spawn(self, workers, scope, map)
    }

    /// For [`crate::parallel`]: the next record's bytes (appended to `out`) or outcome.
    pub(crate) fn next_raw(&mut self, out: &mut Vec<u8>) -> Raw {
        match self.step() {
            Step::End => Raw::End,
            Step::Done(o) => Raw::Done(o),
            Step::Record(kind, start) => {
                out.extend_from_slice(&self.buf);
                Raw::Record(kind, start)
            }
        }
    }
}

/// What the scanner found next.
enum Step {
    /// A record's bytes are in `buf`, to be parsed as `RecordKind`, starting at `Pos`.
    Record(RecordKind, Pos),
    /// An outcome that needs no parsing (errors, a record read during detection). Boxed: rare.
    Done(Box<Out>),
    End,
}

/// [`Step`] for the parallel reader, with the record's bytes copied out.
pub(crate) enum Raw {
    Record(RecordKind, Pos),
    Done(Box<Out>),
    End,
}

/// How to parse a record's bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RecordKind {
    /// An element of an ARG array.
    ArgRow,
    /// A line of ARG JSON Lines.
    ArgLine,
    /// A resource line of a snapshot.
    SnapshotLine,
}

/// One item of a reader, with whether an error ended the read.
pub(crate) enum Out {
    Ok(Resource),
    Skipped(InventoryError),
    Fatal(InventoryError),
}

impl Out {
    fn from_result(r: Result<Resource, InventoryError>) -> Out {
        match r {
            Ok(r) => Out::Ok(r),
            Err(e) => Out::Skipped(e),
        }
    }

    pub(crate) fn count(self, stats: &mut ReadStats) -> Result<Resource, InventoryError> {
        match self {
            Out::Ok(r) => {
                stats.records += 1;
                Ok(r)
            }
            Out::Skipped(e) => {
                stats.skipped += 1;
                Err(e)
            }
            Out::Fatal(e) => Err(e),
        }
    }
}

/// Parses one record's bytes (pure: no IO, no reader state), so that it can run on any thread;
/// `derive` as [`InventoryReader::derive_relationships`] and [`InventoryReader::read_tags`] set it.
pub(crate) fn parse_record(
    name: &str,
    kind: RecordKind,
    start: Pos,
    bytes: &[u8],
    derive: Derive,
) -> Out {
    // A row is parsed from `&str` when it is valid UTF-8 (validating once is measurably faster than
    // letting serde_json validate each string of a byte slice), else from the bytes, so that
    // serde_json reports the bad string with its position.
    let row = |b: &[u8]| match std::str::from_utf8(b) {
        Ok(text) => rampart_model::document::from_str(text),
        Err(_) => rampart_model::document::from_slice(b),
    };
    let res = match kind {
        RecordKind::ArgRow => match row(bytes) {
            Ok(row) => row_to_resource(row, derive).map_err(|e| e.at(loc(name, start))),
            Err(e) => Err(json_error(name, &e, start)),
        },
        RecordKind::ArgLine => match row(bytes.trim_ascii()) {
            Ok(row) => row_to_resource(row, derive).map_err(|e| e.at(line_loc(name, start.line))),
            Err(e) => Err(json_error(name, &e, start)),
        },
        RecordKind::SnapshotLine => parse_snapshot_line(name, start, bytes.trim_ascii()),
    };
    Out::from_result(res)
}

fn parse_snapshot_line(name: &str, start: Pos, text: &[u8]) -> Result<Resource, InventoryError> {
    match std::str::from_utf8(text) {
        Ok(text) => match serde_json::from_str(text) {
            Ok(r) => Ok(r),
            // Errors are rare: only then pay for tracking the field path, to name the field.
            Err(_) => parse_snapshot_with(name, start, serde_json::Deserializer::from_str(text)),
        },
        Err(_) => parse_snapshot_with(name, start, serde_json::Deserializer::from_slice(text)),
    }
}

fn parse_snapshot_with<'de, R: serde_json::de::Read<'de>>(
    name: &str,
    start: Pos,
    mut de: serde_json::Deserializer<R>,
) -> Result<Resource, InventoryError> {
    let res: Result<Resource, _> = serde_path_to_error::deserialize(&mut de);
    match res {
        Ok(r) => de
            .end()
            .map(|()| r)
            .map_err(|e| json_error(name, &e, start)),
        Err(e) => {
            let inner = e.inner();
            if inner.is_data() {
                let path = e.path().to_string();
                Err(field_error_from_serde(
                    &strip_position(inner),
                    &path,
                    line_loc(name, start.line),
                ))
            } else {
                Err(json_error(name, inner, start))
            }
        }
    }
}

fn loc(name: &str, pos: Pos) -> Location {
    Location {
        file: name.to_owned(),
        line: pos.line,
        column: Some(pos.column),
    }
}

fn line_loc(name: &str, line: u64) -> Location {
    Location {
        file: name.to_owned(),
        line,
        column: None,
    }
}

/// Translates a serde_json error inside a record (which starts at `start`) to the file.
fn json_error(name: &str, e: &serde_json::Error, start: Pos) -> InventoryError {
    let (line, column) = if e.line() <= 1 {
        (
            start.line,
            start.column + e.column().saturating_sub(1) as u64,
        )
    } else {
        (start.line + e.line() as u64 - 1, e.column() as u64)
    };
    InventoryError::Syntax {
        at: loc(name, Pos { line, column }),
        message: strip_position(e),
    }
}

impl Iterator for InventoryReader {
    type Item = Result<Resource, InventoryError>;

    fn next(&mut self) -> Option<Self::Item> {
        let out = match self.step() {
            Step::End => return None,
            Step::Done(out) => *out,
            Step::Record(kind, start) => {
                parse_record(&self.name, kind, start, &self.buf, self.derive)
            }
        };
        Some(out.count(&mut self.stats))
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
