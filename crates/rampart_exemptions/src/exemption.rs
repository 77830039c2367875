//! One exemption: who it covers (recommendations × resource selector), why, and until when.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Days, NaiveDate, Utc};
use globset::{GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use rampart_model::{Assessment, Cause, ExemptionCategory, Resource};
use serde::{Serialize, Serializer};

/// When an exemption stops applying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// A calendar date: the exemption applies through the whole of that day (UTC) and stops at the
    /// following midnight UTC.
    Date(NaiveDate),
    /// An exact instant: the exemption applies while `now` is strictly before it.
    Instant(DateTime<Utc>),
}

impl Expiry {
    /// The first instant at which the exemption no longer applies.
    #[must_use]
    pub fn ends_at(self) -> DateTime<Utc> {
        match self {
            Expiry::Date(date) => {
                // `checked_add_days` fails only at chrono's maximum date; such an exemption never ends.
                let next = date
                    .checked_add_days(Days::new(1))
                    .unwrap_or(NaiveDate::MAX);
                next.and_time(chrono::NaiveTime::MIN).and_utc()
            }
            Expiry::Instant(at) => at,
        }
    }

    /// Whether the exemption has expired at `now`.
    #[must_use]
    pub fn is_expired(self, now: DateTime<Utc>) -> bool {
        now >= self.ends_at()
    }
}

/// `2027-01-31` for a date, RFC 3339 in UTC (`2026-12-01T11:00:00Z`) for an instant.
impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expiry::Date(date) => write!(f, "{}", date.format("%Y-%m-%d")),
            Expiry::Instant(at) => {
                f.write_str(&at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            }
        }
    }
}

impl Serialize for Expiry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a selector reads of a resource. Implemented for [`Resource`]; callers that keep resources in a
/// compact form can implement it on their own view instead of rebuilding a `Resource` per check.
pub trait ExemptionSubject {
    /// The globally unique id (ARM id, ARN, ...).
    fn id(&self) -> &str;
    /// Subscription / account / project / cluster / host.
    fn scope(&self) -> &str;
    /// The Azure resource group, if any.
    fn resource_group(&self) -> Option<&str>;
    /// The value of the tag whose key equals `key` ignoring ASCII case.
    fn tag(&self, key: &str) -> Option<&str>;
}

impl ExemptionSubject for Resource {
    fn id(&self) -> &str {
        &self.id
    }
    fn scope(&self) -> &str {
        &self.scope
    }
    fn resource_group(&self) -> Option<&str> {
        self.resource_group.as_deref()
    }
    fn tag(&self, key: &str) -> Option<&str> {
        // Exact key first: the common case, and a BTreeMap lookup.
        self.tags
            .get(key)
            .or_else(|| {
                self.tags
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v)
            })
            .map(String::as_str)
    }
}

/// Which resources an exemption covers.
///
/// Every selector kind that is given must match (AND); within one kind, any pattern may match (OR); every
/// listed tag must be present with a matching value. All values are glob patterns (`*`, `?`, `[..]`,
/// `{a,b}`; `*` also crosses `/`). Ids, scopes and resource groups compare case-insensitively, as
/// Azure treats ARM ids; tag keys compare case-insensitively, tag values case-sensitively.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceSelector {
    /// Resource id patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// Scope patterns (subscription id, AWS account, GCP project, cluster, host).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Resource group patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_groups: Vec<String>,
    /// Tag key → value pattern.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(skip)]
    compiled: CompiledSelector,
}

#[derive(Debug, Clone, Default)]
struct CompiledSelector {
    ids: Option<GlobSet>,
    scopes: Option<GlobSet>,
    resource_groups: Option<GlobSet>,
    /// (key, value matcher); keys compared with `eq_ignore_ascii_case`.
    tags: Vec<(String, GlobMatcher)>,
}

