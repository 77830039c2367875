//! Typed errors of the benchmark. Every variant names the file (`origin`) and, where there is one, the
//! place in it.

/// An error while building the benchmark or loading custom policies.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    /// The text is not valid JSON.
    #[error("{origin}: invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// The file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The embedded data table is malformed (a bug in the crate, caught by its tests).
    #[error("{origin}: {message}")]
    Table {
        /// The table file.
        origin: String,
        /// What is wrong, naming the row.
        message: String,
    },
    /// A policy document is structurally wrong (missing or mistyped member).
    #[error("{origin}: `{field}` {message}")]
    Policy {
        /// The file.
        origin: String,
        /// The JSON member, as a path.
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

impl RulesError {
    pub(crate) fn json(origin: &str, err: &serde_json::Error) -> Self {
        RulesError::Json {
            origin: origin.to_owned(),
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        }
    }

    pub(crate) fn table(origin: &str, message: impl Into<String>) -> Self {
        RulesError::Table {
            origin: origin.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn policy(origin: &str, field: &str, message: impl Into<String>) -> Self {
        RulesError::Policy {
            origin: origin.to_owned(),
            field: field.to_owned(),
            message: message.into(),
        }
    }
}
