//! Compiled value matchers: what one detection item tests on one field value.
//!
//! Invariants: case-insensitive patterns are stored lowercased and compared with ASCII
//! folding when the pattern is ASCII (no allocation per event); non-ASCII
//! case-insensitive patterns and patterns with inner wildcards become anchored regexes.

use std::net::IpAddr;

use aho_corasick::AhoCorasick;
use regex::Regex;

use crate::event::{Event, FieldId, Val};

/// A string pattern after Sigma wildcard and modifier processing.
#[derive(Debug, Clone)]
pub(crate) enum StrPat {
    Exact {
        pat: Box<str>,
        cased: bool,
    },
    Prefix {
        pat: Box<str>,
        cased: bool,
    },
    Suffix {
        pat: Box<str>,
        cased: bool,
    },
    Contains {
        pat: Box<str>,
        cased: bool,
    },
    /// Matches everything that has a text value (a lone `*`).
    Any,
    Regex(Regex),
}

fn eq_fold(a: &[u8], b: &[u8], cased: bool) -> bool {
    if cased {
        a == b
    } else {
        a.eq_ignore_ascii_case(b)
    }
}

impl StrPat {
    pub(crate) fn matches(&self, s: &str) -> bool {
        let h = s.as_bytes();
        match self {
            StrPat::Exact { pat, cased } => eq_fold(h, pat.as_bytes(), *cased),
            StrPat::Prefix { pat, cased } => {
                h.len() >= pat.len() && eq_fold(&h[..pat.len()], pat.as_bytes(), *cased)
            }
            StrPat::Suffix { pat, cased } => {
                h.len() >= pat.len() && eq_fold(&h[h.len() - pat.len()..], pat.as_bytes(), *cased)
            }
            StrPat::Contains { pat, cased } => {
                if *cased {
                    memchr::memmem::find(h, pat.as_bytes()).is_some()
                } else {
                    contains_fold(h, pat.as_bytes())
                }
            }
            StrPat::Any => true,
            StrPat::Regex(re) => re.is_match(s),
        }
    }

    /// The literal a case-insensitive equality pattern needs, for the rule index.
    pub(crate) fn exact_literal(&self) -> Option<&str> {
        match self {
            StrPat::Exact { pat, .. } => Some(pat),
            _ => None,
        }
    }
}

/// ASCII case-insensitive substring search; `needle` is lowercase.
fn contains_fold(h: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if h.len() < needle.len() {
        return false;
    }
    let upper = first.to_ascii_uppercase();
    let last = h.len() - needle.len();
    let mut i = 0;
    while i <= last {
        let found = if upper == first {
            memchr::memchr(first, &h[i..=last])
        } else {
            memchr::memchr2(first, upper, &h[i..=last])
        };
        let Some(off) = found else { return false };
        let at = i + off;
        if h[at + 1..at + needle.len()].eq_ignore_ascii_case(rest) {
            return true;
        }
        i = at + 1;
    }
    false
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Lt,
    Lte,
    Gt,
    Gte,
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, p.parse::<u8>().ok()?),
            None => (s, if s.contains(':') { 128 } else { 32 }),
        };
        let net: IpAddr = addr.trim().parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Cidr { net, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// One value test.
#[derive(Debug, Clone)]
pub(crate) enum Pred {
    Str(StrPat),
    Cidr(Cidr),
    Num(Cmp, f64),
    /// `null`: the field is absent or null.
    Null,
}

impl Pred {
    fn matches_val(&self, v: &Val<'_>) -> bool {
        match self {
            Pred::Str(p) => v.as_text().is_some_and(|s| p.matches(s)),
            Pred::Cidr(c) => v
                .as_text()
                .and_then(|s| s.trim().parse::<IpAddr>().ok())
                .is_some_and(|ip| c.contains(ip)),
            Pred::Num(op, n) => v.as_f64().is_some_and(|x| match op {
                Cmp::Lt => x < *n,
                Cmp::Lte => x <= *n,
                Cmp::Gt => x > *n,
                Cmp::Gte => x >= *n,
            }),
            Pred::Null => matches!(v, Val::Null),
        }
    }

    /// Does the pred hold on a field with values `vals` (any value matching)?
    fn matches_field(&self, vals: &[Val<'_>]) -> bool {
        match self {
            Pred::Null => vals.is_empty() || vals.iter().any(|v| matches!(v, Val::Null)),
            _ => vals.iter().any(|v| self.matches_val(v)),
        }
    }
}

/// What one detection item tests.
#[derive(Debug, Clone)]
pub(crate) enum ItemTest {
    /// `|exists: true/false`.
    Exists(bool),
    /// Values linked with OR (default) or AND (`|all`); `neg` for `|neq`.
    Values {
        preds: Vec<Pred>,
        /// Case-insensitive ASCII `contains` patterns, merged into one automaton (OR only).
        contains_any: Option<AhoCorasick>,
        all: bool,
        neg: bool,
    },
    /// `|fieldref`: equal (or, with `neg`, different) to another field's value.
    FieldRef {
        other: FieldId,
        cased: bool,
        neg: bool,
    },
}

/// A detection item: a field (or, for keywords, the whole record) and its test.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// `None` for keyword items, which search the record text.
    pub(crate) field: Option<FieldId>,
    pub(crate) test: ItemTest,
}

impl Item {
    pub(crate) fn matches<E: Event + ?Sized>(&self, ev: &E) -> bool {
        let kw;
        let vals: &[Val<'_>] = match self.field {
            Some(f) => ev.values(f),
            None => {
                kw = ev.keyword_text().map(|t| [Val::Str(t.into())]);
                match &kw {
                    Some(v) => v,
                    None => &[],
                }
            }
        };
        match &self.test {
            ItemTest::Exists(want) => vals.is_empty() != *want,
            ItemTest::Values {
                preds,
                contains_any,
                all,
                neg,
            } => {
                let hit = if *all {
                    preds.iter().all(|p| p.matches_field(vals))
                } else {
                    contains_any.as_ref().is_some_and(|ac| {
                        vals.iter()
                            .any(|v| v.as_text().is_some_and(|s| ac.is_match(s)))
                    }) || preds.iter().any(|p| p.matches_field(vals))
                };
                hit != *neg
            }
            ItemTest::FieldRef { other, cased, neg } => {
                let others = ev.values(*other);
                let eq = vals.iter().any(|a| {
                    others.iter().any(|b| match (a.as_text(), b.as_text()) {
                        (Some(x), Some(y)) => eq_fold(x.as_bytes(), y.as_bytes(), *cased),
                        _ => false,
                    })
                });
                // `neq` needs both sides present, as a backend `a != b` would.
                if *neg {
                    !eq && !vals.is_empty() && !others.is_empty()
                } else {
                    eq
                }
            }
        }
    }
}
