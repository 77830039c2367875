//! Evaluation of compiled policies on ARM resources (as Azure Resource Graph returns them):
//! conditions, `[*]` collections, `count`, template expressions, applicability and the verdict.
//!
//! Invariants: the resource is only borrowed (never cloned) on the hot path; evaluation errors of
//! template functions become `NotAssessed` (Azure treats them as a failed evaluation), never a pass.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::compile::{
    data_plane_targets, AnyIndex, AppCond, Bound, CompiledPolicy, Cond, Count, CountSource,
    Current, Described, Effect, ExistenceScope, Expr, FieldRef, Op, Operand,
};
use crate::definition::PolicyMode;
use crate::expr::{apply, Func};
use crate::path::{collect, lookup, visit, Seg};
use crate::value::{
    as_bool, compare, contains_ci, fold_ci, get_ci, get_present, like, location_eq, lower_buf,
    match_pattern, scalar_str, values_equal, Members,
};

/// The outcome of one policy on one resource.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Evaluation {
    /// The policy does not apply to this resource (type, mode or `if`).
    NotApplicable,
    /// The resource satisfies the policy.
    Compliant,
    /// The resource violates the policy.
    NonCompliant { reason: String },
    /// The policy applies but its effect is `Disabled`.
    OffByPolicy,
    /// The policy applies but cannot be decided from the data at hand.
    NotAssessed { reason: String },
    /// AuditIfNotExists / DeployIfNotExists: the verdict depends on related resources.
    NeedsRelated(PendingExistence),
}

/// What an IfNotExists check needs from the evaluated resource, kept instead of the resource itself.
///
/// Invariant: 32 bytes for the common check (no computed name, no `resourceGroupName`, no
/// `field()` slot); the streaming evaluator holds one per pending (resource, policy) pair until
/// `finish`, several per resource on a large estate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PendingExistence {
    /// Shared by all pending checks of one resource (a VM has ~25): one allocation per resource;
    /// subscription, resource group and name are derived from it.
    pub(crate) target_id: std::sync::Arc<str>,
    /// Related resources must be below the target's id (child or extension types).
    pub(crate) under_target: bool,
    pub(crate) scope_subscription: bool,
    /// The parts few policies have, boxed so that the common check carries one null pointer.
    pub(crate) extra: Option<Box<PendingExtra>>,
}

/// The rarely present parts of a [`PendingExistence`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct PendingExtra {
    /// `details.resourceGroupName`, when given.
    rg_override: Option<Box<str>>,
    related_name: Option<Box<str>>,
    /// `field()` values of the evaluated resource that `details` reads.
    values: Box<[Value]>,
}

impl PendingExistence {
    /// `field()` slot values of the evaluated resource (`details.existenceCondition` reads them).
    pub(crate) fn values(&self) -> &[Value] {
        self.extra.as_ref().map_or(&[], |e| &e.values)
    }
    /// Id of the evaluated resource.
    pub fn target_id(&self) -> &str {
        &self.target_id
    }
    /// Name of the evaluated resource (last segment of its id).
    pub fn target_name(&self) -> &str {
        self.target_id.rsplit('/').next().unwrap_or("")
    }
    /// Subscription id of the evaluated resource (from its id).
    pub fn subscription(&self) -> Option<&str> {
        id_parts(&self.target_id).0
    }
    /// Resource group that related resources are searched in (details.resourceGroupName or the
    /// target's own).
    pub fn resource_group(&self) -> Option<&str> {
        self.extra
            .as_ref()
            .and_then(|e| e.rg_override.as_deref())
            .or_else(|| id_parts(&self.target_id).1)
    }
    /// `details.name` as computed for this target (from an expression such as
    /// `[concat(field('name'), '/default')]`); `None` when the name is a literal or absent.
    pub fn related_name(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.related_name.as_deref())
    }
}

/// Parts of an ARM id: subscription id and resource group name.
pub(crate) fn id_parts(id: &str) -> (Option<&str>, Option<&str>) {
    /// `rest` starts with `<word>/` (case-insensitive): the segment after it, and what follows.
    fn after<'i>(rest: &'i str, word: &str) -> Option<(&'i str, &'i str)> {
        let b = rest.as_bytes();
        if b.len() <= word.len()
            || !b[..word.len()].eq_ignore_ascii_case(word.as_bytes())
            || b[word.len()] != b'/'
        {
            return None;
        }
        let tail = &rest[word.len() + 1..];
        match tail.find('/') {
            Some(i) => Some((&tail[..i], &tail[i + 1..])),
            None => Some((tail, "")),
        }
    }
    let rest = id.strip_prefix('/').unwrap_or(id);
    let Some((sub, rest)) = after(rest, "subscriptions") else {
        return (None, None);
    };
    let sub = (!sub.is_empty()).then_some(sub);
    match after(rest, "resourceGroups") {
        Some((rg, _)) if !rg.is_empty() => (sub, Some(rg)),
        _ => (sub, None),
    }
}

/// `fullName`: the resource name prefixed by its parents' names (`server/db`).
pub(crate) fn full_name(resource: &Value) -> Option<String> {
    full_name_of_id(get_present(resource, "id").and_then(Value::as_str)?)
}

/// [`full_name`] from the id alone.
pub(crate) fn full_name_of_id(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let pos = lower.rfind("/providers/")?;
    let tail: Vec<&str> = id[pos + "/providers/".len()..].split('/').collect();
    // namespace, then type/name pairs.
    let names: Vec<&str> = tail.iter().skip(2).step_by(2).copied().collect();
    if names.is_empty() {
        return None;
    }
    Some(names.join("/"))
}

/// Indexes an array by number or an object by key.
pub(crate) fn index_value(v: &Value, i: &Value) -> Option<Value> {
    index_ref(v, i).cloned()
}

fn index_ref<'v>(v: &'v Value, i: &Value) -> Option<&'v Value> {
    match (v, i) {
        (Value::Array(a), i) => crate::value::as_f64(i)
            .filter(|n| *n >= 0.0)
            .and_then(|n| a.get(n as usize)),
        (o @ Value::Object(_), Value::String(k)) => get_ci(o, k),
        _ => None,
    }
}

/// Scope chain of enclosing `count` iterations.
pub(crate) struct Scope<'a> {
    elem: &'a Value,
    depth: usize,
    name: Option<&'a str>,
    parent: Option<&'a Scope<'a>>,
}

impl<'a> Scope<'a> {
    fn at(&self, depth: usize) -> Option<&'a Value> {
        let mut s = Some(self);
        while let Some(sc) = s {
            if sc.depth == depth {
                return Some(sc.elem);
            }
            s = sc.parent;
        }
        None
    }
    fn named(&self, name: &str) -> Option<&'a Value> {
        let mut s = Some(self);
        while let Some(sc) = s {
            if sc.name.is_some_and(|n| n.eq_ignore_ascii_case(name)) {
                return Some(sc.elem);
            }
            s = sc.parent;
        }
        None
    }
}

