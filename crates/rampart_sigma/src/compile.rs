//! Compilation of a parsed Sigma rule (rsigma-parser's AST) into the matcher tree:
//! detections become [`Item`]s over interned field ids, the condition becomes a [`Cond`]
//! over detection indices. Everything the engine cannot evaluate faithfully is refused
//! here with a specific [`Refusal`].

use rsigma_parser::{
    ConditionExpr, Detection, DetectionItem, Modifier, Quantifier, SelectorPattern, SigmaRule,
    SigmaString, SigmaValue, SpecialChar, StringPart,
};

use crate::catalog::SourceSpec;
use crate::error::Refusal;
use crate::event::{Event, FieldId, FieldTable};
use crate::matcher::{Cidr, Cmp, Item, ItemTest, Pred, StrPat};

/// A compiled detection (a named search identifier).
#[derive(Debug, Clone)]
pub(crate) enum Det {
    /// Items linked with AND (a YAML map).
    AllOf(Vec<Item>),
    /// Sub-detections linked with OR (a YAML list of maps).
    AnyOf(Vec<Det>),
}

impl Det {
    fn eval<E: Event + ?Sized>(&self, ev: &E) -> bool {
        match self {
            Det::AllOf(items) => items.iter().all(|i| i.matches(ev)),
            Det::AnyOf(subs) => subs.iter().any(|d| d.eval(ev)),
        }
    }
}

/// A compiled condition over detection indices.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    Det(usize),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// `N of ...`: at least N of the operands.
    AtLeast(usize, Vec<Cond>),
}

/// A rule's compiled detection logic.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub(crate) dets: Vec<Det>,
    pub(crate) cond: Cond,
}

impl CompiledRule {
    pub(crate) fn eval<E: Event + ?Sized>(&self, ev: &E) -> bool {
        self.eval_cond(&self.cond, ev)
    }

    fn eval_cond<E: Event + ?Sized>(&self, c: &Cond, ev: &E) -> bool {
        match c {
            Cond::Det(i) => self.dets[*i].eval(ev),
            Cond::And(cs) => cs.iter().all(|c| self.eval_cond(c, ev)),
            Cond::Or(cs) => cs.iter().any(|c| self.eval_cond(c, ev)),
            Cond::Not(c) => !self.eval_cond(c, ev),
            // `0 of x` holds vacuously.
            Cond::AtLeast(0, _) => true,
            Cond::AtLeast(n, cs) => {
                let mut hits = 0;
                for c in cs {
                    if self.eval_cond(c, ev) {
                        hits += 1;
                        if hits >= *n {
                            return true;
                        }
                    }
                }
                false
            }
        }
    }

    /// Literal values (lowercased) one of which `field` must equal for the rule to match;
    /// `None` when the rule does not constrain `field` to literals.
    pub(crate) fn required_literals(&self, field: FieldId) -> Option<Vec<String>> {
        self.req_cond(&self.cond, field)
    }

    fn req_cond(&self, c: &Cond, field: FieldId) -> Option<Vec<String>> {
        match c {
            Cond::Det(i) => req_det(&self.dets[*i], field),
            Cond::And(cs) => cs
                .iter()
                .filter_map(|c| self.req_cond(c, field))
                .min_by_key(Vec::len),
            Cond::AtLeast(0, _) => None,
            Cond::AtLeast(n, cs) if *n >= cs.len() => cs
                .iter()
                .filter_map(|c| self.req_cond(c, field))
                .min_by_key(Vec::len),
            Cond::Or(cs) | Cond::AtLeast(_, cs) => {
                union(cs.iter().map(|c| self.req_cond(c, field)))
            }
            Cond::Not(_) => None,
        }
    }
}

fn union(sets: impl Iterator<Item = Option<Vec<String>>>) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for s in sets {
        out.extend(s?);
    }
    out.sort();
    out.dedup();
    Some(out)
}

