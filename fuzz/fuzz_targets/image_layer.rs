//! Feeds arbitrary bytes to the image layer reader (tar headers, gzip/zstd detection,
//! whiteouts, hard links, path normalisation) with small caps, then resolves and reads every
//! path of the resulting tree. Properties: no panic; resolution never leaves the root (every
//! resolved path is a normalised relative path); the tree keeps no more than the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_image::{Limits, ScanOptions, SelectAll};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_layer_bytes: 1 << 20,
        max_total_bytes: 1 << 20,
        max_file_bytes: 64 << 10,
        max_retained_bytes: 256 << 10,
        max_entries: 10_000,
        ..Limits::default()
    };
    let options = ScanOptions { limits, ..ScanOptions::default() };
    if let Ok(tree) = rampart_image::read_layer(data, "fuzz", &options, &SelectAll) {
        assert!(tree.retained_bytes() <= limits.max_retained_bytes);
        let paths: Vec<String> = tree.entries().map(|(p, _)| p.to_owned()).collect();
        for p in &paths {
            if let Ok(real) = tree.resolve(p, limits.max_symlink_depth) {
                assert!(!real.starts_with('/') && !real.split('/').any(|c| c == ".." || c == "."));
            }
            let _ = tree.read(p, limits.max_symlink_depth);
        }
    }
});