/// The values of the evaluated resource's plain paths (`FieldRef::Path` with a `memo_key`), each
/// resolved once per resource and shared by every policy evaluated on it. The image conditions of
/// the machine policies test `imagePublisher`, `imageOffer` and `imageSKU` dozens of times a
/// policy, and each test walked the path from the resource down (BENCHMARKS.md, session 6).
///
/// Invariant: an entry holds the value its id's paths resolve to on the resource of the view that
/// owns the memo (`View::plain`).
#[derive(Default)]
pub(crate) struct PathMemo<'v> {
    entries: std::cell::RefCell<Vec<(u32, Option<&'v Value>)>>,
}

/// Evaluation context: the resource `field` conditions read, the id whose resource group and
/// subscription `resourceGroup()` / `subscription()` describe, and `field()` slots of details.
/// `'a` is the lifetime of the values and conditions read, `'m` the borrow of the evaluated
/// resource's view and `'v` the view's own (kept apart: `count` narrows `'a` for its elements).
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a, 'm, 'v: 'a> {
    pub(crate) resource: &'a Value,
    pub(crate) home_id: &'a str,
    pub(crate) slots: &'a [Value],
    /// The resource-group row (ARG `resourcecontainers`) of the evaluated resource, when known.
    pub(crate) resource_group: Option<&'a Value>,
    /// `resource.properties`, looked up once: most paths start there.
    pub(crate) properties: Option<&'a Value>,
    /// Member indexes of `resource` and `properties`, when built (the evaluated resource).
    pub(crate) members: Option<&'m (Members<'a>, Members<'a>)>,
    /// The view of `resource` when it is the evaluated resource: its plain paths are memoised.
    pub(crate) view: Option<&'m View<'v>>,
}

impl<'a> Ctx<'a, '_, '_> {
    /// Where an unbound path starts: `properties.…` paths from the cached `properties` object.
    /// With member indexes, the member of `properties` is resolved here too.
    fn root_of<'s>(&self, segs: &'s [Seg]) -> (Option<&'a Value>, &'s [Seg]) {
        match segs.split_first() {
            Some((Seg::Key(k), rest)) if k.len() == 10 && k.eq_ignore_ascii_case("properties") => {
                match (self.members, rest.split_first()) {
                    (Some((_, props)), Some((Seg::Key(m), tail))) if self.properties.is_some() => {
                        (props.get(m), tail)
                    }
                    _ => (self.properties, rest),
                }
            }
            _ => (Some(self.resource), segs),
        }
    }

    /// [`pick_path`] on the evaluated resource, its leading members looked up through
    /// [`Ctx::root_of`] (the member indexes) instead of walking the resource's B-tree.
    fn pick_path<'p>(&self, paths: &'p [Box<[Seg]>]) -> &'p [Seg] {
        pick_path_by(paths, |head| {
            let (root, rest) = self.root_of(head);
            root.and_then(|r| lookup(r, rest)).is_some()
        })
    }

    /// The value of a plain path (`FieldRef::Path` with a `memo_key`): what `visit` gives from
    /// `root_of(pick_path(paths))`, looked up once per resource through the view's memo.
    fn plain(&self, id: u32, paths: &[Box<[Seg]>]) -> Option<&'a Value> {
        match self.view {
            Some(view) => view.plain(id, paths),
            None => {
                let (root, segs) = self.root_of(self.pick_path(paths));
                root.and_then(|r| lookup(r, segs))
            }
        }
    }

    /// A top-level member of the resource ([`get_present`]).
    fn top(&self, key: &str) -> Option<&'a Value> {
        match self.members {
            Some((top, _)) => top.get_present(key),
            None => get_present(self.resource, key),
        }
    }
}

type R<T> = Result<T, String>;

fn borrow_or_clone<'a>(
    base: Cow<'a, Value>,
    f: impl for<'x> Fn(&'x Value) -> Option<&'x Value>,
) -> Cow<'a, Value> {
    match base {
        Cow::Borrowed(b) => f(b).map_or(Cow::Owned(Value::Null), Cow::Borrowed),
        Cow::Owned(o) => Cow::Owned(f(&o).cloned().unwrap_or(Value::Null)),
    }
}

/// Selects the candidate path of a (possibly type-dependent) alias: the first one whose leading
/// member exists on the resource.
fn pick_path<'p>(paths: &'p [Box<[Seg]>], root: &Value) -> &'p [Seg] {
    pick_path_by(paths, |head| lookup(root, head).is_some())
}

/// [`pick_path`] with the test "this leading path exists" given.
fn pick_path_by(paths: &[Box<[Seg]>], exists: impl Fn(&[Seg]) -> bool) -> &[Seg] {
    if paths.len() > 1 {
        for p in paths {
            // Alternatives differ within their first two members (`properties.storageProfile` vs
            // `properties.virtualMachineProfile`…), so that prefix decides.
            let head = p.iter().take(2).take_while(|s| **s != Seg::Wild).count();
            if exists(&p[..head]) {
                return p;
            }
        }
    }
    paths.first().map(|p| &p[..]).unwrap_or(&[])
}

/// The single value of a non-path field (`name`, `type`, `tags['x']`…).
fn special_field<'a>(f: &FieldRef, resource: &'a Value) -> Option<Cow<'a, Value>> {
    special_field_in(f, resource, &|k| get_present(resource, k))
}

/// [`special_field`] with the resource's top-level lookup given.
fn special_field_in<'a>(
    f: &FieldRef,
    resource: &'a Value,
    top: &dyn Fn(&str) -> Option<&'a Value>,
) -> Option<Cow<'a, Value>> {
    let b = |k: &str| top(k).map(Cow::Borrowed);
    match f {
        FieldRef::Name => b("name"),
        FieldRef::Kind => b("kind"),
        FieldRef::Type => b("type"),
        FieldRef::Location => b("location"),
        FieldRef::Id => b("id"),
        FieldRef::Tags => b("tags"),
        FieldRef::IdentityType => top("identity")
            .and_then(|i| get_present(i, "type"))
            .map(Cow::Borrowed),
        FieldRef::Tag(t) => top("tags")
            .and_then(|tags| get_present(tags, t))
            .map(Cow::Borrowed),
        FieldRef::FullName => full_name(resource).map(|s| Cow::Owned(Value::String(s))),
        FieldRef::Path { .. } | FieldRef::DataPlane(_) => None,
    }
}

