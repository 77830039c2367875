//! Shared pieces of Rampart's benchmarks: generating a synthetic estate file and parsing it with bare
//! serde_json (the floor every scan is compared with). The binaries in `src/bin/` and the criterion bench
//! in `benches/` use these; see BENCHMARKS.md for the commands and figures. [`cloudtrail`] and [`detect`]
//! are the threat-detection benchmark's generator and measurements (issue 5).

pub mod cloudtrail;
pub mod detect;

use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::Path;

use anyhow::{Context, Result};
use rampart_inventory::{write_synthetic, SyntheticFormat};

/// Writes `n` synthetic Azure resources (Resource Graph export shape) to `path`.
///
/// # Errors
/// The file cannot be written.
pub fn generate(path: &Path, n: usize, seed: u64) -> Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    write_synthetic(BufWriter::new(file), n, seed, SyntheticFormat::ArgJson)
        .with_context(|| format!("writing {}", path.display()))
}

/// The floor: parses the whole file into one `serde_json::Value` and returns the number of rows in `data`.
///
/// # Errors
/// The file cannot be read or is not JSON.
pub fn serde_json_floor(path: &Path) -> Result<usize> {
    let mut bytes = Vec::new();
    BufReader::new(File::open(path).with_context(|| format!("opening {}", path.display()))?)
        .read_to_end(&mut bytes)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).context("parsing")?;
    Ok(value["data"].as_array().map_or(0, Vec::len))
}
