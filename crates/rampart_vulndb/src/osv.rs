//! The OSV record model (the subset matching needs, with serde) and parsing of one record from
//! JSON or YAML text with validation against the embedded OSV JSON Schema.
//!
//! Own serde types rather than the `osv` crate: we need lenient reading of the parts we do not
//! use (unknown fields are ignored, as OSV asks consumers to do), and the schema, not the type
//! system, decides validity.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The embedded OSV schema (ossf/osv-schema `validation/schema.json`, Apache-2.0).
pub const OSV_SCHEMA: &str = include_str!("../schema/schema.json");

static VALIDATOR: LazyLock<Result<jsonschema::Validator, String>> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(OSV_SCHEMA).map_err(|e| e.to_string())?;
    jsonschema::validator_for(&schema).map_err(|e| e.to_string())
});

/// One OSV record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    #[serde(default)]
    pub modified: String,
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default)]
    pub severity: Vec<SeverityEntry>,
    #[serde(default)]
    pub affected: Vec<Affected>,
    #[serde(default)]
    pub database_specific: Option<Value>,
}

/// `severity[]`: a typed score (`CVSS_V3`, `CVSS_V4`, `CVSS_V2`, `Ubuntu`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeverityEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

/// `affected[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    #[serde(default)]
    pub package: Option<PackageRef>,
    #[serde(default)]
    pub severity: Vec<SeverityEntry>,
    #[serde(default)]
    pub ranges: Vec<Range>,
    #[serde(default)]
    pub versions: Vec<String>,
    #[serde(default)]
    pub ecosystem_specific: Option<Value>,
    #[serde(default)]
    pub database_specific: Option<Value>,
}

/// `affected[].package`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageRef {
    pub ecosystem: String,
    pub name: String,
    #[serde(default)]
    pub purl: Option<String>,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub repo: Option<String>,
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One range event: exactly one field is set (the schema checks it).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Event {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// Why a record was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// Not JSON / YAML.
    Syntax(String),
    /// Fails the OSV schema: the first violations, with their JSON pointer.
    Schema(Vec<String>),
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::Syntax(m) => write!(f, "not an OSV document: {m}"),
            RecordError::Schema(v) => write!(f, "fails the OSV schema: {}", v.join("; ")),
        }
    }
}

/// Parse one OSV record from JSON text and validate it against the OSV schema.
pub fn parse_json(bytes: &[u8]) -> Result<Record, RecordError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| RecordError::Syntax(e.to_string()))?;
    from_value(value)
}

/// Parse one OSV record from YAML text (as pypa/advisory-database writes them; unquoted
/// timestamps stay strings) and validate it.
pub fn parse_yaml(bytes: &[u8]) -> Result<Record, RecordError> {
    let value: Value =
        serde_yaml::from_slice(bytes).map_err(|e| RecordError::Syntax(e.to_string()))?;
    from_value(value)
}

/// Validate a parsed document against the OSV schema and convert it.
pub fn from_value(value: Value) -> Result<Record, RecordError> {
    let validator = VALIDATOR
        .as_ref()
        .map_err(|e| RecordError::Schema(vec![format!("embedded schema does not compile: {e}")]))?;
    if !validator.is_valid(&value) {
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .take(3)
            .map(|e| format!("{}: {}", e.instance_path(), e))
            .collect();
        return Err(RecordError::Schema(errors));
    }
    serde_json::from_value(value).map_err(|e| RecordError::Syntax(e.to_string()))
}
