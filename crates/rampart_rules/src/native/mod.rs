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
//!
//! Memory: what is kept is never the whole document but what the rules read of it: typed summaries
//! for network interfaces, subnets and NSGs (`azure::network`), a projection onto the read fields for
//! every other type (`compact`, which a rule reading a new field of a listed type must extend), and a
//! deferred subject once, however many rules defer it. Dispatch is by (lower-case) type, so a resource
//! no rule cares about costs one hash lookup.

pub mod azure;
mod compact;
pub mod kubernetes;
pub mod registry;
pub mod workload;

use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::sync::Arc;

use rampart_model::{Assessment, Provider};
use serde_json::{Map, Value};

use azure::network;

/// `Value::pointer` (RFC 6901) without its `String` per token: serde_json un-escapes every token
/// with two `str::replace` calls, which showed as ~3% of a scan's instructions from the network
/// rules alone. Same answers: `~1` / `~0` escapes (rare here, allocated only then), array indices
/// without a sign or leading zero.
pub(crate) trait PointerExt {
    /// The value at `pointer`, as [`Value::pointer`].
    fn at(&self, pointer: &str) -> Option<&Value>;
}

impl PointerExt for Value {
    fn at(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        pointer
            .strip_prefix('/')?
            .split('/')
            .try_fold(self, |v, token| {
                let unescaped;
                let token = if token.contains('~') {
                    unescaped = token.replace("~1", "/").replace("~0", "~");
                    unescaped.as_str()
                } else {
                    token
                };
                match v {
                    Value::Object(map) => map.get(token),
                    Value::Array(items) => array_index(token).and_then(|i| items.get(i)),
                    _ => None,
                }
            })
    }
}

/// An RFC 6901 array index as serde_json reads one: digits, no sign, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

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
    /// Lower-case resource types it needs in order to decide. Non-empty = its subjects are deferred
    /// to `finish` and, like the related resources, kept only as the fields listed in `compact` (or
    /// the typed network summaries): a check must read nothing else of them. Empty = decided from
    /// the subject's document alone, on the thread that parsed it, with an empty [`Related`].
    pub related_types: &'static [&'static str],
}

impl RuleMeta {
    /// Whether the rule assesses resources of `provider`: its own provider, or any provider when every
    /// subject type is one of Rampart's own provider-neutral types (`rampart/…`: scanned images and
    /// machines, which live in any cloud, cluster or host).
    #[must_use]
    pub fn assesses(&self, provider: Provider) -> bool {
        self.provider == provider || self.subject_types.iter().all(|t| t.starts_with("rampart/"))
    }
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

/// Resources of the related types, by lower-case id: network interfaces, subnets and network security
/// groups as the typed summaries of `azure::network`, every other type as its `compact` projection
/// (the fields the native rules read), never as the whole document.
///
/// Invariant: a virtual network is kept only as its embedded subnets (`properties.subnets[]`), each
/// under the subnet's own id, because Resource Graph exports subnets only inside their network and no
/// rule reads the network itself as a related resource.
#[derive(Debug, Default)]
pub struct Related {
    /// The kept documents; `by_id` and `by_type` index into it.
    docs: Vec<Value>,
    by_id: HashMap<String, usize>,
    /// Lower-case type → positions in `docs` of the kept resources of that type, in stream order.
    by_type: HashMap<String, Vec<usize>>,
    nics: HashMap<String, Arc<network::Nic>>,
    subnets: HashMap<String, network::Subnet>,
    nsgs: HashMap<String, Arc<network::Nsg>>,
    /// The deferred subject `Runner::finish` is deciding (its position), while it does.
    subject: std::cell::Cell<Option<usize>>,
    /// The VM network analysis of that subject, shared by the rules that read it (six network rules
    /// each asked for it per VM).
    nic_paths: std::cell::RefCell<Option<NicPathsMemo>>,
    /// Lower-case ids of the VMs some kept just-in-time policy covers, built by [`Related::index`]
    /// once the stream is over (a VM-by-policy scan per VM would be quadratic).
    jit_covered: Option<HashMap<String, ()>>,
    /// Lower-case virtual network id → positions in `docs` of the application gateways with a public
    /// frontend and a gateway IP configuration in one of its subnets, in stream order; built by
    /// [`Related::index`].
    public_gateways: Option<HashMap<String, Vec<usize>>>,
    /// Role assignments grouped for the subscription owner count; built by [`Related::index`].
    owner_index: Option<azure::iam::OwnerIndex>,
}

/// Looks `id` up case-insensitively in a map keyed by lower-case ids without allocating for ids of
/// ordinary length (ARM ids carry upper-case segments such as `resourceGroups`, and the network
/// analysis looks several up per VM and rule).
fn get_ci<'m, V>(map: &'m HashMap<String, V>, id: &str) -> Option<&'m V> {
    if !id.bytes().any(|b| b.is_ascii_uppercase()) {
        return map.get(id);
    }
    let mut buf = [0u8; 512];
    match buf.get_mut(..id.len()) {
        Some(dst) => {
            dst.copy_from_slice(id.as_bytes());
            dst.make_ascii_lowercase();
            // ASCII lower-casing keeps UTF-8 valid.
            map.get(std::str::from_utf8(dst).ok()?)
        }
        None => map.get(&id.to_ascii_lowercase()),
    }
}

