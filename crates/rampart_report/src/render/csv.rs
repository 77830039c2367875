//! CSV (RFC 4180 via the `csv` crate): a header, then one row per (recommendation, resource), every
//! status included; a result with sub-assessments (vulnerability findings) is one row per finding
//! instead, the result's columns repeated and the `finding_*` columns filled (empty elsewhere). Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
//! tab or carriage return; resource names are attacker-controlled) are prefixed with `'`, as OWASP
//! recommends against CSV injection.

use std::borrow::Cow;
use std::io::Write;

use rampart_model::Cause;

use crate::render::RenderOptions;
use crate::{Report, ReportError};

/// The header row, in column order.
pub const CSV_HEADER: [&str; 24] = [
    "recommendation_id",
    "recommendation",
    "severity",
    "control",
    "controls",
    "preview",
    "custom",
    "mcsb",
    "scope",
    "provider",
    "resource_id",
    "resource_name",
    "resource_type",
    "region",
    "resource_group",
    "status",
    "cause",
    "reason",
    "finding_id",
    "finding_severity",
    "finding_status",
    "finding_package",
    "finding_installed_version",
    "finding_fixed_version",
];

fn guard(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A cell as the csv writer takes it, without copying unguarded text.
struct Cell<'a>(Cow<'a, str>);

impl AsRef<[u8]> for Cell<'_> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

pub(crate) fn render(
    report: &Report,
    _options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for rec in &report.recommendations {
        let controls = rec.controls.join(";");
        let mcsb = rec.mcsb.join(";");
        for res in report.results(rec) {
            let base = [
                rec.id.as_str(),
                rec.title.as_str(),
                rec.severity.as_str(),
                rec.control.as_str(),
                controls.as_str(),
                if rec.preview { "true" } else { "false" },
                if rec.custom { "true" } else { "false" },
                mcsb.as_str(),
                res.scope,
                res.provider.as_str(),
                res.id,
                res.name,
                res.resource_type,
                res.region.unwrap_or(""),
                res.resource_group.unwrap_or(""),
                res.status.as_str(),
                res.cause.map_or("", Cause::as_str),
                res.reason.unwrap_or(""),
            ];
            if res.sub_assessments.is_empty() {
                let none = [""; 6];
                w.write_record(base.iter().chain(&none).map(|c| Cell(guard(c))))?;
                continue;
            }
            for sub in res.sub_assessments {
                let d = &sub.additional_data;
                let finding = [
                    sub.id.as_str(),
                    sub.severity.as_str(),
                    sub.status.code.as_str(),
                    d.package_name.as_str(),
                    d.version.as_str(),
                    d.fixed_version.as_deref().unwrap_or(""),
                ];
                w.write_record(base.iter().chain(&finding).map(|c| Cell(guard(c))))?;
            }
        }
    }
    w.flush().map_err(ReportError::io("csv"))
}
