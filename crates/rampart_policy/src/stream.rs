//! Streaming evaluation of many resources through many compiled policies.
//!
//! Policies are indexed by the (lower-case) resource types their `if` pins, so a resource only
//! meets the policies that can apply to it. IfNotExists checks are deferred: each pending target
//! keeps a compact [`PendingExistence`] (never the resource), and only resources of the related
//! types (diagnostic settings, assessments…) are retained, until [`StreamingEvaluator::finish`].
//!
//! What is retained per resource (the evaluator's memory grows with the estate):
//! - a pending check: 12 bytes, plus the target's key and id once per resource;
//! - a related resource: its id and name plus, per policy whose existence condition does not read
//!   the evaluated resource, the condition's outcome decided as it streams by; a pruned JSON copy
//!   only when some condition on its type reads the target (`field()`, `resourceGroup()`);
//! - a resource whose `resourceGroup()` policies wait for a resource-group row: one pruned copy,
//!   as JSON text (a parsed JSON object costs a ~640-byte B-tree node however small it is).

use foldhash::{HashMap, HashMapExt};
use std::sync::Arc;

use serde_json::Value;

use crate::compile::CompiledPolicy;
use crate::eval::{
    id_parts, name_matches_parts, with_view, Check, Evaluation, Known, PendingExistence,
    PendingExtra, View,
};
use crate::value::get_present;

#[derive(Default)]
struct RelatedStore {
    /// Retained resources of this related type.
    items: Vec<RelatedItem>,
    /// Member prefixes the existence conditions of this type read.
    reads: Reads,
    /// Some policy's existence condition on this type reads the evaluated resource (`field()`,
    /// `resourceGroup()`): items keep a pruned copy to evaluate it at `finish`.
    keep_values: bool,
    /// Policies whose existence condition on this type is decided per related resource when it
    /// streams by (position = index into [`RelatedItem::checks`]).
    prechecked: Vec<usize>,
}

/// A retained related resource: what the index and `details.name` read, the outcomes of the
/// target-independent existence conditions, and a pruned copy only when some condition needs the
/// target (a few hundred bytes instead of the B-tree nodes of a pruned JSON object).
struct RelatedItem {
    id: Option<Box<str>>,
    name: Box<str>,
    checks: Box<[Check]>,
    value: Option<Value>,
}

/// Top-level members always kept in a pruned copy (identity, scope and the special fields).
const ALWAYS_KEPT: &[&str] = &["id", "name", "type", "location"];

/// What a pruned copy of an object keeps (see [`prune`]), borrowed from the object: member name →
/// the whole member, or some members of it. Ordered by name, as `serde_json::Map` is.
type Kept<'a> = std::collections::BTreeMap<&'a str, Part<'a>>;

#[derive(serde::Serialize)]
#[serde(untagged)]
enum Part<'a> {
    Whole(&'a Value),
    Members(std::collections::BTreeMap<&'a str, &'a Value>),
}

/// Member prefixes (`properties.x`, `sku`: the first two members of a path) grouped by their
/// top-level member, case-insensitively, groups and the prefixes within each in first-seen order:
/// [`kept`] then looks each top-level member up once instead of once per prefix (storage accounts'
/// deferred copies read ~40 prefixes under a handful of members; BENCHMARKS.md, session 10).
/// Grouping does not change what is kept: prefixes with different top-level members touch different
/// entries, and those of one group are applied in their original order.
#[derive(Debug, Default)]
struct Reads {
    groups: Vec<ReadGroup>,
}

/// The prefixes of one top-level member (its name as first seen) as each one's second member
/// (`None`: the whole member).
type ReadGroup = (Box<str>, Vec<Option<Box<str>>>);

impl Reads {
    fn new(prefixes: &[Vec<Box<str>>]) -> Self {
        let mut reads = Reads::default();
        reads.add(prefixes);
        reads
    }

    /// Adds `prefixes` to their groups (a prefix its group already holds adds nothing).
    fn add(&mut self, prefixes: &[Vec<Box<str>>]) {
        for prefix in prefixes {
            let Some((top, rest)) = prefix.split_first() else {
                continue;
            };
            let sub = rest.first().cloned();
            match self
                .groups
                .iter_mut()
                .find(|(t, _)| t.eq_ignore_ascii_case(top))
            {
                Some((_, subs)) => {
                    if !subs.contains(&sub) {
                        subs.push(sub);
                    }
                }
                None => self.groups.push((top.clone(), vec![sub])),
            }
        }
    }
}

/// The members of `obj` a pruned copy keeps: [`ALWAYS_KEPT`] and the given member prefixes
/// (`properties.x`); the `properties` object itself (possibly empty) when present, so that
/// missing-data checks see it.
fn kept<'a>(obj: &'a serde_json::Map<String, Value>, reads: &Reads) -> Kept<'a> {
    let mut out = Kept::new();
    for (k, val) in obj {
        if ALWAYS_KEPT.iter().any(|a| a.eq_ignore_ascii_case(k)) {
            out.insert(k.as_str(), Part::Whole(val));
        }
    }
    for (top, subs) in &reads.groups {
        let Some((key, val)) = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(top)) else {
            continue;
        };
        for sub in subs {
            keep_prefix(&mut out, key, val, sub.as_deref());
        }
    }
    if let Some((key, Value::Object(_))) = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("properties"))
    {
        out.entry(key.as_str())
            .or_insert_with(|| Part::Members(std::collections::BTreeMap::new()));
    }
    out
}

