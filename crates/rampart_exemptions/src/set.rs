//! The loaded exemptions of one file, indexed by recommendation id so that the common case (no
//! exemption names this recommendation) costs one hash lookup.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::error::ExemptionError;
use crate::exemption::{Exemption, ExemptionSubject, ResourceSelector};
use crate::file::RawFile;

/// Every exemption of a file, in file order, with an index by recommendation id.
///
/// Invariant: `by_recommendation` keys are lower-case ids, values are ascending indices into
/// `exemptions`; `for_all` holds the ascending indices of exemptions that name `*`.
#[derive(Debug, Clone, Default)]
pub struct Exemptions {
    origin: String,
    exemptions: Vec<Exemption>,
    by_recommendation: HashMap<String, Vec<usize>>,
    for_all: Vec<usize>,
}

impl Exemptions {
    /// No exemptions.
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// Parses and validates an exemptions file. `origin` names the file in errors.
    ///
    /// # Errors
    /// [`ExemptionError::Invalid`] with the line, column and field path for malformed YAML, unknown keys,
    /// missing or empty required fields, an unknown category, a bad date, a bad glob pattern, an empty
    /// resource selector, a duplicate name or an unsupported `version`.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Self, ExemptionError> {
        let raw: RawFile =
            serde_yaml::from_str(text).map_err(|e| ExemptionError::from_yaml(origin, &e))?;
        let mut exemptions = Vec::with_capacity(raw.exemptions.0.len());
        for (index, raw) in raw.exemptions.0.into_iter().enumerate() {
            let invalid = |field: &str, message: String| ExemptionError::Invalid {
                origin: origin.to_owned(),
                // Checks after deserialization have no position; the field path still points at it.
                line: 0,
                column: 0,
                field: Some(format!("exemptions[{index}].{field}")),
                message,
            };
            let selector = raw.resources;
            let resources = ResourceSelector::new(
                selector.ids.into_iter().map(|p| p.0).collect(),
                selector.scopes.into_iter().map(|p| p.0).collect(),
                selector.resource_groups.into_iter().map(|p| p.0).collect(),
                selector.tags.into_iter().map(|(k, v)| (k, v.0)).collect(),
            )
            .map_err(|(pattern, why)| {
                invalid("resources", format!("invalid pattern `{pattern}`: {why}"))
            })?;
            exemptions.push(Exemption {
                name: raw.name.0,
                category: raw.category.0,
                reason: raw.reason.0,
                expires: raw.expires,
                recommendations: raw.recommendations.0.into_iter().map(|r| r.0).collect(),
                resources,
            });
        }
        Ok(Self::index(origin.to_owned(), exemptions))
    }

    fn index(origin: String, exemptions: Vec<Exemption>) -> Self {
        let mut by_recommendation: HashMap<String, Vec<usize>> = HashMap::new();
        let mut for_all = Vec::new();
        for (index, exemption) in exemptions.iter().enumerate() {
            if exemption.recommendations.iter().any(|r| r == "*") {
                for_all.push(index);
                continue;
            }
            for id in &exemption.recommendations {
                let slot = by_recommendation
                    .entry(id.to_ascii_lowercase())
                    .or_default();
                // The same id listed twice in one exemption must not index it twice.
                if slot.last() != Some(&index) {
                    slot.push(index);
                }
            }
        }
        Self {
            origin,
            exemptions,
            by_recommendation,
            for_all,
        }
    }

    /// The origin given to [`Exemptions::from_yaml`].
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Every exemption, in file order.
    #[must_use]
    pub fn all(&self) -> &[Exemption] {
        &self.exemptions
    }

    /// The number of exemptions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.exemptions.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.exemptions.is_empty()
    }

    /// Whether any exemption selects resources by tag, i.e. whether matching reads
    /// [`ExemptionSubject::tag`](crate::ExemptionSubject::tag) (a scan that needs no tag otherwise
    /// does not keep them).
    #[must_use]
    pub fn reads_tags(&self) -> bool {
        self.exemptions.iter().any(|e| !e.resources.tags.is_empty())
    }

    /// Whether any exemption (active or not) names this recommendation or `*`. Callers evaluating many
    /// resources can test this once per recommendation and skip [`Exemptions::matching`] entirely.
    #[must_use]
    pub fn names_recommendation(&self, recommendation_id: &str) -> bool {
        !self.for_all.is_empty() || self.candidates(recommendation_id).is_some()
    }

    fn candidates(&self, recommendation_id: &str) -> Option<&[usize]> {
        if self.by_recommendation.is_empty() {
            return None;
        }
        let key = if recommendation_id.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(recommendation_id.to_ascii_lowercase())
        } else {
            Cow::Borrowed(recommendation_id)
        };
        self.by_recommendation.get(key.as_ref()).map(Vec::as_slice)
    }

    /// The first exemption in file order that is active at `now`, names `recommendation_id` (or `*`) and
    /// covers `resource` (a [`rampart_model::Resource`] or any [`ExemptionSubject`]).
    #[must_use]
    pub fn matching<R: ExemptionSubject + ?Sized>(
        &self,
        resource: &R,
        recommendation_id: &str,
        now: DateTime<Utc>,
    ) -> Option<&Exemption> {
        let named = self.candidates(recommendation_id).unwrap_or(&[]);
        let (mut a, mut b) = (named.iter().peekable(), self.for_all.iter().peekable());
        // Merge the two ascending index lists so that file order decides which exemption wins.
        loop {
            let index = match (a.peek(), b.peek()) {
                (Some(&&x), Some(&&y)) if x < y => a.next(),
                (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => return None,
            }?;
            let exemption = &self.exemptions[*index];
            if exemption.is_active(now) && exemption.resources.matches(resource) {
                return Some(exemption);
            }
        }
    }

    /// The exemptions that have expired at `now`, in file order (to report them).
    pub fn expired(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Exemption> + '_ {
        self.exemptions.iter().filter(move |e| !e.is_active(now))
    }

    /// Pairs of (exemption, recommendation id) whose id `is_known` rejects: likely typos, worth a warning.
    /// `*` is always known.
    pub fn unknown_recommendations(
        &self,
        is_known: impl Fn(&str) -> bool,
    ) -> Vec<(&Exemption, &str)> {
        self.exemptions
            .iter()
            .flat_map(|e| e.recommendations.iter().map(move |r| (e, r.as_str())))
            .filter(|(_, r)| *r != "*" && !is_known(r))
            .collect()
    }
}
