//! Compiles a definition's `policyRule` with concrete parameter values into an evaluable tree:
//! aliases resolved to property paths, `parameters()` substituted, constant sub-expressions folded,
//! `[*]` paths inside `count.where` bound to their enclosing count, and `field()` inside
//! `then.details` turned into slots filled from the evaluated resource.

use serde_json::{Map, Value};

use crate::alias::AliasTable;
use crate::definition::{PolicyDefinition, PolicyMode};
use crate::error::PolicyError;
use crate::expr::{self, classify, Ast, Func, StringForm};
use crate::path::{has_wild, parse_path, Seg};
use crate::value::{fold_ci, get_ci};

/// The effect a policy has when its `if` matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Effect {
    Audit,
    Deny,
    AuditIfNotExists,
    DeployIfNotExists,
    Disabled,
    Modify,
    Append,
    Manual,
    DenyAction,
}

impl Effect {
    /// Parses an effect name case-insensitively.
    pub fn parse(s: &str) -> Option<Effect> {
        Some(match s.to_ascii_lowercase().as_str() {
            "audit" => Effect::Audit,
            "deny" => Effect::Deny,
            "auditifnotexists" => Effect::AuditIfNotExists,
            "deployifnotexists" => Effect::DeployIfNotExists,
            "disabled" => Effect::Disabled,
            "modify" => Effect::Modify,
            "append" => Effect::Append,
            "manual" => Effect::Manual,
            "denyaction" => Effect::DenyAction,
            _ => return None,
        })
    }

    /// Azure's name of the effect.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Audit => "Audit",
            Effect::Deny => "Deny",
            Effect::AuditIfNotExists => "AuditIfNotExists",
            Effect::DeployIfNotExists => "DeployIfNotExists",
            Effect::Disabled => "Disabled",
            Effect::Modify => "Modify",
            Effect::Append => "Append",
            Effect::Manual => "Manual",
            Effect::DenyAction => "DenyAction",
        }
    }

    /// AuditIfNotExists / DeployIfNotExists: compliance depends on related resources.
    pub fn is_if_not_exists(self) -> bool {
        matches!(self, Effect::AuditIfNotExists | Effect::DeployIfNotExists)
    }
}

/// Condition operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Equals,
    NotEquals,
    Like,
    NotLike,
    Match,
    MatchInsensitively,
    NotMatch,
    NotMatchInsensitively,
    Contains,
    NotContains,
    In,
    NotIn,
    ContainsKey,
    NotContainsKey,
    Exists,
    Less,
    LessOrEquals,
    Greater,
    GreaterOrEquals,
}

const OPS: &[(&str, Op)] = &[
    ("equals", Op::Equals),
    ("notEquals", Op::NotEquals),
    ("like", Op::Like),
    ("notLike", Op::NotLike),
    ("match", Op::Match),
    ("matchInsensitively", Op::MatchInsensitively),
    ("notMatch", Op::NotMatch),
    ("notMatchInsensitively", Op::NotMatchInsensitively),
    ("contains", Op::Contains),
    ("notContains", Op::NotContains),
    ("in", Op::In),
    ("notIn", Op::NotIn),
    ("containsKey", Op::ContainsKey),
    ("notContainsKey", Op::NotContainsKey),
    ("exists", Op::Exists),
    ("less", Op::Less),
    ("lessOrEquals", Op::LessOrEquals),
    ("greater", Op::Greater),
    ("greaterOrEquals", Op::GreaterOrEquals),
];

/// Every implemented condition operator name, for documentation.
pub const CONDITIONS: &[&str] = &[
    "equals",
    "notEquals",
    "like",
    "notLike",
    "match",
    "matchInsensitively",
    "notMatch",
    "notMatchInsensitively",
    "contains",
    "notContains",
    "in",
    "notIn",
    "containsKey",
    "notContainsKey",
    "exists",
    "less",
    "lessOrEquals",
    "greater",
    "greaterOrEquals",
];

/// A path bound to an enclosing `count` (scope `depth`, 0 = outermost) plus the rest of the path
/// below the counted array element.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    pub(crate) depth: usize,
    pub(crate) rest: Box<[Seg]>,
}

/// What a `field` (condition key or `field()` argument) reads.
#[derive(Debug, Clone)]
pub(crate) enum FieldRef {
    Name,
    FullName,
    Kind,
    Type,
    Location,
    Id,
    IdentityType,
    Tags,
    Tag(Box<str>),
    Path {
        /// Candidate paths (several only for type-dependent aliases); the first present one is used.
        paths: Box<[Box<[Seg]>]>,
        /// The property path as text (first candidate), for reasons.
        text: Box<str>,
        wild: bool,
        bound: Option<Bound>,
        /// For a plain path (no candidate has `[*]`, not bound to a `count`): the candidates' id
        /// ([`memo_id`]), under which evaluation memoises the path's value per resource.
        memo_key: Option<u32>,
    },
    /// A data-plane alias (e.g. `Microsoft.KeyVault.Data/...`) with no Resource Manager property.
    DataPlane(Box<str>),
}

/// `current()` references.
#[derive(Debug, Clone)]
pub(crate) enum Current {
    Innermost,
    Named(Box<str>),
    Bound(Bound),
}

/// A bound template expression.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Lit(Value),
    Call(Func, Box<[Expr]>),
    Prop(Box<Expr>, Box<str>),
    Index(Box<Expr>, Box<Expr>),
    Field(Box<FieldRef>),
    /// `field()` inside `then.details`: slot of the evaluated resource's value.
    TargetField(usize),
    Current(Current),
}

/// A condition operand: a literal, or an expression evaluated per resource.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Lit(Value),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub(crate) enum CountSource {
    /// Field count: the counted `[*]` path (absolute), or its part below an enclosing count.
    Field {
        segs: Box<[Seg]>,
        bound: Option<Bound>,
    },
    Value(Operand),
}