/// Applies one prefix to the selection: member `key` (the first whose name matches the prefix's
/// top-level member), whole, or only its first member matching `sub` when it is an object.
fn keep_prefix<'a>(out: &mut Kept<'a>, key: &'a str, val: &'a Value, sub: Option<&str>) {
    match (sub, val.as_object()) {
        (Some(sub), Some(inner)) => {
            let slot = out
                .entry(key)
                .or_insert_with(|| Part::Members(std::collections::BTreeMap::new()));
            // A member kept whole already holds `sub`.
            if let (Part::Members(dst), Some((k2, v2))) = (
                slot,
                inner.iter().find(|(k, _)| k.eq_ignore_ascii_case(sub)),
            ) {
                dst.insert(k2.as_str(), v2);
            }
        }
        _ => {
            out.insert(key, Part::Whole(val));
        }
    }
}

/// A copy of `v` holding only what [`kept`] selects (`v` itself when it is not an object).
fn prune(v: &Value, reads: &Reads) -> Value {
    let Some(obj) = v.as_object() else {
        return v.clone();
    };
    let owned = |m: &std::collections::BTreeMap<&str, &Value>| {
        Value::Object(
            m.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).clone()))
                .collect(),
        )
    };
    Value::Object(
        kept(obj, reads)
            .into_iter()
            .map(|(k, part)| {
                let v = match part {
                    Part::Whole(v) => v.clone(),
                    Part::Members(m) => owned(&m),
                };
                (k.to_owned(), v)
            })
            .collect(),
    )
}

/// [`prune`] as JSON text, written from the borrowed selection (nothing of `v` is cloned).
fn pruned_text(v: &Value, reads: &Reads) -> String {
    match v.as_object() {
        Some(obj) => serde_json::to_string(&kept(obj, reads)).unwrap_or_else(|_| v.to_string()),
        None => v.to_string(),
    }
}

/// See the module documentation.
pub struct StreamingEvaluator<'p> {
    policies: &'p [CompiledPolicy],
    by_type: HashMap<String, Vec<usize>>,
    unpinned: Vec<usize>,
    /// lower-case related type → store.
    related: HashMap<String, RelatedStore>,
    /// Per policy: its position in its related type's `prechecked` list.
    precheck_slot: Vec<Option<usize>>,
    /// Deferred IfNotExists checks, in arrival order.
    pending: PendingList,
    /// Resource-group rows seen so far, by (subscription, resource group), lower-case.
    resource_groups: HashMap<(String, String), Value>,
    /// Resources of policies that call `resourceGroup()` whose resource-group row had not been seen
    /// yet; decided in `finish` (few: only the types those policies pin).
    rg_deferred: Vec<DeferredRg>,
    /// Member prefixes any `resourceGroup()` policy reads: what a deferred copy keeps.
    rg_reads: Reads,
    needs_rg: bool,
    /// Identifies this evaluator's policies in each thread's [`APPLICABILITY`] (unique in the
    /// process; an evaluator and its [`StreamingEvaluator::fresh`] copies share the policies but
    /// not the id, which only costs a recomputation).
    id: u64,
}

/// Each policy's applicability for one type and kind (see [`APPLICABILITY`]).
type ByKind = (Option<Box<str>>, Box<[Known]>);

/// The evaluator a thread's remembered applicability is for, and its tables by type.
type Remembered = (u64, HashMap<Box<str>, Vec<ByKind>>);

thread_local! {
    /// Per resource type as written, then per kind (`None`: none): each policy's applicability
    /// where the type and kind alone decide it ([`CompiledPolicy::applicability_by_type`]), found
    /// on this thread's first resource of that type and kind, for the evaluator whose id is kept
    /// beside (another evaluator's use starts afresh). Evaluating those conditions of every policy
    /// on every resource was ~5% of a scan's instructions. Per thread, so that the parse threads
    /// share no lock or counter per resource.
    static APPLICABILITY: std::cell::RefCell<Remembered> =
        std::cell::RefCell::new((0, HashMap::new()));
}

/// Where [`StreamingEvaluator::id`]s come from (0 is never one).
static NEXT_EVALUATOR: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Resource types whose applicability is remembered ([`StreamingEvaluator::prepare`]); an inventory
/// has a few dozen, and input with more only has the rest evaluated every time.
const MAX_REMEMBERED_TYPES: usize = 1024;
/// Kinds remembered per type (see [`MAX_REMEMBERED_TYPES`]).
const MAX_REMEMBERED_KINDS: usize = 64;

