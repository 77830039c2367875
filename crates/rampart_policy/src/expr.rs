//! Template expressions (`"[concat('a', parameters('b'))]"`): the parser, the function table and the
//! pure functions. Binding of `parameters()`, `field()` and `current()` happens in `compile`;
//! evaluation against a resource in `eval`.

use std::borrow::Cow;
use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::value::{as_bool, as_f64, compare, contains_ci, to_string_lossy, values_equal};

/// Parsed (unbound) expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ast {
    Lit(Value),
    Call(String, Vec<Ast>),
    Prop(Box<Ast>, String),
    Index(Box<Ast>, Box<Ast>),
}

/// What a JSON string in a rule means: a literal (with `[[` unescaped) or an expression.
pub(crate) enum StringForm<'a> {
    Literal(Cow<'a, str>),
    Expression(&'a str),
}

/// Classifies a JSON string: `[...]` is an expression, `[[...` a literal starting with `[`.
pub(crate) fn classify(s: &str) -> StringForm<'_> {
    if let Some(rest) = s.strip_prefix("[[") {
        StringForm::Literal(Cow::Owned(format!("[{rest}")))
    } else if s.len() >= 2 && s.starts_with('[') && s.ends_with(']') {
        StringForm::Expression(&s[1..s.len() - 1])
    } else {
        StringForm::Literal(Cow::Borrowed(s))
    }
}

/// Parses the text between the outer brackets of an expression.
pub(crate) fn parse(text: &str) -> Result<Ast, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    let ast = p.expr()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("unexpected `{}` at offset {}", &text[p.i..], p.i));
    }
    Ok(ast)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Ast, String> {
        let mut node = self.primary()?;
        loop {
            if self.eat(b'.') {
                self.ws();
                let name = self
                    .ident()
                    .ok_or_else(|| format!("expected a property name at offset {}", self.i))?;
                node = Ast::Prop(Box::new(node), name);
            } else if self.eat(b'[') {
                let idx = self.expr()?;
                if !self.eat(b']') {
                    return Err(format!("expected `]` at offset {}", self.i));
                }
                node = Ast::Index(Box::new(node), Box::new(idx));
            } else {
                return Ok(node);
            }
        }
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
        {
            self.i += 1;
        }
        (self.i > start).then(|| self.text[start..self.i].to_owned())
    }

    fn primary(&mut self) -> Result<Ast, String> {
        self.ws();
        match self.s.get(self.i) {
            None => Err("unexpected end of expression".to_owned()),
            Some(b'\'') => {
                self.i += 1;
                let mut out = String::new();
                loop {
                    let rest = &self.text[self.i..];
                    let Some(q) = rest.find('\'') else {
                        return Err("unterminated string".to_owned());
                    };
                    out.push_str(&rest[..q]);
                    self.i += q + 1;
                    if self.s.get(self.i) == Some(&b'\'') {
                        out.push('\'');
                        self.i += 1;
                    } else {
                        return Ok(Ast::Lit(Value::String(out)));
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let start = self.i;
                self.i += 1;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_digit() || self.s[self.i] == b'.')
                {
                    self.i += 1;
                }
                let t = &self.text[start..self.i];
                if let Ok(n) = t.parse::<i64>() {
                    Ok(Ast::Lit(Value::from(n)))
                } else {
                    t.parse::<f64>()
                        .map(|f| Ast::Lit(Value::from(f)))
                        .map_err(|_| format!("bad number `{t}`"))
                }
            }
            Some(_) => {
                let name = self
                    .ident()
                    .ok_or_else(|| format!("unexpected `{}`", &self.text[self.i..]))?;
                if !self.eat(b'(') {
                    return match name.to_ascii_lowercase().as_str() {
                        "true" => Ok(Ast::Lit(Value::Bool(true))),
                        "false" => Ok(Ast::Lit(Value::Bool(false))),
                        "null" => Ok(Ast::Lit(Value::Null)),
                        _ => Err(format!("expected `(` after `{name}`")),
                    };
                }
                let mut args = Vec::new();
                if !self.eat(b')') {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(b')') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(format!("expected `,` or `)` at offset {}", self.i));
                        }
                    }
                }
                Ok(Ast::Call(name, args))
            }
        }
    }
}

