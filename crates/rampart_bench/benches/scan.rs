//! The whole pipeline on a synthetic estate: read, evaluate every recommendation, score, comply, render
//! the JSON report — next to bare serde_json parsing of the same file. `RAMPART_BENCH_N` sets the size
//! (default 100,000; BENCHMARKS.md's 1,000,000 figure comes from `scripts/bench-scan.sh`).

use std::io;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rampart_report::Format;
use rampart_scan::ScanRequest;

fn pipeline(c: &mut Criterion) {
    let n: usize = std::env::var("RAMPART_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("estate.json");
    rampart_bench::generate(&path, n, 42).expect("synthetic estate");

    let mut group = c.benchmark_group("scan");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("serde_json_floor", |b| {
        b.iter(|| rampart_bench::serde_json_floor(&path).expect("parses"));
    });
    group.bench_function("scan_json_report", |b| {
        b.iter(|| {
            let request = ScanRequest::new(vec![path.clone()]);
            let report = rampart_scan::scan(&request, &mut |_| {}).expect("scan");
            rampart_report::render(&report, Format::Json, &mut io::sink()).expect("render");
        });
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