/// What [`StreamingEvaluator::prepare`] decides of one resource, for
/// [`StreamingEvaluator::evaluate_prepared`].
pub struct Prepared {
    /// The entry for the related store of the resource's type, if existence conditions look for it.
    related: Option<(Box<str>, RelatedItem)>,
    /// The policies that may apply, in evaluation order, with what is known of each without the
    /// evaluator's state (policies found not to apply are left out).
    steps: Vec<(u32, Step)>,
    /// When some step is [`Step::ResourceGroup`]: the resource's (subscription, resource group),
    /// lower-case, and — if some such policy applies without its resource group — the pruned copy
    /// that waits for the resource-group row.
    rg: Option<RgPrepared>,
    /// The resource is a resource-group row that such policies read.
    rg_row: bool,
}

impl Prepared {
    /// Whether [`StreamingEvaluator::evaluate_prepared`] reads the resource itself: only for a
    /// resource-group row that `resourceGroup()` policies read, or when a policy for the resource's
    /// type calls `resourceGroup()` (it is evaluated again if the resource group is known by then).
    /// Otherwise the resource may be freed once prepared (a `Null` in its place is never read).
    #[must_use]
    pub fn reads_resource_later(&self) -> bool {
        self.rg_row || self.rg.is_some()
    }
}

/// The (subscription, resource group) of a resource, lower-case, and its pruned copy (see
/// [`Prepared::rg`]).
#[derive(Debug)]
struct RgPrepared {
    key: Option<Arc<(String, String)>>,
    copy: Option<Arc<str>>,
}

/// A policy that calls `resourceGroup()` on a resource whose resource-group row had not been seen.
/// At `finish`, if the row has come since, the policy is evaluated again on the pruned copy with it;
/// otherwise the verdict found without it stands (the copy would give the same: it keeps every
/// member those policies read), so most exports — a `Resources` query holds no resource-group rows —
/// never parse a copy back.
struct DeferredRg {
    resource_key: u32,
    policy: u32,
    /// The resource's (subscription, resource group), shared by its deferred policies.
    group: Option<Arc<(String, String)>>,
    /// One pruned copy per resource, shared by its deferred policies, kept as JSON text (a parsed
    /// object costs a B-tree node of ~640 bytes however few members it has).
    copy: Arc<str>,
    /// The verdict without the resource-group row (never `NotApplicable`).
    without_row: Evaluation,
}

/// One policy of a [`Prepared`] resource.
#[derive(Debug)]
enum Step {
    /// A policy that does not call `resourceGroup()`: its verdict (never `NotApplicable`).
    Verdict(Evaluation),
    /// A policy that calls `resourceGroup()`, and its verdict when the resource group is unknown
    /// (`NotApplicable` when it does not apply then); decided by `evaluate_prepared`, which knows
    /// the resource-group rows seen so far.
    ResourceGroup { without_row: Evaluation },
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("related", &self.related.is_some())
            .field("steps", &self.steps)
            .field("rg", &self.rg)
            .finish()
    }
}

const RESOURCE_GROUP_TYPE: &str = "microsoft.resources/subscriptions/resourcegroups";

fn rg_key(resource: &Value) -> Option<(String, String)> {
    let id = get_present(resource, "id").and_then(Value::as_str)?;
    match id_parts(id) {
        (Some(s), Some(r)) => Some((s.to_ascii_lowercase(), r.to_ascii_lowercase())),
        _ => None,
    }
}

