//! A compliance standard as data: controls, each with the recommendation ids that assess it. Built-in
//! standards are embedded TOML files under `data/`; users can load their own with the same format.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::ComplianceError;

/// Built-in standard files: (origin, text).
const BUILTIN: &[(&str, &str)] = &[("data/mcsb_v1.toml", include_str!("../data/mcsb_v1.toml"))];

/// Parsed once; the files are tested to load (`tests/it/standards.rs`), so a failure here is a build
/// defect and the standard is left out rather than taking the process down.
static BUILTIN_PARSED: LazyLock<Vec<Standard>> = LazyLock::new(|| {
    BUILTIN
        .iter()
        .filter_map(|(origin, text)| match Standard::from_toml(text, origin) {
            Ok(standard) => Some(standard),
            Err(error) => {
                tracing::error!(%error, "built-in compliance standard does not load");
                None
            }
        })
        .collect()
});

/// A compliance standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standard {
    /// Stable id used on the command line and in reports, e.g. `mcsb_v1`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The standard's own version, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where the control list and mapping come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Copyright and licence of the content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// Controls in the standard's order.
    pub controls: Vec<StandardControl>,
}

/// One control (requirement) of a standard.
///
/// Invariant: `recommendations` has no duplicates (compared case-insensitively). An empty list means
/// the control has no automated assessment and always rolls up as `Unsupported`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandardControl {
    /// Id within the standard, e.g. `NS-1`.
    pub id: String,
    /// Title.
    pub title: String,
    /// The domain or section the control belongs to, e.g. `Network Security`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Recommendation ids that assess the control.
    pub recommendations: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    standard: RawHeader,
    #[serde(default)]
    controls: Vec<RawControl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    attribution: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    id: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    recommendations: Vec<Spanned<String>>,
}

impl Standard {
    /// Every built-in standard (currently MCSB v1).
    #[must_use]
    pub fn builtin_all() -> Vec<Standard> {
        BUILTIN_PARSED.clone()
    }

    /// The built-in standard with this id (case-insensitive).
    #[must_use]
    pub fn builtin(id: &str) -> Option<Standard> {
        BUILTIN_PARSED
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
            .cloned()
    }

    /// Parses a standard file. `origin` names the file in errors.
    ///
    /// # Errors
    /// [`ComplianceError::Invalid`] with the line and column for malformed TOML, unknown or missing keys,
    /// an empty or blank id, name, title or recommendation id, an id with whitespace, a duplicate control
    /// id or a recommendation listed twice in one control.
    pub fn from_toml(text: &str, origin: &str) -> Result<Standard, ComplianceError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            // toml's messages can span lines (`invalid table header\nexpected ...`); keep one line.
            let message = e.message().trim_end().replace('\n', "; ");
            ComplianceError::at(origin, text, e.span().map(|s| s.start), message)
        })?;
        let invalid = |span: std::ops::Range<usize>, message: String| {
            ComplianceError::at(origin, text, Some(span.start), message)
        };
        let id = identifier(&raw.standard.id, "standard.id")
            .map_err(|m| invalid(raw.standard.id.span(), m))?;
        let name = non_blank(&raw.standard.name, "standard.name")
            .map_err(|m| invalid(raw.standard.name.span(), m))?;

        let mut control_ids = HashSet::new();
        let mut controls = Vec::with_capacity(raw.controls.len());
        for control in raw.controls {
            let control_id = identifier(&control.id, "controls.id")
                .map_err(|m| invalid(control.id.span(), m))?;
            if !control_ids.insert(control_id.to_ascii_lowercase()) {
                return Err(invalid(
                    control.id.span(),
                    format!("duplicate control id `{control_id}`"),
                ));
            }
            let title = non_blank(&control.title, "controls.title")
                .map_err(|m| invalid(control.title.span(), m))?;
            let mut seen = HashSet::new();
            let mut recommendations = Vec::with_capacity(control.recommendations.len());
            for rec in control.recommendations {
                let rec_id = identifier(&rec, "controls.recommendations")
                    .map_err(|m| invalid(rec.span(), m))?;
                if !seen.insert(rec_id.to_ascii_lowercase()) {
                    return Err(invalid(
                        rec.span(),
                        format!(
                            "recommendation `{rec_id}` is listed twice in control `{control_id}`"
                        ),
                    ));
                }
                recommendations.push(rec_id);
            }
            controls.push(StandardControl {
                id: control_id,
                title,
                group: control.group,
                recommendations,
            });
        }
        Ok(Standard {
            id,
            name,
            version: raw.standard.version,
            source: raw.standard.source,
            attribution: raw.standard.attribution,
            controls,
        })
    }
}

fn non_blank(value: &Spanned<String>, key: &str) -> Result<String, String> {
    let trimmed = value.get_ref().trim();
    if trimmed.is_empty() {
        Err(format!("`{key}` must not be empty"))
    } else {
        Ok(trimmed.to_owned())
    }
}

/// A non-empty id without whitespace (ids appear on command lines and in CSV cells).
fn identifier(value: &Spanned<String>, key: &str) -> Result<String, String> {
    let id = non_blank(value, key)?;
    if id.chars().any(char::is_whitespace) {
        return Err(format!("`{key}` must not contain whitespace: `{id}`"));
    }
    Ok(id)
}
