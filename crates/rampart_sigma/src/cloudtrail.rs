//! AWS CloudTrail reader: S3-delivered `{"Records":[...]}` files (gzipped or not), a bare
//! JSON array of records, or JSON Lines (one record per line). Each record is projected
//! onto the fields the rules read ([`Projection`]); nothing else is built.
//!
//! Memory: JSON Lines are streamed line by line (flat in the input size). Whole-document
//! forms (`Records` wrapper, array) are read one document at a time, which for S3
//! delivery is bounded by CloudTrail's file size.

use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::ReadError;
use crate::event::SlotEvent;
use crate::json::{JsonError, Projection};
use crate::readers::for_each_line;

/// Bad records kept in [`ReadStats::errors`]; later ones are only counted.
const MAX_KEPT_ERRORS: usize = 100;

/// What a read went through.
#[derive(Debug, Default)]
pub struct ReadStats {
    pub records: u64,
    /// Records skipped because they were not valid JSON objects.
    pub bad_records: u64,
    /// The first bad records' errors (at most 100).
    pub errors: Vec<ReadError>,
    /// Records read but taken by no log source (an Azure category or a journald entry
    /// no source serves); not errors.
    pub unrouted: u64,
}

impl ReadStats {
    /// Counts a bad record and keeps its error while fewer than 100 are kept.
    pub(crate) fn push_bad(&mut self, err: ReadError) {
        self.bad_records += 1;
        tracing::warn!(error = %err, "skipping a bad log record");
        if self.errors.len() < MAX_KEPT_ERRORS {
            self.errors.push(err);
        }
    }
}

#[derive(Deserialize)]
struct Wrapper<'a> {
    #[serde(rename = "Records", borrow)]
    records: Option<Vec<&'a RawValue>>,
}

/// Reads CloudTrail records from `input`, calling `on_event` for each; stops early when it
/// returns `Break`. `origin` names the input in errors.
pub fn read_cloudtrail<R: Read>(
    input: R,
    origin: &str,
    projection: &Projection,
    mut on_event: impl FnMut(&SlotEvent<'_>) -> ControlFlow<()>,
) -> Result<ReadStats, ReadError> {
    let io = |source| ReadError::Io {
        origin: origin.to_string(),
        source,
    };
    let mut buf = BufReader::with_capacity(1 << 16, input);
    let gz = buf.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    if gz {
        let dec = BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(buf));
        read_plain(dec, origin, projection, &mut on_event)
    } else {
        read_plain(buf, origin, projection, &mut on_event)
    }
}

fn read_plain<R: BufRead>(
    mut input: R,
    origin: &str,
    projection: &Projection,
    on_event: &mut impl FnMut(&SlotEvent<'_>) -> ControlFlow<()>,
) -> Result<ReadStats, ReadError> {
    let io = |source| ReadError::Io {
        origin: origin.to_string(),
        source,
    };
    let mut stats = ReadStats::default();
    let mut line = String::new();
    let mut line_no = 0u64;
    // Find the first non-blank line to tell the forms apart.
    loop {
        line.clear();
        if input.read_line(&mut line).map_err(io)? == 0 {
            return Ok(stats);
        }
        line_no += 1;
        if !line.trim().is_empty() {
            break;
        }
    }
    let first = line.trim_start();
    let whole_doc = first.starts_with('[') || is_wrapper_start(first);
    if whole_doc {
        let mut doc = std::mem::take(&mut line);
        input.read_to_string(&mut doc).map_err(io)?;
        read_document(&doc, origin, projection, on_event, &mut stats)?;
        return Ok(stats);
    }
    // JSON Lines, cut in place from a large buffer (no per-line copy); one slot
    // allocation serves every record. The buffer holds at most one chunk plus the
    // longest line, so memory is flat in the input size.
    let buf = std::mem::take(&mut line).into_bytes();
    // `for_each_line` numbers the buffer's first line 1; it is line `line_no` of the file.
    let first_line = line_no;
    let mut storage = Vec::new();
    for_each_line(&mut input, buf, origin, |text, n| {
        let this_line = first_line + n - 1;
        let text = match std::str::from_utf8(text) {
            Ok(t) => t.trim(),
            Err(e) => {
                stats.records += 1;
                let err = JsonError {
                    offset: e.valid_up_to(),
                    what: "invalid UTF-8",
                };
                bad(&mut stats, origin, this_line, err);
                return ControlFlow::Continue(());
            }
        };
        if text.is_empty() {
            return ControlFlow::Continue(());
        }
        stats.records += 1;
        let mut ev = SlotEvent::from_storage(std::mem::take(&mut storage));
        let stop = match projection.project_into(text, &mut ev) {
            Ok(()) => on_event(&ev).is_break(),
            Err(source) => {
                bad(&mut stats, origin, this_line, source);
                false
            }
        };
        storage = ev.into_storage();
        if stop {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    Ok(stats)
}

/// A `{` alone on its line (pretty-printed document) or a `{"Records"` start.
fn is_wrapper_start(first: &str) -> bool {
    let Some(rest) = first.strip_prefix('{') else {
        return false;
    };
    let rest = rest.trim_start();
    rest.is_empty() || rest.starts_with("\"Records\"")
}

fn bad(stats: &mut ReadStats, origin: &str, line: u64, source: JsonError) {
    stats.bad_records += 1;
    tracing::warn!(origin, line, error = %source, "skipping invalid CloudTrail record");
    if stats.errors.len() < MAX_KEPT_ERRORS {
        stats.errors.push(ReadError::Json {
            origin: origin.to_string(),
            record: stats.records,
            line,
            source,
        });
    }
}

fn read_document(
    doc: &str,
    origin: &str,
    projection: &Projection,
    on_event: &mut impl FnMut(&SlotEvent<'_>) -> ControlFlow<()>,
    stats: &mut ReadStats,
) -> Result<(), ReadError> {
    let format = |why: String| ReadError::Format {
        origin: origin.to_string(),
        why,
    };
    let trimmed = doc.trim_start();
    let records: Vec<&RawValue> = if trimmed.starts_with('[') {
        serde_json::from_str(doc).map_err(|e| format(e.to_string()))?
    } else {
        let w: Wrapper<'_> = serde_json::from_str(doc).map_err(|e| format(e.to_string()))?;
        match w.records {
            Some(r) => r,
            // A single pretty-printed record.
            None => vec![serde_json::from_str(doc).map_err(|e| format(e.to_string()))?],
        }
    };
    let mut storage = Vec::new();
    for r in records {
        stats.records += 1;
        let mut ev = SlotEvent::from_storage(storage);
        let stop = match projection.project_into(r.get(), &mut ev) {
            Ok(()) => on_event(&ev).is_break(),
            Err(source) => {
                bad(stats, origin, 0, source);
                false
            }
        };
        storage = ev.into_storage();
        if stop {
            return Ok(());
        }
    }
    Ok(())
}