/// [`Related::nic_paths_of`]'s memo: the subject's position, the VM's id, its analysis.
type NicPathsMemo = (usize, Box<str>, Arc<network::VmNicPaths>);

impl Related {
    /// The related resource with this id (case-insensitive), if it was in the stream and is kept as
    /// a document (not a network interface, subnet or network security group).
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Value> {
        get_ci(&self.by_id, id).map(|&i| &self.docs[i])
    }

    pub(crate) fn nic(&self, id: &str) -> Option<&Arc<network::Nic>> {
        get_ci(&self.nics, id)
    }

    pub(crate) fn subnet(&self, id: &str) -> Option<&network::Subnet> {
        get_ci(&self.subnets, id)
    }

    pub(crate) fn nsg(&self, id: &str) -> Option<&Arc<network::Nsg>> {
        get_ci(&self.nsgs, id)
    }

    /// `compute()`'s network analysis of the VM `vm_id`, computed once per deferred subject while
    /// `Runner::finish` decides it (every network rule of that VM gets the same), and every time
    /// otherwise. Keyed by the subject's position and the VM's id, so a rule that asked about another
    /// VM would not be given this one's.
    pub(crate) fn nic_paths_of(
        &self,
        vm_id: &str,
        compute: impl FnOnce() -> network::VmNicPaths,
    ) -> Arc<network::VmNicPaths> {
        let Some(subject) = self.subject.get() else {
            return Arc::new(compute());
        };
        if let Some((at, id, paths)) = self.nic_paths.borrow().as_ref() {
            if *at == subject && **id == *vm_id {
                return Arc::clone(paths);
            }
        }
        let paths = Arc::new(compute());
        *self.nic_paths.borrow_mut() = Some((subject, vm_id.into(), Arc::clone(&paths)));
        paths
    }

    /// Whether a kept just-in-time policy lists this VM (case-insensitive); `None` before
    /// [`Related::index`].
    pub(crate) fn jit_covers(&self, vm_id: &str) -> Option<bool> {
        self.jit_covered
            .as_ref()
            .map(|set| get_ci(set, vm_id).is_some())
    }

    /// Builds the lookups that need the whole stream (called by the runner before deciding).
    pub(crate) fn index(&mut self) {
        let mut covered = HashMap::new();
        for policy in self.of_type(azure::vm_jit_access::JIT_POLICIES) {
            let vms = policy
                .at("/properties/virtualMachines")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.get("id").and_then(Value::as_str));
            for id in vms {
                covered.insert(id.to_ascii_lowercase(), ());
            }
        }
        self.jit_covered = Some(covered);