impl<'p> StreamingEvaluator<'p> {
    /// Indexes `policies` by pinned resource type.
    pub fn new(policies: &'p [CompiledPolicy]) -> Self {
        let mut by_type: HashMap<String, Vec<usize>> = HashMap::new();
        let mut unpinned = Vec::new();
        let mut related: HashMap<String, RelatedStore> = HashMap::new();
        let mut precheck_slot = vec![None; policies.len()];
        for (i, p) in policies.iter().enumerate() {
            match p.pinned_types() {
                Some(types) => {
                    for t in types {
                        let list = by_type.entry(t.clone()).or_default();
                        if !list.contains(&i) {
                            list.push(i);
                        }
                    }
                }
                None => unpinned.push(i),
            }
            if let Some(ex) = &p.existence {
                let store: &mut RelatedStore =
                    related.entry(ex.related_type_lower.clone()).or_default();
                if let Some(c) = &ex.condition {
                    let mut prefixes = Vec::new();
                    crate::compile::read_prefixes(c, &mut prefixes);
                    store.reads.add(&prefixes);
                }
                if p.existence_is_target_independent() {
                    precheck_slot[i] = Some(store.prechecked.len());
                    store.prechecked.push(i);
                } else if ex.condition.is_some() {
                    store.keep_values = true;
                }
            }
        }
        let needs_rg = policies.iter().any(CompiledPolicy::uses_resource_group);
        let mut rg_prefixes = Vec::new();
        for p in policies.iter().filter(|p| p.uses_resource_group()) {
            crate::compile::read_prefixes(&p.rule, &mut rg_prefixes);
        }
        let rg_reads = Reads::new(&rg_prefixes);
        StreamingEvaluator {
            policies,
            by_type,
            unpinned,
            related,
            precheck_slot,
            pending: PendingList::default(),
            resource_groups: HashMap::new(),
            rg_deferred: Vec::new(),
            rg_reads,
            needs_rg,
            id: NEXT_EVALUATOR.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Runs `f` with each policy's applicability as the type and kind of `view` decide it, found on
    /// this thread's first resource of that type and kind and remembered ([`APPLICABILITY`]).
    fn with_applicability<T>(&self, view: &View<'_>, f: impl FnOnce(&[Known]) -> T) -> T {
        let (Some(ty), Some(kind)) = (view.type_raw, view.kind_raw) else {
            return f(&[]);
        };
        APPLICABILITY.with(|cell| {
            // Not re-entered: `f` evaluates policies, which never prepare a resource.
            let mut remembered = cell.borrow_mut();
            let (owner, known) = &mut *remembered;
            if *owner != self.id {
                *owner = self.id;
                known.clear();
            }
            if let Some((_, table)) = known
                .get(ty)
                .and_then(|kinds| kinds.iter().find(|(k, _)| k.as_deref() == kind))
            {
                return f(table);
            }
            // Past the bounds nothing is remembered: each candidate policy's applicability is then
            // evaluated as it is met (an empty table), not every policy's for every resource.
            let full = match known.get(ty) {
                Some(kinds) => kinds.len() >= MAX_REMEMBERED_KINDS,
                None => known.len() >= MAX_REMEMBERED_TYPES,
            };
            if full {
                return f(&[]);
            }
            let table: Box<[Known]> = self
                .policies
                .iter()
                .map(|p| p.applicability_by_type(view))
                .collect();
            let kinds = known.entry(ty.into()).or_default();
            kinds.push((kind.map(Into::into), table));
            f(&kinds[kinds.len() - 1].1)
        })
    }

    /// A new evaluator over the same policies, with nothing recorded (for
    /// [`StreamingEvaluator::prepare`] on other threads, or one shard of a stream).
    pub fn fresh(&self) -> StreamingEvaluator<'p> {
        StreamingEvaluator::new(self.policies)
    }

    /// Number of policies that are evaluated on every resource (no type pin).
    pub fn unpinned_count(&self) -> usize {
        self.unpinned.len()
    }

    /// Evaluates one resource against every policy that may apply; emits final verdicts now and
    /// defers IfNotExists checks to [`StreamingEvaluator::finish`].
    pub fn evaluate(
        &mut self,
        resource_key: u32,
        resource: &Value,
        emit: &mut dyn FnMut(u32, usize, Evaluation),
    ) {
        let prepared = self.prepare(resource);
        self.evaluate_prepared(resource_key, resource, prepared, emit);
    }

    /// The part of [`StreamingEvaluator::evaluate`] that reads the resource and the policies only,
    /// never what earlier resources left behind: so it may run on another thread (on another
    /// evaluator over the same policies, shared), ahead of [`StreamingEvaluator::evaluate_prepared`].
    pub fn prepare(&self, resource: &Value) -> Prepared {
        let policies = self.policies;
        with_view(resource, |view| {
            let t = view.type_lower;
            let related = self.related.get(t).map(|store| {
                let str_of = |k| get_present(resource, k).and_then(Value::as_str);
                let item = RelatedItem {
                    // Lower-case here, on the parse threads, for `finish`'s indexes.
                    id: str_of("id").map(|id| id.to_ascii_lowercase().into()),
                    name: str_of("name").unwrap_or("").into(),
                    checks: store
                        .prechecked
                        .iter()
                        .map(|&i| policies[i].precheck_existence(resource))
                        .collect(),
                    value: store.keep_values.then(|| prune(resource, &store.reads)),
                };
                (Box::<str>::from(t), item)
            });
            let typed = self.by_type.get(t).map(Vec::as_slice).unwrap_or(&[]);
            // Sized for every candidate at once (most apply): growing it cost several reallocations
            // per resource.
            let mut steps = Vec::with_capacity(typed.len() + self.unpinned.len());
            let mut uses_rg = false;
            let mut some_rg_applies = false;
            self.with_applicability(view, |known| {
                for &i in typed.iter().chain(self.unpinned.iter()) {
                    let policy = &policies[i];
                    let known = known.get(i).copied().unwrap_or(Known::Unknown);
                    if policy.uses_resource_group() {
                        uses_rg = true;
                        let without_row = policy.evaluate_known(view, None, known);
                        some_rg_applies |= !matches!(without_row, Evaluation::NotApplicable);
                        steps.push((i as u32, Step::ResourceGroup { without_row }));
                        continue;
                    }
                    match policy.evaluate_known(view, None, known) {
                        Evaluation::NotApplicable => {}
                        other => steps.push((i as u32, Step::Verdict(other))),
                    }
                }
            });
            let rg = uses_rg.then(|| {
                let copy = some_rg_applies
                    .then(|| Arc::<str>::from(pruned_text(resource, &self.rg_reads)));
                RgPrepared {
                    key: rg_key(resource).map(Arc::new),
                    copy,
                }
            });
            Prepared {
                related,
                steps,
                rg,
                rg_row: self.needs_rg && t == RESOURCE_GROUP_TYPE,
            }
        })
    }

    /// Finishes [`StreamingEvaluator::evaluate`] of a resource from what
    /// [`StreamingEvaluator::prepare`] made of it: records it for later resources and `finish`,
    /// evaluates the policies that read its resource group when that row has been seen, and emits in
    /// the same order.
    pub fn evaluate_prepared(
        &mut self,
        resource_key: u32,
        resource: &Value,
        prepared: Prepared,
        emit: &mut dyn FnMut(u32, usize, Evaluation),
    ) {
        let Prepared {
            related,
            steps,
            rg,
            rg_row,
        } = prepared;
        if let Some((t, item)) = related {
            if let Some(store) = self.related.get_mut(&*t) {
                store.items.push(item);
            }
        }
        if rg_row {
            if let Some(k) = rg_key(resource) {
                self.resource_groups.insert(k, resource.clone());
            }
        }
        let pending = &mut self.pending;
        let mut record =
            |i: usize, verdict: Evaluation| pending.route(resource_key, i as u32, verdict, emit);
        let (group, key, copy) = match &rg {
            Some(RgPrepared { key, copy }) => (
                key.as_deref().and_then(|k| self.resource_groups.get(k)),
                key.as_ref(),
                copy.as_ref(),
            ),
            None => (None, None, None),
        };
        let Some(group) = group else {
            // The resource group is unknown (or no policy reads it): what applies waits for its
            // row until `finish` (see `DeferredRg`).
            for (i, step) in steps {
                match step {
                    Step::Verdict(verdict) => record(i as usize, verdict),
                    Step::ResourceGroup { without_row } => {
                        if matches!(without_row, Evaluation::NotApplicable) {
                            continue;
                        }
                        if let Some(copy) = copy {
                            self.rg_deferred.push(DeferredRg {
                                resource_key,
                                policy: i,
                                group: key.cloned(),
                                copy: Arc::clone(copy),
                                without_row,
                            });
                        }
                    }
                }
            }
            return;
        };
        let policies = self.policies;
        with_view(resource, |view| {
            for (i, step) in steps {
                match step {
                    Step::Verdict(verdict) => record(i as usize, verdict),
                    Step::ResourceGroup { .. } => {
                        record(
                            i as usize,
                            policies[i as usize].evaluate_typed(view, Some(group)),
                        );
                    }
                }
            }
        });
    }

    /// Folds another evaluator over the same policies into this one (its retained related
    /// resources, resource-group rows and pending checks), so that a stream can be split across
    /// threads — one evaluator per shard — and finished once. Keys must be distinct across shards.
    pub fn merge(&mut self, other: StreamingEvaluator<'p>) {
        for (t, store) in other.related {
            self.related.entry(t).or_default().items.extend(store.items);
        }
        self.pending.append(other.pending);
        self.resource_groups.extend(other.resource_groups);
        self.rg_deferred.extend(other.rg_deferred);
    }

    /// Resolves the deferred IfNotExists checks and emits their verdicts. A related type of which
    /// the input held no resource at all gives `NotAssessed` (the export may simply not include it).
    pub fn finish(mut self, emit: &mut dyn FnMut(u32, usize, Evaluation)) {
        // Entries of one resource are adjacent and share their text: parse it once, and only when
        // its resource-group row has come since.
        let mut parsed: Option<(Arc<str>, Value)> = None;
        for deferred in std::mem::take(&mut self.rg_deferred) {
            let DeferredRg {
                resource_key: key,
                policy: i,
                group,
                copy: text,
                without_row,
            } = deferred;
            let Some(rg) = group.as_deref().and_then(|k| self.resource_groups.get(k)) else {
                self.pending.route(key, i, without_row, emit);
                continue;
            };
            if !parsed.as_ref().is_some_and(|(t, _)| Arc::ptr_eq(t, &text)) {
                match serde_json::from_str::<Value>(&text) {
                    Ok(v) => parsed = Some((Arc::clone(&text), v)),
                    Err(e) => {
                        // Unreachable (the text is serde_json's own output); never a pass.
                        emit(
                            key,
                            i as usize,
                            Evaluation::NotAssessed {
                                reason: format!("internal: deferred resource copy unreadable: {e}"),
                            },
                        );
                        continue;
                    }
                }
            }
            let Some((_, resource)) = &parsed else {
                continue;
            };
            let verdict = self.policies[i as usize].evaluate_in_resource_group(resource, Some(rg));
            self.pending.route(key, i, verdict, emit);
        }
        // Index retained related resources (positions in their store) by ancestor id (for
        // child/extension types) and by (subscription, resource group) / subscription (for the
        // other scopes).
        // Keys are lower-case; `by_rg`'s is `subscription/resource group`.
        #[derive(Default)]
        struct Index {
            by_ancestor: HashMap<String, Vec<u32>>,
            by_rg: HashMap<String, Vec<u32>>,
            by_sub: HashMap<String, Vec<u32>>,
        }
        // Allocates a key only the first time it is seen.
        fn add(map: &mut HashMap<String, Vec<u32>>, key: &str, n: u32) {
            match map.get_mut(key) {
                Some(list) => list.push(n),
                None => {
                    map.insert(key.to_owned(), vec![n]);
                }
            }
        }
        let mut indexes: HashMap<&str, Index> = HashMap::new();
        let mut rg_key_buf = String::new();
        for (t, store) in &self.related {
            let mut ix = Index::default();
            for (n, item) in store.items.iter().enumerate() {
                let n = n as u32;
                // Lower-case since `prepare`.
                let id = item.id.as_deref().unwrap_or("");
                let (sub, rg) = id_parts(id);
                if let Some(s) = sub {
                    add(&mut ix.by_sub, s, n);
                    if let Some(r) = rg {
                        add(&mut ix.by_rg, index_key(&mut rg_key_buf, &[s, r]), n);
                    }
                }
                for parent in parent_ids(id) {
                    add(&mut ix.by_ancestor, parent, n);
                }
            }
            indexes.insert(t.as_str(), ix);
        }
        let mut lower = String::new();
        let mut values: Vec<&Value> = Vec::new();
        let mut last_lookup: Option<(LookupKey, &[u32])> = None;
        // Per policy, its "no related resources" reason, formatted once (many checks share it).
        let mut no_related: Vec<Option<String>> = vec![None; self.policies.len()];
        let pending = std::mem::take(&mut self.pending);
        for (key, i, p) in pending.into_checks() {
            let p = &p;
            let i = i as usize;
            let policy = &self.policies[i];
            let Some(ex) = &policy.existence else {
                continue;
            };
            let store = match self.related.get(&ex.related_type_lower) {
                Some(s) if !s.items.is_empty() => s,
                _ => {
                    emit(
                        key,
                        i,
                        Evaluation::NotAssessed {
                            reason: no_related[i]
                                .get_or_insert_with(|| {
                                    format!("the export holds no {} resources", ex.related_type)
                                })
                                .clone(),
                        },
                    );
                    continue;
                }
            };
            let Some(ix) = indexes.get(ex.related_type_lower.as_str()) else {
                continue;
            };
            // The checks of one target arrive together (a VM has ~25) and most look up the same
            // candidates: reuse the last lookup when target, related type and scope are the same.
            // The target ids stay alive (in `pending`'s rows) for the whole loop, so an address
            // names one target. Checks with extras (a resource group override) always look up.
            let lookup = (
                Arc::as_ptr(&p.target_id).cast::<u8>() as usize,
                std::ptr::from_ref(ix) as usize,
                p.under_target,
                p.scope_subscription,
            );
            let candidates = match last_lookup {
                Some((at, found)) if at == lookup && p.extra.is_none() => found,
                _ => {
                    let found = if p.under_target {
                        ix.by_ancestor.get(index_key(&mut lower, &[p.target_id()]))
                    } else if p.scope_subscription {
                        p.subscription()
                            .and_then(|s| ix.by_sub.get(index_key(&mut lower, &[s])))
                    } else {
                        match (p.subscription(), p.resource_group()) {
                            (Some(s), Some(r)) => ix.by_rg.get(index_key(&mut lower, &[s, r])),
                            _ => None,
                        }
                    };
                    let found = found.map_or(&[][..], Vec::as_slice);
                    last_lookup = p.extra.is_none().then_some((lookup, found));
                    found
                }
            };
            let items = candidates
                .iter()
                .filter_map(|&n| store.items.get(n as usize));
            let verdict = if ex.condition.is_none() || self.precheck_slot[i].is_some() {
                let want = policy.wanted_name(p);
                let slot = self.precheck_slot[i];
                let checks = items.map(|item| {
                    if !name_matches_parts(want, &item.name, item.id.as_deref()) {
                        return &Check::Skip;
                    }
                    match slot.and_then(|s| item.checks.get(s)) {
                        Some(c) => c,
                        None => &Check::Holds,
                    }
                });
                policy.decide_existence(p, checks)
            } else {
                values.clear();
                values.extend(items.filter_map(|item| item.value.as_ref()));
                policy.existence_verdict(p, &values, false)
            };
            emit(key, i, verdict);
        }
    }
}

/// A key of `finish`'s indexes: `parts` ASCII-lower-cased and joined by `/`, written into `buf`.
fn index_key<'b>(buf: &'b mut String, parts: &[&str]) -> &'b str {
    buf.clear();
    for (n, part) in parts.iter().enumerate() {
        if n > 0 {
            buf.push('/');
        }
        // Copied whole, then lower-cased in place: pushing char by char re-encoded each one.
        let start = buf.len();
        buf.push_str(part);
        buf[start..].make_ascii_lowercase();
    }
    buf
}

