//! Arbitrary bytes as an rpm database in each backend: Berkeley DB hash (`Packages`), NDB
//! (`Packages.db`) and SQLite (`rpmdb.sqlite`). Properties: no panic, no loop, no
//! allocation beyond a small multiple of the input's size. The first byte picks the
//! backend so each gets mutated inputs of its own.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_pkg::os::{self, OsParser};

fuzz_target!(|data: &[u8]| {
    let Some((&which, db)) = data.split_first() else { return };
    let (parser, path) = match which % 3 {
        0 => (OsParser::RpmBdb, "var/lib/rpm/Packages"),
        1 => (OsParser::RpmNdb, "var/lib/rpm/Packages.db"),
        _ => (OsParser::RpmSqlite, "var/lib/rpm/rpmdb.sqlite"),
    };
    if let Err(e) = os::parse(parser, path, db, None) {
        assert!(e.to_string().starts_with(path));
    }
});