fn req_det(d: &Det, field: FieldId) -> Option<Vec<String>> {
    match d {
        Det::AllOf(items) => items
            .iter()
            .filter_map(|i| req_item(i, field))
            .min_by_key(Vec::len),
        Det::AnyOf(subs) => union(subs.iter().map(|d| req_det(d, field))),
    }
}

fn req_item(i: &Item, field: FieldId) -> Option<Vec<String>> {
    if i.field != Some(field) {
        return None;
    }
    match &i.test {
        ItemTest::Values {
            preds,
            contains_any: None,
            all: false,
            neg: false,
        } => preds
            .iter()
            .map(|p| match p {
                Pred::Str(s) => s.exact_literal().map(str::to_ascii_lowercase),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// Compiles the detection section of `rule` against `spec`'s field mapping, interning the
/// event paths it reads into `fields`.
pub(crate) fn compile_rule(
    rule: &SigmaRule,
    spec: Option<&SourceSpec>,
    fields: &mut FieldTable,
) -> Result<CompiledRule, Refusal> {
    if rule.detection.timeframe.is_some() {
        return Err(Refusal::Timeframe);
    }
    // Sorted so `them` / `x*` operand order, and so errors, are deterministic.
    let mut names: Vec<&String> = rule.detection.named.keys().collect();
    names.sort();
    let mut cx = Cx { spec, fields };
    let mut dets = Vec::with_capacity(names.len());
    for name in &names {
        dets.push(cx.detection(&rule.detection.named[*name])?);
    }
    let mut conds = rule
        .detection
        .conditions
        .iter()
        .map(|c| condition(c, &names))
        .collect::<Result<Vec<_>, _>>()?;
    let cond = if conds.len() == 1 {
        conds.remove(0)
    } else {
        // A list of conditions is linked with OR (spec, "Condition").
        Cond::Or(conds)
    };
    Ok(CompiledRule { dets, cond })
}

fn name_glob(pattern: &str, name: &str) -> bool {
    // `*` matches any run of characters, anywhere in the pattern.
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn condition(c: &ConditionExpr, names: &[&String]) -> Result<Cond, Refusal> {
    Ok(match c {
        ConditionExpr::And(cs) => Cond::And(
            cs.iter()
                .map(|c| condition(c, names))
                .collect::<Result<_, _>>()?,
        ),
        ConditionExpr::Or(cs) => Cond::Or(
            cs.iter()
                .map(|c| condition(c, names))
                .collect::<Result<_, _>>()?,
        ),
        ConditionExpr::Not(c) => Cond::Not(Box::new(condition(c, names)?)),
        ConditionExpr::Identifier(id) => match names.iter().position(|n| *n == id) {
            Some(i) => Cond::Det(i),
            None => return Err(Refusal::UnknownIdentifier { name: id.clone() }),
        },
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let ops: Vec<Cond> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| match pattern {
                    SelectorPattern::Them => !n.starts_with('_'),
                    SelectorPattern::Pattern(p) => name_glob(p, n),
                })
                .map(|(i, _)| Cond::Det(i))
                .collect();
            if ops.is_empty() {
                return Err(Refusal::EmptySelector {
                    pattern: pattern.to_string(),
                });
            }
            match quantifier {
                Quantifier::Any => Cond::Or(ops),
                Quantifier::All => Cond::And(ops),
                Quantifier::Count(n) => Cond::AtLeast(*n as usize, ops),
            }
        }
    })
}

struct Cx<'a> {
    spec: Option<&'a SourceSpec>,
    fields: &'a mut FieldTable,
}

#[derive(Default)]
struct Mods {
    pos_start: bool,
    pos_end: bool,
    all: bool,
    cased: bool,
    re: bool,
    re_flags: String,
    cidr: bool,
    exists: bool,
    fieldref: bool,
    neq: bool,
    cmp: Option<Cmp>,
    windash: bool,
    base64: bool,
    base64offset: bool,
    utf16: Option<Utf16>,
}

#[derive(Clone, Copy)]
enum Utf16 {
    Le,
    Be,
    Bom,
}

impl Cx<'_> {
    fn field_id(&mut self, sigma_field: &str) -> FieldId {
        let path = match self.spec {
            Some(s) => s.map_field(sigma_field).to_string(),
            None => sigma_field.to_string(),
        };
        self.fields.intern(&path)
    }

    fn detection(&mut self, d: &Detection) -> Result<Det, Refusal> {
        match d {
            Detection::AllOf(items) => Ok(Det::AllOf(
                items
                    .iter()
                    .map(|i| self.item(i))
                    .collect::<Result<_, _>>()?,
            )),
            Detection::AnyOf(subs) => Ok(Det::AnyOf(
                subs.iter()
                    .map(|d| self.detection(d))
                    .collect::<Result<_, _>>()?,
            )),
            Detection::Keywords(values) => {
                let item = DetectionItem {
                    field: rsigma_parser::FieldSpec::new(None, Vec::new()),
                    values: values.clone(),
                };
                Ok(Det::AllOf(vec![self.item(&item)?]))
            }
            Detection::ArrayMatch { field, .. } => Err(Refusal::ArrayMatching {
                field: field.clone(),
            }),
            Detection::And(_) | Detection::Conditional { .. } => Err(Refusal::ArrayMatching {
                field: "(block)".into(),
            }),
        }
    }

    fn item(&mut self, item: &DetectionItem) -> Result<Item, Refusal> {
        let fname = item.field.name.clone();
        let shown = fname.clone().unwrap_or_else(|| "(keywords)".into());
        let unsupported = |m: &str, why: &str| Refusal::UnsupportedModifier {
            field: shown.clone(),
            modifier: m.to_string(),
            why: why.to_string(),
        };
        let invalid = |why: String| Refusal::InvalidValue {
            field: shown.clone(),
            why,
        };
        let mut m = Mods::default();
        for md in &item.field.modifiers {
            match md {
                Modifier::Contains => {
                    m.pos_start = true;
                    m.pos_end = true;
                }
                Modifier::StartsWith => m.pos_end = true,
                Modifier::EndsWith => m.pos_start = true,
                Modifier::All => m.all = true,
                Modifier::Cased => m.cased = true,
                Modifier::Re => m.re = true,
                Modifier::IgnoreCase => m.re_flags.push('i'),
                Modifier::Multiline => m.re_flags.push('m'),
                Modifier::DotAll => m.re_flags.push('s'),
                Modifier::Cidr => m.cidr = true,
                Modifier::Exists => m.exists = true,
                Modifier::FieldRef => m.fieldref = true,
                Modifier::Neq => m.neq = true,
                Modifier::Lt => m.cmp = Some(Cmp::Lt),
                Modifier::Lte => m.cmp = Some(Cmp::Lte),
                Modifier::Gt => m.cmp = Some(Cmp::Gt),
                Modifier::Gte => m.cmp = Some(Cmp::Gte),
                Modifier::WindAsh => m.windash = true,
                Modifier::Base64 => m.base64 = true,
                Modifier::Base64Offset => m.base64offset = true,
                Modifier::Wide => m.utf16 = Some(Utf16::Le),
                Modifier::Utf16be => m.utf16 = Some(Utf16::Be),
                Modifier::Utf16 => m.utf16 = Some(Utf16::Bom),
                Modifier::Expand => {
                    return Err(unsupported(
                        "expand",
                        "placeholders need a processing pipeline that defines them",
                    ))
                }
                Modifier::Minute
                | Modifier::Hour
                | Modifier::Day
                | Modifier::Week
                | Modifier::Month
                | Modifier::Year => {
                    return Err(unsupported(
                        &format!("{md:?}").to_ascii_lowercase(),
                        "time-part modifiers are not implemented",
                    ))
                }
            }
        }
        if fname.is_none() && !m.re {
            // Keywords search anywhere in the record (spec: "Keywords search").
            m.pos_start = true;
            m.pos_end = true;
        }
        let positional = m.pos_start || m.pos_end;
        let encoded = m.base64 || m.base64offset;
        if !m.re && !m.re_flags.is_empty() {
            return Err(unsupported(
                &m.re_flags,
                "regex flags need the `re` modifier",
            ));
        }
        if m.re && (positional || m.windash || encoded || m.cidr || m.cmp.is_some()) {
            return Err(unsupported(
                "re",
                "cannot be combined with other value modifiers",
            ));
        }
        if m.utf16.is_some() && !encoded {
            return Err(unsupported(
                "utf16/wide",
                "UTF-16 values are only matched base64-encoded (with base64/base64offset)",
            ));
        }
        if (m.cidr || m.cmp.is_some() || m.exists) && (positional || m.windash || encoded) {
            return Err(unsupported(
                "cidr/lt/gt/exists",
                "cannot be combined with string modifiers",
            ));
        }
        if m.fieldref && (positional || m.windash || encoded || m.re || m.cidr || m.cmp.is_some()) {
            return Err(unsupported(
                "fieldref",
                "only equality and `neq` are supported",
            ));
        }
        if m.all && item.values.len() < 2 {
            // The spec forbids `all` on a single value; it is harmless, so accept it.
            m.all = false;
        }
        let field = fname.as_deref().map(|f| self.field_id(f));
        if field.is_none() && (m.exists || m.fieldref || m.cmp.is_some() || m.cidr) {
            return Err(unsupported(
                "keyword",
                "keyword searches take string values only",
            ));
        }

        if m.exists {
            return match item.values.as_slice() {
                [SigmaValue::Bool(b)] => Ok(Item {
                    field,
                    test: ItemTest::Exists(*b),
                }),
                _ => Err(invalid("`exists` takes one boolean".into())),
            };
        }
        if m.fieldref {
            let [SigmaValue::String(s)] = item.values.as_slice() else {
                return Err(invalid("`fieldref` takes one field name".into()));
            };
            let other = self.field_id(&s.original);
            return Ok(Item {
                field,
                test: ItemTest::FieldRef {
                    other,
                    cased: m.cased,
                    neg: m.neq,
                },
            });
        }

        let mut preds = Vec::new();
        for v in &item.values {
            if m.re {
                let SigmaValue::String(s) = v else {
                    return Err(invalid("`re` takes string values".into()));
                };
                let pat = if m.re_flags.is_empty() {
                    s.original.clone()
                } else {
                    format!("(?{}){}", m.re_flags, s.original)
                };
                let re = regex::Regex::new(&pat).map_err(|e| Refusal::InvalidRegex {
                    field: shown.clone(),
                    why: e
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or("")
                        .trim()
                        .to_string(),
                })?;
                preds.push(Pred::Str(StrPat::Regex(re)));
                continue;
            }
            if m.cidr {
                let Some(c) = value_text(v).as_deref().and_then(Cidr::parse) else {
                    return Err(invalid(format!("`{v}` is not a CIDR network")));
                };
                preds.push(Pred::Cidr(c));
                continue;
            }
            if let Some(op) = m.cmp {
                let n = match v {
                    SigmaValue::Integer(i) => *i as f64,
                    SigmaValue::Float(f) => *f,
                    SigmaValue::String(s) => s
                        .original
                        .trim()
                        .parse()
                        .map_err(|_| invalid(format!("`{s}` is not a number")))?,
                    _ => return Err(invalid(format!("`{v}` is not a number"))),
                };
                preds.push(Pred::Num(op, n));
                continue;
            }
            let base: SigmaString = match v {
                SigmaValue::Null => {
                    if positional || encoded || m.windash {
                        return Err(invalid("`null` cannot take string modifiers".into()));
                    }
                    preds.push(Pred::Null);
                    continue;
                }
                SigmaValue::String(s) => s.clone(),
                SigmaValue::Integer(_) | SigmaValue::Float(_) | SigmaValue::Bool(_) => {
                    SigmaString::from_raw(&v.to_string())
                }
            };
            let mut variants = if m.windash {
                windash(&base).map_err(invalid)?
            } else {
                vec![base.parts.clone()]
            };
            if encoded {
                let mut enc = Vec::new();
                for parts in &variants {
                    let plain = plain_text(parts)
                        .ok_or_else(|| invalid("wildcards cannot be base64-encoded".to_string()))?;
                    let bytes = utf16(&plain, m.utf16);
                    if m.base64 {
                        enc.push(vec![StringPart::Plain(base64(&bytes))]);
                    }
                    if m.base64offset {
                        for s in base64_offsets(&bytes) {
                            enc.push(vec![StringPart::Plain(s)]);
                        }
                    }
                }
                variants = enc;
            }
            for mut parts in variants {
                if m.pos_start {
                    parts.insert(0, StringPart::Special(SpecialChar::WildcardMulti));
                }
                if m.pos_end {
                    parts.push(StringPart::Special(SpecialChar::WildcardMulti));
                }
                preds.push(Pred::Str(str_pat(parts, m.cased)));
            }
        }

        let mut contains_any = None;
        if !m.all && !m.neq {
            let (ac_pats, rest): (Vec<Pred>, Vec<Pred>) = preds.into_iter().partition(|p| {
                matches!(p, Pred::Str(StrPat::Contains { pat, cased: false }) if pat.is_ascii())
            });
            preds = rest;
            if ac_pats.len() >= 2 {
                let pats: Vec<&str> = ac_pats
                    .iter()
                    .filter_map(|p| match p {
                        Pred::Str(StrPat::Contains { pat, .. }) => Some(&**pat),
                        _ => None,
                    })
                    .collect();
                contains_any = Some(
                    aho_corasick::AhoCorasick::builder()
                        .ascii_case_insensitive(true)
                        .build(pats)
                        .map_err(|e| invalid(e.to_string()))?,
                );
            } else {
                preds.extend(ac_pats);
            }
        }
        Ok(Item {
            field,
            test: ItemTest::Values {
                preds,
                contains_any,
                all: m.all,
                neg: m.neq,
            },
        })
    }
}

fn value_text(v: &SigmaValue) -> Option<String> {
    match v {
        SigmaValue::String(s) => Some(s.original.clone()),
        SigmaValue::Null => None,
        other => Some(other.to_string()),
    }
}

fn plain_text(parts: &[StringPart]) -> Option<String> {
    let mut out = String::new();
    for p in parts {
        match p {
            StringPart::Plain(s) => out.push_str(s),
            StringPart::Special(_) => return None,
        }
    }
    Some(out)
}

/// Canonical pattern shape: adjacent plain parts merged, runs of `*` collapsed.
fn normalise(parts: Vec<StringPart>) -> Vec<StringPart> {
    let mut out: Vec<StringPart> = Vec::with_capacity(parts.len());
    for p in parts {
        match (out.last_mut(), p) {
            (Some(StringPart::Plain(a)), StringPart::Plain(b)) => a.push_str(&b),
            (
                Some(StringPart::Special(SpecialChar::WildcardMulti)),
                StringPart::Special(SpecialChar::WildcardMulti),
            ) => {}
            (_, p) => out.push(p),
        }
    }
    out
}

/// Chooses the cheapest matcher for a wildcard pattern.
pub(crate) fn str_pat(parts: Vec<StringPart>, cased: bool) -> StrPat {
    use SpecialChar::WildcardMulti as M;
    use StringPart::{Plain, Special};
    let parts = normalise(parts);
    let lit = |s: &str| -> Box<str> {
        if cased {
            s.into()
        } else {
            s.to_ascii_lowercase().into()
        }
    };
    // ASCII folding is exact only for ASCII patterns; others go through a Unicode regex.
    let simple = parts.iter().all(|p| match p {
        Plain(s) => cased || s.is_ascii(),
        Special(M) => true,
        Special(_) => false,
    });
    if simple {
        match parts.as_slice() {
            [] => {
                return StrPat::Exact {
                    pat: "".into(),
                    cased,
                }
            }
            [Plain(s)] => return StrPat::Exact { pat: lit(s), cased },
            [Plain(s), Special(M)] => return StrPat::Prefix { pat: lit(s), cased },
            [Special(M), Plain(s)] => return StrPat::Suffix { pat: lit(s), cased },
            [Special(M), Plain(s), Special(M)] => return StrPat::Contains { pat: lit(s), cased },
            [Special(M)] => return StrPat::Any,
            _ => {}
        }
    }
    let mut re = String::from(if cased { "(?s)^" } else { "(?si)^" });
    for p in &parts {
        match p {
            Plain(s) => re.push_str(&regex::escape(s)),
            Special(SpecialChar::WildcardMulti) => re.push_str(".*"),
            Special(SpecialChar::WildcardSingle) => re.push('.'),
        }
    }
    re.push('$');
    // Built from escaped literals and `.`/`.*` only, so it always compiles.
    match regex::Regex::new(&re) {
        Ok(r) => StrPat::Regex(r),
        Err(_) => StrPat::Exact {
            pat: re.into(),
            cased: true,
        },
    }
}

const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// All permutations of dash characters in the plain parts (`windash`).
fn windash(s: &SigmaString) -> Result<Vec<Vec<StringPart>>, String> {
    let n: usize = s
        .parts
        .iter()
        .map(|p| match p {
            StringPart::Plain(t) => t.chars().filter(|c| DASHES.contains(c)).count(),
            StringPart::Special(_) => 0,
        })
        .sum();
    if n > 4 {
        return Err(format!(
            "`windash` on a value with {n} dashes would expand to {} variants (limit: 4 dashes)",
            5usize.pow(n as u32)
        ));
    }
    let mut out = vec![Vec::new()];
    for p in &s.parts {
        match p {
            StringPart::Special(c) => {
                for v in &mut out {
                    v.push(StringPart::Special(c.clone()));
                }
            }
            StringPart::Plain(t) => {
                let mut texts = vec![String::new()];
                for ch in t.chars() {
                    if DASHES.contains(&ch) {
                        texts = texts
                            .iter()
                            .flat_map(|pre| DASHES.iter().map(move |d| format!("{pre}{d}")))
                            .collect();
                    } else {
                        for t in &mut texts {
                            t.push(ch);
                        }
                    }
                }
                out = out
                    .iter()
                    .flat_map(|pre| {
                        texts.iter().map(move |t| {
                            let mut v = pre.clone();
                            v.push(StringPart::Plain(t.clone()));
                            v
                        })
                    })
                    .collect();
            }
        }
    }
    Ok(out)
}

fn utf16(s: &str, enc: Option<Utf16>) -> Vec<u8> {
    match enc {
        None => s.as_bytes().to_vec(),
        Some(Utf16::Le) => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        Some(Utf16::Be) => s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        Some(Utf16::Bom) => [0xFF, 0xFE]
            .into_iter()
            .chain(s.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The three `base64offset` variants (pySigma's algorithm): the value shifted by 0, 1
/// and 2 bytes, with the characters that depend on the unknown neighbours cut off.
pub(crate) fn base64_offsets(data: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END: [usize; 3] = [0, 3, 2]; // characters cut from the end, by (len + shift) % 3
    let mut out = Vec::new();
    for shift in 0..3 {
        let mut buf = vec![b' '; shift];
        buf.extend_from_slice(data);
        let enc = base64(&buf);
        let cut = END[(data.len() + shift) % 3];
        let end = enc.len().saturating_sub(cut);
        if START[shift] < end {
            out.push(enc[START[shift]..end].to_string());
        }
    }
    out
}