/// What a candidate lookup of `finish` depends on: the target id's address, the index's address, and
/// the scope flags.
type LookupKey = (usize, usize, bool, bool);

/// Deferred IfNotExists checks in arrival order, each target's id stored once: 12 bytes per check
/// plus one (key, id) row per target resource (a VM has ~25 checks).
#[derive(Default)]
struct PendingList {
    /// (resource key, id) of each target.
    targets: Vec<(u32, Arc<str>)>,
    /// (target index, policy index, flags: bit 0 `under_target`, bit 1 `scope_subscription`).
    checks: Vec<(u32, u32, u8)>,
    /// The few checks with a computed name, a `resourceGroupName` or `field()` slots, by check
    /// index (ascending).
    extras: Vec<(u32, Box<PendingExtra>)>,
}

impl PendingList {
    /// Where a policy's verdict on a resource goes: nowhere when the policy does not apply, into
    /// this list when it waits for related resources, else out through `emit`.
    fn route(
        &mut self,
        key: u32,
        policy: u32,
        verdict: Evaluation,
        emit: &mut dyn FnMut(u32, usize, Evaluation),
    ) {
        match verdict {
            Evaluation::NotApplicable => {}
            Evaluation::NeedsRelated(p) => self.push(key, policy, p),
            other => emit(key, policy as usize, other),
        }
    }

