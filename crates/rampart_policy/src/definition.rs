//! Policy definitions and initiatives (policy set definitions) as Azure publishes them, and the
//! embedded built-ins: the MCSB initiative (Defender for Cloud's default) and its 223 definitions.
//!
//! Member names are matched case-insensitively, as Azure does (`anyof`, `existencecondition` occur
//! in built-ins).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::error::PolicyError;
use crate::expr::{self, classify, StringForm};
use crate::value::get_ci;

include!(concat!(env!("OUT_DIR"), "/definitions.rs"));

static INITIATIVE_JSON: &str = include_str!("../data/AzureSecurityCenter.json");

/// `properties.mode` of a definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PolicyMode {
    /// Only resource types that support tags and location.
    Indexed,
    /// Every resource type, including subscriptions and resource groups.
    All,
    /// Kubernetes admission-control policies, evaluated inside the cluster (Gatekeeper).
    KubernetesData,
    /// Key Vault data-plane objects (keys, secrets, certificates).
    KeyVaultData,
    /// Any other resource-provider mode, kept verbatim.
    Other(String),
}

impl PolicyMode {
    fn parse(s: &str) -> PolicyMode {
        match s.to_ascii_lowercase().as_str() {
            "indexed" => PolicyMode::Indexed,
            "all" => PolicyMode::All,
            "microsoft.kubernetes.data" => PolicyMode::KubernetesData,
            "microsoft.keyvault.data" => PolicyMode::KeyVaultData,
            _ => PolicyMode::Other(s.to_owned()),
        }
    }

    /// True for resource-provider (data-plane) modes that resource inventory cannot evaluate.
    pub fn is_data_plane(&self) -> bool {
        !matches!(self, PolicyMode::Indexed | PolicyMode::All)
    }
}

/// A definition parameter: its declared type and default.
#[derive(Debug, Clone)]
pub struct ParameterDefinition {
    /// Parameter name as declared.
    pub name: String,
    /// Declared type (`String`, `Array`, `Integer`…).
    pub kind: String,
    /// `defaultValue`, when declared.
    pub default_value: Option<Value>,
    /// `allowedValues`, when declared.
    pub allowed_values: Option<Vec<Value>>,
}

/// A policy definition (`Microsoft.Authorization/policyDefinitions`).
#[derive(Debug, Clone)]
pub struct PolicyDefinition {
    /// The definition's GUID (`name`).
    pub name: String,
    /// `properties.displayName`.
    pub display_name: String,
    /// `properties.description`.
    pub description: String,
    /// `properties.mode`.
    pub mode: PolicyMode,
    /// `properties.version` (or `metadata.version`).
    pub version: Option<String>,
    /// `properties.metadata.category`.
    pub category: Option<String>,
    /// `properties.parameters`.
    pub parameters: Vec<ParameterDefinition>,
    /// `properties.policyRule` (`if` / `then`), compiled by [`crate::CompiledPolicy::compile`].
    pub policy_rule: Value,
    /// Where the definition came from (file name), for error messages.
    pub origin: String,
}

fn str_member(obj: &Value, key: &str) -> Option<String> {
    get_ci(obj, key).and_then(Value::as_str).map(str::to_owned)
}

