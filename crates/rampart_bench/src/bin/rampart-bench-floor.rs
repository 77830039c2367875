//! `rampart-bench-floor FILE`: parses FILE with bare serde_json (into one `Value`) and prints rows/s — the
//! floor a scan of the same file is compared with in BENCHMARKS.md.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};

fn main() -> Result<()> {
    let path = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .context("usage: rampart-bench-floor FILE")?,
    );
    let start = Instant::now();
    let rows = rampart_bench::serde_json_floor(&path)?;
    let seconds = start.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let rate = rows as f64 / seconds;
    writeln!(
        std::io::stdout(),
        "serde_json floor: {rows} rows in {seconds:.2} s = {rate:.0} rows/s"
    )?;
    Ok(())
}