macro_rules! funcs {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// Template functions the engine implements (names are case-insensitive).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Func { $($variant),* }
        impl Func {
            pub(crate) fn from_name(name: &str) -> Option<Func> {
                $(if name.eq_ignore_ascii_case($name) { return Some(Func::$variant); })*
                None
            }
            pub(crate) fn name(self) -> &'static str {
                match self { $(Func::$variant => $name),* }
            }
        }
        /// Every implemented function name, for documentation.
        pub const FUNCTIONS: &[&str] = &[$($name),*];
    };
}

funcs! {
    Parameters => "parameters", Field => "field", Current => "current",
    Concat => "concat", ToLower => "toLower", ToUpper => "toUpper", Trim => "trim",
    If => "if", Equals => "equals", And => "and", Or => "or", Not => "not",
    Contains => "contains", Empty => "empty", Length => "length", Split => "split",
    First => "first", Last => "last", Substring => "substring", Replace => "replace",
    String => "string", Int => "int", Bool => "bool", Float => "float", Coalesce => "coalesce",
    StartsWith => "startsWith", EndsWith => "endsWith", IndexOf => "indexOf", LastIndexOf => "lastIndexOf",
    CreateArray => "createArray", Array => "array", CreateObject => "createObject", Union => "union",
    Intersection => "intersection", ResourceGroup => "resourceGroup", Subscription => "subscription",
    RequestContext => "requestContext", UtcNow => "utcNow", AddDays => "addDays",
    IpRangeContains => "ipRangeContains", Greater => "greater", Less => "less",
    GreaterOrEquals => "greaterOrEquals", LessOrEquals => "lessOrEquals", Take => "take", Skip => "skip",
    Json => "json", PadLeft => "padLeft", TryGet => "tryGet", Min => "min", Max => "max",
    Add => "add", Sub => "sub", Mul => "mul", Div => "div", Mod => "mod", True => "true", False => "false",
    Null => "null", Range => "range", Format => "format", Base64 => "base64",
}

impl Func {
    /// Functions whose result depends only on their arguments (constant-foldable).
    pub(crate) fn is_pure(self) -> bool {
        !matches!(
            self,
            Func::Parameters
                | Func::Field
                | Func::Current
                | Func::ResourceGroup
                | Func::Subscription
                | Func::UtcNow
        )
    }
}

/// Longest string a function may build (Azure's evaluation limit, 131072 characters).
const MAX_STRING: usize = 131_072;

/// The API version `requestContext().apiVersion` reports: Azure uses the latest API version for
/// compliance scans of existing resources, so any "older API" branch is false.
pub(crate) const LATEST_API_VERSION: &str = "9999-12-31";

