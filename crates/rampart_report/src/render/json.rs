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
    if options.compact_json {
        serde_json::to_writer(&mut *out, report).map_err(ReportError::json("json"))?;
    } else {
        serde_json::to_writer_pretty(&mut *out, report).map_err(ReportError::json("json"))?;
    }
    out.write_all(b"\n").map_err(ReportError::io("json"))
}
