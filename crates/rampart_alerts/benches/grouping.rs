//! AlertBuilder throughput: detections grouped into alerts, as `rampart detect` feeds them
//! (times increasing, a few thousand entity keys, groups closing as the stream advances).
//!
//! `cargo bench -p rampart_alerts --bench grouping`

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rampart_alerts::{AlertBuilder, Detection, EntityMap, GroupConfig, RuleInfo};

const DETECTIONS: u64 = 100_000;

fn bench(c: &mut Criterion) {
    let rule = Arc::new(RuleInfo {
        id: "4db60cc0-36fb-42b7-9b58-a5b53019fb74".into(),
        title: "AWS CloudTrail Important Change".into(),
        level: Some("medium".into()),
        tags: vec!["attack.defense-evasion".into(), "attack.t1562.008".into()],
        kind: "sigma".into(),
        ..RuleInfo::default()
    });
    let map = EntityMap::builtin();
    let raw = r#"{"eventName":"StopLogging","userIdentity":{"arn":"arn:aws:iam::1:user/u"}}"#;
    let t0 = Utc
        .with_ymd_and_hms(2024, 7, 31, 0, 0, 0)
        .single()
        .unwrap_or_default();
    // Entities are extracted once per key outside the timed loop: the bench measures grouping.
    let entities: Vec<_> = (0..5_000)
        .map(|u| {
            let arn = format!("arn:aws:iam::123456789012:user/user{u}");
            map.extract("aws_cloudtrail", &|p| match p {
                "userIdentity.arn" => vec![arn.clone()],
                "sourceIPAddress" => vec!["203.0.113.9".into()],
                "recipientAccountId" => vec!["123456789012".into()],
                _ => vec![],
            })
        })
        .collect();
    let mut g = c.benchmark_group("alert_builder");
    g.throughput(Throughput::Elements(DETECTIONS));
    g.sample_size(10);
    g.bench_function("push_100k_5k_keys", |b| {
        b.iter_batched(
            || AlertBuilder::new(GroupConfig::default()),
            |mut builder| {
                let mut out = Vec::new();
                for i in 0..DETECTIONS {
                    let e = &entities[(i as usize * 7919) % entities.len()];
                    builder.push(
                        Detection {
                            rule: &rule,
                            time: t0 + Duration::seconds(i as i64),
                            first_time: None,
                            count: 1,
                            log_source: "aws_cloudtrail",
                            location: String::new(),
                            raw,
                            entities: e.clone(),
                        },
                        &mut out,
                    );
                    out.clear();
                }
                builder.flush(&mut out);
                out.len()
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
