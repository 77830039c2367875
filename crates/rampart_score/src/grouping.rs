//! The groupings a user can score by (scope, resource group, region, tag key), and how a resource's
//! value for each is read. Defender itself scores only per scope (no score per resource group, per its
//! FAQ); the other groupings are Rampart's extension, each group scored exactly like a scope.

use std::fmt;
use std::str::FromStr;

use rampart_model::Resource;
use serde::{Serialize, Serializer};

use crate::ScoreError;

/// The group a resource without a value for a tag grouping falls into.
pub const UNTAGGED: &str = "(untagged)";
/// The group a resource without a value for a non-tag grouping (no region, no resource group) falls into.
pub const NO_VALUE: &str = "(none)";

/// One way of partitioning resources into groups.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Grouping {
    /// The resource's scope (subscription / account / project / cluster / host).
    Scope,
    /// The Azure resource group.
    ResourceGroup,
    /// The region or location.
    Region,
    /// The value of one tag key. Lookup is exact first, then ASCII case-insensitive, because Azure
    /// tag names are case-insensitive.
    Tag(String),
}

impl Grouping {
    /// The stable key used in reports and on the command line: `scope`, `resource-group`, `region`, `tag:KEY`.
    #[must_use]
    pub fn key(&self) -> String {
        match self {
            Grouping::Scope => "scope".to_owned(),
            Grouping::ResourceGroup => "resource-group".to_owned(),
            Grouping::Region => "region".to_owned(),
            Grouping::Tag(key) => format!("tag:{key}"),
        }
    }

    /// The group name of resources that have no value for this grouping.
    #[must_use]
    pub fn missing_label(&self) -> &'static str {
        match self {
            Grouping::Tag(_) => UNTAGGED,
            Grouping::Scope | Grouping::ResourceGroup | Grouping::Region => NO_VALUE,
        }
    }

    /// The resource's value for this grouping, if it has one.
    #[must_use]
    pub fn value_of<'r>(&self, resource: &'r Resource) -> Option<&'r str> {
        match self {
            Grouping::Scope => Some(resource.scope.as_str()),
            Grouping::ResourceGroup => resource.resource_group.as_deref(),
            Grouping::Region => resource.region.as_deref(),
            Grouping::Tag(key) => resource.tags.get(key).map(String::as_str).or_else(|| {
                resource
                    .tags
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(key))
                    .map(|(_, value)| value.as_str())
            }),
        }
    }
}

impl fmt::Display for Grouping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl FromStr for Grouping {
    type Err = ScoreError;

    /// Parses `scope`, `resource-group` (also `resource_group`, `rg`), `region`, `tag:KEY`.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let unknown = || ScoreError::UnknownGrouping {
            spec: spec.to_owned(),
        };
        if let Some(key) = spec.strip_prefix("tag:") {
            if key.is_empty() {
                return Err(unknown());
            }
            return Ok(Grouping::Tag(key.to_owned()));
        }
        match spec.to_ascii_lowercase().as_str() {
            "scope" => Ok(Grouping::Scope),
            "resource-group" | "resource_group" | "resourcegroup" | "rg" => {
                Ok(Grouping::ResourceGroup)
            }
            "region" | "location" => Ok(Grouping::Region),
            _ => Err(unknown()),
        }
    }
}

impl Serialize for Grouping {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}
