//! Errors of reading and writing inventories. Every error names the input (file name or the name
//! given to [`crate::from_reader`]) and, for content errors, the line (and column where known) and
//! the field, e.g. `inventory.jsonl:17: field "id": missing`.

use std::fmt;

/// A position in an input: file name, 1-based line, and 1-based column where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file name, or the name given to [`crate::from_reader`].
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column (bytes), where known.
    pub column: Option<u64>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(f, "{}:{}:{}", self.file, self.line, column),
            None => write!(f, "{}:{}", self.file, self.line),
        }
    }
}

/// Why an inventory could not be read (or one record of it).
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file could not be opened or read (including a corrupt gzip stream).
    #[error("{file}: {source}")]
    Io {
        /// The file name.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not valid JSON (or end in the middle of a value).
    #[error("{at}: invalid JSON: {message}")]
    Syntax {
        /// Where the error was found.
        at: Location,
        /// serde_json's message, without its own position.
        message: String,
    },
    /// A record is valid JSON but a field is missing or has the wrong type.
    #[error("{at}: field \"{field}\": {problem}")]
    Field {
        /// Where the record starts (JSON arrays) or the line of the record (JSON Lines).
        at: Location,
        /// The field's path inside the record, dot-separated (`tags.env`, `properties.networkProfile`).
        field: String,
        /// What is wrong: `missing`, `expected a string, got number`, ...
        problem: String,
    },
    /// The input is not one of the inventory formats, or its header is unusable.
    #[error("{at}: {message}")]
    Format {
        /// Where the problem was found.
        at: Location,
        /// What is wrong.
        message: String,
    },
}

impl InventoryError {
    /// The location of a content error (`None` for IO errors).
    #[must_use]
    pub fn location(&self) -> Option<&Location> {
        match self {
            InventoryError::Io { .. } => None,
            InventoryError::Syntax { at, .. }
            | InventoryError::Field { at, .. }
            | InventoryError::Format { at, .. } => Some(at),
        }
    }
}

/// A field problem found while mapping one record, before its location is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub(crate) field: String,
    pub(crate) problem: String,
}

impl FieldError {
    pub(crate) fn missing(field: &str) -> Self {
        FieldError {
            field: field.to_owned(),
            problem: "missing".to_owned(),
        }
    }

    pub(crate) fn wrong_type(field: &str, expected: &str, got: &serde_json::Value) -> Self {
        FieldError {
            field: field.to_owned(),
            problem: format!("expected {expected}, got {}", json_kind(got)),
        }
    }

    pub(crate) fn at(self, at: Location) -> InventoryError {
        InventoryError::Field {
            at,
            field: self.field,
            problem: self.problem,
        }
    }
}

/// The JSON type name of a value, for messages.
pub(crate) fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}
