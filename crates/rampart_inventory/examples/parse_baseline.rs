//! Baseline for `read_throughput`: serde_json alone on the same bytes (whole file in memory).
#![allow(clippy::print_stdout)]

use std::time::Instant;

use rampart_inventory::{write_synthetic, SyntheticFormat};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map_or(Ok(100_000), |s| s.parse())?;
    let mut bytes = Vec::new();
    write_synthetic(&mut bytes, n, 42, SyntheticFormat::ArgJson)?;
    let t = Instant::now();
    let v: serde_json::Value = serde_json::from_slice(&bytes)?;
    let el = t.elapsed().as_secs_f64();
    println!(
        "serde_json whole-file Value: {:.0} rows/s, {:.0} MiB/s ({} rows)",
        n as f64 / el,
        bytes.len() as f64 / 1048576.0 / el,
        v["data"].as_array().map_or(0, Vec::len)
    );
    let t = Instant::now();
    let mut count = 0;
    for r in rampart_inventory::from_reader("mem", std::io::Cursor::new(bytes.clone())) {
        count += r?.relationships.len() + 1;
    }
    let el = t.elapsed().as_secs_f64();
    println!(
        "reader from memory: {:.0} rows/s, {:.0} MiB/s ({count})",
        n as f64 / el,
        bytes.len() as f64 / 1048576.0 / el
    );
    Ok(())
}
