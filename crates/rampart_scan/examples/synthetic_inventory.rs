//! Writes a synthetic inventory for end-to-end benchmarks of `rampart scan` (memory and throughput at
//! 1M resources): `cargo run --release -p rampart_scan --example synthetic_inventory -- 1000000 /tmp/syn.jsonl`
//! (a Rampart JSON Lines snapshot; end the path with `.json` for an ARG export instead). The rows are
//! `rampart_inventory::synthetic`'s: deterministic per seed (third argument, default 1).

use std::fs::File;

use rampart_inventory::{write_synthetic, SyntheticFormat};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().ok_or("usage: N OUT [SEED]")?.parse()?;
    let out = args.next().ok_or("usage: N OUT [SEED]")?;
    let seed: u64 = args.next().map_or(Ok(1), |s| s.parse())?;
    let format = if out.ends_with(".json") {
        SyntheticFormat::ArgJson
    } else {
        SyntheticFormat::Jsonl
    };
    write_synthetic(File::create(&out)?, n, seed, format)?;
    Ok(())
}
