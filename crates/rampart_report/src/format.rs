//! The output formats and their command-line names.

use std::fmt;
use std::str::FromStr;

use crate::ReportError;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Compact plain text for a terminal.
    Table,
    /// The [`crate::Report`] as pretty-printed JSON.
    Json,
    /// SARIF 2.1.0 (one run; one result per unhealthy resource).
    Sarif,
    /// OCSF Detection Finding (class 2004), one JSON object per line (JSON Lines).
    Ocsf,
    /// RFC 4180 CSV, one row per (recommendation, resource).
    Csv,
    /// One self-contained HTML page.
    Html,
}

impl Format {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [Format; 6] = [
        Format::Table,
        Format::Json,
        Format::Sarif,
        Format::Ocsf,
        Format::Csv,
        Format::Html,
    ];

    /// The command-line name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Ocsf => "ocsf",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }

    /// The usual file extension for `--output` defaults.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Ocsf => "ocsf.jsonl",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ReportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ReportError::UnknownFormat(s.to_owned()))
    }
}
