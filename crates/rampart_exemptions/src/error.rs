//! The typed errors of loading an exemptions file; each names the file, the line and the field.

/// Why an exemptions file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExemptionError {
    /// The YAML is malformed or a field is invalid (unknown key, empty name, bad category, bad date, ...).
    ///
    /// `field` is the path of the offending value (`exemptions[2].expires`) when known.
    #[error("{origin}:{line}:{column}: {}{message}", field_prefix(field.as_deref()))]
    Invalid {
        /// The file (or other origin) the text came from.
        origin: String,
        /// 1-based line; 0 when the parser could not tell.
        line: usize,
        /// 1-based column; 0 when the parser could not tell.
        column: usize,
        /// The path of the offending field, e.g. `exemptions[0].category`.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
}

fn field_prefix(field: Option<&str>) -> String {
    field.map(|f| format!("{f}: ")).unwrap_or_default()
}

impl ExemptionError {
    /// The 1-based line of the error (0 when unknown).
    #[must_use]
    pub fn line(&self) -> usize {
        match self {
            ExemptionError::Invalid { line, .. } => *line,
        }
    }

    /// The path of the offending field, when known.
    #[must_use]
    pub fn field(&self) -> Option<&str> {
        match self {
            ExemptionError::Invalid { field, .. } => field.as_deref(),
        }
    }

    /// Converts a `serde_yaml` error, which carries the location and (for data errors) the field path
    /// inside its message as `path: message at line L column C`.
    pub(crate) fn from_yaml(origin: &str, error: &serde_yaml::Error) -> Self {
        let (line, column) = error.location().map_or((0, 0), |l| (l.line(), l.column()));
        let mut text = error.to_string();
        let suffix = format!(" at line {line} column {column}");
        if let Some(stripped) = text.strip_suffix(&suffix) {
            text = stripped.to_owned();
        }
        // serde_yaml prefixes data errors with the value's path (`exemptions[0].name: ...`); the root
        // path is omitted. Libyaml syntax errors have no path and start with a lower-case description.
        let (field, message) = match text.split_once(": ") {
            Some((path, rest)) if looks_like_path(path) => (Some(path.to_owned()), rest.to_owned()),
            _ => (None, text),
        };
        ExemptionError::Invalid {
            origin: origin.to_owned(),
            line,
            column,
            field,
            message,
        }
    }
}

/// A serde_yaml value path: identifiers, `.` and `[n]`, no spaces.
fn looks_like_path(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}