impl PolicyDefinition {
    /// Parses a definition as published in Azure/azure-policy (`{name, properties:{…}}`); a bare
    /// `properties` object (no wrapper) is accepted too.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, PolicyError> {
        let root: Value = serde_json::from_str(text).map_err(|e| PolicyError::json(origin, &e))?;
        let missing = |field: &str, expected| PolicyError::Missing {
            origin: origin.to_owned(),
            field: field.to_owned(),
            expected,
        };
        let props = get_ci(&root, "properties").unwrap_or(&root);
        if !props.is_object() {
            return Err(missing("properties", "object"));
        }
        let name = str_member(&root, "name").unwrap_or_default();
        let policy_rule = get_ci(props, "policyRule")
            .cloned()
            .ok_or_else(|| missing("properties.policyRule", "object"))?;
        if !policy_rule.is_object() {
            return Err(missing("properties.policyRule", "object"));
        }
        let metadata = get_ci(props, "metadata");
        let mut parameters = Vec::new();
        if let Some(ps) = get_ci(props, "parameters").and_then(Value::as_object) {
            for (pname, p) in ps {
                parameters.push(ParameterDefinition {
                    name: pname.clone(),
                    kind: str_member(p, "type").unwrap_or_else(|| "String".to_owned()),
                    default_value: get_ci(p, "defaultValue").cloned(),
                    allowed_values: get_ci(p, "allowedValues")
                        .and_then(Value::as_array)
                        .cloned(),
                });
            }
        }
        Ok(PolicyDefinition {
            name,
            display_name: str_member(props, "displayName").unwrap_or_default(),
            description: str_member(props, "description").unwrap_or_default(),
            mode: PolicyMode::parse(&str_member(props, "mode").unwrap_or_else(|| "All".to_owned())),
            version: str_member(props, "version")
                .or_else(|| metadata.and_then(|m| str_member(m, "version"))),
            category: metadata.and_then(|m| str_member(m, "category")),
            parameters,
            policy_rule,
            origin: origin.to_owned(),
        })
    }

    /// The declared parameter `name` (case-insensitive).
    pub fn parameter(&self, name: &str) -> Option<&ParameterDefinition> {
        self.parameters
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

/// One policy reference of an initiative, with its parameter values resolved.
#[derive(Debug, Clone)]
pub struct PolicyReference {
    /// `policyDefinitionReferenceId`.
    pub reference_id: String,
    /// The referenced definition's GUID (last segment of `policyDefinitionId`).
    pub definition_name: String,
    /// `definitionVersion` pin, e.g. `1.*.*`.
    pub definition_version: Option<String>,
    /// `groupNames` with the `Azure_Security_Benchmark_v3.0_` prefix stripped (`NS-1`…).
    pub group_names: Vec<String>,
    /// Parameter values the initiative passes, resolved against the initiative parameters'
    /// `defaultValue`s. Parameters the reference does not set (or whose initiative parameter has no
    /// default) are absent: the definition's own default applies at compile time.
    pub parameters: Map<String, Value>,
}

/// An initiative (`Microsoft.Authorization/policySetDefinitions`).
#[derive(Debug, Clone)]
pub struct Initiative {
    /// The initiative's GUID.
    pub name: String,
    /// `properties.displayName`.
    pub display_name: String,
    /// `properties.version`.
    pub version: Option<String>,
    /// `properties.policyDefinitions`, in file order.
    pub references: Vec<PolicyReference>,
}

const GROUP_PREFIX: &str = "Azure_Security_Benchmark_v3.0_";

impl Initiative {
    /// Parses an initiative and resolves each reference's parameter values.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, PolicyError> {
        let root: Value = serde_json::from_str(text).map_err(|e| PolicyError::json(origin, &e))?;
        let missing = |field: &str, expected| PolicyError::Missing {
            origin: origin.to_owned(),
            field: field.to_owned(),
            expected,
        };
        let props = get_ci(&root, "properties").unwrap_or(&root);
        let mut defaults = Map::new();
        if let Some(ps) = get_ci(props, "parameters").and_then(Value::as_object) {
            for (pname, p) in ps {
                if let Some(d) = get_ci(p, "defaultValue") {
                    defaults.insert(pname.clone(), d.clone());
                }
            }
        }
        let refs = get_ci(props, "policyDefinitions")
            .and_then(Value::as_array)
            .ok_or_else(|| missing("properties.policyDefinitions", "array"))?;
        let mut references = Vec::with_capacity(refs.len());
        for (i, r) in refs.iter().enumerate() {
            let def_id = str_member(r, "policyDefinitionId").ok_or_else(|| {
                missing(
                    &format!("properties.policyDefinitions[{i}].policyDefinitionId"),
                    "string",
                )
            })?;
            let reference_id =
                str_member(r, "policyDefinitionReferenceId").unwrap_or_else(|| def_id.clone());
            let mut parameters = Map::new();
            if let Some(ps) = get_ci(r, "parameters").and_then(Value::as_object) {
                for (pname, p) in ps {
                    let raw = get_ci(p, "value").unwrap_or(p);
                    let resolved = resolve_constant(raw, &defaults).map_err(|message| {
                        PolicyError::Expression {
                            origin: origin.to_owned(),
                            path: format!("policyDefinitions[{i}].parameters.{pname}"),
                            expression: raw.to_string(),
                            message,
                        }
                    })?;
                    if let Some(v) = resolved {
                        parameters.insert(pname.clone(), v);
                    }
                }
            }
            let group_names = get_ci(r, "groupNames")
                .and_then(Value::as_array)
                .map(|g| {
                    g.iter()
                        .filter_map(Value::as_str)
                        .map(|s| s.strip_prefix(GROUP_PREFIX).unwrap_or(s).to_owned())
                        .collect()
                })
                .unwrap_or_default();
            references.push(PolicyReference {
                reference_id,
                definition_name: def_id.rsplit('/').next().unwrap_or(&def_id).to_owned(),
                definition_version: str_member(r, "definitionVersion"),
                group_names,
                parameters,
            });
        }
        Ok(Initiative {
            name: str_member(&root, "name").unwrap_or_default(),
            display_name: str_member(props, "displayName").unwrap_or_default(),
            version: str_member(props, "version"),
            references,
        })
    }

    /// The reference with this `policyDefinitionReferenceId` (case-insensitive).
    pub fn reference(&self, reference_id: &str) -> Option<&PolicyReference> {
        self.references
            .iter()
            .find(|r| r.reference_id.eq_ignore_ascii_case(reference_id))
    }
}

