//! Error types of the sinks crate: configuration errors (which name the file and the
//! sink) and delivery errors (which a worker logs, then spools the alert and retries).

use std::path::PathBuf;

/// The configuration could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{origin}: sink {sink:?}: {message}")]
    Invalid {
        origin: String,
        sink: String,
        message: String,
    },
    #[error("state directory {path}: {source}")]
    StateDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One delivery attempt failed. The message never contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("HTTP status {status}: {body}")]
    Status { status: u16, body: String },
    #[error("SMTP: {0}")]
    Smtp(String),
    #[error("encoding: {0}")]
    Encode(String),
}

impl SinkError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}
