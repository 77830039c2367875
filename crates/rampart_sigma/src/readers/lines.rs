//! Input plumbing shared by the log readers: transparent gzip, a line splitter whose
//! buffer holds one chunk plus the longest line (memory flat in the input size), and the
//! record splitter of JSON logs (JSON Lines, a `{"records": [...]}` / `{"Records": [...]}`
//! document, or a bare array), which names each record's line.

use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::cloudtrail::ReadStats;
use crate::error::ReadError;

/// Bytes read per refill of the line buffer.
const CHUNK: usize = 1 << 18;

pub(crate) fn io_err(origin: &str) -> impl Fn(std::io::Error) -> ReadError + '_ {
    move |source| ReadError::Io {
        origin: origin.to_string(),
        source,
    }
}

/// `input` decompressed when it starts with the gzip magic (multi-member gzip included).
pub(crate) fn maybe_gunzip<'r, R: Read + 'r>(
    input: R,
    origin: &str,
) -> Result<Box<dyn BufRead + 'r>, ReadError> {
    let mut buf = BufReader::with_capacity(1 << 16, input);
    let gz = buf
        .fill_buf()
        .map_err(io_err(origin))?
        .starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(buf),
        ))
    } else {
        Box::new(buf)
    })
}

fn read_some<R: Read + ?Sized>(input: &mut R, out: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match input.read(out) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// Calls `f` with each line (without its `\n`, `\r` kept) and its 1-based number,
/// starting after `prefix` (bytes already read, which come first). Stops on `Break`.
pub(crate) fn for_each_line<R: BufRead + ?Sized>(
    input: &mut R,
    prefix: Vec<u8>,
    origin: &str,
    mut f: impl FnMut(&[u8], u64) -> ControlFlow<()>,
) -> Result<(), ReadError> {
    let mut buf = prefix;
    let mut start = 0usize;
    let mut eof = false;
    let mut line_no = 0u64;
    loop {
        loop {
            let (text, next) = match memchr::memchr(b'\n', &buf[start..]) {
                Some(off) => (&buf[start..start + off], start + off + 1),
                None if eof && start < buf.len() => (&buf[start..], buf.len()),
                None => break,
            };
            start = next;
            line_no += 1;
            if f(text, line_no).is_break() {
                return Ok(());
            }
        }
        if eof {
            return Ok(());
        }
        buf.drain(..start);
        start = 0;
        let old = buf.len();
        buf.resize(old + CHUNK, 0);
        let n = read_some(input, &mut buf[old..]).map_err(io_err(origin))?;
        buf.truncate(old + n);
        eof = n == 0;
    }
}

#[derive(Deserialize)]
struct Wrapper<'a> {
    #[serde(rename = "records", alias = "Records", borrow)]
    records: Option<Vec<&'a RawValue>>,
}

/// Whether the first non-blank line opens a whole JSON document rather than a JSON Lines
/// record: an array, a `{` alone on its line (pretty-printed), or a records wrapper.
fn is_document_start(first: &str) -> bool {
    if first.starts_with('[') {
        return true;
    }
    let Some(rest) = first.strip_prefix('{') else {
        return false;
    };
    let rest = rest.trim_start();
    rest.is_empty() || rest.starts_with("\"records\"") || rest.starts_with("\"Records\"")
}