/// Applies an operator to one (possibly absent) value. Absent values: `exists` false, the negated
/// operators true, everything else false (Azure semantics; missing data never satisfies a check).
fn apply_op(op: Op, lhs: Option<&Value>, rhs: &Value, location: bool) -> R<bool> {
    let eq = |l: &Value, r: &Value| -> bool {
        if location {
            if let (Value::String(a), Value::String(b)) = (l, r) {
                return location_eq(a, b);
            }
        }
        values_equal(l, r)
    };
    let rhs_str = || scalar_str(rhs).unwrap_or(Cow::Borrowed(""));
    Ok(match op {
        Op::Equals => lhs.is_some_and(|l| eq(l, rhs)),
        Op::NotEquals => !lhs.is_some_and(|l| eq(l, rhs)),
        Op::Like | Op::NotLike => {
            let m = lhs
                .and_then(scalar_str)
                .is_some_and(|s| like(&s, &rhs_str()));
            m == (op == Op::Like)
        }
        Op::Match | Op::NotMatch | Op::MatchInsensitively | Op::NotMatchInsensitively => {
            let ci = matches!(op, Op::MatchInsensitively | Op::NotMatchInsensitively);
            let m = lhs
                .and_then(scalar_str)
                .is_some_and(|s| match_pattern(&s, &rhs_str(), ci));
            m == matches!(op, Op::Match | Op::MatchInsensitively)
        }
        Op::Contains | Op::NotContains => {
            let m = match lhs {
                Some(Value::Array(a)) => a.iter().any(|e| eq(e, rhs)),
                Some(Value::Object(_)) | None => false,
                Some(l) => scalar_str(l).is_some_and(|s| contains_ci(&s, &rhs_str())),
            };
            m == (op == Op::Contains)
        }
        Op::In | Op::NotIn => {
            let m = match (lhs, rhs) {
                (None, _) => false,
                // The common case (the image lists of the machine policies): an ASCII string among
                // string literals. The value's ASCII check is done once and each ASCII item
                // compared in place (ASCII case folding keeps lengths); any other item goes
                // through `eq` (`values_equal`) as before, which this equals item for item.
                (Some(lv @ Value::String(l)), Value::Array(items)) if !location && l.is_ascii() => {
                    items.iter().any(|i| match i {
                        Value::String(s) if s.is_ascii() => {
                            s.len() == l.len() && s.eq_ignore_ascii_case(l)
                        }
                        other => eq(lv, other),
                    })
                }
                (Some(l), Value::Array(items)) => items.iter().any(|i| eq(l, i)),
                (Some(l), single) => eq(l, single),
            };
            m == (op == Op::In)
        }
        Op::ContainsKey | Op::NotContainsKey => {
            let m = lhs.is_some_and(|l| l.is_object() && get_ci(l, &rhs_str()).is_some());
            m == (op == Op::ContainsKey)
        }
        Op::Exists => {
            let want =
                as_bool(rhs).ok_or_else(|| format!("`exists` needs true or false, got {rhs}"))?;
            lhs.is_some() == want
        }
        Op::Less | Op::LessOrEquals | Op::Greater | Op::GreaterOrEquals => {
            let Some(l) = lhs else { return Ok(false) };
            let Some(o) = compare(l, rhs) else {
                return Ok(false);
            };
            match op {
                Op::Less => o.is_lt(),
                Op::LessOrEquals => o.is_le(),
                Op::Greater => o.is_gt(),
                _ => o.is_ge(),
            }
        }
    })
}

fn present(v: &Value) -> Option<&Value> {
    (!v.is_null()).then_some(v)
}

pub(crate) fn eval_cond<'a>(
    c: &'a Cond,
    ctx: &Ctx<'a, '_, '_>,
    scope: Option<&Scope<'a>>,
) -> R<bool> {
    match c {
        Cond::All(cs) => {
            for c in cs.iter() {
                if !eval_cond(c, ctx, scope)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Cond::Any(cs, index) => {
            if let Some(ix) = index {
                if let Some(Value::String(v)) = ctx.plain(ix.memo_key, &ix.paths) {
                    return eval_indexed_any(cs, ix, v, ctx, scope);
                }
            }
            for c in cs.iter() {
                if eval_cond(c, ctx, scope)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Cond::Not(c) => Ok(!eval_cond(c, ctx, scope)?),
        Cond::Field { field, op, rhs } => {
            let rhs = operand(rhs, ctx, scope)?;
            match field {
                FieldRef::Path {
                    paths,
                    memo_key: Some(key),
                    ..
                } => apply_op(*op, ctx.plain(*key, paths), &rhs, false),
                FieldRef::Path { paths, bound, .. } => {
                    let (root, segs): (Option<&'a Value>, &[Seg]) = match bound {
                        Some(Bound { depth, rest }) => (scope.and_then(|s| s.at(*depth)), rest),
                        None => ctx.root_of(ctx.pick_path(paths)),
                    };
                    // Implicit "all of" over the selected collection (vacuously true when empty).
                    let mut err = None;
                    let all = visit(root, segs, &mut |v| match apply_op(*op, v, &rhs, false) {
                        Ok(b) => b,
                        Err(e) => {
                            err = Some(e);
                            false
                        }
                    });
                    match err {
                        Some(e) => Err(e),
                        None => Ok(all),
                    }
                }
                FieldRef::DataPlane(a) => Err(format!(
                    "data-plane alias `{a}` has no Resource Manager value"
                )),
                special => {
                    let v = special_field_in(special, ctx.resource, &|k| ctx.top(k));
                    apply_op(
                        *op,
                        v.as_deref(),
                        &rhs,
                        matches!(special, FieldRef::Location),
                    )
                }
            }
        }
        Cond::Value { lhs, op, rhs } => {
            let l = operand(lhs, ctx, scope)?;
            let r = operand(rhs, ctx, scope)?;
            apply_op(*op, present(&l), &r, false)
        }
        Cond::Count { count, op, rhs } => {
            let n = eval_count(count, ctx, scope)?;
            let r = operand(rhs, ctx, scope)?;
            apply_op(*op, Some(&Value::from(n)), &r, false)
        }
    }
}

/// An indexed `anyOf` ([`AnyIndex`]) whose path holds the string `v`: the branches requiring `v` and
/// the unindexed ones, merged in their order, as the plain loop would try them with the others
/// skipped (each of those is false without failing).
fn eval_indexed_any<'a>(
    cs: &'a [Cond],
    ix: &AnyIndex,
    v: &str,
    ctx: &Ctx<'a, '_, '_>,
    scope: Option<&Scope<'a>>,
) -> R<bool> {
    let mut buf = [0u8; 192];
    let folded = fold_ci(v, &mut buf);
    let hits = ix.by_value.get(&*folded).map_or(&[][..], |p| &p[..]);
    let (mut a, mut b) = (hits.iter().peekable(), ix.others.iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(&&x), Some(&&y)) if x < y => a.next(),
            (Some(_), None) => a.next(),
            (_, Some(_)) => b.next(),
            (None, None) => return Ok(false),
        };
        if let Some(c) = next.and_then(|&i| cs.get(i as usize)) {
            if eval_cond(c, ctx, scope)? {
                return Ok(true);
            }
        }
    }
}

fn eval_count<'a>(count: &'a Count, ctx: &Ctx<'a, '_, '_>, scope: Option<&Scope<'a>>) -> R<u64> {
    let depth = scope.map_or(0, |s| s.depth + 1);
    let mut n = 0u64;
    let mut err = None;
    match &count.source {
        CountSource::Field { segs, bound } => {
            let (root, segs) = match bound {
                Some(b) => (scope.and_then(|s| s.at(b.depth)), &segs[..]),
                None => ctx.root_of(segs),
            };
            // The counted path ends with `[*]`; every selected element is one iteration.
            visit(root, segs, &mut |elem| {
                let Some(where_) = &count.where_ else {
                    n += 1;
                    return true;
                };
                let null = Value::Null;
                let inner = Scope {
                    elem: elem.unwrap_or(&null),
                    depth,
                    name: None,
                    parent: scope,
                };
                match eval_cond(where_, ctx, Some(&inner)) {
                    Ok(true) => n += 1,
                    Ok(false) => {}
                    Err(e) => {
                        err = Some(e);
                        return false;
                    }
                }
                true
            });
        }
        CountSource::Value(op) => {
            let arr = operand(op, ctx, scope)?;
            let items: &[Value] = match arr.as_ref() {
                Value::Array(a) => a,
                Value::Null => &[],
                other => return Err(format!("count.value is not an array: {other}")),
            };
            for item in items {
                let Some(where_) = &count.where_ else {
                    n += 1;
                    continue;
                };
                let inner = Scope {
                    elem: item,
                    depth,
                    name: Some(count.name.as_deref().unwrap_or("default")),
                    parent: scope,
                };
                if eval_cond(where_, ctx, Some(&inner))? {
                    n += 1;
                }
            }
        }
    }
    match err {
        Some(e) => Err(e),
        None => Ok(n),
    }
}

