//! Differential tests: our ordering against the real tools on seeded, generated pairs —
//! `dpkg --compare-versions`, rpm's `rpm.vercmp` (Lua, one process for all pairs), Python
//! `packaging` (venv at $HOME/.cache/rampart-venv) and npm `semver` ($HOME/.cache/rampart-npm).
//! Under CI=true a missing tool fails the test; elsewhere it is skipped with a reason.

use std::cmp::Ordering;
use std::io::Write;
use std::process::{Command, Stdio};

use rampart_vulndb::generate::Rng;
use rampart_vulndb::version::{rpmvercmp, Scheme};

const PAIRS: usize = 3000;

fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.below(xs.len() as u64) as usize]
}

fn num(rng: &mut Rng) -> String {
    // Mostly small numbers, sometimes leading zeros or long ones.
    match rng.below(10) {
        0 => format!("0{}", rng.below(10)),
        1 => format!("{}", rng.below(100_000)),
        _ => format!("{}", rng.below(12)),
    }
}

fn dpkg_version(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.below(6) == 0 {
        s.push_str(&format!("{}:", rng.below(3)));
    }
    s.push_str(&num(rng));
    for _ in 0..rng.below(4) {
        s.push_str(pick(rng, &[".", ".", "+", "~"]));
        s.push_str(&if rng.below(3) == 0 {
            pick(rng, &["rc", "a", "dfsg", "git", "beta", "b"]).to_string()
        } else {
            num(rng)
        });
    }
    if rng.below(3) == 0 {
        s.push_str(pick(rng, &["~rc1", "~beta", "+dfsg", "a", "~~", "+b1"]));
    }
    if rng.below(4) != 0 {
        s.push('-');
        s.push_str(&num(rng));
        if rng.below(3) == 0 {
            s.push_str(pick(
                rng,
                &["ubuntu1", "+deb12u1", "~bpo11+1", ".1", "+b2", "build1"],
            ));
        }
    }
    s
}

fn rpm_version(rng: &mut Rng) -> String {
    let mut s = num(rng);
    for _ in 0..rng.below(4) {
        s.push_str(pick(rng, &[".", ".", "_", "+", "~", "^", ""]));
        s.push_str(&if rng.below(3) == 0 {
            pick(rng, &["rc", "a", "el8", "git", "beta", "fc38", "p"]).to_string()
        } else {
            num(rng)
        });
    }
    if rng.below(4) == 0 {
        s.push_str(pick(rng, &["~rc1", "^20230101git", "~", "^", "a", ".1"]));
    }
    s
}

fn pep440_version(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.below(10) == 0 {
        s.push_str(&format!("{}!", rng.below(3)));
    }
    s.push_str(&num(rng));
    for _ in 0..rng.below(4) {
        s.push('.');
        s.push_str(&num(rng));
    }
    if rng.below(3) == 0 {
        s.push_str(pick(
            rng,
            &[
                "a", "b", "rc", "alpha", "beta", "c", "pre", ".rc", "-rc", "preview",
            ],
        ));
        if rng.below(4) != 0 {
            s.push_str(&num(rng));
        }
    }
    if rng.below(4) == 0 {
        s.push_str(pick(rng, &[".post", "post", "-", ".rev", "-r", "_post"]));
        s.push_str(&format!("{}", rng.below(4)));
    }
    if rng.below(4) == 0 {
        s.push_str(pick(rng, &[".dev", "dev", "-dev"]));
        if rng.below(3) != 0 {
            s.push_str(&num(rng));
        }
    }
    if rng.below(6) == 0 {
        s.push('+');
        s.push_str(pick(rng, &["ubuntu1", "1.2", "abc.5", "local-7", "0", "a"]));
    }
    if rng.below(8) == 0 {
        s = s.to_uppercase();
    }
    s
}

fn semver_version(rng: &mut Rng) -> String {
    let n = |rng: &mut Rng| {
        if rng.below(8) == 0 {
            format!("{}", rng.below(1_000_000))
        } else {
            format!("{}", rng.below(4))
        }
    };
    let mut s = format!("{}.{}.{}", n(rng), n(rng), n(rng));
    if rng.below(2) == 0 {
        s.push('-');
        for i in 0..1 + rng.below(3) {
            if i > 0 {
                s.push('.');
            }
            s.push_str(&if rng.below(2) == 0 {
                pick(rng, &["alpha", "beta", "rc", "0a", "x-y", "A", "pre"]).to_string()
            } else {
                n(rng)
            });
        }
    }
    if rng.below(5) == 0 {
        s.push('+');
        s.push_str(pick(rng, &["build.1", "20230101", "sha.abc", "001"]));
    }
    s
}

