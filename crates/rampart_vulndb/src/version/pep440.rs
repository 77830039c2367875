//! PEP 440 ordering, as Python's `packaging.version.Version` sorts (its `_cmpkey`).
//!
//! Normalisation follows `packaging`: case-insensitive, optional `v`, `-`/`_`/`.` separators,
//! alternative spellings (`alpha`→`a`, `c`/`pre`/`preview`→`rc`, `rev`/`r`→`post`, `1.0-1` is a
//! post-release), trailing zeros of the release ignored. Strings that are not PEP 440 sort
//! below every valid version and compare as strings among themselves.

use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;

use super::num::{all_digits, cmp_digits};

static VERSION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^\s*v?
        (?:(?P<epoch>[0-9]+)!)?
        (?P<release>[0-9]+(?:\.[0-9]+)*)
        (?P<pre>[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
        (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
        (?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
        (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
        \s*$",
    )
    .ok()
});

/// Pre-release kind, in sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PreKind {
    A,
    B,
    Rc,
}

/// `packaging`'s `_cmpkey`; `Option` orders `None` first, which stands for -infinity.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Pre {
    /// A dev release without pre or post (`1.0.dev1`) sorts before every pre-release.
    DevOnly,
    Some(PreKind, Num),
    /// No pre-release: +infinity.
    None,
}

/// A decimal number of any length.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Num(String);

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(self.0.as_bytes(), other.0.as_bytes())
    }
}
impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum LocalSeg {
    /// Strings sort before numbers.
    Str(String),
    Int(Num),
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    epoch: Num,
    release: Vec<Num>,
    pre: Pre,
    post: Option<Num>,
    /// `None` is +infinity here (no dev release sorts after a dev release), so it is inverted.
    dev: DevKey,
    local: Option<Vec<LocalSeg>>,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum DevKey {
    Some(Num),
    None,
}

fn num(s: Option<regex::Match<'_>>) -> Num {
    let s = s.map_or("0", |m| m.as_str());
    let t = s.trim_start_matches('0');
    Num(if t.is_empty() { "0".into() } else { t.into() })
}

fn key(v: &str) -> Option<Key> {
    let re = VERSION.as_ref()?;
    let c = re.captures(v)?;
    let mut release: Vec<Num> = c
        .name("release")?
        .as_str()
        .split('.')
        .map(|p| {
            let t = p.trim_start_matches('0');
            Num(if t.is_empty() { "0".into() } else { t.into() })
        })
        .collect();
    while release.len() > 1 && release.last().is_some_and(|n| n.0 == "0") {
        release.pop();
    }
    if release.len() == 1 && release[0].0 == "0" {
        release.clear();
    }
    let pre_kind = c
        .name("pre_l")
        .map(|l| match l.as_str().to_ascii_lowercase().as_str() {
            "alpha" | "a" => PreKind::A,
            "beta" | "b" => PreKind::B,
            _ => PreKind::Rc,
        });
    let post = if c.name("post").is_some() {
        Some(num(c.name("post_n1").or_else(|| c.name("post_n2"))))
    } else {
        None
    };
    let has_dev = c.name("dev").is_some();
    let pre = match pre_kind {
        Some(k) => Pre::Some(k, num(c.name("pre_n"))),
        None if post.is_none() && has_dev => Pre::DevOnly,
        None => Pre::None,
    };
    let dev = if has_dev {
        DevKey::Some(num(c.name("dev_n")))
    } else {
        DevKey::None
    };
    let local = c.name("local").map(|l| {
        l.as_str()
            .split(['-', '_', '.'])
            .map(|s| {
                if all_digits(s) {
                    let t = s.trim_start_matches('0');
                    LocalSeg::Int(Num(if t.is_empty() { "0".into() } else { t.into() }))
                } else {
                    LocalSeg::Str(s.to_ascii_lowercase())
                }
            })
            .collect()
    });
    Some(Key {
        epoch: num(c.name("epoch")),
        release,
        pre,
        post,
        dev,
        local,
    })
}

/// The sort key's debug rendering: equal keys, and only they, render equally.
pub(super) fn canonical(v: &str) -> Option<String> {
    key(v).map(|k| format!("{k:?}"))
}

pub(super) fn is_valid(v: &str) -> bool {
    key(v).is_some()
}

pub(super) fn compare(a: &str, b: &str) -> Ordering {
    match (key(a), key(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => a.cmp(b),
    }
}
