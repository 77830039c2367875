//! Value semantics of Azure Policy on JSON: case-insensitive property lookup, the string / number /
//! boolean coercions conditions use, comparison, and the `like` / `match` patterns.
//!
//! Invariant: nothing here allocates on the common path (ASCII strings); the hot evaluation loop
//! calls these for every condition.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

/// Object member lookup, case-insensitive as ARM property names are. Exact match is tried first.
pub(crate) fn get_ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = value.as_object()?;
    // One linear pass, comparing lengths before bytes: on the small objects ARM resources are
    // made of this beats a B-tree search (a memcmp per level) plus a fallback scan on a miss.
    let kb = key.as_bytes();
    let mut folded = None;
    for (k, v) in obj {
        let b = k.as_bytes();
        // Same length and same first letter (either case) before any byte-wise comparison.
        if b.len() == kb.len()
            && b.first().map(u8::to_ascii_lowercase) == kb.first().map(u8::to_ascii_lowercase)
        {
            if b == kb {
                return Some(v);
            }
            if folded.is_none() && b.eq_ignore_ascii_case(kb) {
                folded = Some(v);
            }
        }
    }
    folded
}

/// A cheap fingerprint of a key: its length and its first two and last two bytes, ASCII-lower-cased.
/// Equal for keys equal under `eq_ignore_ascii_case`; it only has to tell apart the members of one
/// object (a match is confirmed byte by byte), and unlike a hash of every byte it costs the same for
/// any key: it is computed for every member of two objects per resource and for every lookup.
fn folded_hash(key: &[u8]) -> u64 {
    let byte = |i: usize| u64::from(key.get(i).map_or(0, u8::to_ascii_lowercase));
    let n = key.len();
    (n as u64)
        | byte(0) << 32
        | byte(1) << 40
        | byte(n.wrapping_sub(2)) << 48
        | byte(n.wrapping_sub(1)) << 56
}

/// The members of one JSON object with their case-folded hashes, in the object's order: built
/// once per resource for the objects every policy reads (the resource and its `properties`), so
/// that a lookup scans a contiguous array instead of walking the B-tree. Same answers as
/// [`get_ci`].
#[derive(Default)]
pub(crate) struct Members<'a> {
    entries: Vec<(u64, &'a str, &'a Value)>,
}

impl<'a> Members<'a> {
    pub(crate) fn of(value: Option<&'a Value>) -> Self {
        let entries = match value.and_then(Value::as_object) {
            Some(obj) => obj
                .iter()
                .map(|(k, v)| (folded_hash(k.as_bytes()), k.as_str(), v))
                .collect(),
            None => Vec::new(),
        };
        Members { entries }
    }

    /// [`get_ci`] on the indexed object: the exact match, else the first case-insensitive one.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        let kb = key.as_bytes();
        let h = folded_hash(kb);
        let mut folded = None;
        for &(eh, k, v) in &self.entries {
            if eh == h && k.len() == kb.len() {
                if k.as_bytes() == kb {
                    return Some(v);
                }
                if folded.is_none() && k.as_bytes().eq_ignore_ascii_case(kb) {
                    folded = Some(v);
                }
            }
        }
        folded
    }

    /// [`get_present`] on the indexed object.
    pub(crate) fn get_present(&self, key: &str) -> Option<&'a Value> {
        self.get(key).filter(|v| !v.is_null())
    }
}

/// Like [`get_ci`] but a JSON `null` counts as absent (Azure request content omits nulls).
pub(crate) fn get_present<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    get_ci(value, key).filter(|v| !v.is_null())
}

/// The fold under which [`str_eq_ci`] compares: `str_eq_ci(a, b)` exactly when the folds are equal
/// (for ASCII text Unicode lower-casing is ASCII lower-casing). ASCII text of up to 192 bytes is
/// folded into `buf` without allocating. Keys of the `anyOf` index are folded by it too.
pub(crate) fn fold_ci<'b>(s: &'b str, buf: &'b mut [u8; 192]) -> Cow<'b, str> {
    match s.is_ascii().then(|| lower_buf(s, buf)).flatten() {
        Some(lower) => Cow::Borrowed(lower),
        None => Cow::Owned(s.to_lowercase()),
    }
}

/// `s` ASCII-lower-cased into `buf`, when it fits.
pub(crate) fn lower_buf<'b>(s: &str, buf: &'b mut [u8; 192]) -> Option<&'b str> {
    let b = s.as_bytes();
    if b.len() > buf.len() {
        return None;
    }
    for (d, c) in buf.iter_mut().zip(b) {
        *d = c.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..b.len()]).ok()
}