#[derive(Debug, Clone)]
pub(crate) struct Count {
    pub(crate) source: CountSource,
    pub(crate) name: Option<Box<str>>,
    pub(crate) where_: Option<Cond>,
}

/// A compiled condition tree.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    All(Box<[Cond]>),
    /// `anyOf`, with an index of its branches when most open with the same `field equals "literal"`.
    Any(Box<[Cond]>, Option<Box<AnyIndex>>),
    Not(Box<Cond>),
    Field {
        field: FieldRef,
        op: Op,
        rhs: Operand,
    },
    Value {
        lhs: Operand,
        op: Op,
        rhs: Operand,
    },
    Count {
        count: Box<Count>,
        op: Op,
        rhs: Operand,
    },
}

/// The branches of an `anyOf` by the string literal that their first condition requires of one plain
/// path (`{"field": P, "equals": "literal"}`, alone or opening an `allOf`): the machine policies'
/// image lists are `anyOf`s of hundreds of such branches on `imagePublisher`. Evaluation reads the
/// path once and tries only the branches whose literal it equals, plus every branch that does not
/// open this way, in their order. Exact: a skipped branch's first condition is false and cannot fail
/// (a literal operand, `equals` never errs), so the branch is false without it being tried.
#[derive(Debug, Clone)]
pub(crate) struct AnyIndex {
    /// The path's [`memo_id`].
    pub(crate) memo_key: u32,
    pub(crate) paths: Box<[Box<[Seg]>]>,
    /// Literal, folded ([`fold_ci`], the fold under which `equals` compares strings) → positions
    /// of the branches requiring it, ascending.
    pub(crate) by_value: foldhash::HashMap<Box<str>, Box<[u32]>>,
    /// Positions of the other branches, ascending: always tried.
    pub(crate) others: Box<[u32]>,
}

/// Fewest indexed branches for an `anyOf` to be indexed (below, trying them costs about as much).
const MIN_INDEXED_BRANCHES: usize = 4;

/// A plain path's memo id, its candidate paths, and the literal a branch requires of it.
type Opening<'c> = (u32, &'c [Box<[Seg]>], &'c str);

/// The path and literal of a branch opening with `field equals "literal"` on a plain path.
fn opening_equals(c: &Cond) -> Option<Opening<'_>> {
    let first = match c {
        Cond::All(cs) => cs.first()?,
        other => other,
    };
    match first {
        Cond::Field {
            field:
                FieldRef::Path {
                    paths,
                    memo_key: Some(key),
                    ..
                },
            op: Op::Equals,
            rhs: Operand::Lit(Value::String(lit)),
        } => Some((*key, paths, lit)),
        _ => None,
    }
}

/// The index of an `anyOf`'s branches ([`AnyIndex`]), on the path most branches open with; `None`
/// when fewer than [`MIN_INDEXED_BRANCHES`] open with it.
pub(crate) fn any_index(branches: &[Cond]) -> Option<Box<AnyIndex>> {
    let mut counts: foldhash::HashMap<u32, usize> = foldhash::HashMap::default();
    for b in branches {
        if let Some((key, _, _)) = opening_equals(b) {
            *counts.entry(key).or_default() += 1;
        }
    }
    // Most branches; the smaller key on a tie, so that the choice does not depend on hashing.
    let (key, n) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
    if n < MIN_INDEXED_BRANCHES {
        return None;
    }
    let mut paths: Option<Box<[Box<[Seg]>]>> = None;
    let mut by_value: foldhash::HashMap<Box<str>, Vec<u32>> = foldhash::HashMap::default();
    let mut others = Vec::new();
    let mut buf = [0u8; 192];
    for (i, b) in branches.iter().enumerate() {
        let pos = u32::try_from(i).ok()?;
        match opening_equals(b) {
            Some((k, p, lit)) if k == key => {
                paths.get_or_insert_with(|| p.into());
                by_value
                    .entry(fold_ci(lit, &mut buf).into())
                    .or_default()
                    .push(pos);
            }
            _ => others.push(pos),
        }
    }
    Some(Box::new(AnyIndex {
        memo_key: key,
        paths: paths?,
        by_value: by_value
            .into_iter()
            .map(|(k, v)| (k, v.into_boxed_slice()))
            .collect(),
        others: others.into_boxed_slice(),
    }))
}

/// Where the related resources of an IfNotExists policy are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExistenceScope {
    ResourceGroup,
    Subscription,
}

/// The compiled `then.details` of AuditIfNotExists / DeployIfNotExists.
#[derive(Debug, Clone)]
pub(crate) struct Existence {
    pub(crate) related_type: String,
    pub(crate) related_type_lower: String,
    pub(crate) name: Option<Operand>,
    pub(crate) resource_group_name: Option<Operand>,
    pub(crate) scope: ExistenceScope,
    pub(crate) condition: Option<Cond>,
    pub(crate) target_slots: Vec<FieldRef>,
    pub(crate) condition_reads_properties: Option<String>,
    /// The condition calls `resourceGroup()` or `subscription()` (which describe the evaluated
    /// resource): with `target_slots`, what makes its outcome depend on the target.
    pub(crate) condition_reads_scope: bool,
}

enum ScopeInfo {
    Field(Vec<Seg>),
    Value(String),
}

/// Compile-time failure of a constant expression (initiative parameter resolution).
pub(crate) enum ConstError {
    MissingParameter,
    Other(String),
}

struct Compiler<'c> {
    origin: &'c str,
    params: &'c Map<String, Value>,
    aliases: &'c AliasTable,
    scopes: Vec<ScopeInfo>,
    /// Some while compiling `existenceCondition`: `field()` calls become slots.
    slots: Option<Vec<FieldRef>>,
    data_plane: bool,
    reads_properties: Option<String>,
    missing_param: Option<String>,
    uses_resource_group: bool,
    /// Set when `resourceGroup()` or `subscription()` is compiled.
    calls_scope: bool,
}

