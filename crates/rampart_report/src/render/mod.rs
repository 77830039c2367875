//! Dispatch from a [`Format`] to its renderer.

mod json;

use std::io::Write;

use crate::{Format, Report, ReportError};

/// Options shared by the renderers; the defaults suit a file or a pipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours in the table format (the CLI sets it for a terminal).
    pub color: bool,
    /// Compact (single-line) JSON instead of pretty-printed.
    pub compact_json: bool,
    /// How many unhealthy recommendations the table lists.
    pub table_top: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            color: false,
            compact_json: false,
            table_top: 10,
        }
    }
}

/// Renders `report` as `format` into `out` with default options.
///
/// # Errors
/// When writing to `out` fails.
pub fn render(report: &Report, format: Format, out: &mut dyn Write) -> Result<(), ReportError> {
    render_with(report, format, &RenderOptions::default(), out)
}

/// Renders `report` as `format` into `out`.
///
/// # Errors
/// When writing to `out` fails.
pub fn render_with(
    report: &Report,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    match format {
        Format::Json => json::render(report, options, out),
        _ => json::render(report, options, out),
    }
}