fn arg<'v>(args: &'v [Cow<'_, Value>], i: usize, f: Func) -> Result<&'v Value, String> {
    args.get(i)
        .map(AsRef::as_ref)
        .ok_or_else(|| format!("{}() needs argument {}", f.name(), i + 1))
}

fn int_arg(args: &[Cow<'_, Value>], i: usize, f: Func) -> Result<i64, String> {
    let v = arg(args, i, f)?;
    as_f64(v)
        .map(|x| x as i64)
        .ok_or_else(|| format!("{}(): argument {} is not an integer: {v}", f.name(), i + 1))
}

fn str_arg<'v>(args: &'v [Cow<'_, Value>], i: usize, f: Func) -> Result<Cow<'v, str>, String> {
    Ok(to_string_lossy(arg(args, i, f)?))
}

/// Applies a function that needs no evaluation context. `if`, `and`, `or`, `coalesce` are handled
/// lazily by the evaluator but also work here on already evaluated arguments.
pub(crate) fn apply(f: Func, args: &[Cow<'_, Value>]) -> Result<Value, String> {
    use Value as V;
    Ok(match f {
        Func::Concat => {
            if args.iter().all(|a| a.is_array()) && !args.is_empty() {
                V::Array(
                    args.iter()
                        .flat_map(|a| a.as_array().into_iter().flatten().cloned())
                        .collect(),
                )
            } else {
                V::String(
                    args.iter()
                        .map(|a| to_string_lossy(a).into_owned())
                        .collect(),
                )
            }
        }
        Func::ToLower => V::String(str_arg(args, 0, f)?.to_lowercase()),
        Func::ToUpper => V::String(str_arg(args, 0, f)?.to_uppercase()),
        Func::Trim => V::String(str_arg(args, 0, f)?.trim().to_owned()),
        Func::If => {
            let c = as_bool(arg(args, 0, f)?).ok_or("if(): condition is not a boolean")?;
            arg(args, if c { 1 } else { 2 }, f)?.clone()
        }
        Func::Equals => V::Bool(values_equal(arg(args, 0, f)?, arg(args, 1, f)?)),
        Func::And => V::Bool(args.iter().all(|a| as_bool(a) == Some(true))),
        Func::Or => V::Bool(args.iter().any(|a| as_bool(a) == Some(true))),
        Func::Not => V::Bool(!as_bool(arg(args, 0, f)?).ok_or("not(): argument is not a boolean")?),
        Func::Contains => {
            let (c, x) = (arg(args, 0, f)?, arg(args, 1, f)?);
            V::Bool(match c {
                V::String(s) => contains_ci(s, &to_string_lossy(x)),
                V::Array(a) => a.iter().any(|e| values_equal(e, x)),
                V::Object(_) => crate::value::get_ci(c, &to_string_lossy(x)).is_some(),
                _ => false,
            })
        }
        Func::Empty => V::Bool(match arg(args, 0, f)? {
            V::Null => true,
            V::String(s) => s.is_empty(),
            V::Array(a) => a.is_empty(),
            V::Object(o) => o.is_empty(),
            _ => false,
        }),
        Func::Length => V::from(match arg(args, 0, f)? {
            V::String(s) => s.chars().count(),
            V::Array(a) => a.len(),
            V::Object(o) => o.len(),
            V::Null => 0,
            other => return Err(format!("length(): unsupported argument {other}")),
        }),
        Func::Split => {
            let s = str_arg(args, 0, f)?;
            let seps: Vec<String> = match arg(args, 1, f)? {
                V::Array(a) => a.iter().map(|x| to_string_lossy(x).into_owned()).collect(),
                other => vec![to_string_lossy(other).into_owned()],
            };
            let mut parts = vec![s.into_owned()];
            for sep in seps.iter().filter(|s| !s.is_empty()) {
                parts = parts
                    .iter()
                    .flat_map(|p| p.split(sep.as_str()).map(str::to_owned))
                    .collect();
            }
            V::Array(parts.into_iter().map(V::String).collect())
        }
        Func::First => match arg(args, 0, f)? {
            V::Array(a) => a.first().cloned().unwrap_or(V::Null),
            V::String(s) => s
                .chars()
                .next()
                .map(|c| V::String(c.to_string()))
                .unwrap_or(V::String(String::new())),
            _ => V::Null,
        },
        Func::Last => match arg(args, 0, f)? {
            V::Array(a) => a.last().cloned().unwrap_or(V::Null),
            V::String(s) => s
                .chars()
                .last()
                .map(|c| V::String(c.to_string()))
                .unwrap_or(V::String(String::new())),
            _ => V::Null,
        },
        Func::Substring => {
            let s: Vec<char> = str_arg(args, 0, f)?.chars().collect();
            let start =
                usize::try_from(int_arg(args, 1, f)?).map_err(|_| "substring(): negative start")?;
            let len = if args.len() > 2 {
                usize::try_from(int_arg(args, 2, f)?).map_err(|_| "substring(): negative length")?
            } else {
                s.len().saturating_sub(start)
            };
            if start + len > s.len() {
                return Err(format!(
                    "substring(): range {start}+{len} exceeds length {}",
                    s.len()
                ));
            }
            V::String(s[start..start + len].iter().collect())
        }
        Func::Replace => {
            V::String(str_arg(args, 0, f)?.replace(&*str_arg(args, 1, f)?, &str_arg(args, 2, f)?))
        }
        Func::String => V::String(to_string_lossy(arg(args, 0, f)?).into_owned()),
        Func::Int => V::from(int_arg(args, 0, f)?),
        Func::Float => V::from(as_f64(arg(args, 0, f)?).ok_or("float(): not a number")?),
        Func::Bool => V::Bool(match arg(args, 0, f)? {
            V::Number(n) => n.as_f64() != Some(0.0),
            other => as_bool(other).ok_or("bool(): not a boolean")?,
        }),
        Func::Coalesce => args
            .iter()
            .find(|a| !a.is_null())
            .map(|a| a.as_ref().clone())
            .unwrap_or(V::Null),
        Func::StartsWith => V::Bool(
            str_arg(args, 0, f)?
                .to_lowercase()
                .starts_with(&str_arg(args, 1, f)?.to_lowercase()),
        ),
        Func::EndsWith => V::Bool(
            str_arg(args, 0, f)?
                .to_lowercase()
                .ends_with(&str_arg(args, 1, f)?.to_lowercase()),
        ),
        Func::IndexOf | Func::LastIndexOf => {
            let (h, n) = (
                str_arg(args, 0, f)?.to_lowercase(),
                str_arg(args, 1, f)?.to_lowercase(),
            );
            let pos = if f == Func::IndexOf {
                h.find(&n)
            } else {
                h.rfind(&n)
            };
            V::from(pos.map(|p| h[..p].chars().count() as i64).unwrap_or(-1))
        }
        Func::CreateArray => V::Array(args.iter().map(|a| a.as_ref().clone()).collect()),
        Func::Array => match arg(args, 0, f)? {
            V::Array(a) => V::Array(a.clone()),
            other => V::Array(vec![other.clone()]),
        },
        Func::CreateObject => {
            if !args.len().is_multiple_of(2) {
                return Err("createObject(): needs key/value pairs".to_owned());
            }
            let mut m = Map::new();
            for pair in args.chunks(2) {
                m.insert(
                    to_string_lossy(&pair[0]).into_owned(),
                    pair[1].as_ref().clone(),
                );
            }
            V::Object(m)
        }
        Func::Union => union(args),
        Func::Intersection => intersection(args),
        Func::RequestContext => {
            let mut m = Map::new();
            m.insert(
                "apiVersion".to_owned(),
                V::String(LATEST_API_VERSION.to_owned()),
            );
            V::Object(m)
        }
        Func::AddDays => {
            let date = str_arg(args, 0, f)?;
            let days = int_arg(args, 1, f)?;
            V::String(
                crate::time::add_days(&date, days)
                    .ok_or_else(|| format!("addDays(): bad date `{date}`"))?,
            )
        }
        Func::IpRangeContains => V::Bool(ip_range_contains(
            &str_arg(args, 0, f)?,
            &str_arg(args, 1, f)?,
        )?),
        Func::Greater | Func::Less | Func::GreaterOrEquals | Func::LessOrEquals => {
            let o = compare(arg(args, 0, f)?, arg(args, 1, f)?)
                .ok_or_else(|| format!("{}(): incomparable", f.name()))?;
            V::Bool(match f {
                Func::Greater => o.is_gt(),
                Func::Less => o.is_lt(),
                Func::GreaterOrEquals => o.is_ge(),
                _ => o.is_le(),
            })
        }
        Func::Take | Func::Skip => {
            let n = usize::try_from(int_arg(args, 1, f)?.max(0)).unwrap_or(0);
            match arg(args, 0, f)? {
                V::Array(a) => V::Array(if f == Func::Take {
                    a.iter().take(n).cloned().collect()
                } else {
                    a.iter().skip(n).cloned().collect()
                }),
                other => {
                    let s = to_string_lossy(other);
                    V::String(if f == Func::Take {
                        s.chars().take(n).collect()
                    } else {
                        s.chars().skip(n).collect()
                    })
                }
            }
        }
        Func::Json => {
            serde_json::from_str(&str_arg(args, 0, f)?).map_err(|e| format!("json(): {e}"))?
        }
        Func::PadLeft => {
            let s = str_arg(args, 0, f)?;
            let width = usize::try_from(int_arg(args, 1, f)?).unwrap_or(0);
            if width > MAX_STRING {
                return Err(format!("padLeft(): width {width} exceeds {MAX_STRING}"));
            }
            let pad = if args.len() > 2 {
                str_arg(args, 2, f)?.chars().next().unwrap_or(' ')
            } else {
                ' '
            };
            let n = s.chars().count();
            let mut out: String = std::iter::repeat_n(pad, width.saturating_sub(n)).collect();
            out.push_str(&s);
            V::String(out)
        }
        Func::TryGet => {
            let mut v = arg(args, 0, f)?;
            for key in &args[1..] {
                let next = match (v, key.as_ref()) {
                    (V::Array(a), k) => as_f64(k)
                        .filter(|i| *i >= 0.0)
                        .and_then(|i| a.get(i as usize)),
                    (o, k) => crate::value::get_ci(o, &to_string_lossy(k)),
                };
                match next {
                    Some(n) => v = n,
                    None => return Ok(V::Null),
                }
            }
            v.clone()
        }
        Func::Min | Func::Max => {
            let nums: Vec<f64> = args
                .iter()
                .flat_map(|a| match a.as_ref() {
                    V::Array(x) => x.iter().filter_map(as_f64).collect::<Vec<_>>(),
                    other => as_f64(other).into_iter().collect(),
                })
                .collect();
            let r = if f == Func::Min {
                nums.iter().copied().reduce(f64::min)
            } else {
                nums.iter().copied().reduce(f64::max)
            };
            r.map(num).ok_or("min()/max(): no numbers")?
        }
        Func::Add | Func::Sub | Func::Mul | Func::Div | Func::Mod => {
            let (a, b) = (int_arg(args, 0, f)?, int_arg(args, 1, f)?);
            V::from(
                match f {
                    Func::Add => a.checked_add(b),
                    Func::Sub => a.checked_sub(b),
                    Func::Mul => a.checked_mul(b),
                    Func::Div => a.checked_div(b),
                    _ => a.checked_rem(b),
                }
                .ok_or_else(|| format!("{}(): arithmetic error", f.name()))?,
            )
        }
        Func::True => V::Bool(true),
        Func::False => V::Bool(false),
        Func::Null => V::Null,
        Func::Range => {
            let (start, count) = (int_arg(args, 0, f)?, int_arg(args, 1, f)?);
            V::Array(
                (start..start.saturating_add(count.clamp(0, 10_000)))
                    .map(V::from)
                    .collect(),
            )
        }
        Func::Format => {
            let mut s = str_arg(args, 0, f)?.into_owned();
            for (i, a) in args.iter().enumerate().skip(1) {
                s = s.replace(&format!("{{{}}}", i - 1), &to_string_lossy(a));
            }
            V::String(s)
        }
        Func::Base64 => V::String(base64(str_arg(args, 0, f)?.as_bytes())),
        Func::Parameters
        | Func::Field
        | Func::Current
        | Func::ResourceGroup
        | Func::Subscription
        | Func::UtcNow => return Err(format!("{}() needs an evaluation context", f.name())),
    })
}

fn num(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

fn union(args: &[Cow<'_, Value>]) -> Value {
    if args.iter().all(|a| a.is_object()) {
        let mut m = Map::new();
        for a in args {
            if let Some(o) = a.as_object() {
                for (k, v) in o {
                    m.insert(k.clone(), v.clone());
                }
            }
        }
        return Value::Object(m);
    }
    let mut out: Vec<Value> = Vec::new();
    for v in args.iter().filter_map(|a| a.as_array()).flatten() {
        if !out.iter().any(|o| values_equal(o, v)) {
            out.push(v.clone());
        }
    }
    Value::Array(out)
}

fn intersection(args: &[Cow<'_, Value>]) -> Value {
    let Some(first) = args.first() else {
        return Value::Null;
    };
    match first.as_ref() {
        Value::Object(o) => {
            let mut m = Map::new();
            for (k, v) in o {
                let everywhere = args[1..]
                    .iter()
                    .all(|a| crate::value::get_ci(a, k).is_some_and(|w| values_equal(v, w)));
                if everywhere {
                    m.insert(k.clone(), v.clone());
                }
            }
            Value::Object(m)
        }
        Value::Array(a) => {
            let mut out: Vec<Value> = Vec::new();
            for v in a {
                let everywhere = args[1..].iter().all(|x| {
                    x.as_array()
                        .is_some_and(|arr| arr.iter().any(|w| values_equal(v, w)))
                });
                if everywhere && !out.iter().any(|o| values_equal(o, v)) {
                    out.push(v.clone());
                }
            }
            Value::Array(out)
        }
        _ => Value::Null,
    }
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Parses `a.b.c.d`, `a.b.c.d/n`, `start-end` (v4 or v6) into an inclusive u128 range + family.
fn ip_range(text: &str) -> Result<(bool, u128, u128), String> {
    let text = text.trim();
    let parse = |s: &str| -> Result<IpAddr, String> {
        s.trim()
            .parse::<IpAddr>()
            .map_err(|_| format!("bad IP `{s}`"))
    };
    let bits = |ip: IpAddr| -> (bool, u128) {
        match ip {
            IpAddr::V4(a) => (true, u128::from(u32::from(a))),
            IpAddr::V6(a) => (false, u128::from(a)),
        }
    };
    if text.is_empty() {
        return Err("empty IP range".to_owned());
    }
    if let Some((a, b)) = text.split_once('-') {
        let ((f1, lo), (f2, hi)) = (bits(parse(a)?), bits(parse(b)?));
        if f1 != f2 {
            return Err("mixed IP families".to_owned());
        }
        return Ok((f1, lo.min(hi), lo.max(hi)));
    }
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (
            a,
            Some(p.parse::<u32>().map_err(|_| format!("bad prefix `{p}`"))?),
        ),
        None => (text, None),
    };
    let (v4, n) = bits(parse(addr)?);
    let width = if v4 { 32 } else { 128 };
    let prefix = prefix.unwrap_or(width).min(width);
    let host = width - prefix;
    let mask: u128 = if host == 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    };
    Ok((v4, n & !mask, (n & !mask) | mask))
}

/// `ipRangeContains(range, target)`: whether every address of `target` lies in `range`.
pub(crate) fn ip_range_contains(range: &str, target: &str) -> Result<bool, String> {
    let (f1, lo, hi) = ip_range(range)?;
    let (f2, tlo, thi) = ip_range(target)?;
    if f1 != f2 {
        return Err("ipRangeContains(): mixed IP families".to_owned());
    }
    Ok(lo <= tlo && thi <= hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(f: Func, args: Vec<Value>) -> Result<Value, String> {
        let args: Vec<Cow<'_, Value>> = args.into_iter().map(Cow::Owned).collect();
        apply(f, &args)
    }

    #[test]
    fn parses_nested_calls_and_accessors() {
        let ast = parse("first(split(field('fullName'), '/'))").unwrap_or(Ast::Lit(Value::Null));
        assert!(matches!(ast, Ast::Call(ref n, _) if n == "first"));
        let ast = parse("resourcegroup().managedBy").unwrap_or(Ast::Lit(Value::Null));
        assert!(matches!(ast, Ast::Prop(_, ref p) if p == "managedBy"));
        let ast = parse("concat('it''s', 'x')[0]").unwrap_or(Ast::Lit(Value::Null));
        assert!(matches!(ast, Ast::Index(..)));
        assert!(parse("concat('a'").is_err());
    }

    #[test]
    fn functions() {
        assert_eq!(
            call(Func::PadLeft, vec![json!(30), json!(3), json!("0")]),
            Ok(json!("030"))
        );
        assert_eq!(
            call(Func::Split, vec![json!("a/b"), json!("/")]),
            Ok(json!(["a", "b"]))
        );
        assert_eq!(
            call(Func::Concat, vec![json!("a"), json!(1)]),
            Ok(json!("a1"))
        );
        assert_eq!(call(Func::Length, vec![json!([1, 2])]), Ok(json!(2)));
        assert_eq!(call(Func::Empty, vec![json!("")]), Ok(json!(true)));
        assert_eq!(
            call(
                Func::Intersection,
                vec![json!({"a": "1", "b": 2}), json!({"A": "1", "b": 3})]
            ),
            Ok(json!({"a": "1"}))
        );
        assert!(call(Func::Substring, vec![json!("abc"), json!(1), json!(5)]).is_err());
        assert_eq!(call(Func::ToLower, vec![json!("AbC")]), Ok(json!("abc")));
    }

    #[test]
    fn ip_ranges() {
        assert_eq!(ip_range_contains("10.0.0.0/24", "10.0.0.5"), Ok(true));
        assert_eq!(ip_range_contains("10.0.0.0/24", "10.0.1.0/24"), Ok(false));
        assert_eq!(ip_range_contains("0.0.0.0/0", "1.2.3.4/32"), Ok(true));
        assert_eq!(
            ip_range_contains("192.168.0.1-192.168.0.9", "192.168.0.5"),
            Ok(true)
        );
        assert!(ip_range_contains("10.0.0.0/8", "::1").is_err());
    }
}