fn member<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

impl Compiler<'_> {
    fn rule_err(&self, path: &str, message: impl Into<String>) -> PolicyError {
        PolicyError::Rule {
            origin: self.origin.to_owned(),
            path: path.to_owned(),
            message: message.into(),
        }
    }

    fn cond(&mut self, v: &Value, path: &str) -> Result<Cond, PolicyError> {
        let obj = v
            .as_object()
            .ok_or_else(|| self.rule_err(path, "condition is not an object"))?;
        if let Some(list) = member(obj, "allOf").or_else(|| member(obj, "anyOf")) {
            let is_all = member(obj, "allOf").is_some();
            let arr = list
                .as_array()
                .ok_or_else(|| self.rule_err(path, "allOf/anyOf is not an array"))?;
            let mut out = Vec::with_capacity(arr.len());
            for (i, c) in arr.iter().enumerate() {
                out.push(self.cond(
                    c,
                    &format!("{path}.{}[{i}]", if is_all { "allOf" } else { "anyOf" }),
                )?);
            }
            return Ok(if is_all {
                Cond::All(out.into())
            } else {
                let index = any_index(&out);
                Cond::Any(out.into(), index)
            });
        }
        if let Some(inner) = member(obj, "not") {
            return Ok(Cond::Not(Box::new(
                self.cond(inner, &format!("{path}.not"))?,
            )));
        }
        let (op, rhs_raw) = OPS
            .iter()
            .find_map(|(name, op)| member(obj, name).map(|v| (*op, v)))
            .ok_or_else(|| {
                self.rule_err(
                    path,
                    format!("no known operator in {}", Value::Object(obj.clone())),
                )
            })?;
        if let Some(count) = member(obj, "count") {
            let count = self.count(count, &format!("{path}.count"))?;
            let rhs = self.operand(rhs_raw, path)?;
            return Ok(Cond::Count {
                count: Box::new(count),
                op,
                rhs,
            });
        }
        let rhs = self.operand(rhs_raw, path)?;
        if let Some(f) = member(obj, "field") {
            let name = match self.operand(f, path)? {
                Operand::Lit(Value::String(s)) => s,
                _ => {
                    return Err(
                        self.rule_err(path, "`field` must be a string (or a constant expression)")
                    )
                }
            };
            let field = self.field(&name, path)?;
            return Ok(Cond::Field { field, op, rhs });
        }
        if let Some(lhs) = member(obj, "value") {
            let lhs = self.operand(lhs, path)?;
            return Ok(Cond::Value { lhs, op, rhs });
        }
        Err(self.rule_err(path, "condition has no `field`, `value` or `count`"))
    }

    fn count(&mut self, v: &Value, path: &str) -> Result<Count, PolicyError> {
        let obj = v
            .as_object()
            .ok_or_else(|| self.rule_err(path, "count is not an object"))?;
        let name = member(obj, "name")
            .and_then(Value::as_str)
            .map(Box::<str>::from);
        let (source, scope) = if let Some(f) = member(obj, "field") {
            let alias = f
                .as_str()
                .ok_or_else(|| self.rule_err(path, "count.field is not a string"))?;
            let field = self.field(alias, path)?;
            let FieldRef::Path { paths, bound, .. } = field else {
                return Err(
                    self.rule_err(path, format!("count.field `{alias}` is not an array alias"))
                );
            };
            let abs: Vec<Seg> = paths.first().map(|p| p.to_vec()).unwrap_or_default();
            let segs: Box<[Seg]> = match &bound {
                Some(b) => b.rest.clone(),
                None => abs.clone().into(),
            };
            (CountSource::Field { segs, bound }, ScopeInfo::Field(abs))
        } else if let Some(val) = member(obj, "value") {
            let op = self.operand(val, path)?;
            let n = name.as_deref().unwrap_or("default").to_owned();
            (CountSource::Value(op), ScopeInfo::Value(n))
        } else {
            return Err(self.rule_err(path, "count needs `field` or `value`"));
        };
        self.scopes.push(scope);
        let where_ = member(obj, "where").map(|w| self.cond(w, &format!("{path}.where")));
        self.scopes.pop();
        Ok(Count {
            source,
            name,
            where_: where_.transpose()?,
        })
    }

    fn bind(&self, segs: &[Seg]) -> Option<Bound> {
        for (depth, scope) in self.scopes.iter().enumerate().rev() {
            if let ScopeInfo::Field(prefix) = scope {
                if prefix.len() <= segs.len() && prefix.iter().zip(segs).all(|(a, b)| a.same(b)) {
                    return Some(Bound {
                        depth,
                        rest: segs[prefix.len()..].into(),
                    });
                }
            }
        }
        None
    }

    fn field(&mut self, name: &str, path: &str) -> Result<FieldRef, PolicyError> {
        let lower = name.to_ascii_lowercase();
        let special = match lower.as_str() {
            "name" => Some(FieldRef::Name),
            "fullname" => Some(FieldRef::FullName),
            "kind" => Some(FieldRef::Kind),
            "type" => Some(FieldRef::Type),
            "location" => Some(FieldRef::Location),
            "id" => Some(FieldRef::Id),
            "identity.type" => Some(FieldRef::IdentityType),
            "tags" => Some(FieldRef::Tags),
            _ => None,
        };
        if let Some(s) = special {
            return Ok(s);
        }
        if let Some(rest) = lower.strip_prefix("tags") {
            if rest.starts_with('.') || rest.starts_with('[') {
                let segs = parse_path(&name[4..]).unwrap_or_default();
                if let [Seg::Key(k)] = segs.as_slice() {
                    return Ok(FieldRef::Tag(k.clone()));
                }
            }
        }
        let Some(paths) = self.aliases.resolve_all(name) else {
            if self.data_plane {
                return Ok(FieldRef::DataPlane(name.into()));
            }
            return Err(PolicyError::UnknownAlias {
                origin: self.origin.to_owned(),
                path: path.to_owned(),
                alias: name.to_owned(),
            });
        };
        let mut parsed: Vec<Box<[Seg]>> = Vec::with_capacity(paths.len());
        for p in paths {
            let segs = parse_path(p).ok_or_else(|| {
                self.rule_err(
                    path,
                    format!("alias `{name}` maps to a malformed path `{p}`"),
                )
            })?;
            parsed.push(segs.into());
        }
        let first = parsed.first().cloned().unwrap_or_default();
        if self.reads_properties.is_none()
            && matches!(first.first(), Some(Seg::Key(k)) if k.eq_ignore_ascii_case("properties"))
        {
            self.reads_properties = Some(paths[0].clone());
        }
        let bound = self.bind(&first);
        let plain = bound.is_none() && !parsed.iter().any(|p| has_wild(p));
        Ok(FieldRef::Path {
            wild: has_wild(&first),
            bound,
            text: paths[0].as_str().into(),
            paths: parsed.into(),
            memo_key: if plain { memo_id(paths) } else { None },
        })
    }

    fn operand(&mut self, v: &Value, path: &str) -> Result<Operand, PolicyError> {
        match v {
            Value::String(s) => match classify(s) {
                StringForm::Literal(l) => Ok(Operand::Lit(Value::String(l.into_owned()))),
                StringForm::Expression(text) => {
                    let ast = expr::parse(text).map_err(|message| PolicyError::Expression {
                        origin: self.origin.to_owned(),
                        path: path.to_owned(),
                        expression: s.clone(),
                        message,
                    })?;
                    Ok(match self.expr(&ast, path, s)? {
                        Expr::Lit(v) => Operand::Lit(v),
                        e => Operand::Expr(e),
                    })
                }
            },
            other => Ok(Operand::Lit(other.clone())),
        }
    }

    fn const_str(&self, e: &Expr, f: Func, path: &str, src: &str) -> Result<String, PolicyError> {
        match e {
            Expr::Lit(Value::String(s)) => Ok(s.clone()),
            _ => Err(self.expr_err(
                path,
                src,
                format!("{}() needs a constant string argument", f.name()),
            )),
        }
    }

    fn expr_err(&self, path: &str, src: &str, message: String) -> PolicyError {
        PolicyError::Expression {
            origin: self.origin.to_owned(),
            path: path.to_owned(),
            expression: src.to_owned(),
            message,
        }
    }

    fn expr(&mut self, ast: &Ast, path: &str, src: &str) -> Result<Expr, PolicyError> {
        match ast {
            Ast::Lit(v) => Ok(Expr::Lit(v.clone())),
            Ast::Prop(inner, name) => {
                let inner = self.expr(inner, path, src)?;
                if let Expr::Lit(v) = &inner {
                    return Ok(Expr::Lit(get_ci(v, name).cloned().unwrap_or(Value::Null)));
                }
                Ok(Expr::Prop(Box::new(inner), name.as_str().into()))
            }
            Ast::Index(inner, idx) => {
                let (inner, idx) = (self.expr(inner, path, src)?, self.expr(idx, path, src)?);
                if let (Expr::Lit(v), Expr::Lit(i)) = (&inner, &idx) {
                    return Ok(Expr::Lit(
                        crate::eval::index_value(v, i).unwrap_or(Value::Null),
                    ));
                }
                Ok(Expr::Index(Box::new(inner), Box::new(idx)))
            }
            Ast::Call(name, args) => {
                let f = Func::from_name(name).ok_or_else(|| PolicyError::UnknownFunction {
                    origin: self.origin.to_owned(),
                    path: path.to_owned(),
                    name: name.clone(),
                })?;
                let mut bound = Vec::with_capacity(args.len());
                for a in args {
                    bound.push(self.expr(a, path, src)?);
                }
                if f == Func::ResourceGroup {
                    self.uses_resource_group = true;
                }
                if matches!(f, Func::ResourceGroup | Func::Subscription) {
                    self.calls_scope = true;
                }
                match f {
                    Func::Parameters => {
                        let pname = self.const_str(
                            bound.first().unwrap_or(&Expr::Lit(Value::Null)),
                            f,
                            path,
                            src,
                        )?;
                        match member(self.params, &pname) {
                            Some(v) => Ok(Expr::Lit(v.clone())),
                            None => {
                                self.missing_param = Some(pname.clone());
                                Err(PolicyError::MissingParameter {
                                    origin: self.origin.to_owned(),
                                    name: pname,
                                })
                            }
                        }
                    }
                    Func::Field => {
                        let fname = self.const_str(
                            bound.first().unwrap_or(&Expr::Lit(Value::Null)),
                            f,
                            path,
                            src,
                        )?;
                        if self.slots.is_some() {
                            // field() in details reads the evaluated resource, not the related one.
                            let saved = std::mem::take(&mut self.scopes);
                            let r = self.field(&fname, path);
                            self.scopes = saved;
                            let fr = r?;
                            let slots = self.slots.get_or_insert_with(Vec::new);
                            slots.push(fr);
                            return Ok(Expr::TargetField(slots.len() - 1));
                        }
                        Ok(Expr::Field(Box::new(self.field(&fname, path)?)))
                    }
                    Func::Current => {
                        if self.scopes.is_empty() {
                            return Err(self.expr_err(
                                path,
                                src,
                                "current() outside a count.where".to_owned(),
                            ));
                        }
                        let Some(a) = bound.first() else {
                            return Ok(Expr::Current(Current::Innermost));
                        };
                        let key = self.const_str(a, f, path, src)?;
                        let named = self.scopes.iter().any(
                            |s| matches!(s, ScopeInfo::Value(n) if n.eq_ignore_ascii_case(&key)),
                        );
                        if named {
                            return Ok(Expr::Current(Current::Named(key.into())));
                        }
                        match self.field(&key, path)? {
                            FieldRef::Path { bound: Some(b), .. } => {
                                Ok(Expr::Current(Current::Bound(b)))
                            }
                            _ => Err(self.expr_err(
                                path,
                                src,
                                format!("current('{key}') does not name an enclosing count"),
                            )),
                        }
                    }
                    _ if f.is_pure() && bound.iter().all(|b| matches!(b, Expr::Lit(_))) => {
                        let args: Vec<std::borrow::Cow<'_, Value>> = bound
                            .iter()
                            .map(|b| match b {
                                Expr::Lit(v) => std::borrow::Cow::Borrowed(v),
                                _ => std::borrow::Cow::Owned(Value::Null),
                            })
                            .collect();
                        expr::apply(f, &args)
                            .map(Expr::Lit)
                            .map_err(|m| self.expr_err(path, src, m))
                    }
                    _ => Ok(Expr::Call(f, bound.into())),
                }
            }
        }
    }
}

