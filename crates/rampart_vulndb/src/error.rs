//! The crate's error type: every variant names the file, record or URL it is about.

/// Why an import, update or database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum VulnDbError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Archive { path: String, message: String },
    #[error("{path}: database file is not readable: {message}")]
    Corrupt { path: String, message: String },
    #[error("{url}: {message}")]
    Http { url: String, message: String },
    #[error("{path}: {message}")]
    Rules { path: String, message: String },
    #[error("{0}")]
    Other(String),
}

impl VulnDbError {
    pub(crate) fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        VulnDbError::Io {
            path: path.to_string(),
            source,
        }
    }
}