    fn push(&mut self, key: u32, policy: u32, p: PendingExistence) {
        let PendingExistence {
            target_id,
            under_target,
            scope_subscription,
            extra,
        } = p;
        // Checks of one resource arrive together and share the id's allocation.
        let same = self
            .targets
            .last()
            .is_some_and(|(k, id)| *k == key && Arc::ptr_eq(id, &target_id));
        if !same {
            self.targets.push((key, target_id));
        }
        let target = self.targets.len().saturating_sub(1) as u32;
        if let Some(e) = extra {
            self.extras.push((self.checks.len() as u32, e));
        }
        let flags = u8::from(under_target) | (u8::from(scope_subscription) << 1);
        self.checks.push((target, policy, flags));
    }

    fn append(&mut self, other: PendingList) {
        let (t0, c0) = (self.targets.len() as u32, self.checks.len() as u32);
        self.targets.extend(other.targets);
        self.checks
            .extend(other.checks.into_iter().map(|(t, i, f)| (t + t0, i, f)));
        self.extras
            .extend(other.extras.into_iter().map(|(c, e)| (c + c0, e)));
    }

    /// (resource key, policy index, check) in arrival order.
    fn into_checks(self) -> impl Iterator<Item = (u32, u32, PendingExistence)> {
        let targets = self.targets;
        let mut extras = self.extras.into_iter().peekable();
        self.checks
            .into_iter()
            .enumerate()
            .filter_map(move |(n, (t, i, flags))| {
                let extra = match extras.peek() {
                    Some((c, _)) if *c as usize == n => extras.next().map(|(_, e)| e),
                    _ => None,
                };
                let (key, id) = targets.get(t as usize)?;
                Some((
                    *key,
                    i,
                    PendingExistence {
                        target_id: Arc::clone(id),
                        under_target: flags & 1 != 0,
                        scope_subscription: flags & 2 != 0,
                        extra,
                    },
                ))
            })
    }
}

