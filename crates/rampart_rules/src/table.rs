//! The recommendation data table (`data/azure_recommendations.toml`): per initiative reference, the
//! Defender metadata a policy definition does not carry (severity, controls, threats, user impact,
//! implementation effort, remediation) and where each value came from.

use rampart_model::{Severity, Threat, UserImpact};
use serde::Deserialize;

use crate::controls::control_by_name_or_id;
use crate::RulesError;

/// Name used in errors for the embedded table.
pub(crate) const TABLE_ORIGIN: &str = "crates/rampart_rules/data/azure_recommendations.toml";
const TABLE_TEXT: &str = include_str!("../data/azure_recommendations.toml");

/// One row of the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRow {
    /// Policy definition GUID (or native rule id for a recommendation no policy backs).
    pub key: String,
    /// The definition's displayName, repeated for readers of the file; a test keeps it in sync.
    pub title: String,
    /// Defender's severity.
    pub severity: String,
    /// Where the severity came from: a document, or `inferred`.
    pub severity_source: String,
    /// Control display names (or ids).
    pub controls: Vec<String>,
    /// Where the control placement came from: a document, or `inferred`.
    pub control_source: String,
    /// Defender's threat names (camelCase).
    #[serde(default)]
    pub threats: Vec<String>,
    /// `Low` | `Moderate` | `High`.
    pub user_impact: String,
    /// `Low` | `Moderate` | `High`.
    pub implementation_effort: String,
    /// How to fix an unhealthy resource.
    pub remediation: String,
    /// Overrides the definition's preview flag when a Defender document says otherwise.
    #[serde(default)]
    pub preview: Option<bool>,
    /// For a native-only recommendation (no policy behind it): its description.
    #[serde(default)]
    pub description: Option<String>,
    /// For a native-only recommendation: its MCSB control ids.
    #[serde(default)]
    pub mcsb: Vec<String>,
}

/// A row with its values parsed into model types.
#[derive(Debug, Clone)]
pub(crate) struct ParsedRow {
    pub(crate) row: TableRow,
    pub(crate) severity: Severity,
    pub(crate) control_ids: Vec<String>,
    pub(crate) threats: Vec<Threat>,
    pub(crate) user_impact: UserImpact,
    pub(crate) effort: UserImpact,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    recommendation: Vec<TableRow>,
}

fn impact(origin: &str, key: &str, field: &str, s: &str) -> Result<UserImpact, RulesError> {
    match s {
        "Low" => Ok(UserImpact::Low),
        "Moderate" => Ok(UserImpact::Moderate),
        "High" => Ok(UserImpact::High),
        _ => Err(RulesError::table(
            origin,
            format!("row {key}: {field} `{s}` is not Low, Moderate or High"),
        )),
    }
}

fn threat(origin: &str, key: &str, s: &str) -> Result<Threat, RulesError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| RulesError::table(origin, format!("row {key}: unknown threat `{s}`")))
}

/// Parses a table text (the embedded one, or a test's).
pub(crate) fn parse_table(origin: &str, text: &str) -> Result<Vec<ParsedRow>, RulesError> {
    let file: TableFile =
        toml::from_str(text).map_err(|e| RulesError::table(origin, e.to_string()))?;
    let mut seen = std::collections::HashSet::new();
    file.recommendation
        .into_iter()
        .map(|row| {
            let key = row.key.clone();
            if !seen.insert(key.to_ascii_lowercase()) {
                return Err(RulesError::table(
                    origin,
                    format!("row {key}: duplicate key"),
                ));
            }
            let severity = Severity::parse(&row.severity).ok_or_else(|| {
                RulesError::table(
                    origin,
                    format!("row {key}: unknown severity `{}`", row.severity),
                )
            })?;
            let control_ids = row
                .controls
                .iter()
                .map(|c| {
                    control_by_name_or_id(c)
                        .map(|c| c.id.to_owned())
                        .ok_or_else(|| {
                            RulesError::table(origin, format!("row {key}: unknown control `{c}`"))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if control_ids.is_empty() {
                return Err(RulesError::table(origin, format!("row {key}: no control")));
            }
            let threats = row
                .threats
                .iter()
                .map(|t| threat(origin, &key, t))
                .collect::<Result<_, _>>()?;
            let user_impact = impact(origin, &key, "user_impact", &row.user_impact)?;
            let effort = impact(
                origin,
                &key,
                "implementation_effort",
                &row.implementation_effort,
            )?;
            Ok(ParsedRow {
                row,
                severity,
                control_ids,
                threats,
                user_impact,
                effort,
            })
        })
        .collect()
}

/// The embedded table, parsed.
pub(crate) fn builtin_table() -> Result<Vec<ParsedRow>, RulesError> {
    parse_table(TABLE_ORIGIN, TABLE_TEXT)
}

/// The embedded table's raw rows (for `rules show` provenance and the tests).
///
/// # Errors
/// When the embedded table is malformed (a bug caught by the crate's tests).
pub fn table_rows() -> Result<Vec<TableRow>, RulesError> {
    Ok(builtin_table()?.into_iter().map(|r| r.row).collect())
}