/// Calls `f(record_text, line, stats)` for every JSON record of `input`; `format` names
/// the log in document errors. JSON Lines are streamed; a whole document is read at once
/// (bounded by the producer's file size). Invalid UTF-8 lines are counted as bad here;
/// the caller reports records its projection refuses.
pub(crate) fn for_each_json_record<R: BufRead + ?Sized>(
    input: &mut R,
    origin: &str,
    format: &'static str,
    stats: &mut ReadStats,
    mut f: impl FnMut(&str, u64, &mut ReadStats) -> ControlFlow<()>,
) -> Result<(), ReadError> {
    // Find the first non-blank line to tell the forms apart.
    let mut first = Vec::new();
    let mut skipped = 0u64;
    loop {
        first.clear();
        if input
            .read_until(b'\n', &mut first)
            .map_err(io_err(origin))?
            == 0
        {
            return Ok(());
        }
        if !first.iter().all(u8::is_ascii_whitespace) {
            break;
        }
        skipped += 1;
    }
    let head = String::from_utf8_lossy(&first);
    let head = head.trim_start_matches('\u{feff}').trim();
    // A document start whose first line is a complete value (a one-line
    // `{"records": [...]}`) is JSON Lines of wrappers, unwrapped line by line below.
    if is_document_start(head) && serde_json::from_str::<serde::de::IgnoredAny>(head).is_err() {
        let mut doc = Vec::with_capacity(first.len());
        doc.extend_from_slice(&first);
        input.read_to_end(&mut doc).map_err(io_err(origin))?;
        let doc = String::from_utf8(doc).map_err(|e| ReadError::Document {
            origin: origin.to_string(),
            line: skipped + 1,
            format,
            why: format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
        })?;
        return read_document(&doc, skipped, origin, format, stats, f);
    }
    for_each_line(input, first, origin, |text, n| {
        let line = n + skipped;
        let text = match std::str::from_utf8(text) {
            Ok(t) => t.trim(),
            Err(e) => {
                stats.records += 1;
                stats.push_bad(ReadError::Record {
                    origin: origin.to_string(),
                    line,
                    why: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                });
                return ControlFlow::Continue(());
            }
        };
        let text = text.trim_start_matches('\u{feff}');
        if text.is_empty() {
            return ControlFlow::Continue(());
        }
        let unwrapped = if text.starts_with('[') {
            serde_json::from_str::<Vec<&RawValue>>(text).ok()
        } else if is_wrapper_line(text) {
            serde_json::from_str::<Wrapper<'_>>(text)
                .ok()
                .and_then(|w| w.records)
        } else {
            None
        };
        if let Some(records) = unwrapped {
            for r in records {
                stats.records += 1;
                f(r.get(), line, stats)?;
            }
            return ControlFlow::Continue(());
        }
        stats.records += 1;
        f(text, line, stats)
    })
}

/// A line holding a whole `{"records": [...]}` / `{"Records": [...]}` wrapper (one-line
/// arrays are unwrapped too).
fn is_wrapper_line(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('{') else {
        return false;
    };
    let rest = rest.trim_start();
    rest.starts_with("\"records\"") || rest.starts_with("\"Records\"")
}

fn read_document(
    doc: &str,
    skipped: u64,
    origin: &str,
    format: &'static str,
    stats: &mut ReadStats,
    mut f: impl FnMut(&str, u64, &mut ReadStats) -> ControlFlow<()>,
) -> Result<(), ReadError> {
    let bad_doc = |e: serde_json::Error| ReadError::Document {
        origin: origin.to_string(),
        line: e.line() as u64 + skipped,
        format,
        why: e.to_string(),
    };
    let body = doc.trim_start_matches('\u{feff}');
    let records: Vec<&RawValue> = if body.trim_start().starts_with('[') {
        serde_json::from_str(body).map_err(bad_doc)?
    } else {
        let w: Wrapper<'_> = serde_json::from_str(body).map_err(bad_doc)?;
        match w.records {
            Some(r) => r,
            // A single pretty-printed record.
            None => vec![serde_json::from_str(body).map_err(bad_doc)?],
        }
    };
    // Line of each record: newlines counted incrementally from the document start.
    let base = body.as_ptr() as usize;
    let (mut pos, mut line) = (0usize, 1 + skipped);
    for r in records {
        let off = (r.get().as_ptr() as usize)
            .saturating_sub(base)
            .min(body.len());
        if off >= pos {
            line += memchr::memchr_iter(b'\n', &body.as_bytes()[pos..off]).count() as u64;
            pos = off;
        }
        stats.records += 1;
        if f(r.get(), line, stats).is_break() {
            return Ok(());
        }
    }
    Ok(())
}
