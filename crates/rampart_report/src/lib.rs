//! rampart_report owns the scan [`Report`] (the JSON contract of `rampart scan --format json`) and its
//! renderers: table (terminal), JSON, SARIF 2.1.0, OCSF Detection Finding, CSV and self-contained HTML,
//! plus the `rampart score explain` text. Renderers write to a caller-given `io::Write`; this crate
//! never prints and does no other IO.
//!
//! The report is compact in memory (a resource table, 12-byte result entries, interned strings: see
//! [`ResultEntry`], [`StringTable`]); renderers read results through [`Report::results`], which yields
//! [`ResourceResultView`]s with `&str` fields.

mod error;
mod escape;
mod format;
mod intern;
mod model;
mod render;
mod results;
mod wire;

pub use error::ReportError;
pub use format::Format;
pub use intern::{StrId, StringTable};
pub use model::{
    round2, ComplianceControlReport, ComplianceState, ControlReport, ExemptionSummary,
    ExpiredExemption, GroupReport, GroupValue, InputError, InputSummary, RecommendationReport,
    Report, ResourceResult, ScopeReport, Score, StandardReport, ToolInfo, REPORT_SCHEMA_VERSION,
};
#[doc(hidden)]
pub use render::render_json_chunked;
pub use render::{
    render, render_explain, render_table, render_with, RenderOptions, CSV_HEADER, OCSF_VERSION,
    SARIF_SCHEMA_URI,
};
pub use results::{ResourceInfo, ResourceResultView, ResourceView, ResultEntry};
