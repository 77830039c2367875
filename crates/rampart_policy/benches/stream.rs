//! Throughput of the streaming evaluator through all 223 compiled policies of the MCSB initiative,
//! reported as resources/second (criterion `Throughput::Elements`), on two estates:
//! - `mixed`: 100,000 rows: half policy targets (fixture resources of every type, under fresh
//!   ids), half "filler" types few policies look at (NICs, disks, public IPs), and a diagnostic
//!   setting for every tenth target;
//! - `fixtures`: every fixture resource and related resource cloned under fresh ids (50,000 rows,
//!   a worst case: every row is the target or related resource of some policy).

use std::path::Path;

use criterion::{criterion_group, Criterion, Throughput};
use rampart_policy::{builtin_initiative, compile_reference, StreamingEvaluator};
use serde_json::Value;

fn fixture_resources() -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/definitions");
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if let Some(r) = v.get("resource") {
                out.push(r.clone());
            }
            out.extend(
                v.get("related")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }
    out
}

fn estate(n: usize) -> Vec<Value> {
    let base = fixture_resources();
    (0..n)
        .map(|i| {
            let mut r = base[i % base.len()].clone();
            if let Some(id) = r.get("id").and_then(Value::as_str).map(str::to_owned) {
                // A distinct subscription per copy keeps resource-group / subscription scopes apart.
                let id = id.replacen(
                    "/subscriptions/",
                    &format!("/subscriptions/{:06}", i / base.len()),
                    1,
                );
                r["id"] = Value::String(id);
            }
            r
        })
        .collect()
}

fn mixed(n: usize) -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/definitions");
    let mut targets = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files
            .iter()
            .filter(|f| f.to_string_lossy().contains("healthy"))
        {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            if let Some(r) = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("resource").cloned())
            {
                targets.push(r);
            }
        }
    }
    let fillers = [
        "Microsoft.Network/networkInterfaces",
        "Microsoft.Compute/disks",
        "Microsoft.Network/publicIPAddresses",
    ];
    let mut out = Vec::with_capacity(n);
    let mut i = 0usize;
    while out.len() < n {
        let sub = format!("{:08}-0000-0000-0000-{:012}", i / 2000, i / 2000);
        let rg = format!("rg-{}", i % 17);
        if i.is_multiple_of(2) {
            let mut r = targets[(i / 2) % targets.len()].clone();
            let ty = r
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("x/y")
                .to_owned();
            let id = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{ty}/res{i}");
            r["id"] = Value::String(id.clone());
            r["name"] = Value::String(format!("res{i}"));
            out.push(r);
            if i.is_multiple_of(20) {
                out.push(serde_json::json!({
                    "id": format!("{id}/providers/microsoft.insights/diagnosticSettings/diag"),
                    "name": "diag", "type": "Microsoft.Insights/diagnosticSettings",
                    "properties": {"logs": [{"category": "AuditEvent", "enabled": true}], "workspaceId": "/x"}
                }));
            }
        } else {
            let ty = fillers[i % fillers.len()];
            out.push(serde_json::json!({
                "id": format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{ty}/f{i}"),
                "name": format!("f{i}"), "type": ty, "location": "westeurope", "tags": {"env": "prod"},
                "properties": {"provisioningState": "Succeeded", "ipConfigurations": [{"name": "ip1", "properties": {"privateIPAddress": "10.0.0.4"}}]}
            }));
        }
        i += 1;
    }
    out.truncate(n);
    out
}

fn bench(c: &mut Criterion) {
    let policies: Vec<_> = builtin_initiative()
        .references
        .iter()
        .filter_map(|r| compile_reference(r).ok())
        .collect();
    let synthetic = mixed(100_000);
    let mut group = c.benchmark_group("streaming");
    group.sample_size(10);
    group.throughput(Throughput::Elements(synthetic.len() as u64));
    group.bench_function("mixed", |b| {
        b.iter(|| {
            let mut verdicts = 0usize;
            let mut ev = StreamingEvaluator::new(&policies);
            for (i, r) in synthetic.iter().enumerate() {
                ev.evaluate(i as u32, r, &mut |_, _, _| verdicts += 1);
            }
            ev.finish(&mut |_, _, _| verdicts += 1);
            verdicts
        })
    });
    let resources = estate(50_000);
    group.throughput(Throughput::Elements(resources.len() as u64));
    group.bench_function("fixtures", |b| {
        b.iter(|| {
            let mut verdicts = 0usize;
            let mut ev = StreamingEvaluator::new(&policies);
            for (i, r) in resources.iter().enumerate() {
                ev.evaluate(i as u32, r, &mut |_, _, _| verdicts += 1);
            }
            ev.finish(&mut |_, _, _| verdicts += 1);
            verdicts
        })
    });
    group.bench_function("fixtures_without_finish", |b| {
        b.iter(|| {
            let mut verdicts = 0usize;
            let mut ev = StreamingEvaluator::new(&policies);
            for (i, r) in resources.iter().enumerate() {
                ev.evaluate(i as u32, r, &mut |_, _, _| verdicts += 1);
            }
            verdicts
        })
    });
    group.throughput(Throughput::Elements(synthetic.len() as u64));
    group.bench_function("mixed_two_threads", |b| {
        b.iter(|| {
            let half = synthetic.len() / 2;
            let (left, right) = synthetic.split_at(half);
            let run = |part: &[Value], base: usize| {
                let mut n = 0usize;
                let mut ev = StreamingEvaluator::new(&policies);
                for (i, r) in part.iter().enumerate() {
                    ev.evaluate((base + i) as u32, r, &mut |_, _, _| n += 1);
                }
                (ev, n)
            };
            let (mut a, b) = std::thread::scope(|s| {
                let t = s.spawn(|| run(right, half));
                let a = run(left, 0);
                (a, t.join().ok())
            });
            let mut verdicts = a.1;
            if let Some((ev_b, nb)) = b {
                a.0.merge(ev_b);
                verdicts += nb;
            }
            a.0.finish(&mut |_, _, _| verdicts += 1);
            verdicts
        })
    });
    group.finish();
}

fn run_mixed(policies: &[rampart_policy::CompiledPolicy], resources: &[Value]) -> usize {
    let mut verdicts = 0usize;
    let mut ev = StreamingEvaluator::new(policies);
    for (i, r) in resources.iter().enumerate() {
        ev.evaluate(i as u32, r, &mut |_, _, _| verdicts += 1);
    }
    ev.finish(&mut |_, _, _| verdicts += 1);
    verdicts
}

criterion_group!(benches, bench);

fn main() {
    // `RAMPART_BENCH_ONCE=<n>`: a fixed workload (n passes over `mixed`) without criterion, for
    // `perf stat` instruction counts, which are stable on a busy machine where times are not.
    if let Some(passes) = std::env::var("RAMPART_BENCH_ONCE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let policies: Vec<_> = builtin_initiative()
            .references
            .iter()
            .filter_map(|r| compile_reference(r).ok())
            .collect();
        let resources = mixed(100_000);
        let total: usize = (0..passes).map(|_| run_mixed(&policies, &resources)).sum();
        std::process::exit(i32::from(passes > 0 && total == 0));
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
