//! rampart_report owns the scan [`Report`] (the JSON contract of `rampart scan --format json`) and its
//! renderers: table (terminal), JSON, SARIF 2.1.0, OCSF Detection Finding, CSV and self-contained HTML,
//! plus the `rampart score explain` text. Renderers write to a caller-given `io::Write`; this crate
//! never prints and does no other IO.

mod error;
mod format;
mod model;
mod render;

pub use error::ReportError;
pub use format::Format;
pub use model::{
    round2, ComplianceControlReport, ComplianceState, ControlReport, ExemptionSummary,
    ExpiredExemption, GroupReport, GroupValue, InputError, InputSummary, RecommendationReport,
    Report, ResourceResult, ScopeReport, Score, StandardReport, ToolInfo, REPORT_SCHEMA_VERSION,
};
pub use render::{
    render, render_explain, render_table, render_with, RenderOptions, CSV_HEADER, OCSF_VERSION,
    SARIF_SCHEMA_URI,
};
