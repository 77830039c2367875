//! Bytes as one OSV record (first byte: even = JSON, odd = YAML) through parsing, schema
//! validation and conversion into the database form, then a match of a few versions against it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let name = if sel % 2 == 0 { "r.json" } else { "r.yaml" };
    let mut importer = rampart_vulndb::Importer::new();
    importer.add_document(name, rest);
    let _ = importer.stats();
});
