//! Measures end-to-end read throughput (file → `Resource`) of the importer on a synthetic ARG
//! export and a snapshot. Run with
//! `cargo run --release -p rampart_inventory --example read_throughput -- 200000`.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use rampart_inventory::{open, write_synthetic, SyntheticFormat};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map_or(Ok(200_000), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    for (format, file) in [
        (SyntheticFormat::ArgJson, "arg.json"),
        (SyntheticFormat::Jsonl, "snap.jsonl"),
    ] {
        let path = dir.path().join(file);
        let t = Instant::now();
        write_synthetic(std::fs::File::create(&path)?, n, 42, format)?;
        let gen = t.elapsed();
        let bytes = std::fs::metadata(&path)?.len();
        let t = Instant::now();
        let mut count = 0usize;
        for r in open(&path)? {
            let r = r?;
            count += r.relationships.len() + 1;
        }
        let read = t.elapsed();
        println!(
            "{file}: {n} resources, {:.1} MiB, generate {:.2}s, read {:.2}s = {:.0} resources/s, {:.0} MiB/s (checksum {count})",
            bytes as f64 / 1048576.0,
            gen.as_secs_f64(),
            read.as_secs_f64(),
            n as f64 / read.as_secs_f64(),
            bytes as f64 / 1048576.0 / read.as_secs_f64()
        );
    }
    Ok(())
}
