//! The engine: rules loaded from Sigma YAML, routed to log sources by the catalog, compiled
//! and indexed per source. `EngineBuilder` loads; `Engine` matches events.

use std::collections::BTreeMap;

use rsigma_parser::SigmaRule;
use serde::Serialize;

use crate::catalog::{Catalog, LogSourceKey, SourceSpec};
use crate::compile::{compile_rule, CompiledRule};
use crate::correlate::{self, Correlation, CorrelationHit, CorrelationState, Pending};
use crate::error::{LoadError, Refusal};
use crate::event::{Event, FieldId, FieldTable};
use crate::index::RuleIndex;
use crate::json::Projection;

/// Position of a rule in [`Engine::rules`].
pub type RuleIdx = u32;

/// Rule metadata, as the rule file states it (alerts are built from this).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleMeta {
    pub id: Option<String>,
    /// The rule's `name` (what correlation rules may reference besides the id).
    pub name: Option<String>,
    pub title: String,
    pub description: Option<String>,
    /// `informational`, `low`, `medium`, `high` or `critical`.
    pub level: Option<String>,
    pub status: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    pub references: Vec<String>,
    pub falsepositives: Vec<String>,
    pub logsource: LogSourceKey,
    /// Where the rule was loaded from (file name).
    pub origin: String,
}

/// A loaded rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub meta: RuleMeta,
    /// Index of its source in [`Engine::sources`].
    pub source: usize,
    compiled: CompiledRule,
}

/// The compiled rules of one log source.
#[derive(Debug, Clone)]
pub struct SourceRules {
    pub spec: SourceSpec,
    fields: FieldTable,
    projection: Projection,
    index: RuleIndex,
    rules: Vec<RuleIdx>,
    time_field: FieldId,
    id_field: FieldId,
}

/// Readers this crate implements, by the catalog's `reader` names.
pub const READERS: &[&str] = &[
    "cloudtrail",
    "azure_diagnostics",
    "gcp_audit",
    "k8s_audit",
    "linux_syslog",
];

impl SourceRules {
    /// Whether a reader for this source exists yet. Rules of a source without one load
    /// (they are valid) but cannot see events: callers must say so rather than report
    /// them as silently active.
    pub fn reader_available(&self) -> bool {
        READERS.contains(&self.spec.reader.as_str())
    }

    /// The fields the rules of this source read (plus time and id).
    pub fn fields(&self) -> &FieldTable {
        &self.fields
    }
    /// The JSON projection extracting exactly [`SourceRules::fields`].
    pub fn projection(&self) -> &Projection {
        &self.projection
    }
    pub fn rules(&self) -> &[RuleIdx] {
        &self.rules
    }
    pub fn time_field(&self) -> FieldId {
        self.time_field
    }
    pub fn id_field(&self) -> FieldId {
        self.id_field
    }
    /// How many rules the index reaches only through a literal value, and how many every
    /// event is tried against.
    pub fn index_stats(&self) -> (usize, usize) {
        let indexed = self.rules.len() - self.index.always.len();
        (indexed, self.index.always.len())
    }
}

/// Counts of a load: rules loaded per source, refusals per reason kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LoadSummary {
    pub loaded: BTreeMap<String, usize>,
    pub refused: BTreeMap<String, usize>,
}

/// Loads rules into an [`Engine`].
#[derive(Debug)]
pub struct EngineBuilder {
    catalog: Catalog,
    rules: Vec<Rule>,
    fields: Vec<FieldTable>,
    errors: Vec<LoadError>,
    pending: Vec<Pending>,
}