        let mut by_vnet: HashMap<String, Vec<usize>> = HashMap::new();
        let gateways = self
            .by_type
            .get(azure::vnet_ddos_protection::APP_GATEWAYS)
            .map_or(&[][..], Vec::as_slice);
        for &i in gateways {
            let gw = &self.docs[i];
            if !azure::vnet_ddos_protection::has_public_frontend(gw) {
                continue;
            }
            for subnet in azure::vnet_ddos_protection::gateway_subnets(gw) {
                let subnet = subnet.to_ascii_lowercase();
                // Every prefix followed by `/subnets/` is a network the subnet id is "in" (the
                // check's `starts_with("{vnet}/subnets/")`); overlapping occurrences included.
                for at in 0..subnet.len() {
                    if subnet.as_bytes()[at..].starts_with(b"/subnets/") {
                        let list = by_vnet.entry(subnet[..at].to_owned()).or_default();
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                }
            }
        }
        self.public_gateways = Some(by_vnet);
        self.owner_index = Some(azure::iam::OwnerIndex::build(self));
    }

    pub(crate) fn owner_index(&self) -> Option<&azure::iam::OwnerIndex> {
        self.owner_index.as_ref()
    }

    /// The public application gateways in this virtual network (see `public_gateways`), `None`
    /// before [`Related::index`].
    pub(crate) fn public_gateways_in(&self, vnet_id: &str) -> Option<Vec<&Value>> {
        let index = self.public_gateways.as_ref()?;
        Some(
            get_ci(index, vnet_id)
                .map(|list| list.iter().map(|&i| &self.docs[i]).collect())
                .unwrap_or_default(),
        )
    }

    /// Keeps `doc` under `id` (lower-case); a later document with the same id replaces the earlier
    /// one but keeps its place. Returns its position in `docs` when the id is new.
    fn put(&mut self, id: String, doc: Value) -> Option<usize> {
        if let Some(&i) = self.by_id.get(&id) {
            self.docs[i] = doc;
            return None;
        }
        let i = self.docs.len();
        self.docs.push(doc);
        self.by_id.insert(id, i);
        Some(i)
    }

    /// Keeps what [`Kept::of`] extracted of a resource of `resource_type`.
    pub(crate) fn file(&mut self, resource_type: &str, kept: Kept) {
        match kept {
            Kept::Subnets(subnets) => self.subnets.extend(subnets),
            Kept::Nic(id, nic) => {
                self.nics.insert(id, nic);
            }
            Kept::Nsg(id, nsg) => {
                self.nsgs.insert(id, nsg);
            }
            Kept::Doc(id, doc) => {
                if let Some(i) = self.put(id, doc) {
                    match self.by_type.get_mut(resource_type) {
                        Some(list) => list.push(i),
                        None => {
                            self.by_type.insert(resource_type.to_owned(), vec![i]);
                        }
                    }
                }
            }
        }
    }

    /// The kept resources of a (lower-case) related type, in stream order.
    pub fn of_type<'a>(&'a self, resource_type: &str) -> impl Iterator<Item = &'a Value> + 'a {
        self.by_type
            .get(resource_type)
            .into_iter()
            .flatten()
            .map(|&i| &self.docs[i])
    }

    /// Number of resources kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_id.len() + self.nics.len() + self.subnets.len() + self.nsgs.len()
    }

    /// True when nothing is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What [`Related`] keeps of one resource of a related type, extracted from its document alone (so
/// on the threads that parse the inventory) and filed by [`Related::file`] on the consuming thread.
#[derive(Debug)]
pub(crate) enum Kept {
    /// A virtual network's embedded subnets (or one subnet row), by lower-case id.
    Subnets(Vec<(String, network::Subnet)>),
    /// A network interface, by lower-case id.
    Nic(String, Arc<network::Nic>),
    /// A network security group, by lower-case id.
    Nsg(String, Arc<network::Nsg>),
    /// Any other type: its lower-case id and its [`compact`] projection.
    Doc(String, Value),
}

impl Kept {
    /// What is kept of `native`, a resource of the (lower-case) `resource_type`; `None` for a
    /// resource without an id.
    pub(crate) fn of(resource_type: &str, native: &Value) -> Option<Kept> {
        let id = native.get("id").and_then(Value::as_str);
        Some(match resource_type {
            "microsoft.network/virtualnetworks" => Kept::Subnets(
                native
                    .at("/properties/subnets")
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .filter_map(|subnet| {
                        let id = subnet.get("id").and_then(Value::as_str)?;
                        Some((id.to_ascii_lowercase(), network::Subnet::from_doc(subnet)))
                    })
                    .collect(),
            ),
            "microsoft.network/virtualnetworks/subnets" => Kept::Subnets(vec![(
                id?.to_ascii_lowercase(),
                network::Subnet::from_doc(native),
            )]),
            "microsoft.network/networkinterfaces" => Kept::Nic(
                id?.to_ascii_lowercase(),
                Arc::new(network::Nic::from_doc(native)),
            ),
            "microsoft.network/networksecuritygroups" => Kept::Nsg(
                id?.to_ascii_lowercase(),
                Arc::new(network::Nsg::from_doc(native)),
            ),
            _ => Kept::Doc(
                id?.to_ascii_lowercase(),
                compact::compact(resource_type, native),
            ),
        })
    }
}

