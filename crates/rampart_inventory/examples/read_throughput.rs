//! Measures end-to-end read throughput (file → `Resource`) of the importer on a synthetic ARG
//! export and a snapshot. Run with
//! `cargo run --release -p rampart_inventory --example read_throughput -- 200000`.
#![allow(clippy::print_stdout)]

use std::time::Instant;

// As the `rampart` binary should: glibc malloc is slow when resources parsed on one thread are
// freed on another.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rampart_inventory::{open, write_synthetic, SyntheticFormat};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `--read FILE`: only read (for profiling the reader alone).
    if std::env::args().nth(1).as_deref() == Some("--read") {
        let path = std::path::PathBuf::from(std::env::args().nth(2).ok_or("--read FILE")?);
        let t = Instant::now();
        let n = open(&path)?.filter(Result::is_ok).count();
        let s = t.elapsed().as_secs_f64();
        println!(
            "{}: sequential: {n} resources in {s:.2}s = {:.0} resources/s",
            path.display(),
            n as f64 / s
        );
        // `--read FILE [WORKERS...]`: also time `parallel(w)` for each given worker count.
        for workers in std::env::args().skip(3).map(|w| w.parse::<usize>()) {
            let workers = workers?;
            let t = Instant::now();
            let n = open(&path)?.parallel(workers).filter(Result::is_ok).count();
            let s = t.elapsed().as_secs_f64();
            println!(
                "{}: parallel({workers}): {n} resources in {s:.2}s = {:.0} resources/s",
                path.display(),
                n as f64 / s
            );
        }
        return Ok(());
    }
    // `--write FILE N`: write a synthetic ARG export (for profiling and for other tools).
    if std::env::args().nth(1).as_deref() == Some("--write") {
        let path = std::env::args().nth(2).ok_or("--write FILE N")?;
        let n: usize = std::env::args().nth(3).ok_or("--write FILE N")?.parse()?;
        let format = if path.ends_with(".jsonl") {
            SyntheticFormat::Jsonl
        } else {
            SyntheticFormat::ArgJson
        };
        write_synthetic(std::fs::File::create(&path)?, n, 42, format)?;
        return Ok(());
    }
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
