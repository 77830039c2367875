//! RubyGems' `Gem::Version#<=>`: `-` reads as `.pre.`; segments are digit runs (numbers) and
//! letter runs (strings, a pre-release); trailing zeros of the release part and of the
//! pre-release part are dropped (`canonical_segments`); a string segment sorts below a number.

use std::cmp::Ordering;

use super::num::cmp_digits;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Num(String),
    Str(String),
}

fn is_zero(s: &Seg) -> bool {
    matches!(s, Seg::Num(n) if n.is_empty())
}

fn segments(v: &str) -> Vec<Seg> {
    let v = v.trim().replace('-', ".pre.");
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let s = i;
        if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Seg::Num(v[s..i].trim_start_matches('0').to_string()));
        } else if c.is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Seg::Str(v[s..i].to_string()));
        } else {
            i += 1;
        }
    }
    // canonical_segments: split at the first string, drop trailing zeros of each part.
    let split = out
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(out.len());
    let mut pre = out.split_off(split);
    while out.last().is_some_and(is_zero) {
        out.pop();
    }
    while pre.last().is_some_and(is_zero) {
        pre.pop();
    }
    out.extend(pre);
    out
}

/// `Gem::Version::ANCHORED_VERSION_PATTERN`.
pub(super) fn is_valid(v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() {
        return true;
    }
    let (main, pre) = match v.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (v, None),
    };
    let mut parts = main.split('.');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
    let rest_ok = parts.all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric()));
    let pre_ok = pre.is_none_or(|p| {
        p.split('.')
            .all(|s| !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
    });
    first_ok && rest_ok && pre_ok
}

pub(super) fn compare(a: &str, b: &str) -> Ordering {
    let (x, y) = (segments(a), segments(b));
    let zero = Seg::Num(String::new());
    for i in 0..x.len().max(y.len()) {
        let l = x.get(i).unwrap_or(&zero);
        let r = y.get(i).unwrap_or(&zero);
        let o = match (l, r) {
            (Seg::Num(p), Seg::Num(q)) => cmp_digits(p.as_bytes(), q.as_bytes()),
            (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
            (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
            (Seg::Str(p), Seg::Str(q)) => p.cmp(q),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}
