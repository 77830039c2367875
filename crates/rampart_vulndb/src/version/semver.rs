//! SemVer 2.0 precedence (npm `semver`, crates.io) and Go's module versions.
//!
//! Build metadata never counts (`1.0.0+a == 1.0.0+b`, Go's `+incompatible`). Go accepts the
//! `v` prefix and the shorthands `v1` and `v1.2`; pseudo-versions are ordinary pre-releases and
//! sort by their timestamp. An unparsable string sorts below every valid version.

use std::cmp::Ordering;

use super::num::{all_digits, cmp_digits};

struct Parsed<'a> {
    core: [&'a str; 3],
    pre: Option<&'a str>,
}

fn parse(v: &str, go: bool) -> Option<Parsed<'_>> {
    let v = v.trim();
    let v = v
        .strip_prefix('v')
        .or_else(|| v.strip_prefix('='))
        .unwrap_or(v);
    let v = match v.split_once('+') {
        Some((main, build)) => {
            if !ident_list_ok(build, false) {
                return None;
            }
            main
        }
        None => v,
    };
    let (core, pre) = match v.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (v, None),
    };
    let mut parts = core.split('.');
    let mut out = ["0"; 3];
    let mut n = 0;
    for part in parts.by_ref() {
        if n == 3 || !num_ok(part) {
            return None;
        }
        out[n] = part;
        n += 1;
    }
    // Go's shorthands `v1`, `v1.2` have no pre-release or build; SemVer needs all three.
    if n < 3 && !(go && pre.is_none() && n >= 1) {
        return None;
    }
    if let Some(p) = pre {
        if !ident_list_ok(p, true) {
            return None;
        }
    }
    Some(Parsed { core: out, pre })
}

fn num_ok(s: &str) -> bool {
    all_digits(s) && (s == "0" || !s.starts_with('0'))
}

fn ident_list_ok(s: &str, pre: bool) -> bool {
    s.split('.').all(|id| {
        !id.is_empty()
            && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            && (!pre || !all_digits(id) || num_ok(id))
    })
}

/// `major.minor.patch[-pre]` without build metadata: valid versions have no leading zeros in
/// numbers, so string equality of this form is precedence equality.
pub(super) fn canonical(v: &str, go: bool) -> Option<String> {
    let p = parse(v, go)?;
    let [a, b, c] = p.core;
    Some(match p.pre {
        Some(pre) => format!("{a}.{b}.{c}-{pre}"),
        None => format!("{a}.{b}.{c}"),
    })
}

pub(super) fn is_valid(v: &str, go: bool) -> bool {
    parse(v, go).is_some()
}

pub(super) fn compare(a: &str, b: &str, go: bool) -> Ordering {
    match (parse(a, go), parse(b, go)) {
        (Some(x), Some(y)) => cmp_parsed(&x, &y),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => a.cmp(b),
    }
}

fn cmp_parsed(a: &Parsed<'_>, b: &Parsed<'_>) -> Ordering {
    for (x, y) in a.core.iter().zip(b.core.iter()) {
        let o = cmp_digits(x.as_bytes(), y.as_bytes());
        if o != Ordering::Equal {
            return o;
        }
    }
    match (a.pre, b.pre) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => cmp_prerelease(x, y),
    }
}

fn cmp_prerelease(a: &str, b: &str) -> Ordering {
    let mut xs = a.split('.');
    let mut ys = b.split('.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = match (all_digits(x), all_digits(y)) {
                    (true, true) => cmp_digits(x.as_bytes(), y.as_bytes()),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}