fn operand<'a>(
    o: &'a Operand,
    ctx: &Ctx<'a, '_, '_>,
    scope: Option<&Scope<'a>>,
) -> R<Cow<'a, Value>> {
    match o {
        Operand::Lit(v) => Ok(Cow::Borrowed(v)),
        Operand::Expr(e) => eval_expr(e, ctx, scope),
    }
}

/// `field()` semantics: the value itself, an array of the selected values for `[*]` paths, and for
/// paths bound to an enclosing count an array holding the current element's value(s).
pub(crate) fn field_value<'a>(
    f: &FieldRef,
    resource: &'a Value,
    scope: Option<&Scope<'a>>,
) -> Cow<'a, Value> {
    match f {
        FieldRef::Path {
            paths,
            bound: Some(Bound { depth, rest }),
            ..
        } => {
            let root = scope.and_then(|s| s.at(*depth));
            let _ = paths;
            let mut out = Vec::new();
            visit(root, rest, &mut |v| {
                out.push(v.cloned().unwrap_or(Value::Null));
                true
            });
            Cow::Owned(Value::Array(out))
        }
        FieldRef::Path { paths, wild, .. } => {
            let segs = pick_path(paths, resource);
            if *wild {
                Cow::Owned(collect(Some(resource), segs))
            } else {
                lookup(resource, segs).map_or(Cow::Owned(Value::Null), Cow::Borrowed)
            }
        }
        FieldRef::DataPlane(_) => Cow::Owned(Value::Null),
        special => special_field(special, resource).unwrap_or(Cow::Owned(Value::Null)),
    }
}

fn resource_group_obj(home_id: &str) -> Value {
    let (sub, rg) = id_parts(home_id);
    let mut m = Map::new();
    if let (Some(s), Some(r)) = (sub, rg) {
        m.insert(
            "id".into(),
            Value::String(format!("/subscriptions/{s}/resourceGroups/{r}")),
        );
        m.insert("name".into(), Value::String(r.to_owned()));
    }
    Value::Object(m)
}

fn subscription_obj(home_id: &str) -> Value {
    let (sub, _) = id_parts(home_id);
    let mut m = Map::new();
    if let Some(s) = sub {
        m.insert("id".into(), Value::String(format!("/subscriptions/{s}")));
        m.insert("subscriptionId".into(), Value::String(s.to_owned()));
    }
    Value::Object(m)
}

pub(crate) fn eval_expr<'a>(
    e: &'a Expr,
    ctx: &Ctx<'a, '_, '_>,
    scope: Option<&Scope<'a>>,
) -> R<Cow<'a, Value>> {
    match e {
        Expr::Lit(v) => Ok(Cow::Borrowed(v)),
        Expr::Field(f) => Ok(match f.as_ref() {
            FieldRef::Path {
                paths,
                memo_key: Some(key),
                ..
            } => ctx
                .plain(*key, paths)
                .map_or(Cow::Owned(Value::Null), Cow::Borrowed),
            f => field_value(f, ctx.resource, scope),
        }),
        Expr::TargetField(i) => Ok(ctx
            .slots
            .get(*i)
            .map_or(Cow::Owned(Value::Null), Cow::Borrowed)),
        Expr::Current(c) => {
            let s = scope.ok_or("current() outside count")?;
            Ok(match c {
                Current::Innermost => Cow::Borrowed(s.elem),
                Current::Named(n) => s.named(n).map_or(Cow::Owned(Value::Null), Cow::Borrowed),
                Current::Bound(Bound { depth, rest }) => {
                    let root = s.at(*depth);
                    if crate::path::has_wild(rest) {
                        Cow::Owned(collect(root, rest))
                    } else {
                        root.and_then(|r| lookup(r, rest))
                            .map_or(Cow::Owned(Value::Null), Cow::Borrowed)
                    }
                }
            })
        }
        Expr::Prop(inner, name) => Ok(borrow_or_clone(eval_expr(inner, ctx, scope)?, |v| {
            get_ci(v, name)
        })),
        Expr::Index(inner, idx) => {
            let i = eval_expr(idx, ctx, scope)?.into_owned();
            Ok(borrow_or_clone(eval_expr(inner, ctx, scope)?, |v| {
                index_ref(v, &i)
            }))
        }
        Expr::Call(f, args) => match f {
            Func::If => {
                let c = eval_expr(args.first().ok_or("if() needs 3 arguments")?, ctx, scope)?;
                let branch = if as_bool(&c).ok_or("if(): condition is not a boolean")? {
                    1
                } else {
                    2
                };
                eval_expr(
                    args.get(branch).ok_or("if() needs 3 arguments")?,
                    ctx,
                    scope,
                )
            }
            Func::And | Func::Or => {
                let want = *f == Func::Or;
                for a in args.iter() {
                    let v = eval_expr(a, ctx, scope)?;
                    if as_bool(&v)
                        .ok_or_else(|| format!("{}(): argument is not a boolean", f.name()))?
                        == want
                    {
                        return Ok(Cow::Owned(Value::Bool(want)));
                    }
                }
                Ok(Cow::Owned(Value::Bool(!want)))
            }
            Func::ResourceGroup => Ok(match ctx.resource_group {
                Some(row) => Cow::Borrowed(row),
                None => Cow::Owned(resource_group_obj(ctx.home_id)),
            }),
            Func::Subscription => Ok(Cow::Owned(subscription_obj(ctx.home_id))),
            Func::UtcNow => Ok(Cow::Owned(Value::String(crate::time::utc_now()))),
            _ => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args.iter() {
                    vals.push(eval_expr(a, ctx, scope)?);
                }
                apply(*f, &vals).map(Cow::Owned)
            }
        },
    }
}

