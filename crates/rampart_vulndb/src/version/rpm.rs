//! rpm's version ordering: `rpmvercmp` (rpmio/rpmvercmp.c) on version and release, epoch first.

use std::cmp::Ordering;

use super::num::cmp_digits;

/// Compare `[epoch:]version[-release]` strings as rpm compares EVRs: a missing epoch is 0;
/// epoch, then version, then release by `rpmvercmp`; a version without release sorts before
/// the same version with one (OSV's reference comparator; OSV's rpm ranges carry releases).
pub(super) fn compare_evr(a: &str, b: &str) -> Ordering {
    let (ea, va, ra) = split_evr(a.trim());
    let (eb, vb, rb) = split_evr(b.trim());
    cmp_digits(ea.as_bytes(), eb.as_bytes())
        .then_with(|| rpmvercmp(va.as_bytes(), vb.as_bytes()))
        .then_with(|| match (ra, rb) {
            (Some(x), Some(y)) => rpmvercmp(x.as_bytes(), y.as_bytes()),
            (x, y) => x.is_some().cmp(&y.is_some()),
        })
}

fn split_evr(s: &str) -> (&str, &str, Option<&str>) {
    let (epoch, rest) = match s.split_once(':') {
        Some((e, r)) if e.bytes().all(|c| c.is_ascii_digit()) => (e, r),
        _ => ("", s),
    };
    match rest.rsplit_once('-') {
        Some((v, r)) => (epoch, v, Some(r)),
        None => (epoch, rest, None),
    }
}

/// rpm's `rpmvercmp`: alternating runs of digits and ASCII letters, other bytes separate;
/// `~` sorts before anything (even the end), `^` after the end but before anything else.
pub(super) fn rpmvercmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let at = |i: usize| a.get(i).copied().unwrap_or(0);
    let bt = |j: usize| b.get(j).copied().unwrap_or(0);
    let sep = |c: u8| c != 0 && !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    let (mut i, mut j) = (0usize, 0usize);
    while at(i) != 0 || bt(j) != 0 {
        while sep(at(i)) {
            i += 1;
        }
        while sep(bt(j)) {
            j += 1;
        }
        if at(i) == b'~' || bt(j) == b'~' {
            if at(i) != b'~' {
                return Ordering::Greater;
            }
            if bt(j) != b'~' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if at(i) == b'^' || bt(j) == b'^' {
            if at(i) == 0 {
                return Ordering::Less;
            }
            if bt(j) == 0 {
                return Ordering::Greater;
            }
            if at(i) != b'^' {
                return Ordering::Greater;
            }
            if bt(j) != b'^' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if at(i) == 0 || bt(j) == 0 {
            break;
        }
        let (si, sj) = (i, j);
        let isnum = at(i).is_ascii_digit();
        if isnum {
            while at(i).is_ascii_digit() {
                i += 1;
            }
            while bt(j).is_ascii_digit() {
                j += 1;
            }
        } else {
            while at(i).is_ascii_alphabetic() {
                i += 1;
            }
            while bt(j).is_ascii_alphabetic() {
                j += 1;
            }
        }
        if sj == j {
            // Segment types differ: a number is newer than letters.
            return if isnum {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (&a[si..i], &b[sj..j]);
        let ord = if isnum {
            cmp_digits(sa, sb)
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    match (at(i) == 0, bt(j) == 0) {
        (true, true) => Ordering::Equal,
        (false, _) => Ordering::Greater,
        (true, false) => Ordering::Less,
    }
}
