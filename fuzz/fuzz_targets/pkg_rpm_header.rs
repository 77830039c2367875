//! Arbitrary bytes as one rpm header blob (as rpm databases store them). Properties: no
//! panic, no allocation beyond the input's size.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rampart_pkg::os::rpm_header_package("blob", data);
});
