//! rpm databases (SQLite, Berkeley DB, NDB) against the expected lists and Debian's `rpm`.

use super::{expected_tsv, have_tool, read, run, sorted};
use rampart_pkg::os::{self, OsParser};
use rampart_pkg::{Ecosystem, Package};
use std::path::Path;
use std::process::Command;

/// go-rpmdb's test databases as Debian's golang-github-knqyf263-go-rpmdb-dev ships them.
const GO_RPMDB_TESTDATA: &str = "/usr/share/gocode/src/github.com/knqyf263/go-rpmdb/pkg/testdata";

/// name, epoch, version, release, arch — as `rpm --qf` prints them (`(none)` when absent).
fn nevra(p: &Package) -> String {
    let (epoch, vr) = match p.version.split_once(':') {
        Some((e, vr)) => (e, vr),
        None => ("(none)", p.version.as_str()),
    };
    let (version, release) = vr.rsplit_once('-').expect("version-release");
    format!(
        "{}\t{epoch}\t{version}\t{release}\t{}",
        p.name,
        p.arch.as_deref().unwrap_or("(none)")
    )
}

fn parse(parser: OsParser, path: &str, rel: &str) -> Vec<Package> {
    os::parse(parser, path, &read(rel), None).unwrap()
}

fn check_expected(parser: OsParser, path: &str, rel: &str) {
    assert_eq!(os::select(path), Some(parser));
    let pkgs = parse(parser, path, rel);
    let got = sorted(pkgs.iter().map(nevra).collect());
    let want: Vec<String> = expected_tsv(&format!("{rel}.expected.tsv"))
        .into_iter()
        .map(|r| r.join("\t"))
        .collect();
    assert_eq!(got, sorted(want), "{rel}");
    assert!(pkgs
        .iter()
        .all(|p| p.ecosystem == Ecosystem::Rpm && p.location == path));
}

#[test]
fn sqlite_matches_expected_list() {
    check_expected(
        OsParser::RpmSqlite,
        "var/lib/rpm/rpmdb.sqlite",
        "rpm/cbl-mariner-2.0/rpmdb.sqlite",
    );
}

#[test]
fn bdb_matches_expected_list() {
    check_expected(
        OsParser::RpmBdb,
        "var/lib/rpm/Packages",
        "rpm/libuuid/Packages",
    );
}

#[test]
fn ndb_matches_expected_list() {
    check_expected(
        OsParser::RpmNdb,
        "usr/lib/sysimage/rpm/Packages.db",
        "rpm/sle15-bci/Packages.db",
    );
}

#[test]
fn single_header_blob() {
    let p = os::rpm_header_package("blob", &read("rpm/blob.bin")).unwrap();
    assert_eq!(
        nevra(&p),
        "publicsuffix-list-dafsa\t(none)\t20210518\t2.fc35\tnoarch"
    );
    assert_eq!(p.source_name.as_deref(), Some("publicsuffix-list"));
    assert_eq!(p.source_version, None);
}

/// What Debian's rpm lists for a database file (copied into a scratch `--dbpath` under the
/// backend's file name), with our package's fields in the same layout. The source package
/// is compared by name and version-release split from `%{SOURCERPM}`.
fn rpm_qa(db: &Path, file_name: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(db, dir.path().join(file_name)).unwrap();
    let out = run(Command::new("rpm").arg("--dbpath").arg(dir.path()).args([
        "-qa",
        "--qf",
        "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n",
    ]));
    sorted(
        out.lines()
            .map(|l| {
                let (nevra, srpm) = l.rsplit_once('\t').unwrap();
                let src = match srpm.strip_suffix(".src.rpm") {
                    Some(stem) => {
                        let mut it = stem.rsplitn(3, '-');
                        let (rel, ver, name) = (it.next(), it.next(), it.next());
                        format!("{}\t{}-{}", name.unwrap(), ver.unwrap(), rel.unwrap())
                    }
                    None => "-\t-".to_owned(),
                };
                format!("{nevra}\t{src}")
            })
            .collect(),
    )
}

