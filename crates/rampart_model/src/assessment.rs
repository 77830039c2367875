//! The result of one recommendation on one resource, with Defender's three statuses.

use serde::{Deserialize, Serialize};

use crate::SubAssessment;

/// Defender's assessment status codes, exactly: `Healthy`, `Unhealthy`, `NotApplicable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Status {
    /// The resource satisfies the recommendation.
    Healthy,
    /// The resource has the security issue the recommendation describes.
    Unhealthy,
    /// The recommendation was not assessed on this resource; [`Cause`] says why.
    NotApplicable,
}

impl Status {
    /// The name as Defender's API spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Healthy => "Healthy",
            Status::Unhealthy => "Unhealthy",
            Status::NotApplicable => "NotApplicable",
        }
    }
}

/// Why an assessment is `NotApplicable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Cause {
    /// The recommendation's condition does not select this resource (e.g. a storage-account rule on a VM
    /// that the policy `if` matched by type but whose sub-condition excludes it).
    NotApplicableByCondition,
    /// An exemption covers the resource (waiver or mitigated).
    Exempt,
    /// The policy effect is `Disabled`.
    OffByPolicy,
    /// Data needed to decide is missing (access denied, field absent, related resource type not
    /// exported, a data-plane mode no collector supplies). Never counted healthy.
    NotAssessed,
}

impl Cause {
    /// The name used in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::NotApplicableByCondition => "NotApplicableByCondition",
            Cause::Exempt => "Exempt",
            Cause::OffByPolicy => "OffByPolicy",
            Cause::NotAssessed => "NotAssessed",
        }
    }
}

/// Defender's exemption categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExemptionCategory {
    /// Risk accepted.
    Waiver,
    /// Resolved through a third-party or compensating control.
    Mitigated,
}

/// One recommendation evaluated on one resource.
///
/// Invariant: `cause` is `Some` exactly when `status` is `NotApplicable`; `reason` explains every
/// `NotAssessed` (which data was missing) and, where the rule can tell, every `Unhealthy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The status code.
    pub status: Status,
    /// Why `NotApplicable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// A human sentence: what was found or what was missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Findings under this assessment (vulnerability recommendations only; empty, and unallocated,
    /// everywhere else).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_assessments: Vec<SubAssessment>,
}

impl Assessment {
    /// A healthy result.
    #[must_use]
    pub fn healthy() -> Self {
        Self {
            status: Status::Healthy,
            cause: None,
            reason: None,
            sub_assessments: Vec::new(),
        }
    }

    /// An unhealthy result with an optional explanation.
    #[must_use]
    pub fn unhealthy(reason: Option<String>) -> Self {
        Self {
            status: Status::Unhealthy,
            cause: None,
            reason,
            sub_assessments: Vec::new(),
        }
    }

    /// A `NotApplicable` result.
    #[must_use]
    pub fn not_applicable(cause: Cause, reason: Option<String>) -> Self {
        Self {
            status: Status::NotApplicable,
            cause: Some(cause),
            reason,
            sub_assessments: Vec::new(),
        }
    }

    /// This assessment with `subs` as its sub-assessments.
    #[must_use]
    pub fn with_sub_assessments(mut self, subs: Vec<SubAssessment>) -> Self {
        self.sub_assessments = subs;
        self
    }

    /// Missing data: `NotApplicable` with cause `NotAssessed` and the reason.
    #[must_use]
    pub fn not_assessed(reason: impl Into<String>) -> Self {
        Self::not_applicable(Cause::NotAssessed, Some(reason.into()))
    }
}
