//! A byte scanner over a `BufRead` that finds the boundaries of JSON values without parsing them,
//! so that each element of a huge array (or each line of a JSON Lines file) can be copied into one
//! reused buffer and handed to `serde_json::from_slice`. Memory is bounded by the largest single
//! value, never by the input. It tracks line and column for error messages.
//!
//! Invariant: the scanner only decides where a value ends; serde_json decides whether it is valid.
//! A value the scanner accepts may still be rejected by serde_json (e.g. `{]`), which is reported
//! with serde_json's position translated into the file's.

use std::io::{self, BufRead};

use memchr::{memchr, memchr2};

/// The bytes that change the scanner's state outside a string.
const STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'{' as usize] = true;
    t[b'[' as usize] = true;
    t[b'}' as usize] = true;
    t[b']' as usize] = true;
    t[b'\n' as usize] = true;
    t
};

/// The largest single record (array element or line) we buffer; beyond this the input is rejected
/// rather than letting one corrupt value exhaust memory.
pub(crate) const MAX_RECORD_BYTES: usize = 256 * 1024 * 1024;

/// Why scanning stopped.
#[derive(Debug)]
pub(crate) enum ScanError {
    Io(io::Error),
    /// The input ended inside a value.
    Eof,
    /// A byte that cannot start or continue the expected structure.
    Unexpected {
        byte: u8,
        expected: &'static str,
    },
    /// A record exceeds [`MAX_RECORD_BYTES`].
    TooLarge,
}

impl From<io::Error> for ScanError {
    fn from(e: io::Error) -> Self {
        ScanError::Io(e)
    }
}

/// A position: 1-based line and column of a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: u64,
    pub(crate) column: u64,
}

pub(crate) struct Scanner {
    r: Box<dyn BufRead + Send>,
    /// Bytes consumed so far.
    offset: u64,
    /// 1-based line of the next byte.
    line: u64,
    /// Offset of the first byte of the current line.
    line_start: u64,
}

/// The position of the first `"` or `\\` in `s`. Most strings of a resource are short (keys, enumeration
/// values), so the first eight bytes are tested at once (the classic SWAR zero-byte test, whose lowest
/// hit is exact) before `memchr2` takes the rest: a call per string was most of the scanner's cost.
fn next_quote_or_escape(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let Some(head) = s.get(..8) else {
        return memchr2(b'"', b'\\', s);
    };
    let mut word = [0u8; 8];
    word.copy_from_slice(head);
    let w = u64::from_le_bytes(word);
    let hits = zero_bytes(w ^ (ONES * u64::from(b'"'))) | zero_bytes(w ^ (ONES * u64::from(b'\\')));
    if hits != 0 {
        return Some(hits.trailing_zeros() as usize / 8);
    }
    memchr2(b'"', b'\\', &s[8..]).map(|k| k + 8)
}

impl Scanner {
    pub(crate) fn new(r: Box<dyn BufRead + Send>) -> Self {
        Scanner {
            r,
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// The position of the next byte.
    pub(crate) fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.offset - self.line_start + 1,
        }
    }

    /// Skips whitespace (and a UTF-8 byte order mark at the very start) and returns the next byte
    /// without consuming it, or `None` at the end of input.
    pub(crate) fn peek_non_ws(&mut self) -> Result<Option<u8>, ScanError> {
        loop {
            let chunk = self.r.fill_buf()?;
            if chunk.is_empty() {
                return Ok(None);
            }
            let mut i = 0;
            let mut found = None;
            while i < chunk.len() {
                match chunk[i] {
                    b' ' | b'\t' | b'\r' => {}
                    b'\n' => {
                        self.line += 1;
                        self.line_start = self.offset + i as u64 + 1;
                    }
                    // A BOM is only tolerated as the first bytes of the input.
                    0xEF if self.offset == 0 && i == 0 && chunk.starts_with(b"\xEF\xBB\xBF") => {
                        i += 3;
                        // Columns count from after the BOM.
                        self.line_start = 3;
                        continue;
                    }
                    b => {
                        found = Some(b);
                        break;
                    }
                }
                i += 1;
            }
            self.offset += i as u64;
            self.r.consume(i);
            if found.is_some() {
                return Ok(found);
            }
        }
    }

