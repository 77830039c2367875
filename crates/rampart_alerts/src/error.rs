//! Typed errors of the crate: bad data files and bad suppression-rule files, each naming
//! the file and, when known, the line and field.

/// An error of this crate.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("{origin}: invalid entities map: {message}")]
    Entities { origin: String, message: String },
    #[error("{origin}: invalid remediation table: {message}")]
    Remediation { origin: String, message: String },
    /// A suppression-rule file that is not valid YAML or has a wrong field.
    #[error("{origin}{}: {field}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Suppression {
        origin: String,
        /// 1-based line, when the YAML parser knows it.
        line: Option<usize>,
        /// The field path, e.g. `rules[2].reason`.
        field: String,
        message: String,
    },
    /// A line of an alerts JSON Lines file that is not an alert.
    #[error("{origin}:{line}: not an alert: {message}")]
    AlertLine {
        origin: String,
        line: usize,
        message: String,
    },
}
