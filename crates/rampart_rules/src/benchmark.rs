//! The [`Benchmark`]: Defender's controls, one recommendation per reference of the MCSB initiative
//! (metadata from the policy definition + the data table), the compiled policies, the native rules, and
//! the user's custom policy recommendations.
//!
//! Native replacement: a native rule whose `recommendation` is the GUID of an initiative reference takes
//! over that reference's evaluation. The recommendation keeps its id (the policy GUID), title, metadata
//! and `RecommendationSource::AzurePolicy`; its policy is not handed to the policy evaluator, so the
//! resource gets the native assessment instead of the policy's "not assessed". The reference's effect
//! still applies: if the initiative disables it, the native rule's subjects are `OffByPolicy`. A data-plane
//! policy (Microsoft.Kubernetes.Data, Microsoft.KeyVault.Data) is the exception: it stays with the policy
//! evaluator too, so the clusters and vaults it targets come out NotAssessed beside the native verdicts on the
//! data-plane objects themselves.
//! [`Benchmark::evaluation`] tells which evaluator backs each recommendation.

use std::collections::HashMap;

use rampart_model::{Control, Recommendation, RecommendationSource, Severity, UserImpact};
use rampart_policy::{PolicyDefinition, PolicyMode, PolicyReference};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::controls::{BEST_PRACTICES, CONTROLS};
use crate::native::{self, NativeRule};
use crate::policy_glue::{self, PolicySet};
use crate::table::{builtin_table, ParsedRow};
use crate::RulesError;

/// How one recommendation is evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evaluator {
    /// By its Azure Policy definition (rampart_policy).
    Policy,
    /// By a native rule (which replaces the policy's evaluation when the recommendation has one).
    Native {
        /// The rule id.
        rule_id: String,
    },
    /// Not evaluated: every applicable resource is `NotApplicable` / `NotAssessed` with this reason
    /// (or nothing is emitted when the policy cannot even be compiled).
    NotAssessed {
        /// Why.
        reason: String,
    },
    /// The effect is `Disabled`: applicable resources are `NotApplicable` / `OffByPolicy`.
    OffByPolicy,
}

/// Facts about one recommendation beyond `rampart_model::Recommendation`: its evaluator, policy
/// effect and mode, and the provenance of its metadata.
#[derive(Debug, Clone, Serialize)]
pub struct RecommendationInfo {
    /// How it is evaluated.
    pub evaluator: Evaluator,
    /// The effective policy effect (after initiative parameters), e.g. `Audit`; `Native` for a native
    /// rule with no policy.
    pub effect: String,
    /// The policy mode (`Indexed`, `All`, `Microsoft.Kubernetes.Data`…); empty for native-only.
    pub mode: String,
    /// The initiative's `policyDefinitionReferenceId`, if any.
    pub reference_id: Option<String>,
    /// `AuditIfNotExists` / `DeployIfNotExists` related type (`then.details.type`), if any.
    pub related_type: Option<String>,
    /// Where the severity came from (a document, `inferred`, `metadata.severity`, `default`).
    pub severity_source: String,
    /// Where the control placement came from.
    pub control_source: String,
}

