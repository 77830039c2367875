//! The JSON renderer: the [`Report`] itself, pretty-printed by default (diff-friendly, and the
//! contract is read by people too), compact with [`RenderOptions::compact_json`]; always ends with a
//! newline.

use std::io::Write;

use crate::render::RenderOptions;
use crate::{Report, ReportError};

pub(crate) fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    // Streams: the report serialises itself entry by entry (nothing is built in memory). A local
    // buffer because serde_json writes many small pieces, each a dynamic call on `out` otherwise.
    let mut buf = std::io::BufWriter::with_capacity(1 << 16, out);
    if options.compact_json {
        serde_json::to_writer(&mut buf, report).map_err(ReportError::json("json"))?;
    } else {
        serde_json::to_writer_pretty(&mut buf, report).map_err(ReportError::json("json"))?;
    }
    buf.write_all(b"\n").map_err(ReportError::io("json"))?;
    buf.flush().map_err(ReportError::io("json"))
}
