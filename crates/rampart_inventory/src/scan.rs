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

/// Where the bytes that matter to [`Scanner::read_compound`] are in a block of 64 input bytes, one
/// bit per byte (bit `i` for byte `i`).
#[derive(Debug, PartialEq, Eq)]
struct Masks {
    quote: u64,
    backslash: u64,
    /// `{` and `[`.
    open: u64,
    /// `}` and `]`.
    close: u64,
    newline: u64,
}

impl Masks {
    /// Sixteen bytes at a time with SSE2 (which every x86-64 processor has): a compare and a
    /// move-mask per class, ~100 instructions for the block where the byte loop took ~6 a byte.
    #[cfg(all(
        any(target_arch = "x86", target_arch = "x86_64"),
        target_feature = "sse2"
    ))]
    fn of(block: &[u8; 64]) -> Self {
        use safe_arch::{
            cmp_eq_mask_i8_m128i, load_unaligned_m128i, m128i, move_mask_i8_m128i,
            set_splat_i8_m128i,
        };
        let splat = |b: u8| set_splat_i8_m128i(i8::from_ne_bytes([b]));
        let (quote, backslash, newline) = (splat(b'"'), splat(b'\\'), splat(b'\n'));
        // `{` / `[` and `}` / `]` differ only in bit 0x20: one compare each after setting it.
        let (case, open, close) = (splat(0x20), splat(b'{'), splat(b'}'));
        // The move-mask sets only the low 16 bits.
        let bits = |v: m128i, class: m128i| {
            u64::from(move_mask_i8_m128i(cmp_eq_mask_i8_m128i(v, class)) as u16)
        };
        let mut m = Masks {
            quote: 0,
            backslash: 0,
            open: 0,
            close: 0,
            newline: 0,
        };
        for (k, part) in block.chunks_exact(16).enumerate() {
            let Ok(part) = <&[u8; 16]>::try_from(part) else {
                continue;
            };
            let v = load_unaligned_m128i(part);
            let folded = v | case;
            let at = 16 * k;
            m.quote |= bits(v, quote) << at;
            m.backslash |= bits(v, backslash) << at;
            m.newline |= bits(v, newline) << at;
            m.open |= bits(folded, open) << at;
            m.close |= bits(folded, close) << at;
        }
        m
    }

    /// A byte at a time: where SSE2 is not available, and as the tests' reference.
    #[cfg(any(
        test,
        not(all(
            any(target_arch = "x86", target_arch = "x86_64"),
            target_feature = "sse2"
        ))
    ))]
    fn of_bytes(block: &[u8; 64]) -> Self {
        let class = |f: &dyn Fn(u8) -> bool| {
            block
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, &b)| m | u64::from(f(b)) << i)
        };
        Masks {
            quote: class(&|b| b == b'"'),
            backslash: class(&|b| b == b'\\'),
            open: class(&|b| b == b'{' || b == b'['),
            close: class(&|b| b == b'}' || b == b']'),
            newline: class(&|b| b == b'\n'),
        }
    }

    #[cfg(not(all(
        any(target_arch = "x86", target_arch = "x86_64"),
        target_feature = "sse2"
    )))]
    fn of(block: &[u8; 64]) -> Self {
        Self::of_bytes(block)
    }
}

/// What a block did to the scan (see [`scan_block`]).
#[derive(Debug, PartialEq, Eq)]
enum Block {
    /// It has a backslash: scan it a byte at a time (escapes are rare in cloud inventories).
    Escapes,
    /// The value goes on past the block; `newlines` are the block's newlines outside strings.
    Through { newlines: u64 },
    /// The value ends at byte `at` of the block (its closing bracket); `newlines` before it.
    End { at: u32, newlines: u64 },
}

