//! apk's installed database against the expected list and edge cases.

use super::{expected_tsv, read, sorted};
use rampart_pkg::os::{self, OsParser};
use rampart_pkg::{Ecosystem, Package, PkgError};

const PATH: &str = "lib/apk/db/installed";

fn parse(rel: &str) -> Result<Vec<Package>, PkgError> {
    os::parse(OsParser::ApkInstalled, PATH, &read(rel), None)
}

#[test]
fn installed_matches_expected_list() {
    let pkgs = parse("apk/installed").unwrap();
    // name, version, arch, origin (the source package; equal to the name when not set apart).
    let got = sorted(
        pkgs.iter()
            .map(|p| {
                format!(
                    "{}\t{}\t{}\t{}",
                    p.name,
                    p.version,
                    p.arch.as_deref().unwrap_or(""),
                    p.source_name.as_deref().unwrap_or(&p.name)
                )
            })
            .collect(),
    );
    let want = sorted(
        expected_tsv("apk/installed.expected.tsv")
            .into_iter()
            .map(|r| r[..4].join("\t"))
            .collect(),
    );
    assert_eq!(got, want);
    assert!(pkgs
        .iter()
        .all(|p| p.ecosystem == Ecosystem::Alpine && p.location == PATH));
    assert!(pkgs.iter().any(|p| p.source_name.is_some()));
}

#[test]
fn edge_cases() {
    assert_eq!(os::select(PATH), Some(OsParser::ApkInstalled));
    assert!(parse("apk/empty").unwrap().is_empty());
    let err = parse("apk/invalid").unwrap_err().to_string();
    assert!(err.starts_with("lib/apk/db/installed:1:"), "{err}");

    let no_origin = parse("apk/no-origin").unwrap();
    assert_eq!(no_origin.len(), 1);
    assert_eq!(no_origin[0].name, "pkgname");
    assert_eq!(no_origin[0].version, "1.2.3");
    assert_eq!(no_origin[0].source_name, None);

    let noarch = parse("apk/different-arch").unwrap();
    assert_eq!(noarch.len(), 1);
    assert_eq!(noarch[0].arch.as_deref(), Some("noarch"));
    let single = parse("apk/single").unwrap();
    assert_eq!(single.len(), 1);
    assert_eq!(single[0].name, noarch[0].name);
    assert_ne!(single[0].arch, noarch[0].arch);

    let err = os::parse(OsParser::ApkInstalled, PATH, b"V:1.0\nA:x86_64\n", None).unwrap_err();
    assert!(err.to_string().contains("P:"), "{err}");
}
