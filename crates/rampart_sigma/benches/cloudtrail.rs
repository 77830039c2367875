//! Throughput of CloudTrail detection: a generated CloudTrail JSON Lines file (the real
//! Stratus detonation and Panther records, replicated with varied ids, times, addresses
//! and user names) read with the CloudTrail reader against every SigmaHQ cloud rule.
//! Beside it, on the same lines: a bare `serde_json::Value` parse (the floor the issue
//! compares against) and rsigma-eval 0.23 (parse to `Value`, then `Engine::evaluate`),
//! given only the 57 AWS rules. BENCHMARKS.md's issue figure comes from rampart_bench
//! (`scripts/bench-detect.sh`), which loads all the cloud rules into both engines and
//! routes rsigma with its `evaluate_with_logsource`.
//!
//! Run: `cargo bench -p rampart_sigma --bench cloudtrail` (events/s = elements/s).
//! `RAMPART_BENCH_EVENTS` sets the number of events (default 200,000).
//!
//! Before criterion's wall-clock samples, one pass of each is also timed by this thread's
//! CPU time (Linux `/proc/thread-self/stat`, 10 ms ticks) and printed: on a shared
//! machine wall time includes time spent descheduled, CPU time does not.

// A benchmark's job is to print its figures (criterion prints too).
#![allow(clippy::print_stderr)]

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rampart_sigma::{read_cloudtrail, Catalog, Engine};
use serde_json::Value;

fn shared_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn rule_texts(dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("rules dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rule_texts(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml") {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).expect("rule"),
            ));
        }
    }
}

/// Real CloudTrail records used as templates.
fn templates() -> Vec<Value> {
    let mut out = Vec::new();
    let dir = shared_data().join("logs/stratus-cloudtrail");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for f in files {
        let recs: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(f).expect("read")).expect("json");
        out.extend(recs);
    }
    let panther =
        std::fs::read_to_string(shared_data().join("logs/panther-events/aws-cloudtrail.jsonl"))
            .expect("read");
    out.extend(
        panther
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v.get("eventSource").is_some()),
    );
    out
}

/// `n` JSON Lines records: templates cycled, with per-record id, time, source address and
/// user name (deterministic).
fn generate(n: usize) -> String {
    let t = templates();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut out = String::with_capacity(n * 1500);
    for i in 0..n {
        let mut r = t[i % t.len()].clone();
        let x = next();
        if let Some(o) = r.as_object_mut() {
            o.insert(
                "eventID".into(),
                Value::String(format!("{:016x}-{i:08x}", x)),
            );
            o.insert(
                "eventTime".into(),
                Value::String(format!(
                    "2024-08-{:02}T{:02}:{:02}:{:02}Z",
                    1 + (i / 86_400) % 28,
                    (i / 3600) % 24,
                    (i / 60) % 60,
                    i % 60
                )),
            );
            o.insert(
                "sourceIPAddress".into(),
                Value::String(format!(
                    "{}.{}.{}.{}",
                    x & 0xff,
                    (x >> 8) & 0xff,
                    (x >> 16) & 0xff,
                    (x >> 24) & 0xff
                )),
            );
            if let Some(Value::Object(u)) = o.get_mut("userIdentity") {
                if u.contains_key("userName") {
                    u.insert(
                        "userName".into(),
                        Value::String(format!("user{}", x % 5000)),
                    );
                }
            }
        }
        out.push_str(&serde_json::to_string(&r).expect("json"));
        out.push('\n');
    }
    out
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("RAMPART_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let data = generate(n);
    let mut rules = Vec::new();
    rule_texts(&shared_data().join("sigma/rules/cloud"), &mut rules);
    let mut b = Engine::builder(Catalog::builtin());
    for (name, text) in &rules {
        b.add_yaml(text, name);
    }
    let engine = b.build();
    let (src, ct) = engine.source("aws_cloudtrail").expect("source");
    eprintln!(
        "{} events, {:.1} MB, {} cloud rules loaded ({} for CloudTrail)",
        n,
        data.len() as f64 / 1e6,
        engine.rules().len(),
        ct.rules().len()
    );

    let detect = || {
        let (mut scratch, mut hits) = (Vec::new(), Vec::new());
        let mut matched = 0u64;
        read_cloudtrail(data.as_bytes(), "bench", ct.projection(), |ev| {
            engine.matches(src, ev, &mut scratch, &mut hits);
            matched += hits.len() as u64;
            ControlFlow::Continue(())
        })
        .expect("read");
        matched
    };
    let parse = || {
        let mut count = 0u64;
        for line in data.lines() {
            let v: Value = serde_json::from_str(line).expect("json");
            count += u64::from(v.is_object());
        }
        count
    };
    let mut rs = rsigma_eval::Engine::new();
    let mut aws = Vec::new();
    rule_texts(&shared_data().join("sigma/rules/cloud/aws"), &mut aws);
    for (_, text) in &aws {
        let coll = rsigma_parser::parse_sigma_yaml(text).expect("rsigma parses the AWS rules");
        rs.add_collection(&coll)
            .expect("rsigma compiles the AWS rules");
    }
    let rsigma = || {
        let mut matched = 0u64;
        for line in data.lines() {
            let v: Value = serde_json::from_str(line).expect("json");
            let ev = rsigma_eval::event::JsonEvent::borrow(&v);
            matched += rs.evaluate(&ev).len() as u64;
        }
        matched
    };
    for (name, f) in [
        ("detect_all_cloud_rules", &detect as &dyn Fn() -> u64),
        ("serde_json_value_parse", &parse),
        ("rsigma_eval_aws_rules", &rsigma),
    ] {
        let (cpu0, wall0) = (thread_cpu_secs(), std::time::Instant::now());
        let out = std::hint::black_box(f());
        let (cpu, wall) = (thread_cpu_secs() - cpu0, wall0.elapsed().as_secs_f64());
        eprintln!(
            "{name}: {:.0} events/s by thread CPU time ({cpu:.2} s), {:.0} by wall time ({wall:.2} s); result {out}",
            n as f64 / cpu,
            n as f64 / wall
        );
    }

    let mut g = c.benchmark_group("cloudtrail_jsonl");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("detect_all_cloud_rules", |bch| {
        let (mut scratch, mut hits) = (Vec::new(), Vec::new());
        bch.iter(|| {
            let mut matched = 0u64;
            read_cloudtrail(data.as_bytes(), "bench", ct.projection(), |ev| {
                engine.matches(src, ev, &mut scratch, &mut hits);
                matched += hits.len() as u64;
                ControlFlow::Continue(())
            })
            .expect("read");
            matched
        })
    });
    g.bench_function("serde_json_value_parse", |bch| {
        bch.iter(|| {
            let mut count = 0u64;
            for line in data.lines() {
                let v: Value = serde_json::from_str(line).expect("json");
                count += u64::from(v.is_object());
            }
            count
        })
    });
    g.bench_function("rsigma_eval_aws_rules", |bch| bch.iter(rsigma));
    g.finish();
}

/// User + system CPU time of the current thread, in seconds (0 when unavailable).
fn thread_cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/thread-self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|i| f.get(*i).and_then(|v| v.parse::<f64>().ok()))
        .sum();
    ticks / 100.0
}

criterion_group!(benches, bench);
criterion_main!(benches);