/// Applicability for non-IfNotExists effects: only type/name/kind conditions (as selected by
/// Azure's special cases) are evaluated; every other condition is neutral (true, or false under a
/// `not`, so that it never decides). Walks the rule as [`AppCond`] reduced it at compile time.
fn applicable<'a>(c: &'a AppCond, ctx: &Ctx<'a, '_, '_>, negated: bool) -> bool {
    match c {
        AppCond::Neutral => !negated,
        AppCond::All(cs) => cs.iter().all(|c| applicable(c, ctx, negated)),
        AppCond::Any(cs) => cs.iter().any(|c| applicable(c, ctx, negated)),
        AppCond::Not(c) => !applicable(c, ctx, !negated),
        AppCond::Decides(c) => eval_cond(c, ctx, None).unwrap_or(false),
    }
}

/// Resource types Azure Policy's Indexed mode skips (no tags/location support). Approximation:
/// subscriptions, resource groups and common extension / settings types, plus any extension
/// resource (an id with a second `/providers/`).
const NON_INDEXED: &[&str] = &[
    "microsoft.resources/subscriptions",
    "microsoft.resources/subscriptions/resourcegroups",
    "microsoft.resources/resourcegroups",
    "microsoft.security/assessments",
    "microsoft.security/pricings",
    "microsoft.security/securitycontacts",
    "microsoft.security/autoprovisioningsettings",
    "microsoft.security/settings",
    "microsoft.insights/diagnosticsettings",
    "microsoft.authorization/policyassignments",
    "microsoft.authorization/roleassignments",
    "microsoft.authorization/roledefinitions",
];

fn is_indexed(id: &str, type_lower: &str) -> bool {
    if NON_INDEXED.contains(&type_lower) {
        return false;
    }
    // Two non-overlapping `/providers/` (ASCII case-insensitive), found from the slashes (memchr)
    // rather than by comparing at every byte: this runs for every resource.
    let b = id.as_bytes();
    let pat = b"/providers/";
    let (mut n, mut next) = (0, 0);
    for i in memchr::memchr_iter(b'/', b) {
        if i >= next && b.len() - i >= pat.len() && b[i..i + pat.len()].eq_ignore_ascii_case(pat) {
            n += 1;
            next = i + pat.len();
            if n == 2 {
                return false;
            }
        }
    }
    true
}

/// Types under which a related type counts as an extension (searched below the target's id).
const EXTENSION_TYPES: &[&str] = &[
    "microsoft.security/assessments",
    "microsoft.insights/diagnosticsettings",
    "microsoft.guestconfiguration/guestconfigurationassignments",
    "microsoft.kubernetesconfiguration/extensions",
    "microsoft.recoveryservices/backupprotecteditems",
    "microsoft.security/advancedthreatprotectionsettings",
    "microsoft.security/defenderforstoragesettings",
];

/// A policy's applicability to a resource as known before evaluating it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    /// Not known: evaluate it.
    Unknown,
    No,
    Yes,
}

/// What every policy asks of a resource, computed once per resource.
pub(crate) struct View<'a> {
    pub(crate) resource: &'a Value,
    /// The `type` member as written, when it is a string, and the `kind` member as written (absent
    /// or `null`: `Some(None)`; not a string: `None`): what type-and-kind applicability reads.
    pub(crate) type_raw: Option<&'a str>,
    pub(crate) kind_raw: Option<Option<&'a str>>,
    pub(crate) type_lower: &'a str,
    pub(crate) id: &'a str,
    pub(crate) indexed: bool,
    pub(crate) has_properties: bool,
    pub(crate) properties: Option<&'a Value>,
    /// Member indexes of the resource and of its `properties` (read by most conditions).
    pub(crate) members: (Members<'a>, Members<'a>),
    /// Plain-path values, resolved once per resource across its policies.
    memo: PathMemo<'a>,
    shared_id: std::cell::OnceCell<std::sync::Arc<str>>,
    has_resource_group: std::cell::OnceCell<bool>,
}

impl<'v> View<'v> {
    /// The context in which the resource's own conditions are evaluated.
    fn ctx<'a>(&'a self, resource_group: Option<&'a Value>) -> Ctx<'a, 'a, 'v> {
        Ctx {
            resource_group,
            view: Some(self),
            ..self.unmemoised()
        }
    }

    /// The same context without the memo (what fills it), over the view's own lifetime.
    fn unmemoised(&self) -> Ctx<'v, '_, 'v> {
        Ctx {
            resource: self.resource,
            home_id: self.id,
            slots: &[],
            resource_group: None,
            properties: self.properties,
            members: Some(&self.members),
            view: None,
        }
    }

    /// A plain path's value ([`Ctx::plain`]), from the memo or resolved and memoised.
    fn plain(&self, id: u32, paths: &[Box<[Seg]>]) -> Option<&'v Value> {
        let hit = self
            .memo
            .entries
            .borrow()
            .iter()
            .find(|e| e.0 == id)
            .map(|e| e.1);
        if let Some(v) = hit {
            return v;
        }
        let v = self.unmemoised().plain(id, paths);
        self.memo.entries.borrow_mut().push((id, v));
        v
    }

    /// The id as a shared string, allocated once per resource.
    pub(crate) fn shared_id(&self) -> std::sync::Arc<str> {
        self.shared_id
            .get_or_init(|| std::sync::Arc::from(self.id))
            .clone()
    }

    /// Whether the id names a resource group, computed once per resource.
    pub(crate) fn has_resource_group(&self) -> bool {
        *self
            .has_resource_group
            .get_or_init(|| id_parts(self.id).1.is_some())
    }
}

