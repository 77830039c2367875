//! Threat detection on generated CloudTrail JSON Lines with every SigmaHQ cloud rule loaded:
//! Rampart's engine, rsigma-eval 0.23 and a bare serde_json `Value` parse of the same lines
//! (the functions `rampart-bench-detect` times by CPU). `RAMPART_BENCH_EVENTS` sets the size
//! (default 20,000, small enough for `cargo bench`; BENCHMARKS.md's figures come from
//! `scripts/bench-detect.sh`).

use std::collections::BTreeMap;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rampart_bench::cloudtrail::{shared_data, templates, write_cloudtrail, GenConfig};
use rampart_bench::detect::{
    rampart_engine, rampart_pass, rsigma_engine, rsigma_pass, rule_texts, serde_floor,
    split_templates,
};

fn detect(c: &mut Criterion) {
    let n: usize = std::env::var("RAMPART_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let data = shared_data();
    let rules = rule_texts(&data.join("sigma/rules/cloud")).expect("rules");
    let engine = rampart_engine(&rules);
    let (rs, _) = rsigma_engine(&rules);
    let (hits, quiet) =
        split_templates(&engine, templates(&data).expect("templates")).expect("split");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cloudtrail.jsonl");
    let file = std::fs::File::create(&path).expect("create");
    let cfg = GenConfig {
        events: n,
        seed: 42,
        hit_fraction: 0.01,
    };
    write_cloudtrail(std::io::BufWriter::new(file), cfg, &hits, &quiet).expect("generate");

    let mut g = c.benchmark_group("detect_cloudtrail_jsonl");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("serde_json_value_parse", |b| {
        b.iter(|| serde_floor(&path).expect("parse"));
    });
    let mut per_rule = Vec::new();
    g.bench_function("rampart_sigma_all_cloud_rules", |b| {
        b.iter(|| rampart_pass(&path, &engine, &mut per_rule).expect("detect"));
    });
    let mut rs_rules = BTreeMap::new();
    g.bench_function("rsigma_eval_all_cloud_rules", |b| {
        b.iter(|| rsigma_pass(&path, &rs, &mut rs_rules).expect("rsigma"));
    });
    g.finish();
}

criterion_group!(benches, detect);
criterion_main!(benches);