impl ResourceSelector {
    /// Compiles the patterns; fails with the offending pattern and globset's reason.
    pub(crate) fn new(
        ids: Vec<String>,
        scopes: Vec<String>,
        resource_groups: Vec<String>,
        tags: BTreeMap<String, String>,
    ) -> Result<Self, (String, String)> {
        let compiled = CompiledSelector {
            ids: glob_set(&ids, true)?,
            scopes: glob_set(&scopes, true)?,
            resource_groups: glob_set(&resource_groups, false)?,
            tags: tags
                .iter()
                .map(|(key, value)| Ok((key.clone(), glob(value, false)?.compile_matcher())))
                .collect::<Result<_, (String, String)>>()?,
        };
        Ok(Self {
            ids,
            scopes,
            resource_groups,
            tags,
            compiled,
        })
    }

    /// Whether the resource is covered.
    #[must_use]
    pub fn matches<R: ExemptionSubject + ?Sized>(&self, resource: &R) -> bool {
        let c = &self.compiled;
        // Cheapest checks first: scope and resource group are short strings, ids are long.
        if let Some(scopes) = &c.scopes {
            if !scopes.is_match(resource.scope()) {
                return false;
            }
        }
        if let Some(groups) = &c.resource_groups {
            match resource.resource_group() {
                Some(group) if groups.is_match(group) => {}
                _ => return false,
            }
        }
        for (key, value) in &c.tags {
            match resource.tag(key) {
                Some(v) if value.is_match(v) => {}
                _ => return false,
            }
        }
        if let Some(ids) = &c.ids {
            if !ids.is_match(resource.id()) {
                return false;
            }
        }
        true
    }
}

fn glob(pattern: &str, case_insensitive: bool) -> Result<globset::Glob, (String, String)> {
    GlobBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        // `*` must cross `/`: `/subscriptions/*/resourceGroups/rg/*` covers every resource in `rg`.
        .literal_separator(false)
        .backslash_escape(true)
        .build()
        .map_err(|e| (pattern.to_owned(), e.kind().to_string()))
}

/// `None` when the kind is absent, or when `always_present` (every resource has the field: id, scope)
/// and some pattern is a bare `*`/`**`, which matches everything, so the check can be skipped. A
/// resource group is optional, so `resource_groups: ["*"]` must still be checked ("has a group").
fn glob_set(
    patterns: &[String],
    always_present: bool,
) -> Result<Option<GlobSet>, (String, String)> {
    if patterns.is_empty() || (always_present && patterns.iter().any(|p| p == "*" || p == "**")) {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(glob(pattern, true)?);
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| (patterns.join(", "), e.kind().to_string()))
}

/// One exemption, as read from the file.
#[derive(Debug, Clone, Serialize)]
pub struct Exemption {
    /// Unique name within the file.
    pub name: String,
    /// Defender's category.
    pub category: ExemptionCategory,
    /// Why the risk is accepted or how it is mitigated.
    pub reason: String,
    /// When it stops applying; never when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Expiry>,
    /// Recommendation ids as written (`*` = every recommendation).
    pub recommendations: Vec<String>,
    /// Which resources it covers.
    pub resources: ResourceSelector,
}

impl Exemption {
    /// Whether it still applies at `now`.
    #[must_use]
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_none_or(|e| !e.is_expired(now))
    }

    /// Whether it names this recommendation (or all of them), comparing ids case-insensitively.
    #[must_use]
    pub fn covers_recommendation(&self, recommendation_id: &str) -> bool {
        self.recommendations
            .iter()
            .any(|r| r == "*" || r.eq_ignore_ascii_case(recommendation_id))
    }

    /// The lower-case category name used in files and messages.
    #[must_use]
    pub fn category_str(&self) -> &'static str {
        match self.category {
            ExemptionCategory::Waiver => "waiver",
            ExemptionCategory::Mitigated => "mitigated",
        }
    }

    /// The assessment that replaces the evaluated one on an exempted resource:
    /// `NotApplicable`, cause `Exempt`, reason `exempted (<category>): <name>: <reason>`.
    #[must_use]
    pub fn assessment(&self) -> Assessment {
        Assessment::not_applicable(
            Cause::Exempt,
            Some(format!(
                "exempted ({}): {}: {}",
                self.category_str(),
                self.name,
                self.reason
            )),
        )
    }
}
