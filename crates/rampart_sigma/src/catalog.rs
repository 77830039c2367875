//! The log source catalog: which reader serves a Sigma `logsource`, and how Sigma field
//! names map to event paths. Data lives in `data/logsources.toml` (embedded); callers may
//! load their own with [`Catalog::from_toml`].

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::CatalogError;

const BUILTIN: &str = include_str!("../data/logsources.toml");

/// A Sigma logsource triple; a `None` key is "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogSourceKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl std::fmt::Display for LogSourceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        for (k, v) in [
            ("product", &self.product),
            ("service", &self.service),
            ("category", &self.category),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k}={v}"));
            }
        }
        if parts.is_empty() {
            f.write_str("(empty)")
        } else {
            f.write_str(&parts.join(" "))
        }
    }
}

fn norm(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.to_ascii_lowercase())
}

impl LogSourceKey {
    fn same(&self, other: &LogSourceKey) -> bool {
        norm(&self.product) == norm(&other.product)
            && norm(&self.service) == norm(&other.service)
            && norm(&self.category) == norm(&other.category)
    }
}

/// One log source: a reader, the logsources it serves and its field mapping.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    pub name: String,
    pub reader: String,
    pub logsources: Vec<LogSourceKey>,
    #[serde(default)]
    pub index_fields: Vec<String>,
    pub time_field: String,
    pub id_field: String,
    /// Sigma field name → event path.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// For readers whose records carry a kind (Azure diagnostic records: `category`;
    /// syslog and journald: the program): the kinds this source takes, compared
    /// case-insensitively. Empty: every record of the reader.
    #[serde(default)]
    pub kinds: Vec<String>,
}

impl SourceSpec {
    /// Whether records of kind `kind` go to this source.
    pub fn takes_kind(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| k.eq_ignore_ascii_case(kind))
    }
}

impl SourceSpec {
    /// The event path a Sigma field reads.
    pub fn map_field<'a>(&'a self, sigma_field: &'a str) -> &'a str {
        self.fields
            .get(sigma_field)
            .map(String::as_str)
            .unwrap_or(sigma_field)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    source: Vec<SourceSpec>,
}

/// All log sources known to the engine.
#[derive(Debug, Clone)]
pub struct Catalog {
    sources: Vec<SourceSpec>,
}

impl Catalog {
    /// The catalog bundled with the crate.
    pub fn builtin() -> Catalog {
        // The embedded file is tested; failing here would be a build defect.
        Catalog::from_toml(BUILTIN, "data/logsources.toml").unwrap_or(Catalog {
            sources: Vec::new(),
        })
    }

    pub fn from_toml(text: &str, origin: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile = toml::from_str(text).map_err(|e| CatalogError {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        Ok(Catalog {
            sources: file.source,
        })
    }

    pub fn sources(&self) -> &[SourceSpec] {
        &self.sources
    }

    /// The index of the source serving `key`.
    pub fn route(&self, key: &LogSourceKey) -> Option<usize> {
        self.sources
            .iter()
            .position(|s| s.logsources.iter().any(|l| l.same(key)))
    }
}
