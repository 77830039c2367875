//! OS package database parsing on the real databases in ../shared/data/pkgdb: the per-image
//! cost once the caller has the file's bytes (listing an image's packages is dominated by
//! reading its layers; these show the parsers' share).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rampart_pkg::os::{self, OsParser};

const PKGDB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/pkgdb");

fn bench(c: &mut Criterion) {
    let cases = [
        ("dpkg_status_765", OsParser::DpkgStatus, "dpkg/host-status"),
        ("apk_installed_15", OsParser::ApkInstalled, "apk/installed"),
        (
            "rpm_sqlite_129",
            OsParser::RpmSqlite,
            "rpm/cbl-mariner-2.0/rpmdb.sqlite",
        ),
        ("rpm_ndb_35", OsParser::RpmNdb, "rpm/sle15-bci/Packages.db"),
        ("rpm_bdb_1", OsParser::RpmBdb, "rpm/libuuid/Packages"),
    ];
    let mut group = c.benchmark_group("os_parse");
    for (name, parser, rel) in cases {
        let path = format!("{PKGDB}/{rel}");
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| os::parse(parser, rel, &bytes, None).map(|p| p.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
