//! **What**: every container image must match the regular expression `allowedContainerImagesRegex` (Gatekeeper's `container-allowed-images`, an unanchored match). The initiative's default `^(.+){0}$` matches no image, so until the assignment names trusted registries every container is flagged, as in Defender (\"Container images should be deployed from trusted registries only\").
//!
//! **Why**: images from unknown registries may carry malware or unpatched vulnerabilities. Azure Policy evaluates this reference (policy febd0533, mode
//! `Microsoft.Kubernetes.Data`) inside the cluster; this rule re-implements its check on the
//! Kubernetes objects of an inventory.
//!
//! **Remediation**: pull images only from trusted registries and set the regex to them, e.g. `^myregistry\\.azurecr\\.io/.+$`.

use rampart_model::{Assessment, Provider};
use serde_json::Value;

use super::{param, pod_rule, POD};
use crate::native::{Params, Related, RuleMeta};

/// Metadata.
pub const META: RuleMeta = RuleMeta {
    id: "K8S-006",
    provider: Provider::Kubernetes,
    title: "Kubernetes cluster containers should only use allowed images",
    recommendation: "febd0533-8e55-448f-b837-bd0e06f16469",
    subject_types: POD,
    related_types: &[],
};

/// The check.
#[must_use]
pub fn check(obj: &Value, _related: &Related, params: &Params) -> Option<Assessment> {
    let pattern = param(params, "allowedContainerImagesRegex")
        .and_then(Value::as_str)
        .unwrap_or("^(.+){0}$");
    let Ok(re) = regex::Regex::new(pattern) else {
        return Some(Assessment::not_assessed(format!(
            "allowedContainerImagesRegex `{pattern}` is not a valid regular expression"
        )));
    };
    pod_rule(obj, params, |_, cs| {
        cs.iter()
            .filter(|c| !re.is_match(c.image))
            .map(|c| {
                format!(
                    "container {} image {} is not from an allowed registry",
                    c.name, c.image
                )
            })
            .collect()
    })
}