fn ours(parser: OsParser, db: &Path) -> Vec<String> {
    let bytes = std::fs::read(db).unwrap();
    let pkgs = os::parse(parser, "db", &bytes, None).unwrap();
    sorted(
        pkgs.iter()
            .map(|p| {
                let vr = p
                    .version
                    .split_once(':')
                    .map_or(p.version.as_str(), |(_, vr)| vr);
                let src = if p.name == "gpg-pubkey" {
                    "-\t-".to_owned()
                } else {
                    format!(
                        "{}\t{}",
                        p.source_name.as_deref().unwrap_or(&p.name),
                        p.source_version.as_deref().unwrap_or(vr)
                    )
                };
                format!("{}\t{src}", nevra(p))
            })
            .collect(),
    )
}

#[test]
fn sqlite_and_bdb_match_rpm() {
    if !have_tool("rpm") {
        return;
    }
    let cases = [
        (
            OsParser::RpmSqlite,
            "rpmdb.sqlite",
            super::data("rpm/cbl-mariner-2.0/rpmdb.sqlite"),
        ),
        (
            OsParser::RpmBdb,
            "Packages",
            super::data("rpm/libuuid/Packages"),
        ),
    ];
    for (parser, name, db) in cases {
        let want = rpm_qa(&db, name);
        assert!(!want.is_empty(), "{}", db.display());
        assert_eq!(ours(parser, &db), want, "{}", db.display());
    }
}

/// Every database in Debian's golang-github-knqyf263-go-rpmdb-dev (Berkeley DB, CentOS 5 to
/// 8). Debian's rpm has no NDB backend, so NDB is checked against the expected list only.
#[test]
fn go_rpmdb_testdata_matches_rpm() {
    if !have_tool("rpm") {
        return;
    }
    let dir = Path::new(GO_RPMDB_TESTDATA);
    if !dir.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{GO_RPMDB_TESTDATA} missing: .ci/run installs golang-github-knqyf263-go-rpmdb-dev"
        );
        return;
    }
    let mut dbs = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let sub = entry.unwrap().path();
        for (name, parser) in [
            ("Packages", OsParser::RpmBdb),
            ("rpmdb.sqlite", OsParser::RpmSqlite),
        ] {
            if sub.join(name).is_file() {
                dbs.push((sub.join(name), name, parser));
            }
        }
    }
    dbs.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(dbs.len() >= 10, "{dbs:?}");
    for (db, name, parser) in dbs {
        let want = rpm_qa(&db, name);
        assert!(!want.is_empty(), "{}", db.display());
        assert_eq!(ours(parser, &db), want, "{}", db.display());
    }
}

/// A big-endian Berkeley DB (as s390x or ppc64 hosts write it), made by byte-swapping every
/// multi-byte Berkeley DB field of the little-endian libuuid database (the rpm header blobs
/// are big-endian in both): the same packages come out.
#[test]
fn bdb_big_endian_copy() {
    let le = read("rpm/libuuid/Packages");
    let page_size = u32::from_le_bytes(le[20..24].try_into().unwrap()) as usize;
    let mut be = le.clone();
    let swap32 = |b: &mut [u8], at: usize| b[at..at + 4].reverse();
    let swap16 = |b: &mut [u8], at: usize| b[at..at + 2].reverse();
    for (n, page) in be.chunks_exact_mut(page_size).enumerate() {
        let kind = page[25];
        let entries = u16::from_le_bytes([page[20], page[21]]) as usize;
        if n == 0 {
            // Hash metadata: every u32 from pgno to the spares array.
            for at in (8..24)
                .step_by(4)
                .chain((28..52).step_by(4))
                .chain((72..224).step_by(4))
            {
                swap32(page, at);
            }
            continue;
        }
        for at in [8, 12, 16] {
            swap32(page, at);
        }
        swap16(page, 20);
        swap16(page, 22);
        if kind == 2 || kind == 13 {
            for i in 0..entries {
                let off = u16::from_le_bytes([page[26 + 2 * i], page[27 + 2 * i]]) as usize;
                swap16(page, 26 + 2 * i);
                match page[off] {
                    // Keys are header numbers in host order; values on the page are blobs.
                    1 if i % 2 == 0 => swap32(page, off + 1),
                    3 => {
                        swap32(page, off + 4);
                        swap32(page, off + 8);
                    }
                    _ => {}
                }
            }
        }
    }
    assert_ne!(be, le);
    let from_be = os::parse(OsParser::RpmBdb, "Packages", &be, None).unwrap();
    let from_le = os::parse(OsParser::RpmBdb, "Packages", &le, None).unwrap();
    assert_eq!(from_be, from_le);
    assert_eq!(from_be.len(), 1);
}
