//! The on-disk YAML shape. Every check that can point at a line happens here, inside deserialization,
//! so that serde_yaml attaches the location and field path to the error.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rampart_model::ExemptionCategory;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::exemption::Expiry;
use crate::FORMAT_VERSION;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(rename = "version")]
    pub(crate) _version: Version,
    #[serde(default)]
    pub(crate) exemptions: RawExemptionList,
}

/// `version: 1`, the only version this build reads.
pub(crate) struct Version;

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct VersionVisitor;
        impl Visitor<'_> for VersionVisitor {
            type Value = Version;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "version {FORMAT_VERSION}")
            }
            // Checked inside the visitor so that the error carries the scalar's line (see `parse_str`).
            fn visit_u64<E: de::Error>(self, version: u64) -> Result<Version, E> {
                if version == u64::from(FORMAT_VERSION) {
                    Ok(Version)
                } else {
                    Err(E::custom(format!(
                        "unsupported version {version} (this build reads version {FORMAT_VERSION})"
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, version: i64) -> Result<Version, E> {
                Err(E::custom(format!(
                    "unsupported version {version} (this build reads version {FORMAT_VERSION})"
                )))
            }
        }
        deserializer.deserialize_u64(VersionVisitor)
    }
}

/// The exemption list; rejects a name used twice (names identify exemptions in reports).
#[derive(Default)]
pub(crate) struct RawExemptionList(pub(crate) Vec<RawExemption>);

impl<'de> Deserialize<'de> for RawExemptionList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = RawExemptionList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of exemptions")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // serde_yaml reports errors raised here at the list's first line, so the message
                // names both entries (1-based, as a person counts them).
                let mut seen = std::collections::HashMap::new();
                let mut list = Vec::new();
                while let Some(exemption) = seq.next_element::<RawExemption>()? {
                    let entry = list.len() + 1;
                    if let Some(first) = seen.insert(exemption.name.0.clone(), entry) {
                        return Err(de::Error::custom(format!(
                            "duplicate exemption name `{}`: entries {first} and {entry}",
                            exemption.name.0
                        )));
                    }
                    list.push(exemption);
                }
                Ok(RawExemptionList(list))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                // `exemptions:` with nothing after it: an empty file is valid.
                Ok(RawExemptionList::default())
            }
        }
        deserializer.deserialize_seq(ListVisitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExemption {
    pub(crate) name: NonEmpty,
    pub(crate) category: Category,
    pub(crate) reason: NonEmpty,
    #[serde(default)]
    pub(crate) expires: Option<Expiry>,
    pub(crate) recommendations: NonEmptyList<NonEmpty>,
    pub(crate) resources: RawSelector,
}

pub(crate) struct RawSelector {
    pub(crate) ids: Vec<Pattern>,
    pub(crate) scopes: Vec<Pattern>,
    pub(crate) resource_groups: Vec<Pattern>,
    pub(crate) tags: BTreeMap<String, Pattern>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectorFields {
    #[serde(default)]
    ids: Vec<Pattern>,
    #[serde(default)]
    scopes: Vec<Pattern>,
    #[serde(default)]
    resource_groups: Vec<Pattern>,
    #[serde(default)]
    tags: BTreeMap<String, Pattern>,
}

impl<'de> Deserialize<'de> for RawSelector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SelectorVisitor;
        impl<'de> Visitor<'de> for SelectorVisitor {
            type Value = RawSelector;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a resource selector (ids, scopes, resource_groups, tags)")
            }
            // Checked inside the visitor so that the error carries the mapping's line (see `parse_str`).
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawSelector, A::Error> {
                let f = SelectorFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                // An exemption without a selector would silently cover every resource; make that explicit.
                if f.ids.is_empty()
                    && f.scopes.is_empty()
                    && f.resource_groups.is_empty()
                    && f.tags.is_empty()
                {
                    return Err(de::Error::custom(
                        "must give at least one of ids, scopes, resource_groups, tags (use `ids: [\"*\"]` to cover every resource)",
                    ));
                }
                Ok(RawSelector {
                    ids: f.ids,
                    scopes: f.scopes,
                    resource_groups: f.resource_groups,
                    tags: f.tags,
                })
            }
        }
        deserializer.deserialize_map(SelectorVisitor)
    }
}

/// A string that must not be empty or blank; stored trimmed.
pub(crate) struct NonEmpty(pub(crate) String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        parse_str(deserializer, "a non-empty string", |s| {
            let trimmed = s.trim();
            if trimmed.is_empty() {
                Err("must not be empty".to_owned())
            } else {
                Ok(NonEmpty(trimmed.to_owned()))
            }
        })
    }
}

/// A list that must have at least one element.
pub(crate) struct NonEmptyList<T>(pub(crate) Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NonEmptyList<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = NonEmptyList<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-empty list")
            }
            // Checked inside the visitor so that the error carries the list's line (see `parse_str`).
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut list = Vec::new();
                while let Some(item) = seq.next_element()? {
                    list.push(item);
                }
                if list.is_empty() {
                    Err(de::Error::custom("must list at least one entry"))
                } else {
                    Ok(NonEmptyList(list))
                }
            }
        }
        deserializer.deserialize_seq(ListVisitor(std::marker::PhantomData))
    }
}

/// `waiver` or `mitigated`, case-insensitively (Defender's portal spells them `Waiver`, `Mitigated`).
pub(crate) struct Category(pub(crate) ExemptionCategory);

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        parse_str(deserializer, "waiver or mitigated", |s| {
            match s.trim().to_ascii_lowercase().as_str() {
                "waiver" => Ok(Category(ExemptionCategory::Waiver)),
                "mitigated" => Ok(Category(ExemptionCategory::Mitigated)),
                _ => Err(format!(
                    "unknown category `{s}` (expected waiver or mitigated)"
                )),
            }
        })
    }
}

impl<'de> Deserialize<'de> for Expiry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        parse_str(deserializer, "a date or an RFC 3339 timestamp", |s| {
            parse_expiry(s.trim()).ok_or_else(|| {
                format!("invalid date `{s}` (expected YYYY-MM-DD or an RFC 3339 timestamp such as 2027-01-31T18:00:00Z)")
            })
        })
    }
}

fn parse_expiry(s: &str) -> Option<Expiry> {
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        // `%Y` also accepts signed and short years; insist on the plain four-digit form.
        return (s.len() == 10).then_some(Expiry::Date(date));
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| Expiry::Instant(t.with_timezone(&Utc)))
}

/// A glob pattern, syntax-checked where it is read so that a bad one points at its line.
pub(crate) struct Pattern(pub(crate) String);

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        parse_str(deserializer, "a glob pattern", |s| {
            if s.trim().is_empty() {
                return Err("pattern must not be empty".to_owned());
            }
            globset::Glob::new(s).map_err(|e| format!("invalid pattern `{s}`: {}", e.kind()))?;
            Ok(Pattern(s.to_owned()))
        })
    }
}

/// Deserializes a string scalar and converts it with `parse`. The conversion runs inside the visitor,
/// while serde_yaml still knows the scalar's position: an error raised after `String::deserialize`
/// returned would be reported at the enclosing mapping instead.
fn parse_str<'de, D, T>(
    deserializer: D,
    expecting: &'static str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct StrVisitor<F> {
        expecting: &'static str,
        parse: F,
    }
    impl<'de, T, F: FnOnce(&str) -> Result<T, String>> Visitor<'de> for StrVisitor<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            (self.parse)(v).map_err(E::custom)
        }
    }
    deserializer.deserialize_str(StrVisitor { expecting, parse })
}
