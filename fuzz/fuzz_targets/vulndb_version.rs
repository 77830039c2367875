//! Two version strings (split at the first newline) through every scheme's comparator: no
//! panic, and `compare` is antisymmetric and reflexive.
#![no_main]

use std::cmp::Ordering;

use libfuzzer_sys::fuzz_target;
use rampart_vulndb::version::Scheme;

const SCHEMES: [Scheme; 9] = [
    Scheme::Dpkg,
    Scheme::Rpm,
    Scheme::Apk,
    Scheme::Pep440,
    Scheme::Semver,
    Scheme::Go,
    Scheme::Maven,
    Scheme::RubyGems,
    Scheme::Packagist,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = text.split_once('\n').unwrap_or((text, ""));
    for s in SCHEMES {
        let ab = s.compare(a, b);
        assert_eq!(ab, s.compare(b, a).reverse(), "{s:?} {a:?} {b:?}");
        assert_eq!(s.compare(a, a), Ordering::Equal, "{s:?} {a:?}");
        let _ = s.is_valid(a);
    }
});