/// Case-insensitive string equality (ASCII fast path, Unicode lower-casing otherwise).
pub(crate) fn str_eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// The string form Azure compares scalars by: strings as-is, booleans `true`/`false`, numbers in
/// their shortest decimal form, null as empty. Arrays and objects have no string form.
pub(crate) fn scalar_str(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        Value::Bool(true) => Some(Cow::Borrowed("true")),
        Value::Bool(false) => Some(Cow::Borrowed("false")),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Null => Some(Cow::Borrowed("")),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// String form for template functions (`concat`, `toLower`…): arrays and objects as JSON text.
pub(crate) fn to_string_lossy(v: &Value) -> Cow<'_, str> {
    scalar_str(v).unwrap_or_else(|| Cow::Owned(v.to_string()))
}

/// Number view of a value: numbers, and strings holding a number.
pub(crate) fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

/// Azure `equals`: case-insensitive for strings; scalars of different JSON types compare by their
/// string form (`true` equals `"True"`, `1` equals `"1"`); arrays and objects structurally.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => str_eq_ci(x, y),
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            match (n.as_f64(), s.trim().parse::<f64>()) {
                (Some(x), Ok(y)) => x == y,
                _ => false,
            }
        }
        (Value::Bool(x), Value::String(s)) | (Value::String(s), Value::Bool(x)) => {
            s.eq_ignore_ascii_case(if *x { "true" } else { "false" })
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| get_ci(b, k).is_some_and(|w| values_equal(v, w)))
        }
        _ => false,
    }
}

/// Ordering for `less`/`greater`…: numbers numerically (also numeric strings against numbers),
/// strings case-insensitively (InvariantCultureIgnoreCase ≈ ordinal on lower-cased text, which also
/// orders ISO-8601 dates). `None` when the types cannot be compared (Azure raises an error).
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(_), _) | (_, Value::Number(_)) => as_f64(a)?.partial_cmp(&as_f64(b)?),
        (Value::String(x), Value::String(y)) => Some(cmp_ci(x, y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn cmp_ci(a: &str, b: &str) -> Ordering {
    let mut ai = a.chars().flat_map(char::to_lowercase);
    let mut bi = b.chars().flat_map(char::to_lowercase);
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => match x.cmp(&y) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

/// `like`: `*` matches any run of characters (Azure documents one wildcard; any number is accepted
/// here), case-insensitive, whole string.
pub(crate) fn like(text: &str, pattern: &str) -> bool {
    let t = text.as_bytes();
    let p = pattern.as_bytes();
    if !(text.is_ascii() && pattern.is_ascii()) {
        return like(&text.to_lowercase(), &pattern.to_lowercase());
    }
    // Classic greedy wildcard matching with backtracking to the last `*`.
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// `match`: `#` a digit, `?` a letter, `.` any character, anything else itself; whole string.
pub(crate) fn match_pattern(text: &str, pattern: &str, case_insensitive: bool) -> bool {
    let mut t = text.chars();
    for pc in pattern.chars() {
        let Some(tc) = t.next() else { return false };
        let ok = match pc {
            '#' => tc.is_ascii_digit(),
            '?' => tc.is_alphabetic(),
            '.' => true,
            _ if case_insensitive => pc.to_lowercase().eq(tc.to_lowercase()),
            _ => pc == tc,
        };
        if !ok {
            return false;
        }
    }
    t.next().is_none()
}

/// Case-insensitive substring test.
pub(crate) fn contains_ci(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        let Some(last_start) = h.len().checked_sub(n.len()) else {
            return false;
        };
        // Only where the needle's first byte occurs, in either case (`memchr2`): ids are searched
        // for `/resourceGroups/...` on every VM and storage account, and testing every window
        // was ~1% of a scan's instructions.
        let first = n[0];
        memchr::memchr2_iter(
            first.to_ascii_lowercase(),
            first.to_ascii_uppercase(),
            &h[..=last_start],
        )
        .any(|at| h[at..at + n.len()].eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(&needle.to_lowercase())
    }
}

/// Azure normalises locations: `East US 2` equals `eastus2`.
pub(crate) fn location_eq(a: &str, b: &str) -> bool {
    let mut x = a
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase);
    let mut y = b
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase);
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q => {}
            _ => return false,
        }
    }
}

