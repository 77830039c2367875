//! Which event fields name an alert's entities, per log source: the data file
//! `data/entities.toml` (embedded), read into an [`EntityMap`]. Extraction is pure: the
//! caller supplies a field lookup (over a parsed JSON record with [`json_lookup`], or over
//! a reader's fields for text logs).

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Deserialize;

use crate::error::AlertError;
use crate::model::Entity;

const BUILTIN: &str = include_str!("../data/entities.toml");

/// The entity kinds a source maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Account,
    Ip,
    Host,
    Resource,
    Scope,
}

/// One source's entity fields (see the data file's header for the semantics).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEntities {
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub account: Vec<String>,
    #[serde(default)]
    pub ip: Vec<String>,
    #[serde(default)]
    pub host: Vec<String>,
    #[serde(default)]
    pub resource: Vec<String>,
    #[serde(default)]
    pub scope: Vec<String>,
    #[serde(default)]
    pub group_by: Vec<EntityKind>,
    #[serde(default)]
    pub compromised: Vec<EntityKind>,
}

/// Entities extracted from one event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractedEntities {
    pub account: Option<String>,
    pub ip: Option<String>,
    pub host: Option<String>,
    pub resources: Vec<String>,
    pub scope: Option<String>,
    /// Resource provider (`aws`, `azure`, ...), set on resource entities.
    pub provider: Option<String>,
    /// The kinds forming the grouping key, in order.
    pub group_by: Vec<EntityKind>,
    /// The kinds tried in order for the compromised entity.
    pub compromised: Vec<EntityKind>,
}

impl ExtractedEntities {
    /// The value(s) of one kind, as text.
    pub fn values(&self, kind: EntityKind) -> Vec<&str> {
        match kind {
            EntityKind::Account => self.account.as_deref().into_iter().collect(),
            EntityKind::Ip => self.ip.as_deref().into_iter().collect(),
            EntityKind::Host => self.host.as_deref().into_iter().collect(),
            EntityKind::Resource => self.resources.iter().map(String::as_str).collect(),
            EntityKind::Scope => self.scope.as_deref().into_iter().collect(),
        }
    }

    /// The grouping key: `kind=value` of each `group_by` kind (`kind=-` when absent), `|`-joined.
    pub fn group_key(&self) -> String {
        let kinds: &[EntityKind] = if self.group_by.is_empty() {
            &[EntityKind::Account]
        } else {
            &self.group_by
        };
        kinds
            .iter()
            .map(|k| {
                let v = self.values(*k);
                format!(
                    "{}={}",
                    kind_name(*k),
                    if v.is_empty() {
                        "-".into()
                    } else {
                        v.join(",")
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("|")
    }

    /// The first present value of the `compromised` kinds.
    pub fn compromised_entity(&self) -> Option<String> {
        self.compromised
            .iter()
            .find_map(|k| self.values(*k).first().map(|v| (*v).to_string()))
    }

    /// As typed entities (the scope becomes a resource entity too: it is the account /
    /// subscription / project the event happened in).
    pub fn to_entities(&self) -> Vec<Entity> {
        let mut out = Vec::new();
        if let Some(a) = &self.account {
            out.push(Entity::Account {
                name: a.clone(),
                domain: None,
            });
        }
        if let Some(ip) = &self.ip {
            out.push(Entity::Ip {
                address: ip.clone(),
            });
        }
        if let Some(h) = &self.host {
            out.push(Entity::Host {
                hostname: h.clone(),
            });
        }
        for r in &self.resources {
            out.push(Entity::Resource {
                id: r.clone(),
                provider: self.provider.clone(),
            });
        }
        out
    }
}

pub(crate) fn kind_name(k: EntityKind) -> &'static str {
    match k {
        EntityKind::Account => "account",
        EntityKind::Ip => "ip",
        EntityKind::Host => "host",
        EntityKind::Resource => "resource",
        EntityKind::Scope => "scope",
    }
}

/// Entity fields of every known log source.
#[derive(Debug, Clone)]
pub struct EntityMap {
    sources: BTreeMap<String, SourceEntities>,
}

impl EntityMap {
    /// The map bundled with the crate (`data/entities.toml`).
    pub fn builtin() -> EntityMap {
        // The embedded file is tested (`entities::builtin_map_parses`); an error here is a
        // build defect, and an empty map still extracts nothing rather than panicking.
        EntityMap::from_toml(BUILTIN, "data/entities.toml").unwrap_or(EntityMap {
            sources: BTreeMap::new(),
        })
    }

    pub fn from_toml(text: &str, origin: &str) -> Result<EntityMap, AlertError> {
        let sources = toml::from_str(text).map_err(|e: toml::de::Error| AlertError::Entities {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        Ok(EntityMap { sources })
    }

    /// The entry for source `name`: by exact name, else by dropping `_suffix` parts
    /// (`linux_sshd` -> `linux`).
    pub fn source(&self, name: &str) -> Option<&SourceEntities> {
        let mut n = name;
        loop {
            if let Some(s) = self.sources.get(n) {
                return Some(s);
            }
            n = &n[..n.rfind('_')?];
        }
    }

    pub fn source_names(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(String::as_str)
    }

    /// Extracts the entities of an event of source `source`; `lookup` returns the values
    /// of a dotted field path (empty when absent). A source the map does not know gives no
    /// entities (the alert then groups on the rule alone).
    pub fn extract(&self, source: &str, lookup: &dyn Fn(&str) -> Vec<String>) -> ExtractedEntities {
        let Some(s) = self.source(source) else {
            return ExtractedEntities::default();
        };
        let first = |paths: &[String], ok: &dyn Fn(&str) -> bool| {
            paths.iter().find_map(|p| {
                lookup(p)
                    .into_iter()
                    .map(|v| v.trim().to_string())
                    .find(|v| !v.is_empty() && ok(v))
            })
        };
        let any = |_: &str| true;
        let mut resources: Vec<String> = Vec::new();
        for p in &s.resource {
            for v in lookup(p) {
                let v = v.trim().to_string();
                if !v.is_empty() && !resources.contains(&v) {
                    resources.push(v);
                }
            }
        }
        ExtractedEntities {
            account: first(&s.account, &any),
            ip: first(&s.ip, &|v| v.parse::<IpAddr>().is_ok()),
            host: first(&s.host, &any),
            resources,
            scope: first(&s.scope, &any),
            provider: s.provider.clone(),
            group_by: s.group_by.clone(),
            compromised: s.compromised.clone(),
        }
    }
}

/// The values at dotted `path` in a JSON value: strings and numbers as text; a path
/// crossing an array collects from every element; objects and null give nothing.
pub fn json_lookup(value: &serde_json::Value, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    collect(value, path, &mut out);
    out
}

fn collect(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    match v {
        Value::Array(items) => {
            for i in items {
                collect(i, path, out);
            }
        }
        Value::Object(map) if !path.is_empty() => {
            // Keys may themselves contain dots; try the whole rest first, then split.
            if let Some(x) = map.get(path) {
                collect(x, "", out);
                return;
            }
            let mut split = path.char_indices().filter(|(_, c)| *c == '.');
            for (i, _) in split.by_ref() {
                if let Some(x) = map.get(&path[..i]) {
                    collect(x, &path[i + 1..], out);
                    return;
                }
            }
        }
        Value::String(s) if path.is_empty() => out.push(s.clone()),
        Value::Number(n) if path.is_empty() => out.push(n.to_string()),
        Value::Bool(b) if path.is_empty() => out.push(b.to_string()),
        _ => {}
    }
}
