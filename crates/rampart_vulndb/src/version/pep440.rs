//! PEP 440 ordering, as Python's `packaging.version.Version` sorts (its `_cmpkey`).
//!
//! Normalisation follows `packaging`: case-insensitive, optional `v`, `-`/`_`/`.` separators,
//! alternative spellings (`alpha`→`a`, `c`/`pre`/`preview`→`rc`, `rev`/`r`→`post`, `1.0-1` is a
//! post-release), trailing zeros of the release ignored. Strings that are not PEP 440 sort
//! below every valid version and compare as strings among themselves.

use std::cmp::Ordering;

use super::num::{all_digits, cmp_digits};

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

fn num_of(digits: &str) -> Num {
    let t = digits.trim_start_matches('0');
    Num(if t.is_empty() { "0".into() } else { t.into() })
}

/// A cursor over the lower-cased version: the hand-written form of `packaging`'s
/// `VERSION_PATTERN` (no regex: matching calls this for every comparison).
struct Cur<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn digits(&mut self) -> Option<&'a str> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        (self.i > start)
            .then(|| std::str::from_utf8(&self.s[start..self.i]).ok())
            .flatten()
    }

    fn sep(&mut self) -> bool {
        if matches!(self.peek(), Some(b'-' | b'_' | b'.')) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// `[-_.]?(label)[-_.]?(\d+)?` with the first label that matches; restores the position
    /// when none does. Returns (label index, number).
    fn labelled(&mut self, labels: &[&str]) -> Option<(usize, Option<&'a str>)> {
        let save = self.i;
        self.sep();
        let rest = &self.s[self.i..];
        let Some(idx) = labels.iter().position(|l| rest.starts_with(l.as_bytes())) else {
            self.i = save;
            return None;
        };
        self.i += labels[idx].len();
        // A separator after the label is taken even without a number (`1.0a.` is valid).
        self.sep();
        Some((idx, self.digits()))
    }
}

fn key(v: &str) -> Option<Key> {
    let lower = v.trim().to_ascii_lowercase();
    let mut c = Cur {
        s: lower.as_bytes(),
        i: 0,
    };
    if c.peek() == Some(b'v') {
        c.i += 1;
    }
    let first = c.digits()?;
    let (epoch, first) = if c.peek() == Some(b'!') {
        c.i += 1;
        (num_of(first), c.digits()?)
    } else {
        (Num("0".into()), first)
    };
    let mut release = vec![num_of(first)];
    while c.peek() == Some(b'.') && c.s.get(c.i + 1).is_some_and(u8::is_ascii_digit) {
        c.i += 1;
        release.push(num_of(c.digits()?));
    }
    while release.last().is_some_and(|n| n.0 == "0") {
        release.pop();
    }
    // Longer spellings first, as the regex alternation tries them.
    const PRE: [&str; 8] = ["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"];
    let pre = c.labelled(&PRE).map(|(idx, n)| {
        let kind = match PRE[idx] {
            "alpha" | "a" => PreKind::A,
            "beta" | "b" => PreKind::B,
            _ => PreKind::Rc,
        };
        (kind, num_of(n.unwrap_or("0")))
    });
    // `-N` is an implicit post-release; else `[-_.]?(post|rev|r)[-_.]?N?`.
    let post = {
        let save = c.i;
        if c.peek() == Some(b'-') {
            c.i += 1;
            match c.digits() {
                Some(n) => Some(num_of(n)),
                None => {
                    c.i = save;
                    c.labelled(&["post", "rev", "r"])
                        .map(|(_, n)| num_of(n.unwrap_or("0")))
                }
            }
        } else {
            c.labelled(&["post", "rev", "r"])
                .map(|(_, n)| num_of(n.unwrap_or("0")))
        }
    };
    let dev = c.labelled(&["dev"]).map(|(_, n)| num_of(n.unwrap_or("0")));
    let local = if c.peek() == Some(b'+') {
        c.i += 1;
        let text = std::str::from_utf8(&c.s[c.i..]).ok()?;
        let segs: Vec<&str> = text.split(['-', '_', '.']).collect();
        if segs
            .iter()
            .any(|seg| seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return None;
        }
        c.i = c.s.len();
        Some(
            segs.into_iter()
                .map(|seg| {
                    if all_digits(seg) {
                        LocalSeg::Int(num_of(seg))
                    } else {
                        LocalSeg::Str(seg.to_string())
                    }
                })
                .collect(),
        )
    } else {
        None
    };
    if c.i != c.s.len() {
        return None;
    }
    let pre = match pre {
        Some((k, n)) => Pre::Some(k, n),
        None if post.is_none() && dev.is_some() => Pre::DevOnly,
        None => Pre::None,
    };
    Some(Key {
        epoch,
        release,
        pre,
        post,
        dev: match dev {
            Some(n) => DevKey::Some(n),
            None => DevKey::None,
        },
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
