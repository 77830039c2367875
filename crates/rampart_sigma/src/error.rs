//! Typed errors: why a rule is refused at load time, and reader / catalog errors.

use serde::Serialize;

/// Why a Sigma rule (or document) cannot be loaded. Each variant is a specific, stable
/// reason: a rule is either compiled faithfully or refused with one of these, never
/// loaded as a rule that silently never matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    #[error("cannot parse: {message}")]
    Parse { message: String },
    #[error("modifier `{modifier}` on field `{field}` is not supported: {why}")]
    UnsupportedModifier {
        field: String,
        modifier: String,
        why: String,
    },
    #[error("invalid value for field `{field}`: {why}")]
    InvalidValue { field: String, why: String },
    #[error("invalid regular expression for field `{field}`: {why}")]
    InvalidRegex { field: String, why: String },
    #[error("condition references unknown detection `{name}`")]
    UnknownIdentifier { name: String },
    #[error("condition selector `{pattern}` matches no detection")]
    EmptySelector { pattern: String },
    #[error(
        "array-matching blocks (`field[any]`/`field[all]`) are not supported (field `{field}`)"
    )]
    ArrayMatching { field: String },
    #[error("`timeframe` aggregation (deprecated; use correlation rules) is not supported")]
    Timeframe,
    #[error("correlation rule not supported: {kind}")]
    Correlation { kind: String },
    #[error("correlation rule references `{reference}`: {why}")]
    CorrelationReference { reference: String, why: String },
    #[error("filter documents are not supported yet")]
    Filter,
    #[error("no log source in the catalog serves logsource {logsource}")]
    NoLogSource { logsource: String },
}

impl Refusal {
    /// A short stable name of the reason, for counting.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::Parse { .. } => "parse",
            Refusal::UnsupportedModifier { .. } => "unsupported_modifier",
            Refusal::InvalidValue { .. } => "invalid_value",
            Refusal::InvalidRegex { .. } => "invalid_regex",
            Refusal::UnknownIdentifier { .. } => "unknown_identifier",
            Refusal::EmptySelector { .. } => "empty_selector",
            Refusal::ArrayMatching { .. } => "array_matching",
            Refusal::Timeframe => "timeframe",
            Refusal::Correlation { .. } => "correlation",
            Refusal::CorrelationReference { .. } => "correlation_reference",
            Refusal::Filter => "filter",
            Refusal::NoLogSource { .. } => "no_log_source",
        }
    }
}

/// A refused rule with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{origin}: rule {}: {reason}", rule_id.as_deref().or(title.as_deref()).unwrap_or("(unnamed)"))]
pub struct LoadError {
    /// File name or other origin given by the caller.
    pub origin: String,
    pub rule_id: Option<String>,
    pub title: Option<String>,
    pub reason: Refusal,
}

/// The log source catalog could not be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{origin}: invalid log source catalog: {message}")]
pub struct CatalogError {
    pub origin: String,
    pub message: String,
}

/// A log file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{origin}: {source}")]
    Io {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: record {record} (line {line}): invalid JSON: {source}")]
    Json {
        origin: String,
        record: u64,
        line: u64,
        #[source]
        source: crate::json::JsonError,
    },
    #[error("{origin}: not CloudTrail JSON: {why}")]
    Format { origin: String, why: String },
    /// A record of a line-oriented or JSON log that cannot be read (named by line).
    #[error("{origin}:{line}: {why}")]
    Record {
        origin: String,
        line: u64,
        why: String,
    },
    /// A whole JSON document (`{"records":[...]}`, an array) that cannot be read.
    #[error("{origin}:{line}: invalid {format} document: {why}")]
    Document {
        origin: String,
        line: u64,
        format: &'static str,
        why: String,
    },
    /// The input is not in any format a reader knows.
    #[error("{origin}: unrecognised log format: {why}")]
    UnknownFormat { origin: String, why: String },
}
