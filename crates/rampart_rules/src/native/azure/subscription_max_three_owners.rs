//! **What**: a subscription must have at most three Owners.
//!
//! Owners are the distinct principals holding the built-in Owner role
//! (8e3af657-a8ff-443c-a75c-2fe8c4bcb635) at the subscription's scope or above it (management group,
//! root), from Resource Graph's `authorizationresources` role assignments. Without any role assignment of
//! the subscription in the inventory the result is "not assessed".
//!
//! **Why**: every owner account is a path to full control of the subscription. Defender computes this
//! assessment itself (policy 4f11b553 is an `AuditIfNotExists` on `Microsoft.Security/assessments`).
//!
//! **Remediation**: keep at most three Owner assignments; give other administrators narrower roles.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::iam::{owners, ROLE_ASSIGNMENTS};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "AZ-IAM-002",
    provider: Provider::Azure,
    title: "A maximum of 3 owners should be designated for your subscription",
    recommendation: "4f11b553-d42e-4e3a-89be-32ca364cad4c",
    subject_types: &["microsoft.resources/subscriptions"],
    related_types: &[ROLE_ASSIGNMENTS],
};

/// The check.
#[must_use]
pub fn check(subscription: &Value, related: &Related, _params: &Params) -> Option<Assessment> {
    Some(match owners(subscription, related) {
        Err(reason) => Assessment::not_assessed(reason),
        Ok(n) if n <= 3 => Assessment::healthy(),
        Ok(n) => Assessment::unhealthy(Some(format!("{n} owners assigned"))),
    })
}
