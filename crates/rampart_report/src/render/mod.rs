//! Dispatch from a [`Format`] to its renderer.

mod common;
mod csv;
mod explain;
mod html;
mod json;
mod ocsf;
mod sarif;
mod table;

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
        Format::Table => table::render(report, options, out),
        Format::Json => json::render(report, options, out),
        Format::Sarif => sarif::render(report, options, out),
        Format::Ocsf => ocsf::render(report, options, out),
        Format::Csv => csv::render(report, options, out),
        Format::Html => html::render(report, options, out),
    }
}

/// The `rampart score explain` text: every intermediate of the score (H, U, NA, points per resource,
/// current, max, potential increase) per control, per scope, aggregated and per group.
#[must_use]
pub fn render_explain(report: &Report) -> String {
    explain::explain(report)
}

/// The table format as a string (what [`render`] writes for [`Format::Table`]).
#[must_use]
pub fn render_table(report: &Report, options: &RenderOptions) -> String {
    table::to_string(report, options)
}

pub use csv::CSV_HEADER;
#[doc(hidden)]
pub use json::render_json_chunked;
pub use ocsf::OCSF_VERSION;
pub use sarif::SARIF_SCHEMA_URI;
