//! Every vector in shared/data/versions, both directions.

use std::cmp::Ordering;

use rampart_vulndb::version::{rpmvercmp, Scheme};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/versions");

fn parse_op(op: &str) -> Ordering {
    match op {
        "<" => Ordering::Less,
        "=" => Ordering::Equal,
        ">" => Ordering::Greater,
        other => panic!("unknown operator {other:?}"),
    }
}

/// Returns (vectors checked, failures as text).
fn run_file(file: &str, scheme: Scheme) -> (usize, Vec<String>) {
    let path = format!("{DATA}/semantic/{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut n = 0;
    let mut fails = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with("# ") || line.starts_with("// ") {
            continue;
        }
        let mut parts = line.split(' ');
        let (Some(a), Some(op), Some(b), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            panic!("{path}: bad line {line:?}");
        };
        let want = parse_op(op);
        n += 1;
        let got = scheme.compare(a, b);
        let back = scheme.compare(b, a);
        if got != want || back != want.reverse() {
            fails.push(format!("{line}: got {got:?}, reverse {back:?}"));
        }
        // Where the scheme has a canonical form, equal forms mean equal versions and back.
        if let (Some(ca), Some(cb)) = (scheme.canonical(a), scheme.canonical(b)) {
            if (ca == cb) != (want == Ordering::Equal) {
                fails.push(format!("{line}: canonical forms {ca:?} / {cb:?}"));
            }
        }
    }
    (n, fails)
}

fn check(file: &str, scheme: Scheme, expected_count: usize) {
    let (n, fails) = run_file(file, scheme);
    assert_eq!(n, expected_count, "{file}: vector count (README)");
    assert!(
        fails.is_empty(),
        "{file}: {} of {n} failed:\n{}",
        fails.len(),
        fails.join("\n")
    );
}

#[test]
fn alpine_vectors() {
    check("alpine-versions.txt", Scheme::Apk, 778);
}

#[test]
fn debian_vectors() {
    check("debian-versions.txt", Scheme::Dpkg, 30);
}

#[test]
fn maven_vectors() {
    check("maven-versions.txt", Scheme::Maven, 102);
}

#[test]
fn packagist_vectors() {
    check("packagist-versions.txt", Scheme::Packagist, 95);
}

#[test]
fn pypi_vectors() {
    check("pypi-versions.txt", Scheme::Pep440, 37);
}

#[test]
fn redhat_vectors() {
    check("redhat-versions.txt", Scheme::Rpm, 165);
}

#[test]
fn rubygems_vectors() {
    check("rubygems-versions.txt", Scheme::RubyGems, 25);
}

#[test]
fn semver_vectors_npm_crates() {
    check("semver-versions.txt", Scheme::Semver, 86);
}

#[test]
fn semver_vectors_go() {
    check("semver-versions.txt", Scheme::Go, 86);
}

fn run_tsv(file: &str) -> (usize, Vec<String>) {
    let path = format!("{DATA}/{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut n = 0;
    let mut fails = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [a, b, e] = cols[..] else {
            panic!("{path}: bad line {line:?}")
        };
        let want = match e {
            "-1" => Ordering::Less,
            "0" => Ordering::Equal,
            "1" => Ordering::Greater,
            other => panic!("{path}: expected {other:?}"),
        };
        n += 1;
        let got = rpmvercmp(a, b);
        if got != want || rpmvercmp(b, a) != want.reverse() {
            fails.push(format!("{a} vs {b}: want {want:?}, got {got:?}"));
        }
    }
    (n, fails)
}

#[test]
fn rpm_vercmp_vectors() {
    for (file, count) in [("rpm-vercmp.tsv", 91), ("rpm-vercmp-oddities.tsv", 12)] {
        let (n, fails) = run_tsv(file);
        assert_eq!(n, count, "{file}");
        assert!(fails.is_empty(), "{file}:\n{}", fails.join("\n"));
    }
}

#[test]
fn hostile_inputs_terminate_and_stay_consistent() {
    let long_dash = "1-".repeat(20_000);
    let long_dot = "1.a".repeat(5_000);
    let inputs = [
        "1\0a", "\0", "1.0\0~", "", " ", "~", "^", "-", ":", "v", &long_dash, &long_dot,
    ];
    for scheme in [
        Scheme::Dpkg,
        Scheme::Rpm,
        Scheme::Apk,
        Scheme::Pep440,
        Scheme::Semver,
        Scheme::Go,
        Scheme::Maven,
        Scheme::RubyGems,
        Scheme::Packagist,
    ] {
        for a in inputs {
            for b in inputs {
                assert_eq!(
                    scheme.compare(a, b),
                    scheme.compare(b, a).reverse(),
                    "{scheme:?}"
                );
            }
            assert_eq!(scheme.compare(a, a), Ordering::Equal, "{scheme:?}");
        }
    }
}

/// Random strings over the characters versions are made of: every scheme's comparison is total
/// (no panic), reflexive and antisymmetric on them. Seeded, so a failure reproduces.
#[test]
fn random_strings_compare_consistently() {
    const ALPHABET: &[u8] = b"0123456789.-_+~^:!vVabcdeprlsth ";
    let mut rng = rampart_vulndb::generate::Rng::new(42);
    let mut strings = Vec::new();
    for _ in 0..6000 {
        let len = rng.below(14) as usize;
        let s: String = (0..len)
            .map(|_| char::from(ALPHABET[rng.below(ALPHABET.len() as u64) as usize]))
            .collect();
        strings.push(s);
    }
    for scheme in [
        Scheme::Dpkg,
        Scheme::Rpm,
        Scheme::Apk,
        Scheme::Pep440,
        Scheme::Semver,
        Scheme::Go,
        Scheme::Maven,
        Scheme::RubyGems,
        Scheme::Packagist,
    ] {
        for pair in strings.chunks(2) {
            let [a, b] = pair else { continue };
            let ab = scheme.compare(a, b);
            assert_eq!(ab, scheme.compare(b, a).reverse(), "{scheme:?} {a:?} {b:?}");
            assert_eq!(scheme.compare(a, a), Ordering::Equal, "{scheme:?} {a:?}");
            if let (Some(ca), Some(cb)) = (scheme.canonical(a), scheme.canonical(b)) {
                assert_eq!(ca == cb, ab == Ordering::Equal, "{scheme:?} {a:?} {b:?}");
            }
        }
    }
}