/// The type a rule's `subject_types` / `related_types` name (the ARM `type` for cloud documents, the
/// object `kind` for Kubernetes objects), lower-cased only when it is not already (Resource Graph
/// exports lower-case types, so the common case allocates nothing).
fn subject_type(provider: Provider, native: &Value) -> Option<Cow<'_, str>> {
    let field = if provider == Provider::Kubernetes {
        "kind"
    } else {
        "type"
    };
    // Rampart's own resource types (scanned images and machines) carry `type` under every provider.
    let t = native
        .get(field)
        .or_else(|| native.get("type"))
        .and_then(Value::as_str)?;
    Some(if t.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(t.to_ascii_lowercase())
    } else {
        Cow::Borrowed(t)
    })
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

/// The rules one (lower-case) resource type concerns.
#[derive(Debug, Default)]
struct Dispatch {
    /// Some rule needs resources of this type to decide.
    related: bool,
    /// Positions of the rules with this subject type, in rule order.
    subject_of: Vec<usize>,
}

/// The rules a [`Runner`] applies, their parameter values and how a type dispatches to them:
/// read-only, so the threads that parse the inventory prepare resources with it
/// ([`RuleSet::prepare`]) while the runner's own thread files what they made.
#[derive(Debug)]
pub(crate) struct RuleSet<'r> {
    rules: Vec<&'r NativeRule>,
    params: Vec<Params>,
    /// Lower-case type → the rules it concerns; a type absent here is skipped at once.
    dispatch: HashMap<&'static str, Dispatch>,
}

/// What the native rules make of one resource from its document alone ([`RuleSet::prepare`]); the
/// [`Runner`] files it in stream order ([`Runner::apply`]), so that the document itself can be freed
/// on the thread that parsed it.
#[derive(Debug)]
pub(crate) struct NativePrepared {
    /// The resource's (lower-case) type.
    resource_type: &'static str,
    /// What related-resource lookups keep of it, when some rule needs resources of its type.
    kept: Option<Kept>,
    /// The assessments of the rules that decide at once, in rule order.
    decided: Vec<(usize, Assessment)>,
    /// The [`compact`] projection's JSON text and the rules that decide it in `finish`, in rule
    /// order, when some rule defers it.
    deferred: Option<(Box<str>, Vec<usize>)>,
}

