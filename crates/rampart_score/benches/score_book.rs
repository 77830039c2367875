//! The score book at the target scale: 1,000,000 resources × 10 assessments, 16 controls, two
//! groupings. Measures recording (via precomputed scorings and via the id-keyed cache) and the report.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use rampart_model::{Control, Recommendation, RecommendationSource, Severity, Status, UserImpact};
use rampart_score::{Grouping, ScoreBook};

const N_RESOURCES: u32 = 1_000_000;
const ASSESSMENTS_PER_RESOURCE: u32 = 10;

fn controls() -> Vec<Control> {
    const IDS: [&str; 16] = [
        "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13",
        "c14", "c15",
    ];
    IDS.iter()
        .zip([10, 8, 6, 6, 4, 4, 4, 4, 4, 3, 2, 2, 1, 0, 0, 2])
        .map(|(&id, max_points)| Control {
            id,
            name: id,
            max_points,
            description: "",
        })
        .collect()
}

fn recommendations() -> Vec<Recommendation> {
    (0..200)
        .map(|i| Recommendation {
            id: format!("rec-{i}"),
            title: String::new(),
            severity: Severity::Medium,
            description: String::new(),
            remediation: String::new(),
            controls: if i % 10 == 0 {
                vec![format!("c{}", i % 16), format!("c{}", (i + 5) % 16)]
            } else {
                vec![format!("c{}", i % 16)]
            },
            resource_types: Vec::new(),
            preview: i % 23 == 0,
            mcsb: Vec::new(),
            threats: Vec::new(),
            user_impact: UserImpact::Low,
            implementation_effort: UserImpact::Low,
            source: RecommendationSource::Native,
        })
        .collect()
}

fn declared_book(controls: &[Control]) -> ScoreBook {
    let groupings = vec![Grouping::Tag("env".to_owned()), Grouping::Region];
    let mut book = ScoreBook::new(controls, groupings).unwrap();
    book.reserve(N_RESOURCES as usize);
    let scopes: Vec<String> = (0..50).map(|s| format!("sub-{s}")).collect();
    let envs = [Some("prod"), Some("dev"), None];
    let regions = [Some("westeurope"), Some("eastus"), Some("global")];
    for idx in 0..N_RESOURCES {
        let i = idx as usize;
        book.add_resource(
            idx,
            &scopes[i % scopes.len()],
            &[envs[i % 3], regions[i % 7 % 3]],
        )
        .unwrap();
    }
    book
}

fn status(idx: u32, k: u32) -> Status {
    match (idx.wrapping_mul(31) ^ k.wrapping_mul(17)) % 5 {
        0 => Status::Unhealthy,
        1 => Status::NotApplicable,
        _ => Status::Healthy,
    }
}

fn bench(c: &mut Criterion) {
    let controls = controls();
    let recs = recommendations();
    let book = declared_book(&controls);
    let scorings: Vec<_> = recs.iter().map(|r| book.scoring(r).unwrap()).collect();

    let mut group = c.benchmark_group("score_book_1m");
    group.sample_size(10);
    group.bench_function("record_scored_10m", |b| {
        b.iter_batched(
            || book.clone(),
            |mut book| {
                for idx in 0..N_RESOURCES {
                    for k in 0..ASSESSMENTS_PER_RESOURCE {
                        let rec = (idx as usize * 7 + k as usize * 13) % scorings.len();
                        book.record_scored(idx, &scorings[rec], status(idx, k))
                            .unwrap();
                    }
                }
                book
            },
            BatchSize::LargeInput,
        );
    });
    group.bench_function("record_cached_10m", |b| {
        b.iter_batched(
            || book.clone(),
            |mut book| {
                for idx in 0..N_RESOURCES {
                    for k in 0..ASSESSMENTS_PER_RESOURCE {
                        let rec = (idx as usize * 7 + k as usize * 13) % recs.len();
                        book.record(idx, &recs[rec], status(idx, k)).unwrap();
                    }
                }
                book
            },
            BatchSize::LargeInput,
        );
    });
    let mut filled = book.clone();
    for idx in 0..N_RESOURCES {
        for k in 0..ASSESSMENTS_PER_RESOURCE {
            let rec = (idx as usize * 7 + k as usize * 13) % scorings.len();
            filled
                .record_scored(idx, &scorings[rec], status(idx, k))
                .unwrap();
        }
    }
    group.bench_function("report", |b| b.iter(|| filled.report()));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
