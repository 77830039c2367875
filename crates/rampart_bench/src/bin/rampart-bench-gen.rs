//! `rampart-bench-gen N FILE [SEED]`: writes N synthetic Azure resources as a Resource Graph export.

use anyhow::{Context, Result};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .context("usage: rampart-bench-gen N FILE [SEED]")?
        .parse()?;
    let path = std::path::PathBuf::from(
        args.next()
            .context("usage: rampart-bench-gen N FILE [SEED]")?,
    );
    let seed: u64 = args.next().map_or(Ok(42), |s| s.parse())?;
    rampart_bench::generate(&path, n, seed)
}
