//! The typed errors of loading a standard file; each names the file, the line and what is wrong.

/// Why a standard file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ComplianceError {
    /// Malformed TOML, an unknown or missing key, an empty id, a duplicate control id, ...
    #[error("{origin}:{line}:{column}: {message}")]
    Invalid {
        /// The file (or other origin) the text came from.
        origin: String,
        /// 1-based line; 0 when unknown.
        line: usize,
        /// 1-based column; 0 when unknown.
        column: usize,
        /// What is wrong, naming the key where the parser knows it.
        message: String,
    },
}

impl ComplianceError {
    /// The 1-based line of the error (0 when unknown).
    #[must_use]
    pub fn line(&self) -> usize {
        match self {
            ComplianceError::Invalid { line, .. } => *line,
        }
    }

    /// An error at byte offset `at` of `text`.
    pub(crate) fn at(
        origin: &str,
        text: &str,
        at: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = at.map_or((0, 0), |at| line_column(text, at));
        ComplianceError::Invalid {
            origin: origin.to_owned(),
            line,
            column,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of byte offset `at`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    // Parser offsets are on char boundaries; step back if one is not rather than slicing mid-char.
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
