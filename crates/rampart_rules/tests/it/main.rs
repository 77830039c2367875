//! Integration tests of rampart_rules: one binary, one module per area.

mod controls;
mod coverage;
mod custom;
mod engine;
mod native;
mod recommendations;

use rampart_rules::Benchmark;
use std::sync::OnceLock;

/// The built-in benchmark, built once per test binary.
pub(crate) fn builtin() -> &'static Benchmark {
    static B: OnceLock<Benchmark> = OnceLock::new();
    B.get_or_init(|| match Benchmark::builtin() {
        Ok(b) => b,
        Err(e) => panic!("built-in benchmark: {e}"),
    })
}