fn pairs(seed: u64, gen: fn(&mut Rng) -> String) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    (0..PAIRS)
        .map(|i| {
            let a = gen(&mut rng);
            // Every fourth pair compares a version with a close variant of itself.
            let b = if i % 4 == 0 {
                format!("{a}{}", pick(&mut rng, &["", "1", ".0", "~1", "a", "-1"]))
            } else {
                gen(&mut rng)
            };
            (a, b)
        })
        .collect()
}

fn ord(n: i64) -> Ordering {
    n.cmp(&0)
}

fn report(name: &str, mismatches: &[String], checked: usize) {
    assert!(
        checked >= PAIRS / 2,
        "{name}: only {checked} pairs were comparable"
    );
    assert!(
        mismatches.is_empty(),
        "{name}: {} of {checked} pairs differ:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Whether `tool --version` runs and succeeds.
fn runs(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn dpkg_compare_versions() {
    if !crate::common::require_tool("dpkg", runs("dpkg")) {
        return;
    }
    let pairs = pairs(1, dpkg_version);
    // One shell for all pairs: dpkg exits 0 when the relation holds.
    let mut script = String::new();
    for (a, b) in &pairs {
        script.push_str(&format!(
            "if dpkg --compare-versions '{a}' lt '{b}' 2>/dev/null; then echo -1; elif dpkg --compare-versions '{a}' eq '{b}' 2>/dev/null; then echo 0; elif dpkg --compare-versions '{a}' gt '{b}' 2>/dev/null; then echo 1; else echo invalid; fi\n"
        ));
    }
    let text = run_batch("sh", &["-s"], &script);
    let mut bad = Vec::new();
    let mut checked = 0;
    for ((a, b), line) in pairs.iter().zip(text.lines()) {
        let Ok(n) = line.parse::<i64>() else { continue };
        checked += 1;
        let ours = Scheme::Dpkg.compare(a, b);
        if ours != ord(n) {
            bad.push(format!("{a} vs {b}: dpkg {n}, ours {ours:?}"));
        }
    }
    report("dpkg", &bad, checked);
}

#[test]
fn rpm_vercmp() {
    if !crate::common::require_tool("rpm", runs("rpm")) {
        return;
    }
    let pairs = pairs(2, rpm_version);
    // One rpm process: a Lua chunk comparing every pair.
    let mut lua = String::new();
    for (a, b) in &pairs {
        // rpm joins print() output without newlines: separate with ';'.
        lua.push_str(&format!(
            "print(rpm.vercmp([==[{a}]==], [==[{b}]==]) .. ';')\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pairs.lua");
    std::fs::write(&file, &lua).unwrap();
    let out = Command::new("rpm")
        .arg("--eval")
        .arg(format!("%{{lua: dofile([==[{}]==])}}", file.display()))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text
        .split(';')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        lines.len(),
        pairs.len(),
        "rpm output: {}",
        &text[..text.len().min(500)]
    );
    let mut bad = Vec::new();
    for ((a, b), line) in pairs.iter().zip(lines) {
        let n: i64 = line.trim().parse().unwrap();
        let ours = rpmvercmp(a, b);
        if ours != ord(n) {
            bad.push(format!("{a} vs {b}: rpm {n}, ours {ours:?}"));
        }
    }
    report("rpm", &bad, pairs.len());
}

fn run_batch(program: &str, args: &[&str], input: &str) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{program} failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn python_packaging() {
    let home = std::env::var("HOME").unwrap_or_default();
    let python = format!("{home}/.cache/rampart-venv/bin/python");
    let ok = Command::new(&python)
        .args(["-c", "import packaging.version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !crate::common::require_tool("Python packaging (venv at $HOME/.cache/rampart-venv)", ok) {
        return;
    }
    let mut pairs = pairs(3, pep440_version);
    // Separator and spelling edge cases of PEP 440's grammar, each against a plain version.
    for edge in [
        "1.0a.",
        "1.0-",
        "1.0.post.",
        "v1!2",
        "1.0-r1",
        "1.0_c",
        "1.0.",
        "1.0+",
        "1.0+a..b",
        "1.0rc1.dev",
        "1.0-1-1",
        "1.0.post1-1",
        "1.0a-1",
        "1.0-dev",
        "1.0--1",
        "1.0..dev",
        " 1.0 ",
        "1.0a1.post2.dev3+x.1",
        "1.0pre",
        "1.0preview2",
        "1.0-1.dev",
        "V1.0",
        "1.0.RC1",
        "1.0.a.1",
        "1.0alpha_1",
        "1.0-post",
        "1.0r",
        "1.0rev",
        "0!0",
        "1.0.dev-1",
        "1.0a-",
        "1.0a--1",
        "1.0+Ubuntu-1",
        "1!",
        "!1",
        "1.0.0.0",
        "01.00",
    ] {
        pairs.push((edge.to_string(), "1.0".to_string()));
    }
    let script = r#"
import sys
from packaging.version import Version, InvalidVersion
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        print("invalid"); continue
    print(-1 if va < vb else (1 if va > vb else 0))
"#;
    let input: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
    let text = run_batch(&python, &["-c", script], &input);
    let mut bad = Vec::new();
    let mut checked = 0;
    for ((a, b), line) in pairs.iter().zip(text.lines()) {
        let valid = Scheme::Pep440.is_valid(a) && Scheme::Pep440.is_valid(b);
        let Ok(n) = line.parse::<i64>() else {
            if valid {
                bad.push(format!("{a} vs {b}: packaging says invalid, we accept"));
            }
            continue;
        };
        if !valid {
            bad.push(format!("{a} vs {b}: packaging accepts, we do not"));
            continue;
        }
        checked += 1;
        let same = Scheme::Pep440.canonical(a) == Scheme::Pep440.canonical(b);
        if same != (n == 0) {
            bad.push(format!(
                "{a} vs {b}: packaging {n}, canonical forms equal: {same}"
            ));
        }
        let ours = Scheme::Pep440.compare(a, b);
        if ours != ord(n) {
            bad.push(format!("{a} vs {b}: packaging {n}, ours {ours:?}"));
        }
    }
    report("packaging", &bad, checked);
}

#[test]
fn npm_semver() {
    let home = std::env::var("HOME").unwrap_or_default();
    let dir = format!("{home}/.cache/rampart-npm");
    let ok = std::path::Path::new(&format!("{dir}/node_modules/semver/package.json")).exists()
        && runs("node");
    if !crate::common::require_tool("node + npm semver ($HOME/.cache/rampart-npm)", ok) {
        return;
    }
    let pairs = pairs(4, semver_version);
    let script = format!(
        r#"
const semver = require("{dir}/node_modules/semver");
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
const out = lines.map(l => {{
  const [a, b] = l.split("\t");
  if (!semver.valid(a) || !semver.valid(b)) return "invalid";
  return String(semver.compare(a, b));
}});
process.stdout.write(out.join("\n") + "\n");
"#
    );
    let input: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
    let text = run_batch("node", &["-e", &script], &input);
    let mut bad = Vec::new();
    let mut checked = 0;
    for ((a, b), line) in pairs.iter().zip(text.lines()) {
        let valid = Scheme::Semver.is_valid(a) && Scheme::Semver.is_valid(b);
        let Ok(n) = line.parse::<i64>() else {
            if valid {
                bad.push(format!("{a} vs {b}: npm semver says invalid, we accept"));
            }
            continue;
        };
        checked += 1;
        let same = Scheme::Semver.canonical(a) == Scheme::Semver.canonical(b);
        if same != (n == 0) {
            bad.push(format!(
                "{a} vs {b}: npm {n}, canonical forms equal: {same}"
            ));
        }
        for scheme in [Scheme::Semver, Scheme::Go] {
            let ours = scheme.compare(a, b);
            if ours != ord(n) {
                bad.push(format!("{a} vs {b}: npm {n}, ours ({scheme:?}) {ours:?}"));
            }
        }
    }
    report("npm semver", &bad, checked);
}
