//! dpkg status and status.d against the expected list, the fixtures and `dpkg-query`.

use super::{data, expected_tsv, have_tool, read, run, sorted};
use rampart_pkg::os::{self, OsParser};
use rampart_pkg::{Distro, Ecosystem, Package, PkgError};
use std::process::Command;

fn parse_status(bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    os::parse(OsParser::DpkgStatus, "var/lib/dpkg/status", bytes, None)
}

#[test]
fn host_status_matches_expected_list() {
    let pkgs = parse_status(&read("dpkg/host-status")).unwrap();
    let got = sorted(
        pkgs.iter()
            .map(|p| {
                format!(
                    "{}\t{}\t{}",
                    p.name,
                    p.version,
                    p.arch.as_deref().unwrap_or("")
                )
            })
            .collect(),
    );
    let want: Vec<String> = expected_tsv("dpkg/host-status.expected.tsv")
        .into_iter()
        .map(|r| r.join("\t"))
        .collect();
    assert_eq!(got, sorted(want));
    assert!(pkgs.iter().all(|p| p.ecosystem == Ecosystem::Debian));
    assert!(pkgs.iter().all(|p| p.location == "var/lib/dpkg/status"));
}

/// `dpkg-query` reading `status` (copied into a scratch admin directory) with `format`.
fn dpkg_query(status: &[u8], format: &str) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("status"), status).unwrap();
    std::fs::create_dir(dir.path().join("updates")).unwrap();
    let out = Command::new("dpkg-query")
        .arg(format!("--admindir={}", dir.path().display()))
        .args(["-W", "-f", format])
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn name_version(pkgs: &[Package]) -> Vec<String> {
    sorted(
        pkgs.iter()
            .map(|p| format!("{}\t{}", p.name, p.version))
            .collect(),
    )
}

fn lines(s: &str) -> Vec<String> {
    sorted(s.lines().map(str::to_owned).collect())
}

/// Every fixture (status combinations, missing fields, invalid text, ...) and the full host
/// file: the same packages as dpkg-query, or an error where dpkg-query fails.
#[test]
fn fixtures_match_dpkg_query() {
    if !have_tool("dpkg-query") {
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(data("dpkg/fixtures/dpkg"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.push(data("dpkg/host-status"));
    files.sort();
    assert!(files.len() >= 12, "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let ours = parse_status(&bytes);
        match dpkg_query(&bytes, "${Package}\t${Version}\n") {
            Ok(out) => {
                let ours = ours.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                assert_eq!(name_version(&ours), lines(&out), "{}", file.display());
            }
            Err(err) => assert!(
                ours.is_err(),
                "{}: dpkg-query fails ({err}) but we read {ours:?}",
                file.display()
            ),
        }
    }
}

/// Source package name and version as dpkg-query derives them (`${source:Package}`,
/// `${source:Version}`: the `Source` field, defaulting to the binary's own).
#[test]
fn source_fields_match_dpkg_query() {
    if !have_tool("dpkg-query") {
        return;
    }
    let bytes = read("dpkg/host-status");
    let out = dpkg_query(
        &bytes,
        "${Package}\t${Version}\t${source:Package}\t${source:Version}\n",
    )
    .unwrap();
    let ours = sorted(
        parse_status(&bytes)
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{}\t{}\t{}\t{}",
                    p.name,
                    p.version,
                    p.source_name.as_deref().unwrap_or(&p.name),
                    p.source_version.as_deref().unwrap_or(&p.version)
                )
            })
            .collect(),
    );
    let want = lines(&out);
    assert_eq!(ours, want);
    // The host file has binaries built from differently named and versioned sources.
    assert!(ours.iter().any(|l| {
        let f: Vec<_> = l.split('\t').collect();
        f[0] != f[2] && f[1] != f[3]
    }));
}

/// This machine's live database parsed == `dpkg-query -W` (the acceptance check).
#[test]
fn this_machine_matches_dpkg_query() {
    if !have_tool("dpkg-query") {
        return;
    }
    let path = std::path::Path::new("/var/lib/dpkg/status");
    if !path.exists() && std::env::var("CI").as_deref() != Ok("true") {
        return;
    }
    // Read the tool first and the file second, then once more if an install ran between.
    for attempt in 0..3 {
        let want = lines(&run(Command::new("dpkg-query").args([
            "-W",
            "-f",
            "${Package}\t${Version}\n",
        ])));
        let bytes = std::fs::read(path).unwrap();
        let got = name_version(&parse_status(&bytes).unwrap());
        if got == want || attempt == 2 {
            assert_eq!(got, want);
            assert!(!got.is_empty());
            break;
        }
    }
}

#[test]
fn status_d_distroless() {
    let path = "var/lib/dpkg/status.d/foo";
    assert_eq!(rampart_pkg::os::select(path), Some(OsParser::DpkgStatusD));
    assert_eq!(
        rampart_pkg::os::select("var/lib/dpkg/status.d/foo.md5sums"),
        None
    );
    let pkgs = os::parse(
        OsParser::DpkgStatusD,
        path,
        &read("dpkg/fixtures/dpkg/status.d/foo"),
        None,
    )
    .unwrap();
    // `foo` has no Status (installed, as image builders write it); `bar` is
    // `deinstall ok config-files`, listed as dpkg-query lists config-files packages.
    assert_eq!(
        name_version(&pkgs),
        vec!["bar\t1.0".to_owned(), "foo\t1.2.3".to_owned()]
    );
    let foo = pkgs.iter().find(|p| p.name == "foo").unwrap();
    assert_eq!(foo.arch.as_deref(), Some("amd64"));
    assert_eq!(foo.location, path);
}

#[test]
fn ecosystem_follows_the_distribution() {
    let bytes = read("dpkg/fixtures/dpkg/single");
    let eco = |d: Option<&Distro>| {
        os::parse(OsParser::DpkgStatus, "var/lib/dpkg/status", &bytes, d).unwrap()[0].ecosystem
    };
    let ubuntu = os::os_release("etc/os-release", b"ID=ubuntu\nVERSION_ID=\"22.04\"\n").unwrap();
    let mint = os::os_release(
        "etc/os-release",
        b"ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n",
    )
    .unwrap();
    let debian = os::os_release("etc/os-release", b"ID=debian\n").unwrap();
    assert_eq!(eco(Some(&ubuntu)), Ecosystem::Ubuntu);
    assert_eq!(eco(Some(&mint)), Ecosystem::Ubuntu);
    assert_eq!(eco(Some(&debian)), Ecosystem::Debian);
    assert_eq!(eco(None), Ecosystem::Debian);
}

#[test]
fn errors_name_file_and_line() {
    let err = parse_status(&read("dpkg/fixtures/dpkg/noversion")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("var/lib/dpkg/status:"), "{msg}");
    assert!(msg.contains("acl") && msg.contains("Version"), "{msg}");
    let err = parse_status(b"Package: a\nStatus: install ok bogus\nVersion: 1\n").unwrap_err();
    assert!(err.to_string().contains(":2:"), "{err}");
}
