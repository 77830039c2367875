//! Errors of the renderers.

/// A renderer failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing to the output failed.
    #[error("writing the {format} report: {source}")]
    Io {
        /// The format being written.
        format: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Serialising to JSON failed (only on a writer error in practice).
    #[error("serialising the {format} report: {source}")]
    Json {
        /// The format being written.
        format: &'static str,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// Writing CSV failed.
    #[error("writing the csv report: {0}")]
    Csv(#[from] csv::Error),
    /// An unknown format name.
    #[error("unknown report format `{0}` (expected table, json, sarif, ocsf, csv or html)")]
    UnknownFormat(String),
}

impl ReportError {
    pub(crate) fn io(format: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |source| ReportError::Io { format, source }
    }

    pub(crate) fn json(format: &'static str) -> impl FnOnce(serde_json::Error) -> Self {
        move |source| ReportError::Json { format, source }
    }
}
