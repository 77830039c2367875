//! Arbitrary bytes as a resource's native document (`rampart_model::document`, which reads every
//! Resource Graph row and snapshot line). Differential property: the same result as
//! `serde_json::from_slice::<Value>` — equal values, or errors with the same message and position —
//! except where serde_json's private raw-value token may be a key (serde_json reads the member's
//! value as raw JSON or refuses the document; `document` reads an ordinary key: its module
//! documentation): inputs that spell `RawValue` or hold a `\u` escape (which could spell it) must
//! only not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn contains(data: &[u8], needle: &[u8]) -> bool {
    data.windows(needle.len()).any(|w| w == needle)
}

fuzz_target!(|data: &[u8]| {
    if contains(data, b"RawValue") || contains(data, b"\\u") {
        let _ = rampart_model::document::from_slice(data);
        return;
    }
    let ours = rampart_model::document::from_slice(data).map_err(|e| e.to_string());
    let theirs = serde_json::from_slice::<serde_json::Value>(data).map_err(|e| e.to_string());
    assert_eq!(ours, theirs);
    if let Ok(text) = std::str::from_utf8(data) {
        let ours = rampart_model::document::from_str(text).map_err(|e| e.to_string());
        let theirs = serde_json::from_str::<serde_json::Value>(text).map_err(|e| e.to_string());
        assert_eq!(ours, theirs);
    }
});
