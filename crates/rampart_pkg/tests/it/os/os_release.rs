//! os-release parsing, checked against the shell: os-release(5) defines the format as
//! shell-compatible assignments, so `sh` sourcing the file gives the reference values.

use super::{have_tool, run};
use rampart_pkg::os::{self, OsParser};
use std::process::Command;

/// `ID`, `ID_LIKE`, `VERSION_ID`, `VERSION_CODENAME`, `PRETTY_NAME` as `sh` reads them.
fn shell_values(file: &std::path::Path) -> Vec<String> {
    let script = r#". "$1"; printf '%s\n' "${ID:-linux}" "$ID_LIKE" "$VERSION_ID" "$VERSION_CODENAME" "$PRETTY_NAME""#;
    let out = run(Command::new("sh").args(["-c", script, "sh"]).arg(file));
    out.lines().map(str::to_owned).collect()
}

fn our_values(bytes: &[u8]) -> Vec<String> {
    let d = os::os_release("etc/os-release", bytes).unwrap();
    vec![
        d.id,
        d.id_like.join(" "),
        d.version_id.unwrap_or_default(),
        d.codename.unwrap_or_default(),
        d.pretty_name.unwrap_or_default(),
    ]
}

const CASES: &[&str] = &[
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n",
    "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME=\"Alpine Linux v3.18\"\n",
    "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\nVERSION_ID='21.2'\n",
    "# comment\n\nID=\"rhel\"\nID_LIKE=\"fedora\"\nPRETTY_NAME=\"Red Hat \\\"Enterprise\\\" \\$Linux \\\\ 9\"\n",
    "PRETTY_NAME='single $quoted \\ text'\nID=x\n",
    "PRETTY_NAME=unquoted\\ escaped\\\"\nID=y\n",
    "VERSION_ID=\"1\"'2'3\nID=mixed\n",
    "NAME=no-id-here\n",
];

#[test]
fn matches_the_shell() {
    if !have_tool("sh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<(String, Vec<u8>)> = CASES
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("case{i}"), c.as_bytes().to_vec()))
        .collect();
    for host in ["/etc/os-release", "/usr/lib/os-release"] {
        if let Ok(b) = std::fs::read(host) {
            files.push((host.to_owned(), b));
        }
    }
    for (name, bytes) in files {
        let file = dir.path().join("os-release");
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(our_values(&bytes), shell_values(&file), "{name}");
    }
}

#[test]
fn select_and_errors() {
    assert_eq!(os::select("etc/os-release"), Some(OsParser::OsRelease));
    assert_eq!(os::select("usr/lib/os-release"), Some(OsParser::OsRelease));
    assert_eq!(os::select("/etc/os-release"), None);
    let err = os::os_release("etc/os-release", b"ID=debian\nPRETTY_NAME=\"open\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "etc/os-release:2: PRETTY_NAME: unterminated double quote"
    );
    let big = vec![b'#'; 100_000];
    assert!(matches!(
        os::os_release("etc/os-release", &big),
        Err(rampart_pkg::PkgError::TooLarge { .. })
    ));
}