/// Evaluates an expression that may only use constants and `parameters()` (initiative values).
pub(crate) fn eval_constant(ast: &Ast, params: &Map<String, Value>) -> Result<Value, ConstError> {
    static EMPTY: std::sync::OnceLock<AliasTable> = std::sync::OnceLock::new();
    let mut c = Compiler {
        origin: "",
        params,
        aliases: EMPTY.get_or_init(AliasTable::default),
        scopes: Vec::new(),
        slots: None,
        data_plane: false,
        reads_properties: None,
        missing_param: None,
        uses_resource_group: false,
        calls_scope: false,
    };
    match c.expr(ast, "", "") {
        Ok(Expr::Lit(v)) => Ok(v),
        Ok(_) => Err(ConstError::Other("expression is not constant".to_owned())),
        Err(e) => match c.missing_param {
            Some(_) => Err(ConstError::MissingParameter),
            None => Err(ConstError::Other(e.to_string())),
        },
    }
}

/// A policy definition compiled with concrete parameter values, ready to evaluate resources.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) mode: PolicyMode,
    pub(crate) effect: Effect,
    pub(crate) rule: Cond,
    pub(crate) existence: Option<Existence>,
    /// First `properties.*` path the `if` reads (missing-data detection).
    pub(crate) reads_properties: Option<String>,
    /// Lower-case types the `if` pins the resource to (None: any type).
    pub(crate) pinned_types: Option<Vec<String>>,
    /// The rule reduced to what decides applicability (see [`AppCond`]).
    pub(crate) applicable: AppCond,
    /// The `if` without the top-level type condition the pin already checked (evaluated only
    /// after the pin check).
    pub(crate) body: Cond,
    /// Applicability is exactly the pin check (no other type/name/kind condition counts).
    pub(crate) pin_decides: bool,
    /// [`CompiledPolicy::applicable`] reads nothing but the resource's `type` and `kind` (every
    /// condition it evaluates is one of those fields against a literal), so that its outcome can be
    /// found once per type and kind and reused (`StreamingEvaluator::prepare`).
    pub(crate) app_type_kind_only: bool,
    /// The rule calls `resourceGroup()` (whose `managedBy`, `tags`… come from the resource-group row).
    pub(crate) uses_resource_group: bool,
    /// What a NonCompliant reason describes: up to three unbound fields and field counts the `if`
    /// reads, in rule order, each path once. Depends on the rule only, so it is found once here
    /// instead of walking the rule for every non-compliant resource.
    pub(crate) described: Box<[Described]>,
}

