//! Owner role assignments of a subscription, shared by the subscription owner-count rules.

use serde_json::Value;

use crate::native::Related;

/// The built-in Owner role definition id.
const OWNER_ROLE: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub(crate) const ROLE_ASSIGNMENTS: &str = "microsoft.authorization/roleassignments";

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
    let mut seen_for_sub = false;
    let mut principals: Vec<String> = Vec::new();
    for ra in related.of_type(ROLE_ASSIGNMENTS) {
        let id = ra
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let scope = ra
            .pointer("/properties/scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let at_sub = scope.trim_end_matches('/') == sub_scope;
        let above =
            scope == "/" || scope.starts_with("/providers/microsoft.management/managementgroups/");
        if id.starts_with(&format!("{sub_scope}/")) || at_sub {
            seen_for_sub = true;
        }
        if !(at_sub || above) {
            continue;
        }
        let role = ra
            .pointer("/properties/roleDefinitionId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !role.to_ascii_lowercase().ends_with(OWNER_ROLE) {
            continue;
        }
        if let Some(p) = ra
            .pointer("/properties/principalId")
            .and_then(Value::as_str)
        {
            let p = p.to_ascii_lowercase();
            if !principals.contains(&p) {
                principals.push(p);
            }
        }
    }
    if seen_for_sub {
        Ok(principals.len())
    } else {
        Err(format!("the inventory holds no role assignment of subscription {sub_id} (authorizationresources not exported)"))
    }
}
