//! OS package databases and os-release: expected lists from ../shared/data/pkgdb and
//! differential checks against dpkg-query, rpm and the shell.

mod apk;
mod dpkg;
mod os_release;
mod robustness;
mod rpm;
mod select;
mod sqlite_generated;

use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) const PKGDB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/pkgdb");

pub(crate) fn data(rel: &str) -> PathBuf {
    Path::new(PKGDB).join(rel)
}

pub(crate) fn read(rel: &str) -> Vec<u8> {
    let p = data(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Rows of a `*.expected.tsv` file, header row dropped.
pub(crate) fn expected_tsv(rel: &str) -> Vec<Vec<String>> {
    let text = String::from_utf8(read(rel)).expect("tsv is UTF-8");
    text.lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// Whether `tool` can be run. Under `CI=true` a missing tool fails the test (the CI script
/// installs it); elsewhere the test is skipped with a printed reason.
#[allow(clippy::print_stderr)]
pub(crate) fn have_tool(tool: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{tool} is required under CI=true (installed by .ci/run)");
        }
        eprintln!("skipping: {tool} not installed (.ci/run installs it)");
    }
    found
}

/// Stdout of a command that must succeed.
pub(crate) fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("tool output is UTF-8")
}

pub(crate) fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