/// Resolves a parameter value that may be an expression over initiative parameters. `Ok(None)` when
/// it refers to an initiative parameter without a default (the definition default then applies).
fn resolve_constant(raw: &Value, params: &Map<String, Value>) -> Result<Option<Value>, String> {
    let Value::String(s) = raw else {
        return Ok(Some(raw.clone()));
    };
    match classify(s) {
        StringForm::Literal(l) => Ok(Some(Value::String(l.into_owned()))),
        StringForm::Expression(e) => {
            let ast = expr::parse(e)?;
            match crate::compile::eval_constant(&ast, params) {
                Ok(v) => Ok(Some(v)),
                Err(crate::compile::ConstError::MissingParameter) => Ok(None),
                Err(crate::compile::ConstError::Other(m)) => Err(m),
            }
        }
    }
}

/// The embedded MCSB initiative. An embedded file that fails to parse yields an empty initiative
/// (and the crate's tests fail), never a panic.
pub fn builtin_initiative() -> &'static Initiative {
    static INIT: OnceLock<Initiative> = OnceLock::new();
    INIT.get_or_init(|| {
        Initiative::from_json(INITIATIVE_JSON, "data/AzureSecurityCenter.json").unwrap_or(
            Initiative {
                name: String::new(),
                display_name: String::new(),
                version: None,
                references: Vec::new(),
            },
        )
    })
}

/// Parsed definitions, index by lower-case GUID, files that failed to parse.
type Builtins = (
    Vec<PolicyDefinition>,
    HashMap<String, usize>,
    Vec<(String, PolicyError)>,
);

fn builtin_map() -> &'static Builtins {
    static DEFS: OnceLock<Builtins> = OnceLock::new();
    DEFS.get_or_init(|| {
        let mut defs = Vec::new();
        let mut errors = Vec::new();
        for (path, text) in DEFINITION_FILES {
            match PolicyDefinition::from_json(text, &format!("data/definitions/{path}")) {
                Ok(d) => defs.push(d),
                Err(e) => errors.push(((*path).to_owned(), e)),
            }
        }
        let index = defs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.to_ascii_lowercase(), i))
            .collect();
        (defs, index, errors)
    })
}

/// An embedded built-in definition by GUID (case-insensitive).
pub fn builtin_definition(name: &str) -> Option<&'static PolicyDefinition> {
    let (defs, index, _) = builtin_map();
    index.get(&name.to_ascii_lowercase()).map(|&i| &defs[i])
}

/// Every embedded definition, in file-path order.
pub fn builtin_definitions() -> &'static [PolicyDefinition] {
    &builtin_map().0
}

/// Embedded definition files that failed to parse (expected empty; checked by tests).
pub fn builtin_definition_errors() -> &'static [(String, PolicyError)] {
    &builtin_map().2
}
