//! `rampart-bench-ct-gen N FILE [SEED] [HIT_FRACTION]`: writes N synthetic CloudTrail records
//! as JSON Lines (see `rampart_bench::cloudtrail`). Templates are the real Stratus and Panther
//! records; those any SigmaHQ cloud rule fires on (by Rampart's engine or by rsigma-eval) are
//! drawn with probability HIT_FRACTION (default 0.01), the others otherwise.

use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::{Context, Result};
use rampart_bench::cloudtrail::{shared_data, templates, write_cloudtrail, GenConfig};
use rampart_bench::detect::{rampart_engine, rsigma_engine, rule_texts, split_templates};

const USAGE: &str = "usage: rampart-bench-ct-gen N FILE [SEED] [HIT_FRACTION]";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().context(USAGE)?.parse().context(USAGE)?;
    let path = std::path::PathBuf::from(args.next().context(USAGE)?);
    let seed: u64 = args.next().map_or(Ok(42), |s| s.parse()).context(USAGE)?;
    let hit_fraction: f64 = args.next().map_or(Ok(0.01), |s| s.parse()).context(USAGE)?;
    let data = shared_data();
    let rules = rule_texts(&data.join("sigma/rules/cloud"))?;
    let engine = rampart_engine(&rules);
    let (rs, _) = rsigma_engine(&rules);
    let (mut hits, quiet) = split_templates(&engine, templates(&data)?)?;
    // A template rsigma fires on is an attack too, whatever Rampart says.
    let logsource = rsigma_parser::LogSource {
        product: Some("aws".into()),
        service: Some("cloudtrail".into()),
        ..Default::default()
    };
    let (rs_hits, quiet): (Vec<_>, Vec<_>) = quiet.into_iter().partition(|t| {
        let v = serde_json::Value::Object(t.clone());
        !rs.evaluate_with_logsource(&rsigma_eval::event::JsonEvent::borrow(&v), &logsource)
            .is_empty()
    });
    let (ours, theirs) = (hits.len(), rs_hits.len());
    hits.extend(rs_hits);
    let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let drawn = write_cloudtrail(
        BufWriter::with_capacity(1 << 20, file),
        GenConfig {
            events,
            seed,
            hit_fraction,
        },
        &hits,
        &quiet,
    )
    .with_context(|| format!("writing {}", path.display()))?;
    writeln!(
        std::io::stdout(),
        "{events} events to {} ({} attack templates: {ours} by rampart_sigma, {theirs} more by rsigma-eval; {} quiet; {drawn} events from attack templates)",
        path.display(),
        hits.len(),
        quiet.len()
    )?;
    Ok(())
}