impl<'r> RuleSet<'r> {
    /// `rules` with the parameter values each one sees.
    pub(crate) fn new(rules: Vec<(&'r NativeRule, Params)>) -> Self {
        let mut dispatch: HashMap<&'static str, Dispatch> = HashMap::new();
        for (pos, (rule, _)) in rules.iter().enumerate() {
            for t in rule.meta.related_types {
                dispatch.entry(t).or_default().related = true;
            }
            for t in rule.meta.subject_types {
                let d = dispatch.entry(t).or_default();
                if !d.subject_of.contains(&pos) {
                    d.subject_of.push(pos);
                }
            }
        }
        let (rules, params) = rules.into_iter().unzip();
        Self {
            rules,
            params,
            dispatch,
        }
    }

    /// Everything the rules do with one resource that needs its document alone: what is kept of
    /// it for related lookups, the verdicts of the rules that decide at once, and the projection
    /// a deferred subject is decided on. `None` when no rule concerns the resource.
    ///
    /// Invariant: a rule without related types decides from the document alone (its `check`
    /// ignores `Related`), so it is given an empty one here.
    pub(crate) fn prepare(&self, provider: Provider, native: &Value) -> Option<NativePrepared> {
        let rtype = subject_type(provider, native)?;
        let (&resource_type, dispatch) = self.dispatch.get_key_value(rtype.as_ref())?;
        let kept = if dispatch.related {
            Kept::of(resource_type, native)
        } else {
            None
        };
        let mut decided = Vec::new();
        let mut deferred: Option<(Box<str>, Vec<usize>)> = None;
        let mut none_related: Option<Related> = None;
        for &pos in &dispatch.subject_of {
            let rule = self.rules[pos];
            if !rule.meta.assesses(provider) {
                continue;
            }
            if rule.meta.related_types.is_empty() {
                let related = none_related.get_or_insert_with(Related::default);
                if let Some(a) = (rule.check)(native, related, &self.params[pos]) {
                    decided.push((pos, a));
                }
            } else {
                deferred
                    .get_or_insert_with(|| {
                        let text = compact::compact_text(resource_type, native);
                        (text.into(), Vec::new())
                    })
                    .1
                    .push(pos);
            }
        }
        Some(NativePrepared {
            resource_type,
            kept,
            decided,
            deferred,
        })
    }
}

/// Streams resources through a set of native rules: keeps related resources and deferred subjects
/// (both as [`compact`] projections, a subject once however many rules defer it), decides in
/// [`Runner::finish`]. Used by the engine and by the fixture harness.
#[derive(Debug)]
pub(crate) struct Runner<'r> {
    set: Arc<RuleSet<'r>>,
    /// Deferred subjects, shared by the rules that defer them, as the JSON text of their [`compact`]
    /// projection (a parsed `Value` costs several times its text; each is parsed again per rule in
    /// `finish`).
    subjects: Vec<Box<str>>,
    /// Per rule: (resource key, position in `subjects`) awaiting `finish`.
    pending: Vec<Vec<(u32, u32)>>,
    related: Related,
}

impl<'r> Runner<'r> {
    /// `rules` with the parameter values each one sees.
    pub(crate) fn new(rules: Vec<(&'r NativeRule, Params)>) -> Self {
        let pending = rules.iter().map(|_| Vec::new()).collect();
        Self {
            set: Arc::new(RuleSet::new(rules)),
            subjects: Vec::new(),
            pending,
            related: Related::default(),
        }
    }

    /// The rules, for preparing resources on other threads.
    pub(crate) fn rule_set(&self) -> Arc<RuleSet<'r>> {
        Arc::clone(&self.set)
    }

    /// [`RuleSet::prepare`] with this runner's rules.
    pub(crate) fn prepare(&self, provider: Provider, native: &Value) -> Option<NativePrepared> {
        self.set.prepare(provider, native)
    }

    /// Feeds one resource; `emit(rule position, key, assessment)` for rules that decide at once.
    pub(crate) fn evaluate(
        &mut self,
        key: u32,
        provider: Provider,
        native: &Value,
        emit: &mut dyn FnMut(usize, u32, Assessment),
    ) {
        if let Some(prepared) = self.prepare(provider, native) {
            self.apply(key, prepared, emit);
        }
    }

    /// Feeds one resource that [`RuleSet::prepare`] of this runner's rules prepared: the same as
    /// [`Runner::evaluate`] of its document.
    pub(crate) fn apply(
        &mut self,
        key: u32,
        prepared: NativePrepared,
        emit: &mut dyn FnMut(usize, u32, Assessment),
    ) {
        let NativePrepared {
            resource_type,
            kept,
            decided,
            deferred,
        } = prepared;
        if let Some(kept) = kept {
            self.related.file(resource_type, kept);
        }
        for (pos, a) in decided {
            emit(pos, key, a);
        }
        if let Some((text, rules)) = deferred {
            self.subjects.push(text);
            let at = u32::try_from(self.subjects.len() - 1).unwrap_or(u32::MAX);
            for pos in rules {
                self.pending[pos].push((key, at));
            }
        }
    }

