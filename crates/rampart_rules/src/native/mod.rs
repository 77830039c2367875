//! Native rules: Rust checks for what Azure Policy cannot express, chiefly Defender assessments whose
//! policy is only an `AuditIfNotExists` on `Microsoft.Security/assessments` (Defender computes them; the
//! policy engine can only say "not assessed").
//!
//! One rule = one file `native/<provider>/<rule>.rs` holding a doc comment (What / Why / Remediation),
//! its [`RuleMeta`] as a `const META`, and `fn check`. One line in [`registry`] registers it; one folder
//! `fixtures/<RULE-ID>/` holds its healthy and unhealthy cases.
//!
//! Streaming and cross-resource checks: a rule declares the resource types it assesses
//! (`subject_types`) and the types it needs to see to decide (`related_types`). The runner keeps only
//! subjects and resources of those related types (not the whole inventory), and decides every subject
//! in `finish`, once all related resources have streamed by. A rule with no related types is decided
//! as soon as its subject arrives.

pub mod azure;
pub mod kubernetes;
pub mod registry;

use std::collections::{HashMap, HashSet};

use rampart_model::{Assessment, Provider};
use serde_json::{Map, Value};

/// A native rule's metadata.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, never reused (e.g. `AZ-NET-001`). Also the fixtures folder name.
    pub id: &'static str,
    /// Provider of the resources it assesses.
    pub provider: Provider,
    /// Defender's recommendation title.
    pub title: &'static str,
    /// The recommendation it evaluates: a policy definition GUID of the initiative whose reference it
    /// replaces, or a recommendation id of its own (then the data table has a row with that key).
    pub recommendation: &'static str,
    /// Lower-case resource types it assesses (one assessment per such resource, unless `check` says
    /// not applicable).
    pub subject_types: &'static [&'static str],
    /// Lower-case resource types it needs in order to decide.
    pub related_types: &'static [&'static str],
}

/// The check: the subject's native document, the related resources seen in the whole stream, and the
/// parameter values of the policy reference the rule evaluates (definition defaults overlaid by the
/// initiative's values; empty for a rule with no policy). `None` = not applicable (nothing is emitted,
/// like a policy whose `if` does not match).
pub type CheckFn = fn(&Value, &Related, &Params) -> Option<Assessment>;

/// Parameter values of a rule's policy reference.
pub type Params = Map<String, Value>;

/// A registered native rule.
#[derive(Debug)]
pub struct NativeRule {
    /// Its metadata.
    pub meta: &'static RuleMeta,
    /// Its check.
    pub check: CheckFn,
}

/// Resources of the related types, by lower-case id.
///
/// Invariant: a virtual network also indexes each of its embedded subnets (`properties.subnets[]`) by
/// the subnet's own id, because Resource Graph exports subnets only inside their network.
#[derive(Debug, Default)]
pub struct Related {
    by_id: HashMap<String, Value>,
    /// Lower-case type → lower-case ids of the kept resources of that type.
    by_type: HashMap<String, Vec<String>>,
}

impl Related {
    /// The related resource with this id (case-insensitive), if it was in the stream.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Value> {
        self.by_id.get(&id.to_ascii_lowercase())
    }

    pub(crate) fn insert(&mut self, resource_type: &str, native: &Value) {
        if resource_type == "microsoft.network/virtualnetworks" {
            if let Some(subnets) = native
                .pointer("/properties/subnets")
                .and_then(Value::as_array)
            {
                for subnet in subnets {
                    if let Some(id) = subnet.get("id").and_then(Value::as_str) {
                        self.by_id.insert(id.to_ascii_lowercase(), subnet.clone());
                    }
                }
            }
        }
        if let Some(id) = native.get("id").and_then(Value::as_str) {
            let id = id.to_ascii_lowercase();
            if self.by_id.insert(id.clone(), native.clone()).is_none() {
                self.by_type
                    .entry(resource_type.to_owned())
                    .or_default()
                    .push(id);
            }
        }
    }

    /// The kept resources of a (lower-case) related type, in stream order.
    pub fn of_type<'a>(&'a self, resource_type: &str) -> impl Iterator<Item = &'a Value> + 'a {
        self.by_type
            .get(resource_type)
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id))
    }

    /// Number of resources kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when nothing is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// The lower-case type a rule's `subject_types` / `related_types` name: the ARM `type` for cloud
/// documents, the object `kind` for Kubernetes objects.
pub(crate) fn subject_type(provider: Provider, native: &Value) -> Option<String> {
    let field = if provider == Provider::Kubernetes {
        "kind"
    } else {
        "type"
    };
    native
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
}

