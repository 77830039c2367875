//! Arbitrary bytes as a resource's native document (`rampart_model::document`, which reads every
//! Resource Graph row and snapshot line). Differential property: the same result as
//! `serde_json::from_slice::<Value>` — equal values, or errors with the same message and position.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ours = rampart_model::document::from_slice(data).map_err(|e| e.to_string());
    let theirs = serde_json::from_slice::<serde_json::Value>(data).map_err(|e| e.to_string());
    assert_eq!(ours, theirs);
    if let Ok(text) = std::str::from_utf8(data) {
        let ours = rampart_model::document::from_str(text).map_err(|e| e.to_string());
        let theirs = serde_json::from_str::<serde_json::Value>(text).map_err(|e| e.to_string());
        assert_eq!(ours, theirs);
    }
});