/// One item of a NonCompliant reason ([`CompiledPolicy::described`]).
#[derive(Debug, Clone)]
pub(crate) enum Described {
    /// `path = value` (or `path is absent`): an unbound [`FieldRef::Path`]'s candidate paths, text
    /// and whether it selects a collection.
    Field {
        paths: Box<[Box<[Seg]>]>,
        text: Box<str>,
        wild: bool,
    },
    /// `path[*] has N element(s)`: the counted path and its text.
    Count { segs: Box<[Seg]>, text: Box<str> },
}

/// The fields and counts a NonCompliant reason describes (see [`CompiledPolicy::described`]).
fn described(rule: &Cond) -> Box<[Described]> {
    fn walk(c: &Cond, out: &mut Vec<Described>) {
        if out.len() >= 3 {
            return;
        }
        match c {
            Cond::All(cs) | Cond::Any(cs, _) => cs.iter().for_each(|c| walk(c, out)),
            Cond::Not(c) => walk(c, out),
            Cond::Field {
                field:
                    FieldRef::Path {
                        paths,
                        text,
                        wild,
                        bound: None,
                        ..
                    },
                ..
            } => {
                // The same path twice (e.g. `exists` then `equals`) is described once.
                let seen = out.iter().any(|d| match d {
                    Described::Field { text: t, .. } | Described::Count { text: t, .. } => {
                        t == text
                    }
                });
                if !seen {
                    out.push(Described::Field {
                        paths: paths.clone(),
                        text: text.clone(),
                        wild: *wild,
                    });
                }
            }
            Cond::Count { count, .. } => {
                if let CountSource::Field { segs, bound: None } = &count.source {
                    let mut text = String::new();
                    for (i, seg) in segs.iter().enumerate() {
                        match seg {
                            Seg::Key(k) if i == 0 => text.push_str(k),
                            Seg::Key(k) => {
                                text.push('.');
                                text.push_str(k);
                            }
                            Seg::Wild => text.push_str("[*]"),
                            Seg::Index(x) => text.push_str(&format!("[{x}]")),
                        }
                    }
                    out.push(Described::Count {
                        segs: segs.clone(),
                        text: text.into(),
                    });
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(rule, &mut out);
    out.into()
}

/// The rule as applicability reads it: the conditions of the kinds [`Applicability`] selects, and
/// in their place of every subtree without one, [`AppCond::Neutral`]. Such a subtree is neutral as a
/// whole (true, or false under a `not`: an `allOf` or `anyOf` of neutral members, or the `not` of
/// one, is itself neutral), so applicability no longer walks the rest of the rule per resource.
#[derive(Debug, Clone)]
pub(crate) enum AppCond {
    Neutral,
    All(Box<[AppCond]>),
    Any(Box<[AppCond]>),
    Not(Box<AppCond>),
    /// A type / name / kind condition [`Applicability`] selects: evaluated.
    Decides(Cond),
}

/// Whether evaluating `c` reads nothing of a resource but its `type` and `kind` members: each
/// condition it decides by is a `type` or `kind` field compared with a literal.
fn reads_type_kind_only(c: &AppCond) -> bool {
    match c {
        AppCond::Neutral => true,
        AppCond::All(cs) | AppCond::Any(cs) => cs.iter().all(reads_type_kind_only),
        AppCond::Not(c) => reads_type_kind_only(c),
        AppCond::Decides(Cond::Field {
            field: FieldRef::Type | FieldRef::Kind,
            rhs: Operand::Lit(_),
            ..
        }) => true,
        AppCond::Decides(_) => false,
    }
}

/// [`AppCond`] of `c` under the selection `sel`.
pub(crate) fn app_cond(c: &Cond, sel: Applicability) -> AppCond {
    let list = |cs: &[Cond]| -> Option<Box<[AppCond]>> {
        let kids: Box<[AppCond]> = cs.iter().map(|c| app_cond(c, sel)).collect();
        // An empty `allOf` is true and an empty `anyOf` false whatever the negation: not neutral.
        (kids.is_empty() || kids.iter().any(|k| !matches!(k, AppCond::Neutral))).then_some(kids)
    };
    match c {
        Cond::All(cs) => list(cs).map_or(AppCond::Neutral, AppCond::All),
        Cond::Any(cs, _) => list(cs).map_or(AppCond::Neutral, AppCond::Any),
        Cond::Not(inner) => match app_cond(inner, sel) {
            AppCond::Neutral => AppCond::Neutral,
            t => AppCond::Not(Box::new(t)),
        },
        Cond::Field { field, .. }
            if (sel.ty && matches!(field, FieldRef::Type))
                || (sel.name && matches!(field, FieldRef::Name))
                || (sel.kind && matches!(field, FieldRef::Kind)) =>
        {
            AppCond::Decides(c.clone())
        }
        _ => AppCond::Neutral,
    }
}

/// Which condition kinds decide applicability for non-IfNotExists effects (policy applicability
/// logic): the special cases of Azure's table, computed once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Applicability {
    pub(crate) ty: bool,
    pub(crate) name: bool,
    pub(crate) kind: bool,
}

fn applicability(rule: &Cond) -> Applicability {
    #[derive(Default)]
    struct Kinds {
        ty: bool,
        name: bool,
        kind: bool,
        other: bool,
    }
    fn walk(c: &Cond, k: &mut Kinds) {
        match c {
            Cond::All(cs) | Cond::Any(cs, _) => cs.iter().for_each(|c| walk(c, k)),
            Cond::Not(c) => walk(c, k),
            Cond::Field {
                field: FieldRef::Type,
                ..
            } => k.ty = true,
            Cond::Field {
                field: FieldRef::Name,
                ..
            } => k.name = true,
            Cond::Field {
                field: FieldRef::Kind,
                ..
            } => k.kind = true,
            _ => k.other = true,
        }
    }
    let mut k = Kinds::default();
    walk(rule, &mut k);
    match (k.ty, k.other) {
        // Only type (+ name/kind) conditions: only the type conditions decide.
        (true, false) => Applicability {
            ty: true,
            name: false,
            kind: false,
        },
        (true, true) => Applicability {
            ty: true,
            name: true,
            kind: true,
        },
        // No type condition: only name and/or kind conditions → applicable to all resources.
        (false, false) => Applicability {
            ty: false,
            name: false,
            kind: false,
        },
        (false, true) => Applicability {
            ty: false,
            name: true,
            kind: true,
        },
    }
}

fn is_pin_cond(c: &Cond) -> bool {
    matches!(
        c,
        Cond::Field {
            field: FieldRef::Type,
            op: Op::Equals,
            rhs: Operand::Lit(Value::String(_))
        } | Cond::Field {
            field: FieldRef::Type,
            op: Op::In,
            rhs: Operand::Lit(Value::Array(_))
        }
    )
}

fn mentions_type(c: &Cond) -> bool {
    match c {
        Cond::All(cs) | Cond::Any(cs, _) => cs.iter().any(mentions_type),
        Cond::Not(c) => mentions_type(c),
        Cond::Field {
            field: FieldRef::Type,
            ..
        } => true,
        _ => false,
    }
}

/// Removes the top-level type condition that [`pinned`] derived the pin from (the pin check
/// precedes evaluation, so it is redundant), and tells whether the pin alone decides
/// applicability.
fn strip_pin(rule: &Cond, is_pinned: bool, sel: Applicability) -> (Cond, bool) {
    if !is_pinned {
        return (rule.clone(), false);
    }
    let body = match rule {
        c if is_pin_cond(c) => Cond::All(Box::new([])),
        Cond::All(cs) => match cs.iter().position(|c| pinned(c).is_some()) {
            Some(i) if is_pin_cond(&cs[i]) => Cond::All(
                cs.iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, c)| c.clone())
                    .collect(),
            ),
            _ => rule.clone(),
        },
        _ => rule.clone(),
    };
    // An unstripped body still mentions the pinning type condition, so it never "decides".
    let decides = sel.ty && !sel.name && !sel.kind && !mentions_type(&body);
    (body, decides)
}

/// Lower-case resource types the condition requires (None when any type may match).
fn pinned(c: &Cond) -> Option<Vec<String>> {
    match c {
        Cond::Field {
            field: FieldRef::Type,
            op: Op::Equals,
            rhs: Operand::Lit(Value::String(t)),
        } => Some(vec![t.to_ascii_lowercase()]),
        Cond::Field {
            field: FieldRef::Type,
            op: Op::In,
            rhs: Operand::Lit(Value::Array(ts)),
        } => ts
            .iter()
            .map(|t| t.as_str().map(str::to_ascii_lowercase))
            .collect(),
        Cond::All(cs) => cs.iter().find_map(pinned),
        Cond::Any(cs, _) => {
            let mut all = Vec::new();
            for c in cs.iter() {
                all.extend(pinned(c)?);
            }
            Some(all)
        }
        _ => None,
    }
}

fn collect_types(c: &Cond, out: &mut Vec<String>) {
    match c {
        Cond::All(cs) | Cond::Any(cs, _) => cs.iter().for_each(|c| collect_types(c, out)),
        Cond::Not(c) => collect_types(c, out),
        Cond::Field {
            field: FieldRef::Type,
            rhs: Operand::Lit(v),
            ..
        } => {
            let mut push = |s: &str| {
                let l = s.to_ascii_lowercase();
                if !out.contains(&l) {
                    out.push(l);
                }
            };
            match v {
                Value::String(s) => push(s),
                Value::Array(a) => a.iter().filter_map(Value::as_str).for_each(push),
                _ => {}
            }
        }
        _ => {}
    }
}

/// Resource types a data-plane mode policy is about, in Resource Manager terms.
pub(crate) fn data_plane_targets(mode: &PolicyMode) -> &'static [&'static str] {
    match mode {
        PolicyMode::KubernetesData => &[
            "microsoft.containerservice/managedclusters",
            "microsoft.kubernetes/connectedclusters",
        ],
        PolicyMode::KeyVaultData => &["microsoft.keyvault/vaults"],
        _ => &[],
    }
}

