//! Damaged databases: truncated or with bytes overwritten, every parser returns (an error
//! or packages) without panicking. A deterministic sweep beside the cargo-fuzz targets.

use super::read;
use rampart_pkg::os::{self, OsParser};

fn sweep(parser: OsParser, rel: &str, cuts: usize, half_is_error: bool) {
    let bytes = read(rel);
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for i in 0..cuts {
        let cut = (next() as usize) % bytes.len().max(1);
        let _ = os::parse(parser, "db", &bytes[..cut], None);
        let mut damaged = bytes.clone();
        for _ in 0..=i % 8 {
            let at = (next() as usize) % damaged.len().max(1);
            if let Some(b) = damaged.get_mut(at) {
                *b = next() as u8;
            }
        }
        let _ = os::parse(parser, "db", &damaged, None);
    }
    if half_is_error {
        // Binary databases cut in half point past their end.
        assert!(
            os::parse(parser, "db", &bytes[..bytes.len() / 2], None).is_err(),
            "{rel}"
        );
    }
}

#[test]
fn damaged_databases_do_not_panic() {
    sweep(
        OsParser::RpmSqlite,
        "rpm/cbl-mariner-2.0/rpmdb.sqlite",
        60,
        true,
    );
    sweep(OsParser::RpmBdb, "rpm/libuuid/Packages", 300, true);
    sweep(OsParser::RpmNdb, "rpm/sle15-bci/Packages.db", 100, true);
    sweep(OsParser::DpkgStatus, "dpkg/fixtures/dpkg/valid", 300, false);
    sweep(OsParser::ApkInstalled, "apk/installed", 300, false);
}

#[test]
fn damaged_header_blob_does_not_panic() {
    let blob = read("rpm/blob.bin");
    for cut in 0..blob.len() {
        let _ = os::rpm_header_package("blob", &blob[..cut]);
    }
    for at in 0..blob.len().min(2000) {
        let mut b = blob.clone();
        b[at] ^= 0xff;
        let _ = os::rpm_header_package("blob", &b);
    }
}
