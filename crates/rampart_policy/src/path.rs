//! ARM property paths (`properties.logs[*].retentionPolicy.days`) and their evaluation on a JSON
//! resource, including the `[*]` collection semantics of Azure Policy.
//!
//! A path with `[*]` selects a *collection* of values: a missing or non-array value at a `[*]`
//! yields an empty collection; a missing member after it yields one absent value per element.

use serde_json::Value;

use crate::value::get_ci;

/// One step of a property path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// An object member (case-insensitive).
    Key(Box<str>),
    /// `[*]`: every element of an array.
    Wild,
    /// `[n]`: one element of an array.
    Index(usize),
}

impl Seg {
    /// Segment equality as Azure compares alias paths (case-insensitive keys).
    pub(crate) fn same(&self, other: &Seg) -> bool {
        match (self, other) {
            (Seg::Key(a), Seg::Key(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        }
    }
}

/// Parses `a.b[*].c`, `a['x.y']`, `a[0]`. Returns `None` on malformed brackets.
pub(crate) fn parse_path(text: &str) -> Option<Vec<Seg>> {
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !cur.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut cur).into()));
                }
            }
            '[' => {
                if !cur.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut cur).into()));
                }
                let mut inner = String::new();
                let mut quoted = false;
                loop {
                    let c = chars.next()?;
                    if c == '\'' {
                        if quoted && chars.peek() == Some(&'\'') {
                            chars.next();
                            inner.push('\'');
                            continue;
                        }
                        quoted = !quoted;
                        continue;
                    }
                    if c == ']' && !quoted {
                        break;
                    }
                    inner.push(c);
                }
                if inner == "*" {
                    segs.push(Seg::Wild);
                } else if let Ok(i) = inner.parse::<usize>() {
                    segs.push(Seg::Index(i));
                } else {
                    segs.push(Seg::Key(inner.into()));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        segs.push(Seg::Key(cur.into()));
    }
    Some(segs)
}

/// True when the path contains `[*]`.
pub(crate) fn has_wild(segs: &[Seg]) -> bool {
    segs.contains(&Seg::Wild)
}

/// Follows a path without `[*]`. JSON null counts as absent.
pub(crate) fn lookup<'a>(root: &'a Value, segs: &[Seg]) -> Option<&'a Value> {
    let mut v = root;
    for seg in segs {
        v = match seg {
            Seg::Key(k) => get_ci(v, k)?,
            Seg::Index(i) => v.as_array()?.get(*i)?,
            Seg::Wild => return None,
        };
    }
    (!v.is_null()).then_some(v)
}

/// Visits every value a path selects from `root` (`None` = absent). Returns false as soon as `f`
/// does (short-circuit), true otherwise. Without `[*]` exactly one value is visited.
pub(crate) fn visit<'a>(
    root: Option<&'a Value>,
    segs: &[Seg],
    f: &mut dyn FnMut(Option<&'a Value>) -> bool,
) -> bool {
    let mut v = root;
    for (i, seg) in segs.iter().enumerate() {
        match seg {
            Seg::Key(k) => v = v.and_then(|x| get_ci(x, k)),
            Seg::Index(n) => v = v.and_then(Value::as_array).and_then(|a| a.get(*n)),
            Seg::Wild => {
                let Some(items) = v.and_then(Value::as_array) else {
                    return true;
                };
                let rest = &segs[i + 1..];
                for item in items {
                    if !visit(Some(item), rest, f) {
                        return false;
                    }
                }
                return true;
            }
        }
    }
    f(v.filter(|x| !x.is_null()))
}

/// The values a path selects, as the `field()` function returns them: the value itself without
/// `[*]` (null when absent), an array of the selected values with `[*]`.
pub(crate) fn collect(root: Option<&Value>, segs: &[Seg]) -> Value {
    if !has_wild(segs) {
        return root
            .and_then(|r| lookup(r, segs))
            .cloned()
            .unwrap_or(Value::Null);
    }
    let mut out = Vec::new();
    visit(root, segs, &mut |v| {
        out.push(v.cloned().unwrap_or(Value::Null));
        true
    });
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_paths() {
        let p = parse_path("properties.logs[*].retentionPolicy.days").unwrap_or_default();
        assert_eq!(p.len(), 5);
        assert_eq!(p[2], Seg::Wild);
        let q = parse_path("tags['a.b']").unwrap_or_default();
        assert_eq!(q, vec![Seg::Key("tags".into()), Seg::Key("a.b".into())]);
    }

    #[test]
    fn collections() {
        let r = json!({"properties": {"a": [{"b": 1}, {"c": 2}], "s": "x"}});
        let segs = parse_path("properties.a[*].b").unwrap_or_default();
        assert_eq!(collect(Some(&r), &segs), json!([1, null]));
        let missing = parse_path("properties.z[*].b").unwrap_or_default();
        assert_eq!(collect(Some(&r), &missing), json!([]));
        let plain = parse_path("Properties.S").unwrap_or_default();
        assert_eq!(collect(Some(&r), &plain), json!("x"));
    }
}
