//! Arbitrary bytes as apk's `lib/apk/db/installed`. Properties: no panic; an error names the
//! file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_pkg::os::{self, OsParser};

fuzz_target!(|data: &[u8]| {
    let path = "lib/apk/db/installed";
    if let Err(e) = os::parse(OsParser::ApkInstalled, path, data, None) {
        assert!(e.to_string().starts_with(path));
    }
});
