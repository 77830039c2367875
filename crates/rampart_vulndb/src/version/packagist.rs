//! Composer / PHP `version_compare` ordering: `v` prefix dropped, `-`/`_`/`+` read as `.`, a
//! `.` inserted at every digit/non-digit boundary, then parts compared: numbers by value,
//! special forms `dev < alpha = a < beta = b < RC = rc < (number) < pl = p`, any other string
//! below `dev`; when one side runs out, a following number makes the longer newer, otherwise
//! its next part is compared with a number.

use std::cmp::Ordering;

use super::num::{all_digits, cmp_digits};

fn canonical(v: &str) -> Vec<String> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let mut out = String::with_capacity(v.len() + 4);
    let mut prev: Option<char> = None;
    for c in v.chars() {
        let c = if matches!(c, '-' | '_' | '+') { '.' } else { c };
        if let Some(p) = prev {
            let boundary = (p.is_ascii_digit() && c != '.' && !c.is_ascii_digit())
                || (c.is_ascii_digit() && p != '.' && !p.is_ascii_digit());
            if boundary {
                out.push('.');
            }
        }
        out.push(c);
        prev = Some(c);
    }
    out.split('.').map(str::to_string).collect()
}

/// PHP's `compare_special_version_forms` weights; `#` stands for a number.
fn weight(s: &str) -> i32 {
    const FORMS: [(&str, i32); 10] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(f, _)| s.starts_with(f))
        .map_or(-6, |(_, w)| *w)
}

fn cmp_parts(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        let o = match (all_digits(x), all_digits(y)) {
            (true, true) => cmp_digits(x.as_bytes(), y.as_bytes()),
            (false, false) => weight(x).cmp(&weight(y)),
            (true, false) => weight("#").cmp(&weight(y)),
            (false, true) => weight(x).cmp(&weight("#")),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    // The longer side's remaining parts: a number makes it newer; otherwise each part is
    // compared with a number (a loop, not PHP's recursion, so no input can exhaust the stack).
    let (rest, sign) = match a.len().cmp(&b.len()) {
        Ordering::Greater => (&a[b.len()..], Ordering::Greater),
        Ordering::Less => (&b[a.len()..], Ordering::Less),
        Ordering::Equal => return Ordering::Equal,
    };
    for p in rest {
        if all_digits(p) {
            return sign;
        }
        let o = weight(p).cmp(&weight("#"));
        if o != Ordering::Equal {
            return if sign == Ordering::Greater {
                o
            } else {
                o.reverse()
            };
        }
    }
    Ordering::Equal
}

pub(super) fn compare(a: &str, b: &str) -> Ordering {
    cmp_parts(&canonical(a), &canonical(b))
}