impl EngineBuilder {
    pub fn new(catalog: Catalog) -> Self {
        let fields = catalog
            .sources()
            .iter()
            .map(|s| {
                let mut t = FieldTable::new();
                t.intern(&s.time_field);
                t.intern(&s.id_field);
                for f in &s.index_fields {
                    t.intern(s.map_field(f));
                }
                // Host records are parsed whole anyway: every field is kept, so alerts
                // can name the user, address and host even when no rule reads them.
                if s.reader == "linux_syslog" {
                    for f in crate::readers::HOST_FIELDS {
                        t.intern(f);
                    }
                }
                t
            })
            .collect();
        EngineBuilder {
            catalog,
            rules: Vec::new(),
            fields,
            errors: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// Loads every document of a Sigma YAML text. Returns the refusals of this text (also
    /// kept for [`EngineBuilder::errors`]); the accepted rules are added. Correlation
    /// rules are resolved in [`EngineBuilder::build`] (they may reference rules of later
    /// files); their refusals are in [`Engine::load_errors`].
    pub fn add_yaml(&mut self, text: &str, origin: &str) -> Vec<LoadError> {
        let mut errs = Vec::new();
        for (rule, res) in self.compile_yaml(text, origin) {
            match res {
                Ok(r) => self.rules.push(r),
                Err(reason) => errs.push(LoadError {
                    origin: origin.to_string(),
                    rule_id: rule.as_ref().and_then(|r| r.0.clone()),
                    title: rule.map(|r| r.1),
                    reason,
                }),
            }
        }
        self.errors.extend(errs.iter().cloned());
        errs
    }

    #[allow(clippy::type_complexity)]
    fn compile_yaml(
        &mut self,
        text: &str,
        origin: &str,
    ) -> Vec<(Option<(Option<String>, String)>, Result<Rule, Refusal>)> {
        let coll = match rsigma_parser::parse_sigma_yaml(text) {
            Ok(c) => c,
            Err(e) => {
                return vec![(
                    None,
                    Err(Refusal::Parse {
                        message: e.to_string(),
                    }),
                )]
            }
        };
        let mut out = Vec::new();
        for e in &coll.errors {
            out.push((None, Err(Refusal::Parse { message: e.clone() })));
        }
        for c in coll.correlations {
            self.pending.push(Pending {
                rule: c,
                origin: origin.to_string(),
            });
        }
        for f in &coll.filters {
            out.push((Some((f.id.clone(), f.title.clone())), Err(Refusal::Filter)));
        }
        for r in &coll.rules {
            let key = (r.id.clone(), r.title.clone());
            out.push((Some(key), self.compile_one(r, origin)));
        }
        out
    }

    fn compile_one(&mut self, r: &SigmaRule, origin: &str) -> Result<Rule, Refusal> {
        let logsource = LogSourceKey {
            product: r.logsource.product.clone(),
            service: r.logsource.service.clone(),
            category: r.logsource.category.clone(),
        };
        let Some(source) = self.catalog.route(&logsource) else {
            // Compile anyway so a broken rule reports its own defect first.
            compile_rule(r, None, &mut FieldTable::new())?;
            return Err(Refusal::NoLogSource {
                logsource: logsource.to_string(),
            });
        };
        let spec = &self.catalog.sources()[source];
        // Compile into a scratch copy so a refused rule leaves no fields behind.
        let mut fields = self.fields[source].clone();
        let compiled = compile_rule(r, Some(spec), &mut fields)?;
        self.fields[source] = fields;
        Ok(Rule {
            meta: RuleMeta {
                id: r.id.clone(),
                name: r.name.clone(),
                title: r.title.clone(),
                description: r.description.clone(),
                level: r.level.map(|l| l.as_str().to_string()),
                status: r.status.map(|s| format!("{s:?}").to_ascii_lowercase()),
                author: r.author.clone(),
                tags: r.tags.clone(),
                references: r.references.clone(),
                falsepositives: r.falsepositives.clone(),
                logsource,
                origin: origin.to_string(),
            },
            source,
            compiled,
        })
    }

    /// Makes the events of the catalog source `source` carry `fields` (Sigma field
    /// names, mapped like a rule's) even when no rule reads them, e.g. the fields alerts
    /// take their entities from. Returns `false` when the catalog has no such source.
    pub fn add_fields(&mut self, source: &str, fields: &[&str]) -> bool {
        let Some(i) = self.catalog.sources().iter().position(|s| s.name == source) else {
            return false;
        };
        let spec = &self.catalog.sources()[i];
        for f in fields {
            self.fields[i].intern(spec.map_field(f));
        }
        true
    }

    /// All refusals so far.
    pub fn errors(&self) -> &[LoadError] {
        &self.errors
    }

    /// Resolves pending correlation rules against the loaded rules and against each
    /// other (a correlation may reference another one; see `correlate`). References to a
    /// correlation are stored as `rules.len() + its index`.
    fn resolve_correlations(&mut self) -> (Vec<Correlation>, Vec<Vec<(u32, u16)>>) {
        let n_rules = self.rules.len();
        let mut out: Vec<Correlation> = Vec::new();
        let mut pending = std::mem::take(&mut self.pending);
        let names: Vec<(Option<String>, Option<String>)> = pending
            .iter()
            .map(|p| (p.rule.id.clone(), p.rule.name.clone()))
            .collect();
        // Passes until no correlation resolves: a pass resolves those whose references
        // are all detection rules or correlations already resolved.
        loop {
            let mut progress = false;
            let mut left = Vec::new();
            for p in pending {
                let c = &p.rule;
                let mut idx = Vec::new();
                let mut missing = None;
                let mut waiting = false;
                for reference in &c.rules {
                    let is = |id: &Option<String>, name: &Option<String>| {
                        id.as_deref() == Some(reference.as_str())
                            || name.as_deref() == Some(reference.as_str())
                    };
                    if let Some(i) = self.rules.iter().position(|r| is(&r.meta.id, &r.meta.name)) {
                        idx.push(i as u32);
                    } else if let Some(ci) = out.iter().position(|o| is(&o.id, &o.name)) {
                        idx.push((n_rules + ci) as u32);
                    } else if names.iter().any(|(id, name)| is(id, name)) {
                        waiting = true;
                    } else {
                        missing = Some(reference.clone());
                        break;
                    }
                }
                if waiting && missing.is_none() {
                    left.push(p);
                    continue;
                }
                progress = true;
                let result = self.compile_correlation(c, &p.origin, idx, missing, &out, n_rules);
                match result {
                    Ok(corr) => out.push(corr),
                    Err(reason) => self.errors.push(LoadError {
                        origin: p.origin.clone(),
                        rule_id: c.id.clone(),
                        title: Some(c.title.clone()),
                        reason,
                    }),
                }
            }
            pending = left;
            if pending.is_empty() || !progress {
                break;
            }
        }
        // What is left references correlations that never resolve (a cycle, or a
        // refused correlation).
        for p in pending {
            let c = &p.rule;
            self.errors.push(LoadError {
                origin: p.origin.clone(),
                rule_id: c.id.clone(),
                title: Some(c.title.clone()),
                reason: Refusal::CorrelationReference {
                    reference: c.rules.join(", "),
                    why: "references a correlation that is refused or part of a cycle".into(),
                },
            });
        }
        let mut refs = vec![Vec::new(); n_rules + out.len()];
        for (ci, corr) in out.iter().enumerate() {
            for (pos, r) in corr.rules.iter().enumerate() {
                refs[*r as usize].push((ci as u32, pos as u16));
            }
        }
        (out, refs)
    }

    fn compile_correlation(
        &mut self,
        c: &rsigma_parser::CorrelationRule,
        origin: &str,
        idx: Vec<u32>,
        missing: Option<String>,
        resolved: &[Correlation],
        n_rules: usize,
    ) -> Result<Correlation, Refusal> {
        if let Some(reference) = missing {
            return Err(Refusal::CorrelationReference {
                reference,
                why: "no loaded detection or correlation rule has this id or name".into(),
            });
        }
        if idx.is_empty() {
            return Err(Refusal::Correlation {
                kind: "`rules` lists no rule".into(),
            });
        }
        let source_of = |i: u32| -> usize {
            let i = i as usize;
            if i < n_rules {
                self.rules[i].source
            } else {
                resolved[i - n_rules].source
            }
        };
        let source = source_of(idx[0]);
        if let Some(pos) = idx.iter().position(|i| source_of(*i) != source) {
            return Err(Refusal::CorrelationReference {
                reference: c.rules.get(pos).cloned().unwrap_or_default(),
                why: "referenced rules read different log sources".into(),
            });
        }
        let spec = &self.catalog.sources()[source];
        let fields = &mut self.fields[source];
        correlate::compile(c, origin, source, idx, &c.rules, |f| {
            fields.intern(spec.map_field(f))
        })
    }

    /// Resolves correlations and builds the per-source indexes.
    pub fn build(mut self) -> Engine {
        let (correlations, corr_refs) = self.resolve_correlations();
        let mut sources: Vec<SourceRules> = self
            .catalog
            .sources()
            .iter()
            .zip(self.fields)
            .map(|(spec, fields)| {
                let time_field = fields.get(&spec.time_field).unwrap_or(0);
                let id_field = fields.get(&spec.id_field).unwrap_or(0);
                SourceRules {
                    spec: spec.clone(),
                    projection: Projection::new(&fields),
                    fields,
                    index: RuleIndex::default(),
                    rules: Vec::new(),
                    time_field,
                    id_field,
                }
            })
            .collect();
        for (i, rule) in self.rules.iter().enumerate() {
            let src = &mut sources[rule.source];
            let constraint = src.spec.index_fields.iter().find_map(|f| {
                let id = src.fields.get(src.spec.map_field(f))?;
                rule.compiled.required_literals(id).map(|l| (id, l))
            });
            src.index.add(i as RuleIdx, constraint);
            src.rules.push(i as RuleIdx);
        }
        Engine {
            catalog: self.catalog,
            rules: self.rules,
            sources,
            errors: self.errors,
            correlations,
            corr_refs,
        }
    }
}

/// Loaded, compiled and indexed rules.
#[derive(Debug, Clone)]
pub struct Engine {
    catalog: Catalog,
    rules: Vec<Rule>,
    sources: Vec<SourceRules>,
    errors: Vec<LoadError>,
    correlations: Vec<Correlation>,
    /// Per rule: the correlations referencing it and its position in their `rules`.
    corr_refs: Vec<Vec<(u32, u16)>>,
}

impl Engine {
    /// Loaded correlation rules.
    pub fn correlations(&self) -> &[Correlation] {
        &self.correlations
    }

    /// Feeds the rule matches `matched` of event `ev` (from source `source`) to the
    /// correlation rules; pushes those that fire into `out`. The event time is read from
    /// the source's `time_field` (RFC 3339); events without one are not correlated.
    pub fn correlate<E: Event + ?Sized>(
        &self,
        state: &mut CorrelationState,
        source: usize,
        ev: &E,
        matched: &[RuleIdx],
        out: &mut Vec<CorrelationHit>,
    ) {
        if matched
            .iter()
            .all(|r| self.corr_refs.get(*r as usize).is_none_or(Vec::is_empty))
        {
            return;
        }
        let Some(src) = self.sources.get(source) else {
            return;
        };
        let Some(time) = ev
            .values(src.time_field)
            .first()
            .and_then(|v| v.as_text())
            .and_then(correlate::parse_time)
        else {
            tracing::debug!(source = %src.spec.name, "event without a parsable time: not correlated");
            return;
        };
        state.observe(&self.correlations, &self.corr_refs, ev, time, matched, out);
    }

    pub fn builder(catalog: Catalog) -> EngineBuilder {
        EngineBuilder::new(catalog)
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, idx: RuleIdx) -> &Rule {
        &self.rules[idx as usize]
    }

    pub fn sources(&self) -> &[SourceRules] {
        &self.sources
    }

    /// The source with catalog name `name` (e.g. `aws_cloudtrail`).
    pub fn source(&self, name: &str) -> Option<(usize, &SourceRules)> {
        self.sources
            .iter()
            .enumerate()
            .find(|(_, s)| s.spec.name == name)
    }

    /// Refusals collected while loading.
    pub fn load_errors(&self) -> &[LoadError] {
        &self.errors
    }

    pub fn summary(&self) -> LoadSummary {
        let mut s = LoadSummary::default();
        for r in &self.rules {
            *s.loaded
                .entry(self.sources[r.source].spec.name.clone())
                .or_default() += 1;
        }
        for e in &self.errors {
            *s.refused.entry(e.reason.kind().to_string()).or_default() += 1;
        }
        s
    }

    /// The rules of source `source` that fire on `ev`, in rule order, into `out`
    /// (cleared first). `scratch` is a reusable buffer for the index candidates.
    pub fn matches<E: Event + ?Sized>(
        &self,
        source: usize,
        ev: &E,
        scratch: &mut Vec<u32>,
        out: &mut Vec<RuleIdx>,
    ) {
        out.clear();
        let Some(src) = self.sources.get(source) else {
            return;
        };
        src.index.candidates(ev, scratch);
        for &r in scratch.iter() {
            if self.rules[r as usize].compiled.eval(ev) {
                out.push(r);
            }
        }
    }

    /// Evaluates one rule on an event, bypassing the index (for tests and `rules test`).
    pub fn rule_matches<E: Event + ?Sized>(&self, idx: RuleIdx, ev: &E) -> bool {
        self.rules[idx as usize].compiled.eval(ev)
    }
}
