//! Maven's `ComparableVersion` (maven-artifact): items split on `.`, `-` and digit/letter
//! transitions; `-` (and a letter→digit transition) opens a sub-list; trailing "null" items
//! (`0`, ``, `final`, `ga`, `release`) are dropped; qualifiers order
//! `alpha < beta < milestone < rc = cr < snapshot < (release) < sp < other strings`
//! (other strings lexically), and numbers sort after every qualifier.

use std::cmp::Ordering;

use super::num::cmp_digits;

#[derive(Debug, Clone)]
enum Item {
    /// Digits without leading zeros ("" is zero).
    Int(String),
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// `comparableQualifier`: known qualifiers by index, others after them, lexically.
fn qualifier_key(q: &str) -> (usize, &str) {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => (i, ""),
        None => (QUALIFIERS.len(), q),
    }
}

const RELEASE: usize = 5;

fn string_item(s: &str, followed_by_digit: bool) -> Item {
    let s = if followed_by_digit && s.len() == 1 {
        match s {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        }
    } else {
        s
    };
    let s = match s {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(s.to_string())
}

fn int_item(s: &str) -> Item {
    Item::Int(s.trim_start_matches('0').to_string())
}

/// A token ended by `.`, `-` or the end of the version (Maven's `parseItem`).
fn parse_item(is_digit: bool, s: &str) -> Item {
    if is_digit {
        int_item(s)
    } else {
        string_item(s, false)
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(s) => s.is_empty(),
            Item::Str(s) => qualifier_key(s) == (RELEASE, ""),
            Item::List(l) => l.is_empty(),
        }
    }

    fn cmp_null(&self) -> Ordering {
        match self {
            Item::Int(s) => {
                if s.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(s) => qualifier_key(s).cmp(&(RELEASE, "")),
            Item::List(l) => l
                .iter()
                .map(Item::cmp_null)
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal),
        }
    }

    fn cmp_item(&self, other: Option<&Item>) -> Ordering {
        let Some(other) = other else {
            return self.cmp_null();
        };
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => cmp_digits(a.as_bytes(), b.as_bytes()),
            (Item::Int(_), _) => Ordering::Greater,
            (Item::Str(_), Item::Int(_)) => Ordering::Less,
            (Item::Str(a), Item::Str(b)) => qualifier_key(a).cmp(&qualifier_key(b)),
            (Item::Str(_), Item::List(_)) => Ordering::Less,
            (Item::List(_), Item::Int(_)) => Ordering::Less,
            (Item::List(_), Item::Str(_)) => Ordering::Greater,
            (Item::List(a), Item::List(b)) => {
                let n = a.len().max(b.len());
                for i in 0..n {
                    let o = match (a.get(i), b.get(i)) {
                        (Some(l), r) => l.cmp_item(r),
                        (None, Some(r)) => r.cmp_null().reverse(),
                        (None, None) => Ordering::Equal,
                    };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            }
        }
    }
}

fn normalize(list: &mut Vec<Item>) {
    // Walk back from the end: drop null items, step over non-null sub-lists, stop at the first
    // non-null plain item (ListItem.normalize).
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

/// Sub-lists nest at most this deep; deeper transitions stay in the deepest list, so no input can
/// exhaust the stack in comparison or drop (real versions nest a handful of levels).
const MAX_DEPTH: usize = 64;

/// Parse into the nested list. Sub-lists are kept as a stack of vectors and folded on exit.
fn parse(v: &str) -> Item {
    let v = v.trim().to_ascii_lowercase();
    let b = v.as_bytes();
    // stack[k] is the list being filled at depth k; each deeper list is the last item of its parent.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0usize;
    let push = |stack: &mut Vec<Vec<Item>>, it: Item| {
        if let Some(top) = stack.last_mut() {
            top.push(it);
        }
    };
    for (i, &c) in b.iter().enumerate() {
        if c == b'.' || c == b'-' {
            if i == start {
                push(&mut stack, Item::Int(String::new()));
            } else {
                push(&mut stack, parse_item(is_digit, &v[start..i]));
            }
            start = i + 1;
            if c == b'-' {
                // A sub-list holding only a null item (`1-ga-1`) is not a level of its own:
                // Maven orders `1-ga-1` equal to `1-1`.
                let only_null = stack.len() > 1
                    && stack
                        .last()
                        .is_some_and(|l| l.len() == 1 && l.iter().all(Item::is_null));
                if only_null {
                    if let Some(top) = stack.last_mut() {
                        top.clear();
                    }
                } else if stack.len() < MAX_DEPTH {
                    stack.push(Vec::new());
                }
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                push(&mut stack, string_item(&v[start..i], true));
                start = i;
                if stack.len() < MAX_DEPTH {
                    stack.push(Vec::new());
                }
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                push(&mut stack, int_item(&v[start..i]));
                start = i;
                if stack.len() < MAX_DEPTH {
                    stack.push(Vec::new());
                }
            }
            is_digit = false;
        }
    }
    if b.len() > start {
        push(&mut stack, parse_item(is_digit, &v[start..]));
    }
    // Close the lists innermost first, normalising each (Maven normalises every list on exit).
    while stack.len() > 1 {
        let mut inner = stack.pop().unwrap_or_default();
        normalize(&mut inner);
        push(&mut stack, Item::List(inner));
    }
    let mut root = stack.pop().unwrap_or_default();
    normalize(&mut root);
    Item::List(root)
}

pub(super) fn compare(a: &str, b: &str) -> Ordering {
    parse(a).cmp_item(Some(&parse(b)))
}
