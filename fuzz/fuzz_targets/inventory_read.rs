//! Feeds arbitrary bytes to the inventory reader (every input kind, gzip included). Properties:
//! no panic, the iterator ends, and it never yields more items than records plus errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = rampart_inventory::from_reader("fuzz", std::io::Cursor::new(data.to_vec()));
    let mut items = 0u64;
    for _ in reader.by_ref() {
        items += 1;
        // Every item consumes at least one byte, except the one error for empty input.
        assert!(items <= data.len() as u64 + 1);
    }
    let stats = reader.stats();
    assert!(stats.records + stats.skipped <= items);
});