impl CompiledPolicy {
    /// Compiles `def` with parameter values `params` (missing ones take the definition defaults).
    pub fn compile(
        def: &PolicyDefinition,
        params: &Map<String, Value>,
        aliases: &AliasTable,
    ) -> Result<Self, PolicyError> {
        let origin = def.origin.as_str();
        let mut full = Map::new();
        for p in &def.parameters {
            let v = member(params, &p.name)
                .cloned()
                .or_else(|| p.default_value.clone());
            if let Some(v) = v {
                full.insert(p.name.clone(), v);
            }
        }
        let rule = def
            .policy_rule
            .as_object()
            .ok_or_else(|| PolicyError::Missing {
                origin: origin.to_owned(),
                field: "properties.policyRule".to_owned(),
                expected: "object",
            })?;
        let if_ = member(rule, "if").ok_or_else(|| PolicyError::Missing {
            origin: origin.to_owned(),
            field: "policyRule.if".to_owned(),
            expected: "object",
        })?;
        let then = member(rule, "then")
            .and_then(Value::as_object)
            .ok_or_else(|| PolicyError::Missing {
                origin: origin.to_owned(),
                field: "policyRule.then".to_owned(),
                expected: "object",
            })?;
        let mut c = Compiler {
            origin,
            params: &full,
            aliases,
            scopes: Vec::new(),
            slots: None,
            data_plane: def.mode.is_data_plane(),
            reads_properties: None,
            missing_param: None,
            uses_resource_group: false,
            calls_scope: false,
        };
        let cond = c.cond(if_, "policyRule.if")?;
        let reads_properties = c.reads_properties.take();
        let effect_raw = member(then, "effect").ok_or_else(|| PolicyError::Missing {
            origin: origin.to_owned(),
            field: "policyRule.then.effect".to_owned(),
            expected: "string",
        })?;
        let effect = match c.operand(effect_raw, "policyRule.then.effect")? {
            Operand::Lit(Value::String(s)) => {
                Effect::parse(&s).ok_or_else(|| PolicyError::UnknownEffect {
                    origin: origin.to_owned(),
                    effect: s,
                })?
            }
            other => {
                return Err(PolicyError::UnknownEffect {
                    origin: origin.to_owned(),
                    effect: format!("{other:?}"),
                })
            }
        };
        let details = member(then, "details").and_then(Value::as_object);
        let existence = match details.and_then(|d| member(d, "type").map(|t| (d, t))) {
            Some((d, t)) if !def.mode.is_data_plane() => {
                let related_type = t.as_str().unwrap_or_default().to_owned();
                let name = member(d, "name")
                    .map(|n| c.operand(n, "policyRule.then.details.name"))
                    .transpose()?;
                let resource_group_name = member(d, "resourceGroupName")
                    .map(|n| c.operand(n, "policyRule.then.details.resourceGroupName"))
                    .transpose()?;
                let scope = match member(d, "existenceScope").and_then(Value::as_str) {
                    Some(s) if s.eq_ignore_ascii_case("subscription") => {
                        ExistenceScope::Subscription
                    }
                    _ => ExistenceScope::ResourceGroup,
                };
                c.slots = Some(Vec::new());
                c.calls_scope = false;
                let condition = member(d, "existenceCondition")
                    .map(|e| c.cond(e, "policyRule.then.details.existenceCondition"))
                    .transpose()?;
                Some(Existence {
                    related_type_lower: related_type.to_ascii_lowercase(),
                    related_type,
                    name,
                    resource_group_name,
                    scope,
                    condition,
                    target_slots: c.slots.take().unwrap_or_default(),
                    condition_reads_properties: c.reads_properties.take(),
                    condition_reads_scope: c.calls_scope,
                })
            }
            _ => None,
        };
        if effect.is_if_not_exists() && existence.is_none() && !def.mode.is_data_plane() {
            return Err(PolicyError::Rule {
                origin: origin.to_owned(),
                path: "policyRule.then.details".to_owned(),
                message: format!("effect {} needs details.type", effect.as_str()),
            });
        }
        let pinned_types = if def.mode.is_data_plane() {
            Some(
                data_plane_targets(&def.mode)
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            )
        } else {
            pinned(&cond)
        };
        let applicability = applicability(&cond);
        let (body, pin_decides) = strip_pin(&cond, pinned_types.is_some(), applicability);
        let applicable = app_cond(&cond, applicability);
        Ok(CompiledPolicy {
            name: def.name.clone(),
            display_name: def.display_name.clone(),
            mode: def.mode.clone(),
            effect,
            app_type_kind_only: reads_type_kind_only(&applicable),
            applicable,
            uses_resource_group: c.uses_resource_group,
            described: described(&cond),
            body,
            pin_decides,
            rule: cond,
            existence,
            reads_properties,
            pinned_types,
        })
    }

