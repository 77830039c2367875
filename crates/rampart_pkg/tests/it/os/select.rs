//! Parser selection: exact root-relative paths only.

use rampart_pkg::os::{self, OsParser};

#[test]
fn selects_exact_paths() {
    let cases = [
        ("etc/os-release", Some(OsParser::OsRelease)),
        ("var/lib/dpkg/status", Some(OsParser::DpkgStatus)),
        ("var/lib/dpkg/status-old", None),
        ("var/lib/dpkg/status.d/libc6", Some(OsParser::DpkgStatusD)),
        ("var/lib/dpkg/status.d/libc6.md5sums", None),
        ("var/lib/dpkg/status.d/", None),
        ("var/lib/dpkg/status.d/a/b", None),
        ("lib/apk/db/installed", Some(OsParser::ApkInstalled)),
        ("lib/apk/db/installed.bak", None),
        ("var/lib/rpm/rpmdb.sqlite", Some(OsParser::RpmSqlite)),
        ("var/lib/rpm/rpmdb.sqlite-wal", None),
        (
            "usr/lib/sysimage/rpm/rpmdb.sqlite",
            Some(OsParser::RpmSqlite),
        ),
        ("var/lib/rpm/Packages", Some(OsParser::RpmBdb)),
        ("var/lib/rpm/Packages.db", Some(OsParser::RpmNdb)),
        ("usr/lib/sysimage/rpm/Packages.db", Some(OsParser::RpmNdb)),
        ("home/user/var/lib/dpkg/status", None),
        ("/var/lib/dpkg/status", None),
    ];
    for (path, want) in cases {
        assert_eq!(os::select(path), want, "{path}");
        assert_eq!(
            rampart_pkg::select(path),
            want.map(rampart_pkg::Parser::Os),
            "{path}"
        );
    }
}

#[test]
fn size_caps() {
    let big = vec![b'\n'; (OsParser::OsRelease.max_size() + 1) as usize];
    let err = os::parse(OsParser::OsRelease, "etc/os-release", &big, None).unwrap_err();
    assert!(
        matches!(err, rampart_pkg::PkgError::TooLarge { .. }),
        "{err}"
    );
    assert!(err
        .to_string()
        .starts_with("etc/os-release: file too large"));
}