    /// Consumes one byte (which the caller has peeked and which is not a newline).
    pub(crate) fn bump(&mut self) {
        self.offset += 1;
        self.r.consume(1);
    }

    /// Appends the next complete JSON value to `out`. Leading whitespace must already be skipped.
    pub(crate) fn read_value(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
        let first = match self.r.fill_buf()?.first() {
            Some(&b) => b,
            None => return Err(ScanError::Eof),
        };
        match first {
            b'{' | b'[' | b'"' => self.read_compound(out),
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => self.read_scalar(out),
            byte => Err(ScanError::Unexpected {
                byte,
                expected: "a JSON value",
            }),
        }
    }

    /// Reads an object, array or string: up to the byte that brings nesting back to zero.
    fn read_compound(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
        let mut depth: usize = 0;
        let mut in_string = false;
        let mut escape = false;
        let mut line = self.line;
        let mut line_start = self.line_start;
        let mut offset = self.offset;
        loop {
            let chunk = self.r.fill_buf()?;
            if chunk.is_empty() {
                self.line = line;
                self.line_start = line_start;
                self.offset = offset;
                return Err(ScanError::Eof);
            }
            let mut i = 0;
            let mut done = false;
            while i < chunk.len() {
                if in_string {
                    if escape {
                        escape = false;
                        i += 1;
                        continue;
                    }
                    // Strings are most of the bytes of a resource: jump to the next quote or escape.
                    match next_quote_or_escape(&chunk[i..]) {
                        None => {
                            i = chunk.len();
                            break;
                        }
                        Some(k) => {
                            i += k;
                            if chunk[i] == b'\\' {
                                escape = true;
                            } else {
                                in_string = false;
                                if depth == 0 {
                                    i += 1;
                                    done = true;
                                    break;
                                }
                            }
                            i += 1;
                        }
                    }
                } else {
                    // Outside strings only six bytes matter; the rest (`:`, `,`, digits, letters,
                    // blanks) are skipped in a tight loop, a table lookup each.
                    while i < chunk.len() && !STRUCTURAL[usize::from(chunk[i])] {
                        i += 1;
                    }
                    let Some(&byte) = chunk.get(i) else {
                        break;
                    };
                    match byte {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                i += 1;
                                done = true;
                                break;
                            }
                        }
                        b'\n' => {
                            line += 1;
                            line_start = offset + i as u64 + 1;
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            if out.len() + i > MAX_RECORD_BYTES {
                return Err(ScanError::TooLarge);
            }
            out.extend_from_slice(&chunk[..i]);
            offset += i as u64;
            self.r.consume(i);
            if done {
                self.line = line;
                self.line_start = line_start;
                self.offset = offset;
                return Ok(());
            }
        }
    }

    /// Reads a number or literal: up to the next delimiter.
    fn read_scalar(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
        loop {
            let chunk = self.r.fill_buf()?;
            if chunk.is_empty() {
                return Ok(());
            }
            let end = chunk
                .iter()
                .position(|b| matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n'));
            let n = end.unwrap_or(chunk.len());
            if out.len() + n > 1024 {
                return Err(ScanError::TooLarge);
            }
            out.extend_from_slice(&chunk[..n]);
            self.offset += n as u64;
            self.r.consume(n);
            if end.is_some() {
                return Ok(());
            }
        }
    }

    /// Reads one line (without its `\n`) into `out`. Returns `false` at the end of input.
    pub(crate) fn read_line(&mut self, out: &mut Vec<u8>) -> Result<bool, ScanError> {
        let mut any = false;
        loop {
            let chunk = self.r.fill_buf()?;
            if chunk.is_empty() {
                return Ok(any);
            }
            any = true;
            match memchr(b'\n', chunk) {
                Some(k) => {
                    if out.len() + k > MAX_RECORD_BYTES {
                        return Err(ScanError::TooLarge);
                    }
                    out.extend_from_slice(&chunk[..k]);
                    self.r.consume(k + 1);
                    self.offset += k as u64 + 1;
                    self.line += 1;
                    self.line_start = self.offset;
                    return Ok(true);
                }
                None => {
                    let n = chunk.len();
                    if out.len() + n > MAX_RECORD_BYTES {
                        return Err(ScanError::TooLarge);
                    }
                    out.extend_from_slice(chunk);
                    self.r.consume(n);
                    self.offset += n as u64;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner(s: &'static str) -> Scanner {
        Scanner::new(Box::new(io::BufReader::with_capacity(3, s.as_bytes())))
    }

    #[test]
    fn values_split_across_tiny_buffers() {
        let mut sc =
            scanner(" {\"a\": \"x}\\\"]\", \"b\": [1, {\"c\": 2}]}\n [3] \"s\\\\\" -12.5e3, true");
        let mut got = Vec::new();
        while let Some(b) = sc.peek_non_ws().unwrap() {
            if b == b',' {
                sc.bump();
                continue;
            }
            let mut buf = Vec::new();
            sc.read_value(&mut buf).unwrap();
            got.push(String::from_utf8(buf).unwrap());
        }
        assert_eq!(
            got,
            [
                "{\"a\": \"x}\\\"]\", \"b\": [1, {\"c\": 2}]}",
                "[3]",
                "\"s\\\\\"",
                "-12.5e3",
                "true"
            ]
        );
        assert_eq!(
            sc.pos(),
            Pos {
                line: 2,
                column: 25
            }
        );
    }

    /// The first quote or backslash, found eight bytes at a time then by `memchr2`, at every position
    /// of short and long slices, next to bytes that differ from them by one bit.
    #[test]
    fn next_quote_or_escape_finds_the_first() {
        for len in 0..40 {
            let plain: Vec<u8> = (0..len)
                .map(|i| [b'a', b'#', b'!', b']', 0xdc, b'|'][i % 6])
                .collect();
            assert_eq!(next_quote_or_escape(&plain), None, "{len}");
            for at in 0..len {
                for special in [b'"', b'\\'] {
                    let mut s = plain.clone();
                    s[at] = special;
                    assert_eq!(next_quote_or_escape(&s), Some(at), "{len} {at}");
                    if at + 1 < len {
                        s[at + 1] = b'"';
                        assert_eq!(
                            next_quote_or_escape(&s),
                            Some(at),
                            "{len} {at} then a quote"
                        );
                    }
                }
            }
        }
    }

    /// Records with escaped quotes and backslashes at every offset of a string, read through buffers
    /// of many sizes (so strings start and end at every offset of a buffer and of the eight-byte test),
    /// come out as written.
    #[test]
    fn records_with_escapes_at_every_offset() {
        let mut records = Vec::new();
        for len in 0..20 {
            for at in 0..=len {
                for esc in ["\\\"", "\\\\", "\\n", "\\u0022"] {
                    let text = format!("{}{esc}{}", "x".repeat(at), "y".repeat(len - at));
                    records.push(format!(
                        "{{\"k{len}\":\"{text}\",\"a\":[\"]\",\"{{\"],\"b\":\"\"}}"
                    ));
                }
            }
        }
        let input = format!("[{}]", records.join(",\n"));
        assert!(serde_json::from_str::<serde_json::Value>(&input).is_ok());
        for capacity in [1, 3, 7, 8, 9, 17, 64, 4096] {
            let mut sc = Scanner::new(Box::new(io::BufReader::with_capacity(
                capacity,
                io::Cursor::new(input.clone().into_bytes()),
            )));
            assert_eq!(sc.peek_non_ws().unwrap(), Some(b'['));
            sc.bump();
            let mut got = Vec::new();
            while let Some(b) = sc.peek_non_ws().unwrap() {
                if b == b',' {
                    sc.bump();
                    continue;
                }
                if b == b']' {
                    break;
                }
                let mut buf = Vec::new();
                sc.read_value(&mut buf).unwrap();
                got.push(String::from_utf8(buf).unwrap());
            }
            assert_eq!(got, records, "capacity {capacity}");
        }
    }

    #[test]
    fn truncated_value_is_eof() {
        let mut sc = scanner("{\"a\": [1, 2");
        let mut buf = Vec::new();
        assert!(matches!(sc.read_value(&mut buf), Err(ScanError::Eof)));
    }
}