    /// The resolved effect.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The definition's mode.
    pub fn mode(&self) -> PolicyMode {
        self.mode.clone()
    }

    /// The definition GUID.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The definition display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// `then.details.type` of AuditIfNotExists / DeployIfNotExists rules.
    pub fn related_type(&self) -> Option<&str> {
        self.existence.as_ref().map(|e| e.related_type.as_str())
    }

    /// Lower-case resource types named by `type` conditions of the `if` (for documentation); for
    /// data-plane modes, the Resource Manager types they concern.
    pub fn resource_types(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_types(&self.rule, &mut out);
        for t in data_plane_targets(&self.mode) {
            if !out.iter().any(|o| o == t) {
                out.push((*t).to_owned());
            }
        }
        out
    }

    /// True when the rule calls `resourceGroup()`: pass the resource-group row to
    /// [`CompiledPolicy::evaluate_in_resource_group`] for its `managedBy`, `tags`, `location`.
    pub fn uses_resource_group(&self) -> bool {
        self.uses_resource_group
    }

    /// Lower-case types the `if` requires, when it pins them (used to index policies by type).
    pub fn pinned_types(&self) -> Option<&[String]> {
        self.pinned_types.as_deref()
    }
}

/// The memo id of a plain path's candidate list: equal lists get equal ids in every policy compiled
/// in this process (and unequal lists different ones), so that evaluation can share a path's value
/// between policies by id alone. Interned process-wide: ids are small and dense, and the table
/// holds each distinct candidate list once (a few hundred for the built-in initiative).
fn memo_id(paths: &[String]) -> Option<u32> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock, PoisonError};
    static IDS: OnceLock<Mutex<HashMap<Vec<String>, u32>>> = OnceLock::new();
    let mut ids = IDS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(&id) = ids.get(paths) {
        return Some(id);
    }
    // Past u32::MAX lists (never, in practice) a path is simply not memoised.
    let id = u32::try_from(ids.len()).ok()?;
    ids.insert(paths.to_vec(), id);
    Some(id)
}