/// The built-in benchmark plus any custom recommendations.
#[derive(Debug)]
pub struct Benchmark {
    pub(crate) controls: Vec<Control>,
    pub(crate) recommendations: Vec<Recommendation>,
    pub(crate) info: Vec<RecommendationInfo>,
    /// Compiled policies with the index of their recommendation.
    pub(crate) policies: PolicySet,
    /// Native rules with the index of their recommendation and whether the effect is Disabled.
    pub(crate) native: Vec<(usize, &'static NativeRule, bool, native::Params)>,
    by_id: HashMap<String, usize>,
}

fn mode_name(mode: &PolicyMode) -> String {
    match mode {
        PolicyMode::Indexed => "Indexed".to_owned(),
        PolicyMode::All => "All".to_owned(),
        PolicyMode::KubernetesData => "Microsoft.Kubernetes.Data".to_owned(),
        PolicyMode::KeyVaultData => "Microsoft.KeyVault.Data".to_owned(),
        PolicyMode::Other(s) => s.clone(),
    }
}

/// `then.effect` of a definition, resolved against the reference's parameter values and the
/// definition's defaults. Normalised to Azure's casing (`Audit`, `AuditIfNotExists`…).
pub(crate) fn effective_effect(def: &PolicyDefinition, params: &Map<String, Value>) -> String {
    let raw = get_ci(&def.policy_rule, "then")
        .and_then(|t| get_ci(t, "effect"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let value = match parameter_reference(raw) {
        Some(name) => params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .or_else(|| def.parameter(name).and_then(|p| p.default_value.clone()))
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        None => raw.to_owned(),
    };
    normalise_effect(&value)
}

fn normalise_effect(s: &str) -> String {
    const EFFECTS: &[&str] = &[
        "Audit",
        "AuditIfNotExists",
        "Deny",
        "DenyAction",
        "DeployIfNotExists",
        "Disabled",
        "Modify",
        "Append",
        "Manual",
    ];
    EFFECTS
        .iter()
        .find(|e| e.eq_ignore_ascii_case(s))
        .map_or_else(|| s.to_owned(), |e| (*e).to_owned())
}

/// `[parameters('name')]` → `name`.
fn parameter_reference(s: &str) -> Option<&str> {
    let inner = s
        .trim()
        .strip_prefix("[parameters(")?
        .strip_suffix(")]")?
        .trim();
    inner.strip_prefix('\'')?.strip_suffix('\'')
}

pub(crate) fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn related_type(def: &PolicyDefinition) -> Option<String> {
    let then = get_ci(&def.policy_rule, "then")?;
    get_ci(get_ci(then, "details")?, "type")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Resource types named in the definition's `if` (`field: type` with equals / in), lower case.
fn if_resource_types(def: &PolicyDefinition) -> Vec<String> {
    fn walk(v: &Value, negated: bool, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                let is_type = map.iter().any(|(k, f)| {
                    k.eq_ignore_ascii_case("field")
                        && f.as_str().is_some_and(|s| s.eq_ignore_ascii_case("type"))
                });
                if is_type && !negated {
                    for (k, val) in map {
                        if k.eq_ignore_ascii_case("equals") {
                            if let Some(s) = val.as_str() {
                                out.push(s.to_ascii_lowercase());
                            }
                        } else if k.eq_ignore_ascii_case("in") {
                            out.extend(
                                val.as_array()
                                    .into_iter()
                                    .flatten()
                                    .filter_map(Value::as_str)
                                    .map(str::to_ascii_lowercase),
                            );
                        }
                    }
                }
                for (k, child) in map {
                    if k.eq_ignore_ascii_case("count") || k.eq_ignore_ascii_case("where") {
                        continue;
                    }
                    walk(child, negated || k.eq_ignore_ascii_case("not"), out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, negated, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(cond) = get_ci(&def.policy_rule, "if") {
        walk(cond, false, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn is_preview(def: &PolicyDefinition) -> bool {
    def.display_name
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("[preview]")
        || def
            .version
            .as_deref()
            .is_some_and(|v| v.to_ascii_lowercase().contains("preview"))
}

const DEFENDER_ASSESSMENTS: &str = "microsoft.security/assessments";

/// Why a reference cannot be evaluated from inventory data, before compiling it.
fn static_not_assessed(def: &PolicyDefinition, related: Option<&str>) -> Option<String> {
    if def.mode.is_data_plane() {
        return Some(format!(
            "mode {}: evaluated inside the service (e.g. Gatekeeper in the cluster); a resource inventory holds no data-plane objects",
            mode_name(&def.mode)
        ));
    }
    if related.is_some_and(|t| t.eq_ignore_ascii_case(DEFENDER_ASSESSMENTS)) {
        return Some(
            "Defender computes this assessment itself (AuditIfNotExists on Microsoft.Security/assessments) and no native rule re-implements it yet"
                .to_owned(),
        );
    }
    None
}

impl Benchmark {
    /// The built-in benchmark: Defender's controls, a recommendation per MCSB initiative reference, the
    /// compiled policies and the native rules.
    ///
    /// # Errors
    /// When the embedded data table is malformed or out of sync with the initiative (caught by tests).
    pub fn builtin() -> Result<Benchmark, RulesError> {
        let table = builtin_table()?;
        let rows: HashMap<String, &ParsedRow> = table
            .iter()
            .map(|r| (r.row.key.to_ascii_lowercase(), r))
            .collect();
        let native_by_rec: HashMap<String, &'static NativeRule> = native::rules()
            .iter()
            .map(|r| (r.meta.recommendation.to_ascii_lowercase(), r))
            .collect();
        let initiative = rampart_policy::builtin_initiative();
        let mut b = Benchmark {
            controls: CONTROLS.to_vec(),
            recommendations: Vec::new(),
            info: Vec::new(),
            policies: PolicySet::default(),
            native: Vec::new(),
            by_id: HashMap::new(),
        };
        for reference in &initiative.references {
            let origin = format!("MCSB initiative reference {}", reference.reference_id);
            let def = rampart_policy::builtin_definition(&reference.definition_name).ok_or_else(
                || {
                    RulesError::policy(
                        &origin,
                        "policyDefinitionId",
                        format!("definition {} is not embedded", reference.definition_name),
                    )
                },
            )?;
            let row = rows
                .get(&reference.definition_name.to_ascii_lowercase())
                .ok_or_else(|| {
                    RulesError::table(
                        crate::table::TABLE_ORIGIN,
                        format!(
                            "no row for {} ({})",
                            reference.definition_name, def.display_name
                        ),
                    )
                })?;
            let native = native_by_rec
                .get(&reference.definition_name.to_ascii_lowercase())
                .copied();
            b.push_builtin(reference, def, row, native);
        }
        // Native rules that evaluate a recommendation of their own (no initiative reference behind it).
        let referenced: std::collections::HashSet<String> = initiative
            .references
            .iter()
            .map(|r| r.definition_name.to_ascii_lowercase())
            .collect();
        for rule in native::rules() {
            let key = rule.meta.recommendation.to_ascii_lowercase();
            if referenced.contains(&key) {
                continue;
            }
            let row = rows.get(&key).ok_or_else(|| {
                RulesError::table(
                    crate::table::TABLE_ORIGIN,
                    format!(
                        "no row for native rule {} ({})",
                        rule.meta.id, rule.meta.recommendation
                    ),
                )
            })?;
            b.push_native_only(rule, row)?;
        }
        if b.recommendations.len() != table.len() {
            let known: std::collections::HashSet<&str> =
                b.recommendations.iter().map(|r| r.id.as_str()).collect();
            let extra: Vec<&str> = table
                .iter()
                .map(|r| r.row.key.as_str())
                .filter(|k| !known.contains(k))
                .collect();
            return Err(RulesError::table(
                crate::table::TABLE_ORIGIN,
                format!("rows with no initiative reference: {}", extra.join(", ")),
            ));
        }
        tracing::debug!(
            recommendations = b.recommendations.len(),
            policies = b.policies.len(),
            native = b.native.len(),
            "built-in benchmark built"
        );
        Ok(b)
    }

    fn push_builtin(
        &mut self,
        reference: &PolicyReference,
        def: &PolicyDefinition,
        row: &ParsedRow,
        native: Option<&'static NativeRule>,
    ) {
        let index = self.recommendations.len();
        let effect = effective_effect(def, &reference.parameters);
        let related = related_type(def);
        let mut resource_types = if_resource_types(def);
        let evaluator = if effect == "Disabled" {
            Evaluator::OffByPolicy
        } else if let Some(rule) = native {
            Evaluator::Native {
                rule_id: rule.meta.id.to_owned(),
            }
        } else if let Some(reason) = static_not_assessed(def, related.as_deref()) {
            Evaluator::NotAssessed { reason }
        } else {
            Evaluator::Policy
        };
        if let Some(rule) = native {
            // The native rule decides for its subjects; the policy is not evaluated (see module doc).
            self.native
                .push((index, rule, effect == "Disabled", native::rule_params(rule)));
            resource_types = rule
                .meta
                .subject_types
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
        }
        // A data-plane policy (Microsoft.Kubernetes.Data, Microsoft.KeyVault.Data) stays with the policy
        // evaluator even when a native rule judges the data-plane objects: the clusters and vaults it targets
        // then come out NotAssessed with the reason (their data plane was not collected), never absent.
        let data_plane = native.is_some() && def.mode.is_data_plane();
        let evaluator = if native.is_none() || data_plane {
            // Every non-native reference goes to the policy evaluator, even when not assessable, so that
            // applicable resources get their NotApplicable / OffByPolicy / NotAssessed assessment.
            match policy_glue::compile(def, &reference.parameters) {
                Ok(compiled) => {
                    self.policies.push(index, compiled);
                    if data_plane {
                        resource_types.extend(if_resource_types(def));
                    }
                    evaluator
                }
                Err(_) if data_plane => evaluator,
                Err(e) => {
                    tracing::warn!(reference = %reference.reference_id, error = %e, "built-in policy does not compile");
                    Evaluator::NotAssessed {
                        reason: format!("the policy does not compile: {e}"),
                    }
                }
            }
        } else {
            evaluator
        };
        let rec = Recommendation {
            id: def.name.clone(),
            title: def.display_name.clone(),
            severity: row.severity,
            description: def.description.clone(),
            remediation: row.row.remediation.clone(),
            controls: row.control_ids.clone(),
            resource_types,
            preview: row.row.preview.unwrap_or_else(|| is_preview(def)),
            mcsb: reference.group_names.clone(),
            threats: row.threats.clone(),
            user_impact: row.user_impact,
            implementation_effort: row.effort,
            source: RecommendationSource::AzurePolicy {
                policy_definition_id: format!(
                    "/providers/Microsoft.Authorization/policyDefinitions/{}",
                    def.name
                ),
                reference_id: reference.reference_id.clone(),
            },
        };
        self.info.push(RecommendationInfo {
            evaluator,
            effect,
            mode: mode_name(&def.mode),
            reference_id: Some(reference.reference_id.clone()),
            related_type: related,
            severity_source: row.row.severity_source.clone(),
            control_source: row.row.control_source.clone(),
        });
        self.by_id.insert(rec.id.to_ascii_lowercase(), index);
        self.recommendations.push(rec);
    }

    /// Adds the recommendation of a native rule that no policy backs (`RecommendationSource::Native`).
    fn push_native_only(
        &mut self,
        rule: &'static NativeRule,
        row: &ParsedRow,
    ) -> Result<(), RulesError> {
        let description = row.row.description.clone().ok_or_else(|| {
            RulesError::table(
                crate::table::TABLE_ORIGIN,
                format!(
                    "row {}: a native-only recommendation needs a description",
                    row.row.key
                ),
            )
        })?;
        let index = self.recommendations.len();
        self.native
            .push((index, rule, false, native::Params::new()));
        let rec = Recommendation {
            id: rule.meta.recommendation.to_owned(),
            title: rule.meta.title.to_owned(),
            severity: row.severity,
            description,
            remediation: row.row.remediation.clone(),
            controls: row.control_ids.clone(),
            resource_types: rule
                .meta
                .subject_types
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            preview: row.row.preview.unwrap_or(false),
            mcsb: row.row.mcsb.clone(),
            threats: row.threats.clone(),
            user_impact: row.user_impact,
            implementation_effort: row.effort,
            source: RecommendationSource::Native,
        };
        self.info.push(RecommendationInfo {
            evaluator: Evaluator::Native {
                rule_id: rule.meta.id.to_owned(),
            },
            effect: "Native".to_owned(),
            mode: String::new(),
            reference_id: None,
            related_type: None,
            severity_source: row.row.severity_source.clone(),
            control_source: row.row.control_source.clone(),
        });
        self.by_id.insert(rec.id.to_ascii_lowercase(), index);
        self.recommendations.push(rec);
        Ok(())
    }

    /// Adds a custom recommendation (used by [`Benchmark::add_custom_policies`]).
    pub(crate) fn push_custom(
        &mut self,
        origin: &str,
        id: String,
        def: &PolicyDefinition,
        params: &Map<String, Value>,
        severity: Option<Severity>,
    ) -> Result<(), RulesError> {
        if self.by_id.contains_key(&id.to_ascii_lowercase()) {
            return Err(RulesError::policy(
                origin,
                "name",
                format!("recommendation id `{id}` is already defined"),
            ));
        }
        let index = self.recommendations.len();
        let effect = effective_effect(def, params);
        let related = related_type(def);
        let evaluator = if effect == "Disabled" {
            Evaluator::OffByPolicy
        } else if let Some(reason) = static_not_assessed(def, related.as_deref()) {
            Evaluator::NotAssessed { reason }
        } else {
            Evaluator::Policy
        };
        match policy_glue::compile(def, params) {
            Ok(compiled) => self.policies.push(index, compiled),
            Err(e) => {
                return Err(RulesError::policy(
                    origin,
                    "properties.policyRule",
                    format!("does not compile: {e}"),
                ));
            }
        }
        let rec = Recommendation {
            id: id.clone(),
            title: if def.display_name.is_empty() {
                id.clone()
            } else {
                def.display_name.clone()
            },
            severity: severity.unwrap_or(Severity::Medium),
            description: def.description.clone(),
            remediation: "See the custom policy definition's description.".to_owned(),
            controls: vec![BEST_PRACTICES.to_owned()],
            resource_types: if_resource_types(def),
            preview: false,
            mcsb: Vec::new(),
            threats: Vec::new(),
            user_impact: UserImpact::Low,
            implementation_effort: UserImpact::Low,
            source: RecommendationSource::Custom {
                file: origin.to_owned(),
            },
        };
        self.info.push(RecommendationInfo {
            evaluator,
            effect,
            mode: mode_name(&def.mode),
            reference_id: None,
            related_type: related,
            severity_source: if severity.is_some() {
                "metadata.severity".to_owned()
            } else {
                "default".to_owned()
            },
            control_source: "custom".to_owned(),
        });
        self.by_id.insert(id.to_ascii_lowercase(), index);
        self.recommendations.push(rec);
        Ok(())
    }

    /// Drops every recommendation from `len` on (undoes a failed custom load).
    pub(crate) fn truncate_to(&mut self, len: usize) {
        self.recommendations.truncate(len);
        self.info.truncate(len);
        self.policies.truncate_recs(len);
        self.by_id.retain(|_, i| *i < len);
    }

    /// Defender's security controls.
    #[must_use]
    pub fn controls(&self) -> &[Control] {
        &self.controls
    }

    /// Every recommendation: built-in (initiative order) then custom.
    #[must_use]
    pub fn recommendations(&self) -> &[Recommendation] {
        &self.recommendations
    }

    /// The recommendation with this id (case-insensitive) and its index.
    #[must_use]
    pub fn recommendation(&self, id: &str) -> Option<(usize, &Recommendation)> {
        let i = *self.by_id.get(&id.to_ascii_lowercase())?;
        Some((i, &self.recommendations[i]))
    }

    /// Evaluator, effect, mode and provenance of the recommendation at `index`.
    #[must_use]
    pub fn info(&self, index: usize) -> Option<&RecommendationInfo> {
        self.info.get(index)
    }

    /// The control with this id.
    #[must_use]
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }
}
