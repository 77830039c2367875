//! Arbitrary text as a user's compliance standard (TOML). Properties: no panic; a parsed standard rolls up.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(standard) = rampart_compliance::Standard::from_toml(text, "fuzz.toml") {
        let mut rollup = rampart_compliance::Rollup::new(&standard);
        for control in &standard.controls {
            for recommendation in &control.recommendations {
                rollup.record(recommendation, rampart_model::Status::Unhealthy);
            }
        }
        let _ = rollup.finish();
    }
});
