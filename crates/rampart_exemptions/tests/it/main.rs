//! Integration tests of rampart_exemptions: parsing, errors with locations, matching, expiry.

mod matching;
mod parse;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use rampart_model::{Provider, Resource};

pub(crate) fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures")
}

pub(crate) fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

pub(crate) fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

/// An Azure resource with the given id; scope and resource group are derived from the id as Resource
/// Graph reports them.
pub(crate) fn azure(id: &str, tags: &[(&str, &str)]) -> Resource {
    let parts: Vec<&str> = id.split('/').collect();
    let scope = parts.get(2).copied().unwrap_or_default().to_owned();
    let resource_group = parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("resourceGroups"))
        .and_then(|i| parts.get(i + 1))
        .map(|g| g.to_ascii_lowercase());
    Resource {
        provider: Provider::Azure,
        scope,
        region: Some("westeurope".into()),
        resource_group,
        resource_type: "microsoft.storage/storageaccounts".into(),
        id: id.to_owned(),
        name: parts.last().copied().unwrap_or_default().to_owned(),
        tags: tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        native: serde_json::Value::Null,
        relationships: Vec::new(),
    }
}