/// The parameter values a native rule sees: when its recommendation is a reference of the built-in
/// initiative, the definition's defaults overlaid by the initiative's values; else nothing.
#[must_use]
pub fn rule_params(rule: &NativeRule) -> Params {
    let initiative = rampart_policy::builtin_initiative();
    let Some(reference) = initiative.references.iter().find(|r| {
        r.definition_name
            .eq_ignore_ascii_case(rule.meta.recommendation)
    }) else {
        return Params::new();
    };
    let mut params = Params::new();
    if let Some(def) = rampart_policy::builtin_definition(&reference.definition_name) {
        for p in &def.parameters {
            if let Some(d) = &p.default_value {
                params.insert(p.name.clone(), d.clone());
            }
        }
    }
    for (k, v) in &reference.parameters {
        params.insert(k.clone(), v.clone());
    }
    params
}

/// Streams resources through a set of native rules: keeps subjects and related resources, decides in
/// [`Runner::finish`]. Used by the engine and by the fixture harness.
#[derive(Debug)]
pub(crate) struct Runner<'r> {
    rules: Vec<&'r NativeRule>,
    params: Vec<Params>,
    related_types: HashSet<&'static str>,
    /// Per rule: (resource key, subject document) awaiting `finish`.
    pending: Vec<Vec<(u32, Value)>>,
    related: Related,
}

impl<'r> Runner<'r> {
    /// `rules` with the parameter values each one sees.
    pub(crate) fn new(rules: Vec<(&'r NativeRule, Params)>) -> Self {
        let related_types = rules
            .iter()
            .flat_map(|(r, _)| r.meta.related_types.iter().copied())
            .collect();
        let pending = rules.iter().map(|_| Vec::new()).collect();
        let (rules, params) = rules.into_iter().unzip();
        Self {
            rules,
            params,
            related_types,
            pending,
            related: Related::default(),
        }
    }

    /// Feeds one resource; `emit(rule position, key, assessment)` for rules that decide at once.
    pub(crate) fn evaluate(
        &mut self,
        key: u32,
        provider: Provider,
        native: &Value,
        emit: &mut dyn FnMut(usize, u32, Assessment),
    ) {
        let Some(rtype) = subject_type(provider, native) else {
            return;
        };
        if self.related_types.contains(rtype.as_str()) {
            self.related.insert(&rtype, native);
        }
        for (pos, rule) in self.rules.iter().enumerate() {
            if rule.meta.provider != provider || !rule.meta.subject_types.contains(&rtype.as_str())
            {
                continue;
            }
            if rule.meta.related_types.is_empty() {
                if let Some(a) = (rule.check)(native, &self.related, &self.params[pos]) {
                    emit(pos, key, a);
                }
            } else {
                self.pending[pos].push((key, native.clone()));
            }
        }
    }

    /// Decides every deferred subject.
    pub(crate) fn finish(self, emit: &mut dyn FnMut(usize, u32, Assessment)) {
        tracing::debug!(
            related = self.related.len(),
            "native rules: deciding deferred subjects"
        );
        for (pos, (rule, pending)) in self.rules.iter().zip(self.pending).enumerate() {
            for (key, native) in pending {
                if let Some(a) = (rule.check)(&native, &self.related, &self.params[pos]) {
                    emit(pos, key, a);
                }
            }
        }
    }
}

/// Runs one native rule over ARM documents (in order, as a stream) and returns `(resource id,
/// assessment)` in emission order. For fixtures and `rampart rules test`; `None` if no rule has this id.
#[must_use]
pub fn run_rule(rule_id: &str, resources: &[Value]) -> Option<Vec<(String, Assessment)>> {
    run_rule_with(rule_id, resources, &Params::new())
}

/// [`run_rule`] with some parameter values overridden (as an assignment would set them).
#[must_use]
pub fn run_rule_with(
    rule_id: &str,
    resources: &[Value],
    overrides: &Params,
) -> Option<Vec<(String, Assessment)>> {
    let rule = registry::RULES.iter().find(|r| r.meta.id == rule_id)?;
    let mut params = rule_params(rule);
    for (k, v) in overrides {
        params.insert(k.clone(), v.clone());
    }
    let mut runner = Runner::new(vec![(rule, params)]);
    let mut out: Vec<(u32, Assessment)> = Vec::new();
    for (key, native) in (0u32..).zip(resources) {
        runner.evaluate(key, rule.meta.provider, native, &mut |_, k, a| {
            out.push((k, a))
        });
    }
    runner.finish(&mut |_, k, a| out.push((k, a)));
    Some(
        out.into_iter()
            .map(|(k, a)| {
                let id = resources
                    .get(k as usize)
                    .map(document_id)
                    .unwrap_or_default();
                (id, a)
            })
            .collect(),
    )
}

/// An ARM document's `id`, or `namespace/kind/name` for a Kubernetes object.
fn document_id(doc: &Value) -> String {
    if let Some(id) = doc.get("id").and_then(Value::as_str) {
        return id.to_owned();
    }
    let field = |p: &str| doc.pointer(p).and_then(Value::as_str).unwrap_or_default();
    format!(
        "{}/{}/{}",
        field("/metadata/namespace"),
        field("/kind"),
        field("/metadata/name")
    )
}

/// Every registered native rule.
#[must_use]
pub fn rules() -> &'static [NativeRule] {
    registry::RULES
}
