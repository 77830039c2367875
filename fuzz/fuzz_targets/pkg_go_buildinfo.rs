//! Arbitrary bytes as an executable that may carry Go build info (inline 1.18+ format and
//! the older pointer format, which reads ELF/Mach-O/PE sections). Properties: no panic, no
//! allocation beyond the caps, every error names the file. Seed with
//! crates/rampart_pkg/tests/fixtures/lang/go/*.elf.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_pkg::lang::{self, LangParser};

fuzz_target!(|data: &[u8]| {
    if let Err(e) = lang::parse(LangParser::GoBinary, "bin/x", data) {
        assert!(e.to_string().starts_with("bin/x"));
    }
});
