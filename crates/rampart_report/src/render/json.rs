//! The JSON renderer: the [`Report`] itself, pretty-printed by default (diff-friendly, and the
//! contract is read by people too), compact with [`RenderOptions::compact_json`]; always ends with a
//! newline.
//!
//! Output is byte for byte what `serde_json::to_writer_pretty(report)` (or `to_writer`) gives; the
//! renderer writes the document's skeleton and the per-result objects itself because results are
//! ~all of a large report (12M at 1M resources) and going through serde costs a dozen small writes
//! and a byte-at-a-time escape per field. Everything else is serialised by serde_json with a
//! formatter that starts at the right depth. A test compares both paths on hostile strings.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

use crate::render::RenderOptions;
use crate::{RecommendationReport, Report, ReportError, ResourceResultView, ResourceView};

pub(crate) fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    // A local buffer: many small pieces are written, each a dynamic call on `out` otherwise.
    let mut e = Emitter {
        out: io::BufWriter::with_capacity(1 << 16, out),
        pretty: !options.compact_json,
    };
    e.report(report).map_err(ReportError::io("json"))?;
    e.out.write_all(b"\n").map_err(ReportError::io("json"))?;
    e.out.flush().map_err(ReportError::io("json"))
}

/// serde_json's `PrettyFormatter` (two-space indent) starting at `depth`, so a value serialised
/// alone is indented as it would be inside the whole document.
struct Pretty {
    depth: usize,
    has_value: bool,
}

const SPACES: &[u8] = &[b' '; 128];