/// Bit `i` set when an odd number of bits of `x` are set at or below `i`: with `x` the quotes, the
/// bytes inside strings (an opening quote counts as inside, a closing one as outside).
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// Scans a block of a compound value that has already begun (`depth > 0`), not in the middle of
/// an escape, and updates `in_string` and `depth` as the byte-by-byte loop of
/// [`Scanner::read_compound`] would over the same bytes (up to the closing bracket if it ends here).
fn scan_block(m: &Masks, in_string: &mut bool, depth: &mut usize) -> Block {
    if m.backslash != 0 {
        return Block::Escapes;
    }
    let inside = prefix_xor(m.quote) ^ if *in_string { u64::MAX } else { 0 };
    let open = m.open & !inside;
    let close = m.close & !inside;
    let newlines = m.newline & !inside;
    if (close.count_ones() as usize) < *depth {
        // Cannot come back to zero within the block.
        *depth += open.count_ones() as usize;
        *depth -= close.count_ones() as usize;
    } else {
        let mut events = open | close;
        while events != 0 {
            let at = events.trailing_zeros();
            events &= events - 1;
            if open >> at & 1 == 1 {
                *depth += 1;
            } else {
                *depth -= 1;
                if *depth == 0 {
                    *in_string = false;
                    return Block::End {
                        at,
                        newlines: newlines & ((1u64 << at) - 1),
                    };
                }
            }
        }
    }
    *in_string = inside >> 63 == 1;
    Block::Through { newlines }
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
            b'{' | b'[' | b'"' => self.read_compound::<true>(out),
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => self.read_scalar(out),
            byte => Err(ScanError::Unexpected {
                byte,
                expected: "a JSON value",
            }),
        }
    }

    /// Reads an object, array or string: up to the byte that brings nesting back to zero.
    /// `BLOCKS`: whether blocks of 64 bytes are scanned at once (always, except in the tests that
    /// compare with the byte loop alone).
    fn read_compound<const BLOCKS: bool>(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
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
            // Bytes before this offset are scanned one at a time (a block with a backslash).
            let mut bytewise_until = 0;
            while i < chunk.len() {
                // Inside the value, 64 bytes at a time while a whole block is buffered.
                if BLOCKS && depth > 0 && !escape && i >= bytewise_until {
                    if let Some(Ok(block)) = chunk.get(i..i + 64).map(<&[u8; 64]>::try_from) {
                        let (advance, newlines) =
                            match scan_block(&Masks::of(block), &mut in_string, &mut depth) {
                                Block::Escapes => {
                                    bytewise_until = i + 64;
                                    (0, 0)
                                }
                                Block::Through { newlines } => (64, newlines),
                                Block::End { at, newlines } => {
                                    done = true;
                                    (at as usize + 1, newlines)
                                }
                            };
                        if newlines != 0 {
                            line += u64::from(newlines.count_ones());
                            let last = 63 - newlines.leading_zeros() as usize;
                            line_start = offset + (i + last) as u64 + 1;
                        }
                        i += advance;
                        if done {
                            break;
                        }
                        if advance > 0 {
                            continue;
                        }
                    }
                }
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

    /// The elements of the JSON array `input`, read through a buffer of `capacity` bytes, each with
    /// the scanner's position after it, and the position of the closing bracket.
    fn read_array(input: &str, capacity: usize) -> (Vec<(String, Pos)>, Pos) {
        let mut sc = Scanner::new(Box::new(io::BufReader::with_capacity(
            capacity,
            io::Cursor::new(input.as_bytes().to_vec()),
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
            got.push((String::from_utf8(buf).unwrap(), sc.pos()));
        }
        (got, sc.pos())
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
            let (got, _) = read_array(&input, capacity);
            let got: Vec<String> = got.into_iter().map(|(r, _)| r).collect();
            assert_eq!(got, records, "capacity {capacity}");
        }
    }

    /// A small deterministic generator (xorshift) for the tests below.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// The SSE2 masks are the byte loop's, for blocks of every special byte at random places and of
    /// bytes next to them (and above 0x7f, which a signed compare could mistake).
    #[test]
    fn block_masks_match_the_byte_loop() {
        let bytes = [
            b'"',
            b'\\',
            b'{',
            b'[',
            b'}',
            b']',
            b'\n',
            b'a',
            b' ',
            b'z',
            b'|',
            b';',
            b'=',
            b'{' ^ 0x20,
            0x80,
            0xff,
            0xdb,
            0xfb,
            0xa2,
            0x0a | 0x80,
            0,
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let mut block = [0u8; 64];
            for b in &mut block {
                *b = bytes[rng.below(bytes.len())];
            }
            assert_eq!(Masks::of(&block), Masks::of_bytes(&block), "{block:?}");
        }
    }

    /// A random JSON value: nested objects and arrays, strings holding brackets, quotes and
    /// backslashes (escaped), some long, and newlines and blanks between tokens.
    fn json(rng: &mut Rng, depth: usize, out: &mut String) {
        let blank = |rng: &mut Rng, out: &mut String| {
            out.push_str(["", "", "", " ", "\n", "\n  ", "\t"][rng.below(7)]);
        };
        match if depth > 4 {
            2 + rng.below(2)
        } else {
            rng.below(4)
        } {
            kind @ (0 | 1) => {
                let object = kind == 0;
                out.push(if object { '{' } else { '[' });
                for k in 0..rng.below(6) {
                    if k > 0 {
                        out.push(',');
                    }
                    blank(rng, out);
                    if object {
                        string(rng, out);
                        out.push(':');
                        blank(rng, out);
                    }
                    json(rng, depth + 1, out);
                }
                blank(rng, out);
                out.push(if object { '}' } else { ']' });
            }
            2 => string(rng, out),
            _ => out.push_str(["1", "-2.5e3", "true", "null", "false"][rng.below(5)]),
        }
    }

    fn string(rng: &mut Rng, out: &mut String) {
        const PIECES: [&str; 12] = [
            "a",
            "id",
            "{",
            "}",
            "[",
            "]",
            "x]}",
            "\\\"",
            "\\\\",
            "\\n",
            "é",
            "0123456789abcdef",
        ];
        out.push('"');
        let n = if rng.below(8) == 0 { 40 } else { rng.below(6) };
        for _ in 0..n {
            out.push_str(PIECES[rng.below(PIECES.len())]);
        }
        out.push('"');
    }

    /// Random records, without escapes or with, read through buffers of many sizes: each comes
    /// out as written, and the position after each is where the text says (newlines only occur
    /// between tokens in valid JSON, so every newline counts).
    #[test]
    fn random_records_through_every_buffer_size() {
        let mut rng = Rng(42);
        for round in 0..60 {
            let mut records = Vec::new();
            for _ in 0..20 {
                let mut r = String::new();
                // Compound records only: the scanner's array elements in an export.
                while !(r.starts_with('{') || r.starts_with('[')) {
                    r.clear();
                    json(&mut rng, 0, &mut r);
                }
                if round % 2 == 0 {
                    r = r
                        .replace("\\\\", "ab")
                        .replace("\\\"", "cd")
                        .replace("\\n", "ef");
                }
                records.push(r);
            }
            let input = format!("[{}\n]", records.join(",\n"));
            serde_json::from_str::<serde_json::Value>(&input).expect("valid JSON");
            // The position of the byte at `offset`, counted from the text.
            let pos_at = |offset: usize| Pos {
                line: 1 + input[..offset].matches('\n').count() as u64,
                column: (offset - input[..offset].rfind('\n').map_or(0, |k| k + 1)) as u64 + 1,
            };
            // Where the scanner stands after each record (the byte after it), and at the end.
            let mut after = Vec::new();
            let mut offset = 1;
            for r in &records {
                offset += r.len();
                after.push(pos_at(offset));
                offset += 2;
            }
            let last = pos_at(input.rfind(']').expect("the closing bracket"));
            for capacity in [1, 7, 63, 64, 65, 100, 4096] {
                let (got, end) = read_array(&input, capacity);
                let (got, positions): (Vec<String>, Vec<Pos>) = got.into_iter().unzip();
                assert_eq!(got, records, "round {round}, capacity {capacity}");
                assert_eq!(positions, after, "round {round}, capacity {capacity}");
                assert_eq!(end, last, "round {round}, capacity {capacity}");
            }
        }
    }

    /// What scanning `input` (a `{` or `[` first) gives through a buffer of `capacity` bytes, with or
    /// without blocks: each value or the error that stopped the scan, with the position after it.
    fn scan_all<const BLOCKS: bool>(input: &[u8], capacity: usize) -> Vec<(String, Pos)> {
        let mut sc = Scanner::new(Box::new(io::BufReader::with_capacity(
            capacity,
            io::Cursor::new(input.to_vec()),
        )));
        let mut got = Vec::new();
        while let Ok(Some(b)) = sc.peek_non_ws() {
            if !matches!(b, b'{' | b'[' | b'"') {
                sc.bump();
                continue;
            }
            let mut buf = Vec::new();
            let outcome = match sc.read_compound::<BLOCKS>(&mut buf) {
                Ok(()) => String::from_utf8_lossy(&buf).into_owned(),
                Err(e) => format!("{e:?}"),
            };
            let stop = outcome.starts_with("Eof") || outcome.starts_with("Io");
            got.push((outcome, sc.pos()));
            if stop {
                break;
            }
        }
        got
    }

    /// On arbitrary bytes, valid JSON or not (unbalanced brackets and quotes, newlines inside
    /// strings, stray backslashes), blocks give exactly what the byte loop gives: the same values,
    /// the same errors, the same positions.
    #[test]
    fn blocks_agree_with_the_byte_loop_on_any_bytes() {
        const ALPHABET: &[u8] = b"{}[]\"\\\n \t,:ab1\xc3\xa9";
        let mut rng = Rng(7);
        for case in 0..3000 {
            let len = 1 + rng.below(400);
            let mut input = vec![[b'{', b'['][rng.below(2)]];
            // Long runs of one kind (plain text, strings, nesting) as well as noise.
            while input.len() < len {
                match rng.below(4) {
                    0 => input.extend(std::iter::repeat_n(b'a', rng.below(70))),
                    1 => input.extend(std::iter::repeat_n(b'{', rng.below(5))),
                    _ => input.push(ALPHABET[rng.below(ALPHABET.len())]),
                }
            }
            for capacity in [1, 64, 65, 130, 4096] {
                assert_eq!(
                    scan_all::<true>(&input, capacity),
                    scan_all::<false>(&input, capacity),
                    "case {case}, capacity {capacity}: {}",
                    String::from_utf8_lossy(&input)
                );
            }
        }
    }

    #[test]
    fn truncated_value_is_eof() {
        let mut sc = scanner("{\"a\": [1, 2");
        let mut buf = Vec::new();
        assert!(matches!(sc.read_value(&mut buf), Err(ScanError::Eof)));
    }
}
