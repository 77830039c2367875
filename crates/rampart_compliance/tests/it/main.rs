//! Integration tests of rampart_compliance: standard files (built-in, user, invalid) and the roll-up.

mod mcsb;
mod rollup;
mod standards;

use std::path::PathBuf;

pub(crate) fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures")
}

pub(crate) fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}