/// Runs `f` with the resource's [`View`], without allocating for ordinary types.
pub(crate) fn with_view<T>(resource: &Value, f: impl FnOnce(&View<'_>) -> T) -> T {
    // The top-level members are indexed first and the view's own lookups go through the index.
    let top = Members::of(Some(resource));
    let type_raw = top.get_present("type").and_then(Value::as_str);
    let t = type_raw.unwrap_or("");
    let id = top.get_present("id").and_then(Value::as_str).unwrap_or("");
    let properties = top.get_present("properties");
    let has_properties = properties.is_some();
    let mut buf = [0u8; 192];
    let owned;
    let type_lower = match lower_buf(t, &mut buf) {
        Some(l) => l,
        None => {
            owned = t.to_ascii_lowercase();
            &owned
        }
    };
    let kind_raw = match top.get_present("kind") {
        None => Some(None),
        Some(k) => k.as_str().map(Some),
    };
    let view = View {
        resource,
        type_raw,
        kind_raw,
        type_lower,
        id,
        indexed: is_indexed(id, type_lower),
        has_properties,
        properties,
        members: (top, Members::of(properties)),
        memo: PathMemo::default(),
        shared_id: std::cell::OnceCell::new(),
        has_resource_group: std::cell::OnceCell::new(),
    };
    f(&view)
}

/// Writes the NonCompliant reason: `path = value` for each described field (see
/// [`CompiledPolicy::described`]), `path[*] has N element(s)` for each described count, `; `
/// between them. Values are written compactly: scalars as JSON, arrays and objects summarised.
/// Reads through borrowed values only (nothing of the resource is cloned), from the member indexes.
fn describe(described: &[Described], ctx: &Ctx<'_, '_, '_>, out: &mut String) {
    use std::fmt::Write as _;
    for (i, d) in described.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        match d {
            Described::Field { paths, text, wild } => {
                out.push_str(text);
                let (root, rest) = ctx.root_of(ctx.pick_path(paths));
                if *wild {
                    // The `field()` value of a `[*]` path: the array of the selected values (null
                    // for each absent one).
                    let mut items = Items::default();
                    visit(root, rest, &mut |v| {
                        items.push(v);
                        true
                    });
                    items.write(out);
                } else {
                    describe_value(root.and_then(|r| lookup(r, rest)), out);
                }
            }
            Described::Count { segs, text } => {
                let (root, rest) = ctx.root_of(segs);
                let mut cnt = 0usize;
                visit(root, rest, &mut |_| {
                    cnt += 1;
                    true
                });
                let _ = write!(out, "{text} has {cnt} element(s)");
            }
        }
    }
}

/// ` = value` (compact, summarised) or ` is absent`, after a described path.
fn describe_value(v: Option<&Value>, out: &mut String) {
    use std::fmt::Write as _;
    let _ = match v {
        None => write!(out, " is absent"),
        Some(Value::Array(a)) => {
            let mut items = Items::default();
            a.iter().for_each(|x| items.push(Some(x)));
            items.write(out);
            Ok(())
        }
        Some(v @ Value::Object(o))
            if o.len() <= 3 && o.values().all(|x| !x.is_object() && !x.is_array()) =>
        {
            write!(out, " = {v}")
        }
        Some(Value::Object(o)) => write!(out, " = {{{} member(s)}}", o.len()),
        Some(Value::String(x)) if x.len() > 120 => {
            write!(out, " = \"{}...\"", x.chars().take(117).collect::<String>())
        }
        Some(other) => write!(out, " = {other}"),
    };
}

/// An array as a reason shows it: its length, its first three items (`None`: absent, shown as
/// null) and whether any item is an object or an array.
#[derive(Default)]
struct Items<'v> {
    first: [Option<&'v Value>; 3],
    len: usize,
    nested: bool,
}

impl<'v> Items<'v> {
    fn push(&mut self, v: Option<&'v Value>) {
        if let Some(slot) = self.first.get_mut(self.len) {
            *slot = v;
        }
        self.len += 1;
        self.nested |= v.is_some_and(|x| x.is_object() || x.is_array());
    }

    /// ` = [a,b,c]` (compact JSON) for at most three scalars, else ` = [N element(s)]`.
    fn write(&self, out: &mut String) {
        use std::fmt::Write as _;
        if self.len > 3 || self.nested {
            let _ = write!(out, " = [{} element(s)]", self.len);
            return;
        }
        out.push_str(" = [");
        for (j, v) in self.first[..self.len].iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            let _ = write!(out, "{}", v.unwrap_or(&Value::Null));
        }
        out.push(']');
    }
}

impl CompiledPolicy {
    /// Evaluates one resource (an ARM object as Resource Graph returns it). IfNotExists policies
    /// return [`Evaluation::NeedsRelated`]; resolve it with [`CompiledPolicy::evaluate_existence`]
    /// or let [`crate::StreamingEvaluator`] do it.
    pub fn evaluate(&self, resource: &Value) -> Evaluation {
        with_view(resource, |v| self.evaluate_typed(v, None))
    }

    /// Like [`CompiledPolicy::evaluate`], with the resource's resource-group row (as Resource Graph
    /// returns it from `resourcecontainers`) for `resourceGroup().managedBy` / `.tags` / `.location`.
    /// Without it, `resourceGroup()` only knows the name and id (from the resource id).
    pub fn evaluate_in_resource_group(
        &self,
        resource: &Value,
        resource_group: Option<&Value>,
    ) -> Evaluation {
        with_view(resource, |v| self.evaluate_typed(v, resource_group))
    }

    pub(crate) fn evaluate_typed(
        &self,
        view: &View<'_>,
        resource_group: Option<&Value>,
    ) -> Evaluation {
        self.evaluate_known(view, resource_group, Known::Unknown)
    }

