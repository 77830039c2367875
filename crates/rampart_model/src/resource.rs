//! The inventory resource: one cloud, Kubernetes or host object as collectors and importers see it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a resource lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Amazon Web Services; scope is the 12-digit account id.
    Aws,
    /// Microsoft Azure; scope is the subscription id (GUID).
    Azure,
    /// Google Cloud; scope is the project id.
    Gcp,
    /// A Kubernetes cluster; scope is the cluster name.
    Kubernetes,
    /// A single machine; scope is the host name.
    Host,
}

impl Provider {
    /// Every provider, in a stable order.
    pub const ALL: [Provider; 5] = [
        Provider::Aws,
        Provider::Azure,
        Provider::Gcp,
        Provider::Kubernetes,
        Provider::Host,
    ];

    /// The lower-case name used in files and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Azure => "azure",
            Provider::Gcp => "gcp",
            Provider::Kubernetes => "kubernetes",
            Provider::Host => "host",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown provider `{s}` (expected aws, azure, gcp, kubernetes or host)")
            })
    }
}

/// A directed edge from one resource to another (`kind` says what the edge means).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relationship {
    /// What the edge means, in snake case: `attached_to`, `member_of`, `protected_by`, `contains`, ...
    pub kind: String,
    /// The id of the other resource (ARN, ARM id, full resource name).
    pub target: String,
}

/// One resource of an inventory.
///
/// Invariant: `id` is the provider's own globally unique identifier (AWS ARN, Azure ARM id, GCP full
/// resource name, Kubernetes `cluster/namespace/kind/name`, host `host:NAME`). `native` is the provider's
/// own document for the resource, unchanged: for Azure, the ARM resource object exactly as Resource Graph
/// returns it (`id`, `name`, `type`, `location`, `kind`, `sku`, `identity`, `properties`, `tags`, ...), which
/// is what Azure Policy aliases resolve against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// The cloud or platform.
    pub provider: Provider,
    /// AWS account / Azure subscription / GCP project / cluster / host.
    pub scope: String,
    /// Region or location, where the provider has one (`global` for global services).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Azure resource group (lower-cased as Resource Graph reports it); `None` elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// The provider's native type, e.g. `microsoft.storage/storageaccounts`, `AWS::S3::Bucket`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Globally unique id (see the type's invariant).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Tags / labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The provider's own JSON document for the resource.
    #[serde(default, deserialize_with = "crate::document::deserialize")]
    pub native: serde_json::Value,
    /// Edges to other resources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Relationship>,
}