    /// Decides every deferred subject.
    pub(crate) fn finish(mut self, emit: &mut dyn FnMut(usize, u32, Assessment)) {
        self.related.index();
        tracing::debug!(
            related = self.related.len(),
            subjects = self.subjects.len(),
            "native rules: deciding deferred subjects"
        );
        // Subject by subject, so each is parsed once; every rule's pending list is in subject order,
        // so a rule still emits its assessments in stream order.
        let set = &self.set;
        let mut cursors = vec![0usize; set.rules.len()];
        for (at, text) in self.subjects.iter().enumerate() {
            self.related.subject.set(Some(at));
            // The text is a serialized `Value`, so it always parses back.
            let native = rampart_model::document::from_str(text).ok();
            for (pos, rule) in set.rules.iter().enumerate() {
                let Some(&(key, subject)) = self.pending[pos].get(cursors[pos]) else {
                    continue;
                };
                if subject as usize != at {
                    continue;
                }
                cursors[pos] += 1;
                let Some(native) = &native else {
                    continue;
                };
                if let Some(a) = (rule.check)(native, &self.related, &set.params[pos]) {
                    emit(pos, key, a);
                }
            }
        }
        self.related.subject.set(None);
        self.related.nic_paths.take();
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
    let field = |p: &str| doc.at(p).and_then(Value::as_str).unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use super::PointerExt;
    use serde_json::{json, Value};

    /// The six VM network rules share one network analysis per VM (`Related::nic_paths_of`). Run
    /// together over every fixture of any of them, each must decide as it does alone.
    #[test]
    fn vm_network_rules_together_decide_as_each_alone() {
        use super::azure::{
            internal_vm_nsg, internet_facing_vm_nsg, management_ports_closed, vm_ip_forwarding,
            vm_jit_access, vm_nsg_ports_restricted,
        };
        let ids = [
            internal_vm_nsg::META.id,
            internet_facing_vm_nsg::META.id,
            management_ports_closed::META.id,
            vm_ip_forwarding::META.id,
            vm_jit_access::META.id,
            vm_nsg_ports_restricted::META.id,
        ];
        let rules: Vec<_> = ids
            .iter()
            .map(|id| {
                let rule = super::registry::RULES
                    .iter()
                    .find(|r| r.meta.id == *id)
                    .unwrap_or_else(|| panic!("rule {id}"));
                (rule, super::rule_params(rule))
            })
            .collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut files = 0;
        for id in ids {
            let Ok(entries) = std::fs::read_dir(dir.join(id)) else {
                panic!("fixtures of {id}");
            };
            for entry in entries.flatten() {
                let text = std::fs::read_to_string(entry.path()).expect("fixture");
                let fixture: Value = serde_json::from_str(&text).expect("json");
                // Fixtures with parameter overrides decide under other parameters: skipped here.
                let Value::Array(docs) = fixture else {
                    continue;
                };
                files += 1;
                let mut runner = super::Runner::new(rules.clone());
                let mut together: Vec<Vec<String>> = vec![Vec::new(); ids.len()];
                let mut record = |pos: usize, _key: u32, a: rampart_model::Assessment| {
                    together[pos].push(format!("{a:?}"));
                };
                for (key, doc) in (0u32..).zip(&docs) {
                    runner.evaluate(key, rampart_model::Provider::Azure, doc, &mut record);
                }
                runner.finish(&mut record);
                for (pos, id) in ids.iter().enumerate() {
                    let alone: Vec<String> = super::run_rule(id, &docs)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(_, a)| format!("{a:?}"))
                        .collect();
                    assert_eq!(together[pos], alone, "{id} on {}", entry.path().display());
                }
            }
        }
        assert!(files > 20, "{files} fixture files");
    }

    /// `at` answers as `Value::pointer` does, escapes and index rules included.
    #[test]
    fn at_is_value_pointer() {
        let doc = json!({
            "properties": {"subnets": [{"id": "a"}, {"id": "b"}], "": {"x": 1}},
            "a/b": {"m~n": true},
            "01": "key",
            "list": [[0, 1], {"2": "object key"}],
        });
        let pointers = [
            "",
            "/",
            "/properties",
            "/properties/subnets/1/id",
            "/properties/subnets/01/id",
            "/properties/subnets/+1/id",
            "/properties/subnets/-1",
            "/properties/subnets/2",
            "/properties//x",
            "/a~1b/m~0n",
            "/a/b",
            "/01",
            "/list/0/1",
            "/list/1/2",
            "/missing/deeper",
            "properties",
            "/properties/subnets/0/id/extra",
        ];
        for p in pointers {
            assert_eq!(doc.at(p), doc.pointer(p), "{p}");
        }
    }
}
