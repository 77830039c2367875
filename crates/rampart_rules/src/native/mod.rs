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
pub mod registry;

use std::collections::{HashMap, HashSet};

use rampart_model::{Assessment, Provider};
use serde_json::Value;

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

/// The check: the subject's native document and the related resources seen in the whole stream.
/// `None` = not applicable (nothing is emitted, like a policy whose `if` does not match).
pub type CheckFn = fn(&Value, &Related) -> Option<Assessment>;

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
            self.by_id.insert(id.to_ascii_lowercase(), native.clone());
        }
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

/// The lower-case type of an ARM document.
pub(crate) fn arm_type(native: &Value) -> Option<String> {
    native
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
}

/// Streams resources through a set of native rules: keeps subjects and related resources, decides in
/// [`Runner::finish`]. Used by the engine and by the fixture harness.
#[derive(Debug)]
pub(crate) struct Runner<'r> {
    rules: Vec<&'r NativeRule>,
    related_types: HashSet<&'static str>,
    /// Per rule: (resource key, subject document) awaiting `finish`.
    pending: Vec<Vec<(u32, Value)>>,
    related: Related,
}

impl<'r> Runner<'r> {
    pub(crate) fn new(rules: Vec<&'r NativeRule>) -> Self {
        let related_types = rules
            .iter()
            .flat_map(|r| r.meta.related_types.iter().copied())
            .collect();
        let pending = rules.iter().map(|_| Vec::new()).collect();
        Self {
            rules,
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
        let Some(rtype) = arm_type(native) else {
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
                if let Some(a) = (rule.check)(native, &self.related) {
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
                if let Some(a) = (rule.check)(&native, &self.related) {
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
    let rule = registry::RULES.iter().find(|r| r.meta.id == rule_id)?;
    let mut runner = Runner::new(vec![rule]);
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
                    .and_then(|r| r.get("id"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                (id, a)
            })
            .collect(),
    )
}

/// Every registered native rule.
#[must_use]
pub fn rules() -> &'static [NativeRule] {
    registry::RULES
}
