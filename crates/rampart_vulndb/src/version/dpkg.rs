//! dpkg's version ordering (`dpkg --compare-versions`, lib/dpkg/version.c `verrevcmp`).

use std::cmp::Ordering;

use super::num::cmp_digits;

struct Parsed<'a> {
    epoch: &'a [u8],
    upstream: &'a [u8],
    revision: &'a [u8],
}

fn parse(v: &str) -> Parsed<'_> {
    let v = v.trim().as_bytes();
    // dpkg reads C strings: a NUL ends the version (and the comparison loop relies on it).
    let v = match v.iter().position(|&c| c == 0) {
        Some(n) => &v[..n],
        None => v,
    };
    // Epoch: digits before the first ':'; dpkg rejects anything else, we read it leniently.
    let (epoch, rest) = match v.iter().position(|&c| c == b':') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (&b""[..], v),
    };
    let (upstream, revision) = match rest.iter().rposition(|&c| c == b'-') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &b""[..]),
    };
    Parsed {
        epoch,
        upstream,
        revision,
    }
}

pub(super) fn is_valid(v: &str) -> bool {
    let p = parse(v);
    let epoch_ok =
        !v.contains(':') || (!p.epoch.is_empty() && p.epoch.iter().all(u8::is_ascii_digit));
    let up_ok = p.upstream.first().is_some_and(u8::is_ascii_digit)
        && p.upstream
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || b".+~-:".contains(&c));
    let rev_ok = p
        .revision
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || b".+~".contains(&c));
    epoch_ok && up_ok && rev_ok && !v.contains(char::is_whitespace)
}

pub(super) fn compare(a: &str, b: &str) -> Ordering {
    let a = parse(a);
    let b = parse(b);
    cmp_digits(a.epoch, b.epoch)
        .then_with(|| verrevcmp(a.upstream, b.upstream))
        .then_with(|| verrevcmp(a.revision, b.revision))
}

fn order(c: u8) -> i32 {
    match c {
        0 => 0,
        c if c.is_ascii_digit() => 0,
        c if c.is_ascii_alphabetic() => i32::from(c),
        b'~' => -1,
        c => i32::from(c) + 256,
    }
}

fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let at = |i: usize| a.get(i).copied().unwrap_or(0);
    let bt = |j: usize| b.get(j).copied().unwrap_or(0);
    let (mut i, mut j) = (0usize, 0usize);
    while i < a.len() || j < b.len() {
        while (at(i) != 0 && !at(i).is_ascii_digit()) || (bt(j) != 0 && !bt(j).is_ascii_digit()) {
            let (ac, bc) = (order(at(i)), order(bt(j)));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        let si = i;
        while at(i).is_ascii_digit() {
            i += 1;
        }
        let sj = j;
        while bt(j).is_ascii_digit() {
            j += 1;
        }
        let ord = cmp_digits(
            &a[si.min(a.len())..i.min(a.len())],
            &b[sj.min(b.len())..j.min(b.len())],
        );
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}
