//! Custom recommendations from a user's own Azure Policy files: one definition per file, or a policy
//! set (initiative) whose references point at built-in definitions or at definitions passed in the same
//! call. Custom recommendations are never scored (`RecommendationSource::Custom`), sit in "Implement
//! security best practices", and take their severity from `properties.metadata.severity` (else Medium).
//!
//! Ids: a definition's `name` (GUID); a set reference's `<set name>/<policyDefinitionReferenceId>`.
//! A definition that a set in the same call references is evaluated through the set only (with the
//! set's parameter values), not a second time on its own.

use std::collections::HashSet;

use rampart_model::Severity;
use rampart_policy::{Initiative, PolicyDefinition};
use serde_json::{Map, Value};

use crate::benchmark::get_ci;
use crate::{Benchmark, RulesError};

/// A custom recommendation ready to add: (origin, id, definition, parameter values, severity).
type Staged = (
    String,
    String,
    PolicyDefinition,
    Map<String, Value>,
    Option<Severity>,
);

enum Doc {
    Definition {
        origin: String,
        def: PolicyDefinition,
        severity: Option<Severity>,
    },
    Set {
        origin: String,
        set: Initiative,
    },
}

fn severity_of(root: &Value) -> Option<Severity> {
    let props = get_ci(root, "properties").unwrap_or(root);
    get_ci(get_ci(props, "metadata")?, "severity")
        .and_then(Value::as_str)
        .and_then(Severity::parse)
}

fn policy_err(origin: &str, e: &rampart_policy::PolicyError) -> RulesError {
    RulesError::policy(origin, "properties", e.to_string())
}

fn parse(origin: &str, text: &str) -> Result<Doc, RulesError> {
    let root: Value = serde_json::from_str(text).map_err(|e| RulesError::json(origin, &e))?;
    let props = get_ci(&root, "properties").unwrap_or(&root);
    if !props.is_object() {
        return Err(RulesError::policy(origin, "properties", "is not an object"));
    }
    if get_ci(props, "policyDefinitions").is_some() {
        let set = Initiative::from_json(text, origin).map_err(|e| policy_err(origin, &e))?;
        return Ok(Doc::Set {
            origin: origin.to_owned(),
            set,
        });
    }
    if get_ci(props, "policyRule").is_none() {
        return Err(RulesError::policy(
            origin,
            "properties.policyRule",
            "is missing: the file is neither a policy definition nor a policy set (no policyDefinitions)",
        ));
    }
    let def = PolicyDefinition::from_json(text, origin).map_err(|e| policy_err(origin, &e))?;
    if def.name.is_empty() {
        return Err(RulesError::policy(
            origin,
            "name",
            "is missing: a custom definition needs a stable name (GUID)",
        ));
    }
    Ok(Doc::Definition {
        origin: origin.to_owned(),
        def,
        severity: severity_of(&root),
    })
}

impl Benchmark {
    /// Adds a user's own Azure Policy definitions / policy sets as custom recommendations (never scored).
    ///
    /// # Errors
    /// A file that is not JSON (error names the file, line and column), is neither a definition nor a
    /// set, references an unknown definition, does not compile, or reuses an id. Nothing is added when
    /// any file fails.
    pub fn add_custom_policies(&mut self, files: &[(String, String)]) -> Result<(), RulesError> {
        let docs = files
            .iter()
            .map(|(origin, text)| parse(origin, text))
            .collect::<Result<Vec<_>, _>>()?;
        let defs: Vec<(&str, &PolicyDefinition, Option<Severity>)> = docs
            .iter()
            .filter_map(|d| match d {
                Doc::Definition {
                    origin,
                    def,
                    severity,
                } => Some((origin.as_str(), def, *severity)),
                Doc::Set { .. } => None,
            })
            .collect();
        // Validate everything into a scratch list first so a failure adds nothing.
        let mut staged: Vec<Staged> = Vec::new();
        let mut used_by_sets: HashSet<String> = HashSet::new();
        for doc in &docs {
            let Doc::Set { origin, set } = doc else {
                continue;
            };
            let set_name = if set.name.is_empty() {
                origin.clone()
            } else {
                set.name.clone()
            };
            for (i, r) in set.references.iter().enumerate() {
                let custom = defs
                    .iter()
                    .find(|(_, d, _)| d.name.eq_ignore_ascii_case(&r.definition_name));
                let (def, severity) = match custom {
                    Some((_, d, s)) => {
                        used_by_sets.insert(d.name.to_ascii_lowercase());
                        ((*d).clone(), *s)
                    }
                    None => match rampart_policy::builtin_definition(&r.definition_name) {
                        Some(d) => (d.clone(), None),
                        None => {
                            return Err(RulesError::policy(
                                origin,
                                &format!("properties.policyDefinitions[{i}].policyDefinitionId"),
                                format!(
                                    "definition {} is neither built in nor among the given files",
                                    r.definition_name
                                ),
                            ))
                        }
                    },
                };
                staged.push((
                    origin.clone(),
                    format!("{set_name}/{}", r.reference_id),
                    def,
                    r.parameters.clone(),
                    severity,
                ));
            }
        }
        for (origin, def, severity) in &defs {
            if used_by_sets.contains(&def.name.to_ascii_lowercase()) {
                continue;
            }
            staged.push((
                (*origin).to_owned(),
                def.name.clone(),
                (*def).clone(),
                Map::new(),
                *severity,
            ));
        }
        let before = self.recommendations.len();
        let mut result = Ok(());
        for (origin, id, def, params, severity) in &staged {
            if let Err(e) = self.push_custom(origin, id.clone(), def, params, *severity) {
                result = Err(e);
                break;
            }
        }
        if result.is_err() {
            self.truncate_to(before);
        }
        result
    }
}
