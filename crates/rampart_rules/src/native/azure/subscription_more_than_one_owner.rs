//! **What**: a subscription must have more than one Owner.
//!
//! Owners are the distinct principals holding the built-in Owner role
//! (8e3af657-a8ff-443c-a75c-2fe8c4bcb635) at the subscription's scope or above it (management group,
//! root), from Resource Graph's `authorizationresources` role assignments. Without any role assignment of
//! the subscription in the inventory the result is "not assessed".
//!
//! **Why**: a single owner is a single point of failure for administration. Defender computes this
//! assessment itself (policy 09024ccc is an `AuditIfNotExists` on `Microsoft.Security/assessments`).
//!
//! **Remediation**: assign the Owner role to a second administrator (ideally eligible through PIM).

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::iam::{owners, ROLE_ASSIGNMENTS};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "AZ-IAM-001",
    provider: Provider::Azure,
    title: "There should be more than one owner assigned to your subscription",
    recommendation: "09024ccc-0c5f-475e-9457-b7c0d9ed487b",
    subject_types: &["microsoft.resources/subscriptions"],
    related_types: &[ROLE_ASSIGNMENTS],
};

/// The check.
#[must_use]
pub fn check(subscription: &Value, related: &Related, _params: &Params) -> Option<Assessment> {
    Some(match owners(subscription, related) {
        Err(reason) => Assessment::not_assessed(reason),
        Ok(n) if n > 1 => Assessment::healthy(),
        Ok(n) => Assessment::unhealthy(Some(format!("{n} owner(s) assigned"))),
    })
}