/// Leading member names (at most two: `properties.<x>`) of every path a condition reads from the
/// resource it is evaluated on, so that a retained copy can be pruned to what evaluation needs.
pub(crate) fn read_prefixes(c: &Cond, out: &mut Vec<Vec<Box<str>>>) {
    fn push_path(segs: &[Seg], out: &mut Vec<Vec<Box<str>>>) {
        let mut prefix = Vec::new();
        for s in segs.iter().take(2) {
            match s {
                Seg::Key(k) => prefix.push(k.clone()),
                _ => break,
            }
        }
        if !prefix.is_empty() && !out.contains(&prefix) {
            out.push(prefix);
        }
    }
    fn field(f: &FieldRef, out: &mut Vec<Vec<Box<str>>>) {
        let special = match f {
            FieldRef::Path {
                paths, bound: None, ..
            } => {
                paths.iter().for_each(|p| push_path(p, out));
                return;
            }
            FieldRef::Kind => "kind",
            FieldRef::Tags | FieldRef::Tag(_) => "tags",
            FieldRef::IdentityType => "identity",
            FieldRef::Location => "location",
            _ => return,
        };
        push_path(&[Seg::Key(special.into())], out);
    }
    fn expr(e: &Expr, out: &mut Vec<Vec<Box<str>>>) {
        match e {
            Expr::Field(f) => field(f, out),
            Expr::Call(_, args) => args.iter().for_each(|a| expr(a, out)),
            Expr::Prop(a, _) => expr(a, out),
            Expr::Index(a, b) => {
                expr(a, out);
                expr(b, out);
            }
            Expr::Lit(_) | Expr::TargetField(_) | Expr::Current(_) => {}
        }
    }
    fn operand(o: &Operand, out: &mut Vec<Vec<Box<str>>>) {
        if let Operand::Expr(e) = o {
            expr(e, out);
        }
    }
    match c {
        Cond::All(cs) | Cond::Any(cs, _) => cs.iter().for_each(|c| read_prefixes(c, out)),
        Cond::Not(c) => read_prefixes(c, out),
        Cond::Field { field: f, rhs, .. } => {
            field(f, out);
            operand(rhs, out);
        }
        Cond::Value { lhs, rhs, .. } => {
            operand(lhs, out);
            operand(rhs, out);
        }
        Cond::Count { count, rhs, .. } => {
            operand(rhs, out);
            match &count.source {
                CountSource::Field { segs, bound: None } => push_path(segs, out),
                CountSource::Field { .. } => {}
                CountSource::Value(o) => operand(o, out),
            }
            if let Some(w) = &count.where_ {
                read_prefixes(w, out);
            }
        }
    }
}
