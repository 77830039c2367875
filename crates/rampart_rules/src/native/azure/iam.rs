//! Owner role assignments of a subscription, shared by the subscription owner-count rules.

use crate::native::PointerExt as _;
use foldhash::HashMap;

use serde_json::Value;

use crate::native::Related;

/// The built-in Owner role definition id.
const OWNER_ROLE: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub(crate) const ROLE_ASSIGNMENTS: &str = "microsoft.authorization/roleassignments";

/// One role assignment as the owner count reads it (lower-cased).
struct Assignment {
    id: String,
    scope: String,
    owner_principal: Option<String>,
}

fn assignment(ra: &Value) -> Assignment {
    let lower = |p: &str| {
        ra.at(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let owner = ra
        .at("/properties/roleDefinitionId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase()
        .ends_with(OWNER_ROLE);
    Assignment {
        id: lower("/id"),
        scope: lower("/properties/scope"),
        owner_principal: ra
            .at("/properties/principalId")
            .and_then(Value::as_str)
            .filter(|_| owner)
            .map(str::to_ascii_lowercase),
    }
}

fn above_subscriptions(scope: &str) -> bool {
    scope == "/" || scope.starts_with("/providers/microsoft.management/managementgroups/")
}

/// The id's prefix up to (not including) its third `/`: the `/subscriptions/{id}` an assignment id
/// starts with, when it is one.
fn subscription_prefix(id: &str) -> Option<&str> {
    let (at, _) = id.match_indices('/').nth(2)?;
    Some(&id[..at])
}

/// Role assignments grouped for the owner count, built once when the stream is over (a scan of every
/// assignment per subscription is quadratic on large tenants).
#[derive(Debug, Default)]
pub(crate) struct OwnerIndex {
    /// Scopes (trailing `/` trimmed) and id prefixes (`/subscriptions/{id}`) of every assignment.
    seen: HashMap<String, ()>,
    /// Trimmed scope → owner principals assigned exactly there.
    at_scope: HashMap<String, Vec<String>>,
    /// Owner principals assigned at the root or a management group (they own every subscription).
    above: Vec<String>,
}

impl OwnerIndex {
    pub(crate) fn build(related: &Related) -> Self {
        let mut index = Self::default();
        for ra in related.of_type(ROLE_ASSIGNMENTS) {
            let a = assignment(ra);
            let at = a.scope.trim_end_matches('/');
            index.seen.insert(at.to_owned(), ());
            if let Some(prefix) = subscription_prefix(&a.id) {
                index.seen.insert(prefix.to_owned(), ());
            }
            let Some(principal) = a.owner_principal else {
                continue;
            };
            if above_subscriptions(&a.scope) {
                index.above.push(principal.clone());
            }
            index
                .at_scope
                .entry(at.to_owned())
                .or_default()
                .push(principal);
        }
        index
    }

    /// `Some(owner count)` if an assignment of `sub_scope` (`/subscriptions/{id}`, lower-case, with
    /// no `/` in the id) is known, else `None`.
    fn owners(&self, sub_scope: &str) -> Option<usize> {
        if !self.seen.contains_key(sub_scope) {
            return None;
        }
        let mut principals: Vec<&str> = Vec::new();
        let at = self.at_scope.get(sub_scope).into_iter().flatten();
        for p in at.chain(&self.above) {
            if !principals.contains(&p.as_str()) {
                principals.push(p);
            }
        }
        Some(principals.len())
    }
}

/// `Ok(owner count)` or `Err(reason)` when the inventory holds no role assignment of the subscription.
pub(crate) fn owners(subscription: &Value, related: &Related) -> Result<usize, String> {
    let sub_id = subscription
        .get("subscriptionId")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            subscription
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| id.rsplit('/').next())
                .map(str::to_owned)
        })
        .unwrap_or_default()
        .to_ascii_lowercase();
    let sub_scope = format!("/subscriptions/{sub_id}");
    let missing = || {
        format!("the inventory holds no role assignment of subscription {sub_id} (authorizationresources not exported)")
    };
    // The index answers for ordinary subscription ids; an id with a `/` (never seen in Azure) takes
    // the scan, whose prefix test it cannot express.
    if let (Some(index), false) = (related.owner_index(), sub_id.contains('/')) {
        return index.owners(&sub_scope).ok_or_else(missing);
    }
    let mut seen_for_sub = false;
    let mut principals: Vec<String> = Vec::new();
    for ra in related.of_type(ROLE_ASSIGNMENTS) {
        let a = assignment(ra);
        let at_sub = a.scope.trim_end_matches('/') == sub_scope;
        if a.id.starts_with(&format!("{sub_scope}/")) || at_sub {
            seen_for_sub = true;
        }
        if !(at_sub || above_subscriptions(&a.scope)) {
            continue;
        }
        if let Some(p) = a.owner_principal {
            if !principals.contains(&p) {
                principals.push(p);
            }
        }
    }
    if seen_for_sub {
        Ok(principals.len())
    } else {
        Err(missing())
    }
}