    /// [`CompiledPolicy::evaluate_typed`] with the outcome of [`applicable`] given when it is
    /// already known for the resource's type and kind ([`CompiledPolicy::app_type_kind_only`]).
    pub(crate) fn evaluate_known(
        &self,
        view: &View<'_>,
        resource_group: Option<&Value>,
        applicability: Known,
    ) -> Evaluation {
        let type_lower = view.type_lower;
        if self.mode.is_data_plane() {
            if !data_plane_targets(&self.mode).contains(&type_lower) {
                return Evaluation::NotApplicable;
            }
            if self.effect == Effect::Disabled {
                return Evaluation::OffByPolicy;
            }
            let reason = match &self.mode {
                PolicyMode::KubernetesData => {
                    "needs Kubernetes data-plane (Microsoft.Kubernetes.Data) which no collector supplies yet".to_owned()
                }
                PolicyMode::KeyVaultData => {
                    "needs Key Vault data-plane objects (Microsoft.KeyVault.Data keys, secrets, certificates) which no collector supplies yet"
                        .to_owned()
                }
                other => format!("needs data-plane mode {other:?} which no collector supplies"),
            };
            return Evaluation::NotAssessed { reason };
        }
        if let Some(p) = &self.pinned_types {
            if !p.iter().any(|t| t == type_lower) {
                return Evaluation::NotApplicable;
            }
        }
        if self.mode == PolicyMode::Indexed && !view.indexed {
            return Evaluation::NotApplicable;
        }
        let ctx = view.ctx(resource_group);
        let type_ok = self.pin_decides
            || match applicability {
                Known::Yes => true,
                Known::No => false,
                Known::Unknown => applicable(&self.applicable, &ctx, false),
            };
        if !type_ok {
            return Evaluation::NotApplicable;
        }
        let lacks_properties = !view.has_properties;
        let missing = |p: &str| Evaluation::NotAssessed {
            reason: format!("the resource has no `properties` object; the policy reads `{p}`"),
        };
        if self.effect.is_if_not_exists()
            || self.existence.is_some() && self.effect == Effect::Disabled
        {
            if let (true, Some(p)) = (lacks_properties, &self.reads_properties) {
                return missing(p);
            }
            match eval_cond(&self.body, &ctx, None) {
                Ok(false) => return Evaluation::NotApplicable,
                Ok(true) => {}
                Err(e) => {
                    return Evaluation::NotAssessed {
                        reason: format!("evaluation failed: {e}"),
                    }
                }
            }
            if self.effect == Effect::Disabled {
                return Evaluation::OffByPolicy;
            }
            return match self.pending(view, &ctx) {
                Ok(p) => Evaluation::NeedsRelated(p),
                Err(e) => Evaluation::NotAssessed {
                    reason: format!("evaluation failed: {e}"),
                },
            };
        }
        if self.effect == Effect::Disabled {
            return Evaluation::OffByPolicy;
        }
        if let (true, Some(p)) = (lacks_properties, &self.reads_properties) {
            return missing(p);
        }
        if self.effect == Effect::Manual {
            return Evaluation::NotAssessed {
                reason: "manual policy: compliance is attested, not evaluated".to_owned(),
            };
        }
        match eval_cond(&self.body, &ctx, None) {
            Ok(true) => {
                let mut reason = String::new();
                describe(&self.described, &ctx, &mut reason);
                let reason = if reason.is_empty() {
                    format!(
                        "matches the {} condition of '{}'",
                        self.effect.as_str(),
                        self.display_name
                    )
                } else {
                    reason
                };
                Evaluation::NonCompliant { reason }
            }
            Ok(false) => Evaluation::Compliant,
            Err(e) => Evaluation::NotAssessed {
                reason: format!("evaluation failed: {e}"),
            },
        }
    }

    /// Whether this policy's applicability holds for `view`'s type and kind, when those decide it
    /// ([`CompiledPolicy::app_type_kind_only`]; the pin check deciding needs no answer).
    pub(crate) fn applicability_by_type(&self, view: &View<'_>) -> Known {
        if !self.app_type_kind_only || self.pin_decides {
            return Known::Unknown;
        }
        if applicable(&self.applicable, &view.ctx(None), false) {
            Known::Yes
        } else {
            Known::No
        }
    }

    fn pending(&self, view: &View<'_>, ctx: &Ctx<'_, '_, '_>) -> R<PendingExistence> {
        let (resource, type_lower) = (view.resource, view.type_lower);
        let Some(ex) = &self.existence else {
            return Err("no details.type".to_owned());
        };
        // The evaluated resource's own id (always, from `evaluate_typed`) has its answer cached per
        // resource: a VM has ~25 pending checks.
        let has_rg = if std::ptr::eq(ctx.home_id, view.id) {
            view.has_resource_group()
        } else {
            id_parts(ctx.home_id).1.is_some()
        };
        let name_of = |o: &Option<Operand>| -> R<Option<Box<str>>> {
            match o {
                None => Ok(None),
                Some(op) => {
                    let v = operand(op, ctx, None)?;
                    Ok(scalar_str(&v).map(|s| s.into_owned().into_boxed_str()))
                }
            }
        };
        // A literal name is read from the policy when deciding; only computed names are stored.
        let related_name = match &ex.name {
            Some(Operand::Lit(_)) => None,
            other => name_of(other)?,
        };
        let rg_override = name_of(&ex.resource_group_name)?;
        let rt = ex.related_type_lower.as_str();
        let is_child = rt.len() > type_lower.len() + 1
            && rt.starts_with(type_lower)
            && rt.as_bytes()[type_lower.len()] == b'/';
        let is_subscription = type_lower == "microsoft.resources/subscriptions";
        let under_target = !is_subscription && (is_child || EXTENSION_TYPES.contains(&rt));
        let values: Vec<Value> = ex
            .target_slots
            .iter()
            .map(|f| field_value(f, resource, None).into_owned())
            .collect();
        let extra =
            (rg_override.is_some() || related_name.is_some() || !values.is_empty()).then(|| {
                Box::new(PendingExtra {
                    rg_override,
                    related_name,
                    values: values.into(),
                })
            });
        Ok(PendingExistence {
            target_id: view.shared_id(),
            under_target,
            // A subscription-level target (no resource group) is searched in its subscription.
            scope_subscription: is_subscription
                || !has_rg
                || ex.scope == ExistenceScope::Subscription,
            extra,
        })
    }

    /// `details.name` for this pending check: computed per target, or the policy's literal.
    pub(crate) fn wanted_name<'s>(&'s self, pending: &'s PendingExistence) -> Option<&'s str> {
        pending
            .related_name()
            .or_else(|| match self.existence.as_ref()?.name.as_ref()? {
                Operand::Lit(Value::String(s)) => Some(s.as_str()),
                _ => None,
            })
    }