/// Ids a related resource can hang under: the resource an extension is attached to (before the
/// last `/providers/`), and each parent of a child resource (dropping `/<type>/<name>` pairs down
/// to the provider namespace). `id` is lower-case.
fn parent_ids(id: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let Some(prov) = id.rfind("/providers/") else {
        return out;
    };
    if prov > 0 {
        out.push(&id[..prov]);
    }
    // After `/providers/<namespace>`: `/<type>/<name>` pairs.
    let ns_end = id[prov + "/providers/".len()..]
        .find('/')
        .map(|i| prov + "/providers/".len() + i);
    let Some(ns_end) = ns_end else { return out };
    let mut end = id.len();
    // Drop one `/<type>/<name>` pair at a time while a parent pair remains after the namespace.
    while let Some(b) = id[..end].rfind('/').and_then(|a| id[..a].rfind('/')) {
        if b <= ns_end {
            break;
        }
        end = b;
        let parent = &id[..end];
        if parent[ns_end..].matches('/').count() >= 2 {
            out.push(parent);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{kept, parent_ids, prune, pruned_text, Reads};
    use crate::eval::id_parts;
    use serde_json::{json, Value};

    #[test]
    fn id_parts_reads_subscription_and_group() {
        assert_eq!(
            id_parts("/subscriptions/s1/resourceGroups/rg1/providers/A/b/c"),
            (Some("s1"), Some("rg1"))
        );
        assert_eq!(
            id_parts("/SUBSCRIPTIONS/s1/RESOURCEGROUPS/rg1"),
            (Some("s1"), Some("rg1"))
        );
        assert_eq!(
            id_parts("/subscriptions/s1/providers/Microsoft.Security/pricings/x"),
            (Some("s1"), None)
        );
        assert_eq!(
            id_parts("/providers/Microsoft.Authorization/policyDefinitions/x"),
            (None, None)
        );
        assert_eq!(id_parts(""), (None, None));
    }

    #[test]
    fn prune_keeps_identity_and_read_members() {
        let v = json!({"id": "i", "name": "n", "type": "t", "tags": {"a": 1}, "sku": {"name": "s"},
                       "properties": {"a": {"x": 1}, "b": [1, 2], "c": 3}});
        let reads = vec![vec!["properties".into(), "b".into()], vec!["sku".into()]];
        assert_eq!(
            prune(&v, &Reads::new(&reads)),
            json!({"id": "i", "name": "n", "type": "t", "sku": {"name": "s"}, "properties": {"b": [1, 2]}})
        );
        assert_eq!(
            prune(&v, &Reads::default()),
            json!({"id": "i", "name": "n", "type": "t", "properties": {}})
        );
        // The text form reads back as the copy, whatever the prefixes' order and overlap.
        let whole_then_part = vec![
            vec!["properties".into()],
            vec!["Properties".into(), "A".into()],
        ];
        let part_then_whole = vec![
            vec!["properties".into(), "a".into()],
            vec!["properties".into()],
        ];
        let absent = vec![
            vec!["properties".into(), "zz".into()],
            vec!["name".into(), "x".into()],
        ];
        for reads in [reads, vec![], whole_then_part, part_then_whole, absent] {
            let reads = Reads::new(&reads);
            let text = pruned_text(&v, &reads);
            let back: Value = serde_json::from_str(&text).expect("json");
            assert_eq!(back, prune(&v, &reads), "{reads:?}");
            assert_eq!(text, prune(&v, &reads).to_string(), "{reads:?}");
        }
        assert_eq!(pruned_text(&json!([1]), &Reads::default()), "[1]");
    }

    /// Grouping the prefixes by top-level member keeps what applying them one at a time, in their
    /// order, keeps (each prefix its own group: one lookup per prefix), on objects whose members
    /// differ only in case, with prefixes that overlap, repeat, differ in case, or name scalars.
    #[test]
    fn grouped_prefixes_keep_what_single_prefixes_keep() {
        let objects = [
            json!({"id": "i", "ID": "j", "Properties": {"A": 1, "a": 2, "b": {"c": 3}}, "properties": {"a": 9},
                   "sku": "s", "Sku": {"name": "n"}, "tags": {"x": "y"}, "kind": null}),
            json!({"properties": [1, 2], "sku": {"tier": "t", "name": "n"}, "name": "n", "Location": "l"}),
            json!({"identity": {"type": "SystemAssigned"}, "properties": {"x": {"y": 1}, "X": 2}}),
        ];
        let tops = [
            "properties",
            "Properties",
            "sku",
            "SKU",
            "tags",
            "kind",
            "identity",
            "name",
            "absent",
        ];
        let subs = [
            None,
            Some("a"),
            Some("A"),
            Some("b"),
            Some("x"),
            Some("name"),
            Some("tier"),
            Some("zz"),
        ];
        // A deterministic walk over prefix lists of 1-6 prefixes.
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % n
        };
        for _ in 0..2_000 {
            let len = 1 + next(6);
            let prefixes: Vec<Vec<Box<str>>> = (0..len)
                .map(|_| {
                    let mut p: Vec<Box<str>> = vec![tops[next(tops.len())].into()];
                    if let Some(sub) = subs[next(subs.len())] {
                        p.push(sub.into());
                    }
                    p
                })
                .collect();
            let grouped = Reads::new(&prefixes);
            let single = Reads {
                groups: prefixes
                    .iter()
                    .map(|p| (p[0].clone(), vec![p.get(1).cloned()]))
                    .collect(),
            };
            for v in &objects {
                let obj = v.as_object().expect("object");
                assert_eq!(
                    serde_json::to_string(&kept(obj, &grouped)).expect("json"),
                    serde_json::to_string(&kept(obj, &single)).expect("json"),
                    "{prefixes:?} on {v}"
                );
            }
        }
    }

    #[test]
    fn parents_of_children_and_extensions() {
        let ext = "/subscriptions/s/resourcegroups/r/providers/microsoft.compute/virtualmachines/vm/providers/microsoft.security/assessments/g";
        assert_eq!(
            parent_ids(ext),
            vec![
                "/subscriptions/s/resourcegroups/r/providers/microsoft.compute/virtualmachines/vm"
            ]
        );
        let child = "/subscriptions/s/resourcegroups/r/providers/microsoft.sql/servers/srv/databases/db/transparentdataencryption/current";
        assert_eq!(
            parent_ids(child),
            vec![
                "/subscriptions/s/resourcegroups/r",
                "/subscriptions/s/resourcegroups/r/providers/microsoft.sql/servers/srv/databases/db",
                "/subscriptions/s/resourcegroups/r/providers/microsoft.sql/servers/srv",
            ]
        );
        assert_eq!(
            parent_ids("/subscriptions/s/providers/microsoft.security/pricings/vm"),
            vec!["/subscriptions/s"]
        );
    }
}
