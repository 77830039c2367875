//! The alias table: Azure Policy `field` aliases → ARM / Resource Graph property paths.
//!
//! Built from the embedded `Get-AzPolicyAlias` dump of 2024-01-09 (decompressed once, lazily) plus
//! [`SUPPLEMENT`], the few aliases the MCSB initiative uses that are newer than that dump. Lookups are
//! case-insensitive, as Azure's are. A handful of aliases (e.g. `Microsoft.Compute/imagePublisher`)
//! map to different paths for different resource types; all paths are kept, in dump order.

use std::collections::HashMap;
use std::io::Read as _;
use std::sync::OnceLock;

static ALIASES_GZ: &[u8] = include_bytes!("../data/aliases/policy-aliases.csv.gz");

/// Aliases missing from the 2024 dump that the embedded initiative uses. The paths follow the
/// current API of each resource type (securityContacts 2023-12-01-preview: `notificationsSources`
/// items are `{sourceType, minimalSeverity | minimalRiskLevel}`, the `.Alert.` / `.AttackPath.`
/// alias segment is the discriminator value, not a property).
const SUPPLEMENT: &[(&str, &str)] = &[
    (
        "Microsoft.Security/securityContacts/isEnabled",
        "properties.isEnabled",
    ),
    (
        "Microsoft.Security/securityContacts/notificationsSources",
        "properties.notificationsSources",
    ),
    (
        "Microsoft.Security/securityContacts/notificationsSources[*]",
        "properties.notificationsSources[*]",
    ),
    (
        "Microsoft.Security/securityContacts/notificationsSources[*].sourceType",
        "properties.notificationsSources[*].sourceType",
    ),
    (
        "Microsoft.Security/securityContacts/notificationsSources[*].Alert.minimalSeverity",
        "properties.notificationsSources[*].minimalSeverity",
    ),
    (
        "Microsoft.Security/securityContacts/notificationsSources[*].AttackPath.minimalRiskLevel",
        "properties.notificationsSources[*].minimalRiskLevel",
    ),
    ("Microsoft.Sql/servers/createMode", "properties.createMode"),
];

/// Case-insensitive map from alias name to property path(s).
#[derive(Debug, Default)]
pub struct AliasTable {
    map: HashMap<String, Vec<String>>,
}

impl AliasTable {
    /// The embedded table (2024 dump + supplement), built on first use.
    pub fn builtin() -> &'static AliasTable {
        static TABLE: OnceLock<AliasTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            let mut text = String::new();
            // The embedded file is known-good; a failure here would be a build defect, and an empty
            // table makes every alias an explicit "unknown alias" compile error rather than a panic.
            let ok = flate2::read::GzDecoder::new(ALIASES_GZ)
                .read_to_string(&mut text)
                .is_ok();
            let mut table = if ok {
                AliasTable::from_csv(&text)
            } else {
                AliasTable::default()
            };
            for (alias, path) in SUPPLEMENT {
                table.insert(alias, path);
            }
            table
        })
    }

    /// Parses `<alias>,<path>` lines (the dump's format). Lines without a comma are skipped.
    pub fn from_csv(text: &str) -> AliasTable {
        let mut table = AliasTable {
            map: HashMap::with_capacity(70_000),
        };
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if let Some((alias, path)) = line.split_once(',') {
                table.insert(alias, path);
            }
        }
        table
    }

    fn insert(&mut self, alias: &str, path: &str) {
        let paths = self.map.entry(alias.to_ascii_lowercase()).or_default();
        if !paths.iter().any(|p| p == path) {
            paths.push(path.to_owned());
        }
    }

    /// The (first) property path of `alias`, case-insensitively.
    pub fn resolve(&self, alias: &str) -> Option<&str> {
        self.resolve_all(alias)
            .and_then(|p| p.first())
            .map(String::as_str)
    }

    /// Every property path of `alias` (several for type-dependent aliases such as
    /// `Microsoft.Compute/imagePublisher`).
    pub fn resolve_all(&self, alias: &str) -> Option<&[String]> {
        match self.map.get(alias) {
            Some(p) => Some(p.as_slice()),
            None => self.map.get(&alias.to_ascii_lowercase()).map(Vec::as_slice),
        }
    }

    /// Number of distinct aliases.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when the table holds no alias.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