    /// Whether `related` is in scope for `pending` (type, id/resource group/subscription, name).
    pub(crate) fn related_in_scope(&self, pending: &PendingExistence, related: &Value) -> bool {
        let Some(ex) = &self.existence else {
            return false;
        };
        let rtype = get_present(related, "type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !rtype.eq_ignore_ascii_case(&ex.related_type) {
            return false;
        }
        let rid = get_present(related, "id")
            .and_then(Value::as_str)
            .unwrap_or("");
        let in_scope = if pending.under_target {
            rid.len() > pending.target_id.len() + 1
                && rid.is_char_boundary(pending.target_id.len())
                && rid[..pending.target_id.len()].eq_ignore_ascii_case(&pending.target_id)
                && rid.as_bytes()[pending.target_id.len()] == b'/'
        } else {
            let (rsub, rrg) = id_parts(rid);
            let same_sub = match (rsub, pending.subscription()) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            };
            same_sub
                && (pending.scope_subscription
                    || matches!((rrg, pending.resource_group()), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b)))
        };
        if !in_scope {
            return false;
        }
        name_matches(self.wanted_name(pending), related)
    }

    /// Decides a pending IfNotExists check against candidate related resources (any order; those
    /// out of scope are ignored): compliant when one satisfies the existence condition.
    pub fn evaluate_existence(&self, pending: &PendingExistence, related: &[&Value]) -> Evaluation {
        self.existence_verdict(pending, related, true)
    }

    /// `check_scope` false: the caller guarantees type and scope (the streaming index does), only
    /// the name is checked.
    pub(crate) fn existence_verdict(
        &self,
        pending: &PendingExistence,
        related: &[&Value],
        check_scope: bool,
    ) -> Evaluation {
        let Some(ex) = &self.existence else {
            return Evaluation::NotApplicable;
        };
        let want = self.wanted_name(pending);
        let checks = related.iter().map(|r| {
            let ok = if check_scope {
                self.related_in_scope(pending, r)
            } else {
                name_matches(want, r)
            };
            if !ok {
                return Check::Skip;
            }
            existence_check(ex, r, &pending.target_id, pending.values())
        });
        self.decide_existence(pending, checks)
    }

    /// True when the existence condition's outcome on a related resource does not depend on the
    /// evaluated resource (no `field()` slot, no `resourceGroup()` / `subscription()`), so it can
    /// be decided once per related resource ([`CompiledPolicy::precheck_existence`]).
    pub(crate) fn existence_is_target_independent(&self) -> bool {
        self.existence.as_ref().is_some_and(|ex| {
            ex.condition.is_some() && ex.target_slots.is_empty() && !ex.condition_reads_scope
        })
    }

    /// The existence condition on `related` alone (only meaningful when
    /// [`CompiledPolicy::existence_is_target_independent`]); never `Skip`.
    pub(crate) fn precheck_existence(&self, related: &Value) -> Check {
        match &self.existence {
            Some(ex) => existence_check(ex, related, "", &[]),
            None => Check::Holds,
        }
    }

    /// The verdict from the related resources' checks, in order: the first that holds makes the
    /// target compliant, the first error makes it `NotAssessed`.
    pub(crate) fn decide_existence<C: std::borrow::Borrow<Check>>(
        &self,
        pending: &PendingExistence,
        checks: impl Iterator<Item = C>,
    ) -> Evaluation {
        let Some(ex) = &self.existence else {
            return Evaluation::NotApplicable;
        };
        let mut candidates = 0usize;
        let mut lacking = 0usize;
        for c in checks {
            match c.borrow() {
                Check::Skip => continue,
                Check::Holds => return Evaluation::Compliant,
                Check::Lacking => lacking += 1,
                Check::Fails => {}
                Check::Error(e) => {
                    return Evaluation::NotAssessed {
                        reason: format!("existence condition failed: {e}"),
                    }
                }
            }
            candidates += 1;
        }
        if lacking > 0 {
            return Evaluation::NotAssessed {
                reason: format!(
                    "{lacking} related {} resource(s) have no `properties` object; the existence condition reads `{}`",
                    ex.related_type,
                    ex.condition_reads_properties.as_deref().unwrap_or("properties")
                ),
            };
        }
        let name = self
            .wanted_name(pending)
            .map(|n| format!(" named '{n}'"))
            .unwrap_or_default();
        Evaluation::NonCompliant {
            reason: if candidates == 0 {
                format!("no related {}{name} resource exists", ex.related_type)
            } else {
                format!("none of the {candidates} related {}{name} resource(s) satisfies the existence condition", ex.related_type)
            },
        }
    }
}

/// What one related resource contributes to an IfNotExists decision.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
    /// Out of scope or another name.
    Skip,
    /// A candidate without the `properties` object its existence condition reads.
    Lacking,
    Holds,
    Fails,
    /// The existence condition failed to evaluate.
    Error(Box<str>),
}

/// `details.name` check: the related resource's name, last id segment, or (for `parent/child`
/// names) full name; a trailing `?` matches any last segment.
fn name_matches(want: Option<&str>, related: &Value) -> bool {
    let name = get_present(related, "name")
        .and_then(Value::as_str)
        .unwrap_or("");
    name_matches_parts(
        want,
        name,
        get_present(related, "id").and_then(Value::as_str),
    )
}

/// [`name_matches`] on a related resource reduced to its name and id (`""` when absent or not a
/// string, as [`name_matches`] reads them).
pub(crate) fn name_matches_parts(want: Option<&str>, name: &str, id: Option<&str>) -> bool {
    let Some(want) = want else {
        return true;
    };
    let matches_one = |cand: &str| {
        if let Some(prefix) = want.strip_suffix('?') {
            cand.len() > prefix.len()
                && cand.is_char_boundary(prefix.len())
                && cand[..prefix.len()].eq_ignore_ascii_case(prefix)
        } else {
            cand.eq_ignore_ascii_case(want)
        }
    };
    if matches_one(name) {
        return true;
    }
    if matches_one(id.unwrap_or("").rsplit('/').next().unwrap_or("")) {
        return true;
    }
    want.contains('/')
        && id
            .and_then(full_name_of_id)
            .is_some_and(|f| matches_one(&f))
}

/// The existence condition of `ex` on one related resource; `home_id` and `slots` are the evaluated
/// resource's id and `field()` values (empty when the condition does not read the evaluated resource).
/// Missing `properties` that the condition reads is `Lacking`, never a pass.
fn existence_check(
    ex: &crate::compile::Existence,
    related: &Value,
    home_id: &str,
    slots: &[Value],
) -> Check {
    let Some(cond) = &ex.condition else {
        return Check::Holds;
    };
    let properties = get_present(related, "properties");
    if properties.is_none() && ex.condition_reads_properties.is_some() {
        return Check::Lacking;
    }
    let ctx = Ctx {
        resource: related,
        home_id,
        slots,
        resource_group: None,
        properties,
        members: None,
        view: None,
    };
    match eval_cond(cond, &ctx, None) {
        Ok(true) => Check::Holds,
        Ok(false) => Check::Fails,
        Err(e) => Check::Error(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::is_indexed;

    /// Extension resources (a second, non-overlapping `/providers/`, any case) and the listed types
    /// are not indexed; the reference counts matches at every byte.
    #[test]
    fn indexed_unless_an_extension_or_a_listed_type() {
        fn reference(id: &str) -> bool {
            let (b, pat) = (id.as_bytes(), b"/providers/");
            let (mut n, mut i) = (0, 0);
            while i < b.len() {
                if b.len() - i >= pat.len() && b[i..i + pat.len()].eq_ignore_ascii_case(pat) {
                    n += 1;
                    i += pat.len();
                } else {
                    i += 1;
                }
            }
            n < 2
        }
        let ids = [
            "",
            "/",
            "/providers/",
            "/providers/providers/",
            "/providers//providers/",
            "/PROVIDERS/x/Providers/",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/providers/Microsoft.Security/assessments/a",
            "/subscriptions/s/resourceGroups/providers/providers/Microsoft.Web/sites/providers",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a/Providers/x",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a/providers",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a/xproviders/",
            "/subscriptions/s/resourceGroups/rg/providers/é/providers/é",
        ];
        for id in ids {
            assert_eq!(is_indexed(id, "microsoft.web/sites"), reference(id), "{id}");
        }
        let vm = ids[6];
        assert!(is_indexed(vm, "microsoft.compute/virtualmachines"));
        assert!(!is_indexed(vm, "microsoft.security/assessments"));
        assert!(!is_indexed(ids[7], "microsoft.compute/virtualmachines"));
    }
}