fn indent<W: ?Sized + Write>(w: &mut W, depth: usize) -> io::Result<()> {
    let mut n = depth * 2;
    while n > 0 {
        let k = n.min(SPACES.len());
        w.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.depth)?;
        }
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.depth)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.depth)?;
        }
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.depth)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Whether `s` has a byte JSON must escape (`"`, `\`, or a control character below 0x20), eight
/// bytes at a time. Exact as a yes/no test (the classic SWAR "has zero byte" / "has byte less than"
/// formulas); a yes only sends the string to serde_json's escaper anyway.
fn needs_escape(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        let x = u64::from_le_bytes(b);
        if x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0
            || has_zero(x ^ (ONES * u64::from(b'"')))
            || has_zero(x ^ (ONES * u64::from(b'\\')))
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

struct Emitter<W: Write> {
    out: W,
    pretty: bool,
}

impl<W: Write> Emitter<W> {
    /// Before an object member: separator, newline and indent (pretty), then `"key": `.
    fn key(&mut self, first: bool, depth: usize, key: &str) -> io::Result<()> {
        if self.pretty {
            self.out.write_all(if first { b"\n" } else { b",\n" })?;
            indent(&mut self.out, depth)?;
            self.out.write_all(b"\"")?;
            self.out.write_all(key.as_bytes())?;
            self.out.write_all(b"\": ")
        } else {
            if !first {
                self.out.write_all(b",")?;
            }
            self.out.write_all(b"\"")?;
            self.out.write_all(key.as_bytes())?;
            self.out.write_all(b"\":")
        }
    }

    /// Before an array element.
    fn item(&mut self, first: bool, depth: usize) -> io::Result<()> {
        if self.pretty {
            self.out.write_all(if first { b"\n" } else { b",\n" })?;
            indent(&mut self.out, depth)
        } else if first {
            Ok(())
        } else {
            self.out.write_all(b",")
        }
    }

    /// Closes an object or array whose members are at `depth + 1`.
    fn close(&mut self, any: bool, depth: usize, bracket: &[u8]) -> io::Result<()> {
        if self.pretty && any {
            self.out.write_all(b"\n")?;
            indent(&mut self.out, depth)?;
        }
        self.out.write_all(bracket)
    }

    /// Any value, through serde_json, as it would appear at `depth`.
    fn value<T: Serialize + ?Sized>(&mut self, depth: usize, v: &T) -> io::Result<()> {
        if self.pretty {
            let formatter = Pretty {
                depth,
                has_value: false,
            };
            v.serialize(&mut serde_json::Serializer::with_formatter(
                &mut self.out,
                formatter,
            ))
        } else {
            v.serialize(&mut serde_json::Serializer::with_formatter(
                &mut self.out,
                CompactFormatter,
            ))
        }
        .map_err(io::Error::from)
    }

    /// A string: copied as is when nothing needs escaping, else escaped by serde_json.
    fn str(&mut self, s: &str) -> io::Result<()> {
        if needs_escape(s.as_bytes()) {
            serde_json::to_writer(&mut self.out, s).map_err(io::Error::from)
        } else {
            self.out.write_all(b"\"")?;
            self.out.write_all(s.as_bytes())?;
            self.out.write_all(b"\"")
        }
    }

    fn report(&mut self, r: &Report) -> io::Result<()> {
        self.out.write_all(b"{")?;
        self.key(true, 1, "schema_version")?;
        self.value(1, &r.schema_version)?;
        self.key(false, 1, "tool")?;
        self.value(1, &r.tool)?;
        self.key(false, 1, "generated_at")?;
        self.value(1, &r.generated_at)?;
        self.key(false, 1, "score")?;
        self.value(1, &r.score)?;
        self.key(false, 1, "scopes")?;
        self.value(1, &r.scopes)?;
        self.key(false, 1, "groups")?;
        self.value(1, &r.groups)?;
        self.key(false, 1, "controls")?;
        self.value(1, &r.controls)?;
        self.key(false, 1, "recommendations")?;
        self.out.write_all(b"[")?;
        for (i, rec) in r.recommendations.iter().enumerate() {
            self.item(i == 0, 2)?;
            self.recommendation(r, rec)?;
        }
        self.close(!r.recommendations.is_empty(), 1, b"]")?;
        self.key(false, 1, "compliance")?;
        self.value(1, &r.compliance)?;
        self.key(false, 1, "input")?;
        self.value(1, &r.input)?;
        self.key(false, 1, "exemptions")?;
        self.value(1, &r.exemptions)?;
        self.key(false, 1, "resources")?;
        self.out.write_all(b"[")?;
        for (i, res) in r.resource_views().enumerate() {
            self.item(i == 0, 2)?;
            self.out.write_all(b"{")?;
            self.resource_fields(3, &res)?;
            self.close(true, 2, b"}")?;
        }
        self.close(!r.resources.is_empty(), 1, b"]")?;
        self.close(true, 0, b"}")
    }

    /// One recommendation at depth 2 (members at 3, results at 4, their fields at 5).
    fn recommendation(&mut self, r: &Report, rec: &RecommendationReport) -> io::Result<()> {
        self.out.write_all(b"{")?;
        self.key(true, 3, "id")?;
        self.str(&rec.id)?;
        self.key(false, 3, "title")?;
        self.str(&rec.title)?;
        self.key(false, 3, "severity")?;
        self.value(3, &rec.severity)?;
        self.key(false, 3, "control")?;
        self.str(&rec.control)?;
        self.key(false, 3, "controls")?;
        self.value(3, &rec.controls)?;
        self.key(false, 3, "preview")?;
        self.value(3, &rec.preview)?;
        self.key(false, 3, "custom")?;
        self.value(3, &rec.custom)?;
        self.key(false, 3, "mcsb")?;
        self.value(3, &rec.mcsb)?;
        self.key(false, 3, "description")?;
        self.str(&rec.description)?;
        self.key(false, 3, "remediation")?;
        self.str(&rec.remediation)?;
        self.key(false, 3, "healthy")?;
        self.value(3, &rec.healthy)?;
        self.key(false, 3, "unhealthy")?;
        self.value(3, &rec.unhealthy)?;
        self.key(false, 3, "not_applicable")?;
        self.value(3, &rec.not_applicable)?;
        self.key(false, 3, "resources")?;
        self.out.write_all(b"[")?;
        for (i, res) in r.results(rec).enumerate() {
            self.item(i == 0, 4)?;
            self.result(&res)?;
        }
        self.close(!rec.resources.is_empty(), 3, b"]")?;
        self.close(true, 2, b"}")
    }

    /// The members of a resource (what `ResourceView`'s derived `Serialize` writes, field for field),
    /// at `depth`, without the braces.
    fn resource_fields(&mut self, depth: usize, v: &ResourceView<'_>) -> io::Result<()> {
        self.key(true, depth, "id")?;
        self.str(v.id)?;
        self.key(false, depth, "name")?;
        self.str(v.name)?;
        self.key(false, depth, "type")?;
        self.str(v.resource_type)?;
        self.key(false, depth, "scope")?;
        self.str(v.scope)?;
        self.key(false, depth, "provider")?;
        self.str(v.provider.as_str())?;
        if let Some(region) = v.region {
            self.key(false, depth, "region")?;
            self.str(region)?;
        }
        if let Some(rg) = v.resource_group {
            self.key(false, depth, "resource_group")?;
            self.str(rg)?;
        }
        Ok(())
    }

    /// One result object (what `ResourceResultView`'s derived `Serialize` writes, field for field:
    /// the resource's members, then the result's).
    fn result(&mut self, v: &ResourceResultView<'_>) -> io::Result<()> {
        self.out.write_all(b"{")?;
        self.resource_fields(
            5,
            &ResourceView {
                id: v.id,
                name: v.name,
                resource_type: v.resource_type,
                scope: v.scope,
                provider: v.provider,
                region: v.region,
                resource_group: v.resource_group,
            },
        )?;
        self.key(false, 5, "status")?;
        self.str(v.status.as_str())?;
        if let Some(cause) = v.cause {
            self.key(false, 5, "cause")?;
            self.str(cause.as_str())?;
        }
        if let Some(reason) = v.reason {
            self.key(false, 5, "reason")?;
            self.str(reason)?;
        }
        if !v.sub_assessments.is_empty() {
            // Rare: serde writes them.
            self.key(false, 5, "sub_assessments")?;
            self.value(5, &v.sub_assessments)?;
        }
        self.close(true, 4, b"}")
    }
}