/// Truthiness for `if()`, `and()`, `not()`: booleans, and the strings `true`/`false`.
pub(crate) fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `contains_ci` finds a needle exactly where comparing every window case-insensitively does:
    /// every needle cut from the haystacks (at each start and length, case-flipped), needles that
    /// start with a letter or not, at the ends, longer than the haystack, and non-ASCII text.
    #[test]
    fn contains_ci_equals_testing_every_window() {
        let naive = |h: &str, n: &str| {
            n.is_empty()
                || h.to_lowercase()
                    .as_bytes()
                    .windows(n.len())
                    .any(|w| w == n.to_lowercase().as_bytes())
        };
        let haystacks = [
            "/subscriptions/s1/resourceGroups/aro-x/providers/Microsoft.Storage/storageAccounts/a",
            "/resourcegroups/databricks-rg-1",
            "aAaAab",
            "",
            "x",
        ];
        let mut needles: Vec<String> = vec![
            "/resourceGroups/aro-".into(),
            "/RESOURCEGROUPS/DATABRICKS-RG-".into(),
            "aab".into(),
            "AAB".into(),
            "b".into(),
            "zz".into(),
            "a very long needle, longer than any haystack here, at all".into(),
        ];
        for h in haystacks {
            for start in 0..h.len() {
                for end in start + 1..=h.len().min(start + 6) {
                    let cut = &h[start..end];
                    needles.push(cut.to_owned());
                    needles.push(cut.to_ascii_uppercase());
                }
            }
        }
        for h in haystacks {
            for n in &needles {
                assert_eq!(contains_ci(h, n), naive(h, n), "{h:?} contains {n:?}");
            }
        }
        assert!(contains_ci("Stra\u{df}e", "STRA\u{df}"));
        assert!(contains_ci("\u{212a}elvin", "kel"));
        assert!(!contains_ci("\u{212a}elvin", "kev"));
    }

    #[test]
    fn like_patterns() {
        assert!(like("Microsoft.Web/sites", "microsoft.web/*"));
        assert!(like("abc", "*"));
        assert!(like("abc", "a*c"));
        assert!(like("abxxc", "a*c"));
        assert!(!like("abxxd", "a*c"));
        assert!(like("functionapp,linux", "*linux*"));
        assert!(!like("app", "*linux*"));
    }

    #[test]
    fn match_patterns() {
        assert!(match_pattern("ab12", "??##", false));
        assert!(!match_pattern("ab12x", "??##", false));
        assert!(match_pattern("Ab", "ab", true));
        assert!(!match_pattern("Ab", "ab", false));
    }

    #[test]
    fn equality_coerces_scalars() {
        assert!(values_equal(&json!(true), &json!("True")));
        assert!(values_equal(&json!(1), &json!("1")));
        assert!(values_equal(&json!("TLS1_2"), &json!("tls1_2")));
        assert!(!values_equal(&json!(false), &json!("true")));
        assert!(values_equal(&json!({"A": [1]}), &json!({"a": ["1"]})));
    }

    #[test]
    fn ordering() {
        assert_eq!(compare(&json!("030"), &json!("365")), Some(Ordering::Less));
        assert_eq!(compare(&json!(5), &json!("10")), Some(Ordering::Less));
        assert_eq!(
            compare(&json!("2019-01-01"), &json!("2021-06-01-preview")),
            Some(Ordering::Less)
        );
        assert_eq!(compare(&json!([1]), &json!(1)), None);
    }

    #[test]
    fn members_answer_as_get_ci() {
        // Same length and the same first and last two letters: the fingerprint matches, the bytes
        // decide.
        let v = json!({
            "Name": 1, "name": 2, "NAME2": 3, "kind": null, "ünï": 4,
            "abXYcd": 5, "abZZcd": 6, "a": 7, "": 8,
        });
        let m = Members::of(Some(&v));
        for k in [
            "name", "Name", "NAME", "name2", "Name2", "kind", "absent", "ünï", "ÜNÏ", "", "abxycd",
            "ABZZCD", "abQQcd", "a", "A", "b",
        ] {
            assert_eq!(m.get(k), get_ci(&v, k), "{k}");
            assert_eq!(m.get_present(k), get_present(&v, k), "{k}");
        }
        assert_eq!(Members::of(Some(&json!([1]))).get("a"), None);
    }

    #[test]
    fn locations_normalise() {
        assert!(location_eq("East US 2", "eastus2"));
        assert!(!location_eq("East US", "eastus2"));
    }
}
