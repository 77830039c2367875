//! Arbitrary bytes as a Java archive (zip): pom.properties, MANIFEST.MF and nested
//! archives. Properties: no panic, memory bounded by the entry, nesting and total
//! decompression caps, every error names the file. Seed with
//! crates/rampart_pkg/tests/fixtures/lang/java/*.jar.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_pkg::lang::{self, LangParser};

fuzz_target!(|data: &[u8]| {
    if let Err(e) = lang::parse(LangParser::JavaArchive, "opt/app.jar", data) {
        assert!(e.to_string().starts_with("opt/app.jar"));
    }
});
