//! apk-tools' version ordering: `number{.number}[letter]{_suffix[number]}[~hash][-r#]`.
//!
//! Components after the first compare as strings when either has a leading zero (apk reads
//! `1.05` as a decimal fraction); suffixes order `alpha < beta < pre < rc < (none) < cvs < svn <
//! git < hg < p`; the commit hash is ignored; a string with unparsable trailing text sorts
//! below the same version without it, and two such strings compare as plain strings (the
//! semantics of OSV's reference comparator, whose vectors we test).

use std::cmp::Ordering;

use super::num::cmp_digits;

const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
/// Weight of "no suffix": between `rc` and `cvs`.
const NO_SUFFIX: u8 = 4;

struct Parsed<'a> {
    components: Vec<&'a str>,
    letter: Option<u8>,
    suffixes: Vec<(u8, &'a str)>,
    build: &'a str,
    remainder: &'a str,
    /// Text followed that is not `-r#`.
    invalid: bool,
}

fn suffix_weight(name: &str) -> u8 {
    match name {
        "alpha" => 0,
        "beta" => 1,
        "pre" => 2,
        "rc" => 3,
        "cvs" => 5,
        "svn" => 6,
        "git" => 7,
        "hg" => 8,
        _ => 9,
    }
}

/// Match `_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)` at `s[i..]`; returns (name, digits, end).
fn suffix_at(s: &str, i: usize) -> Option<(&str, &str, usize)> {
    let rest = s.get(i..)?.strip_prefix('_')?;
    let name = SUFFIXES.iter().find(|n| rest.starts_with(**n))?;
    let after = &rest[name.len()..];
    let nd = after.bytes().take_while(u8::is_ascii_digit).count();
    Some((name, &after[..nd], i + 1 + name.len() + nd))
}

fn parse(v: &str) -> Parsed<'_> {
    let b = v.as_bytes();
    let mut i = 0;
    let mut components = Vec::new();
    // ^((\d+)\.?)*
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        let s = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        components.push(&v[s..i]);
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !b.get(i).is_some_and(u8::is_ascii_digit) {
                components.push("");
            }
        }
    }
    let mut letter = None;
    if let Some(&c) = b.get(i).filter(|c| c.is_ascii_lowercase()) {
        letter = Some(c);
        i += 1;
    }
    // Every suffix anywhere in the rest counts; only a leading run is consumed.
    let mut suffixes = Vec::new();
    let mut consumed = i;
    let mut k = i;
    while k < b.len() {
        if let Some((name, num, end)) = suffix_at(v, k) {
            suffixes.push((suffix_weight(name), num));
            if k == consumed {
                consumed = end;
            }
            k = end;
        } else {
            k += 1;
        }
    }
    i = consumed;
    if b.get(i) == Some(&b'~') {
        let n = b[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
            .count();
        if n > 0 {
            i += 1 + n;
        }
    }
    let mut build = "";
    let mut remainder = "";
    let mut invalid = false;
    let rest = &v[i..];
    if !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("-r") {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            build = &r[..n];
            remainder = &r[n..];
        } else {
            remainder = rest;
            invalid = true;
        }
    }
    Parsed {
        components,
        letter,
        suffixes,
        build,
        remainder,
        invalid,
    }
}

pub(super) fn is_valid(v: &str) -> bool {
    let p = parse(v);
    !p.components.is_empty() && !p.components.contains(&"") && p.remainder.is_empty() && !p.invalid
}

pub(super) fn compare(a: &str, b: &str) -> Ordering {
    let pa = parse(a);
    let pb = parse(b);
    if pa.invalid && pb.invalid {
        return a.cmp(b);
    }
    let n = pa.components.len().max(pb.components.len());
    for idx in 0..n {
        let ca = pa.components.get(idx).copied().unwrap_or("0");
        let cb = pb.components.get(idx).copied().unwrap_or("0");
        let ord = if idx != 0 && (ca.starts_with('0') || cb.starts_with('0')) {
            ca.cmp(cb)
        } else {
            cmp_digits(ca.as_bytes(), cb.as_bytes())
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    let ord = match (pa.letter, pb.letter) {
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (x, y) => x.cmp(&y),
    };
    if ord != Ordering::Equal {
        return ord;
    }
    let n = pa.suffixes.len().max(pb.suffixes.len());
    for idx in 0..n {
        let (wa, na) = pa.suffixes.get(idx).copied().unwrap_or((NO_SUFFIX, "0"));
        let (wb, nb) = pb.suffixes.get(idx).copied().unwrap_or((NO_SUFFIX, "0"));
        let ord = wa
            .cmp(&wb)
            .then_with(|| cmp_digits(na.as_bytes(), nb.as_bytes()));
        if ord != Ordering::Equal {
            return ord;
        }
    }
    let ord = cmp_digits(pa.build.as_bytes(), pb.build.as_bytes());
    if ord != Ordering::Equal {
        return ord;
    }
    match (pa.remainder.is_empty(), pb.remainder.is_empty()) {
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => Ordering::Equal,
    }
}
