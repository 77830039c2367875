//! `rampart-bench-detect FILE [--rules DIR] [--rounds K]`: the threat-detection benchmark of
//! BENCHMARKS.md in one process: a serde_json `Value` parse of every line, Rampart's Sigma
//! engine and rsigma-eval 0.23 over the same CloudTrail JSON Lines FILE with the same rules
//! (default: every SigmaHQ cloud rule in the shared data), one thread, K rounds (default 1)
//! in turn; prints events/s by thread CPU time (per core) and by wall time, and matches, with
//! the rules whose match counts differ between the two engines.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use rampart_bench::cloudtrail::shared_data;
use rampart_bench::detect::{
    rampart_engine, rampart_pass, rsigma_engine, rsigma_pass, rule_texts, serde_floor, Pass,
    CLOUDTRAIL,
};

// The allocator `rampart detect` runs with, for all three.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: rampart-bench-detect FILE [--rules DIR] [--rounds K]";

fn main() -> Result<()> {
    let mut file = None;
    let mut rules_dir = shared_data().join("sigma/rules/cloud");
    let mut rounds = 1usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rules" => rules_dir = PathBuf::from(args.next().context(USAGE)?),
            "--rounds" => rounds = args.next().context(USAGE)?.parse().context(USAGE)?,
            _ if file.is_none() && !a.starts_with('-') => file = Some(PathBuf::from(a)),
            _ => bail!(USAGE),
        }
    }
    let file = file.context(USAGE)?;
    let out = &mut std::io::stdout().lock();

    let rules = rule_texts(&rules_dir)?;
    let engine = rampart_engine(&rules);
    let summary = engine.summary();
    writeln!(
        out,
        "rules: {} files under {}",
        rules.len(),
        rules_dir.display()
    )?;
    for s in engine.sources() {
        let n = summary.loaded.get(&s.spec.name).copied().unwrap_or(0);
        if n > 0 {
            let reader = if s.reader_available() {
                "reader"
            } else {
                "NO reader"
            };
            writeln!(
                out,
                "  rampart loaded {n:>4} for {} ({reader})",
                s.spec.name
            )?;
        }
    }
    for (reason, n) in &summary.refused {
        writeln!(out, "  rampart refused {n:>3}: {reason}")?;
    }
    let (_, ct) = engine
        .source(CLOUDTRAIL)
        .context("no aws_cloudtrail source")?;
    let (indexed, always) = ct.index_stats();
    writeln!(
        out,
        "  aws_cloudtrail: {} rules ({indexed} reached through the eventName/eventSource index, {always} tried on every event), {} fields projected",
        ct.rules().len(),
        ct.fields().len()
    )?;
    let (rs, rs_refused) = rsigma_engine(&rules);
    writeln!(
        out,
        "  rsigma-eval compiled {} rules (all sources; evaluated with logsource aws/cloudtrail), refused {} files",
        rs.rule_count(),
        rs_refused.len()
    )?;
    for (origin, e) in &rs_refused {
        writeln!(out, "    rsigma refused {origin}: {e}")?;
    }
    writeln!(
        out,
        "input: {} ({:.1} MB)",
        file.display(),
        std::fs::metadata(&file)?.len() as f64 / 1e6
    )?;

    let mut best: [Option<Pass>; 3] = [None, None, None];
    let (mut rp_rules, mut rs_rules) = (Vec::new(), BTreeMap::new());
    let names = [
        "serde_json Value parse (floor)",
        "rampart_sigma (project + match + correlate)",
        "rsigma-eval 0.23 (Value + evaluate_with_logsource)",
    ];
    for round in 1..=rounds {
        let passes = [
            serde_floor(&file)?,
            rampart_pass(&file, &engine, &mut rp_rules)?,
            rsigma_pass(&file, &rs, &mut rs_rules)?,
        ];
        for (i, p) in passes.into_iter().enumerate() {
            writeln!(
                out,
                "round {round}: {:<52} {:>9} events  cpu {:>7.2} s  wall {:>7.2} s  {:>9.0} ev/s/core  {:>9.0} ev/s wall  matches {}",
                names[i], p.events, p.cpu, p.wall, p.per_core(), p.per_wall(), p.matches
            )?;
            if best[i].as_ref().is_none_or(|b| p.cpu < b.cpu) {
                best[i] = Some(p);
            }
        }
    }
    writeln!(out, "\nbest of {rounds} round(s) by CPU time:")?;
    writeln!(
        out,
        "| Reader | Events/s per core (CPU) | Events/s (wall) | CPU s | Wall s | Matches |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for (i, p) in best.iter().enumerate() {
        if let Some(p) = p {
            writeln!(
                out,
                "| {} | {:.0} | {:.0} | {:.2} | {:.2} | {} |",
                names[i],
                p.per_core(),
                p.per_wall(),
                p.cpu,
                p.wall,
                if i == 0 {
                    "—".to_string()
                } else {
                    p.matches.to_string()
                }
            )?;
        }
    }

    // Per-rule agreement (rule id; rsigma keys rules without an id by title).
    let mut ours: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for (i, n) in rp_rules.iter().enumerate() {
        let r = &engine.rules()[i];
        let key = r.meta.id.clone().unwrap_or_else(|| r.meta.title.clone());
        ours.insert(key, (*n, r.meta.title.clone()));
    }
    let mut differ = 0;
    writeln!(
        out,
        "\nrules that fired (rampart / rsigma; * = counts differ):"
    )?;
    let keys: std::collections::BTreeSet<&String> = ours.keys().chain(rs_rules.keys()).collect();
    for k in keys {
        let (a, title) = ours.get(k).map_or((0, "?"), |(n, t)| (*n, t.as_str()));
        let b = rs_rules.get(k).copied().unwrap_or(0);
        if a != b {
            differ += 1;
        }
        if a > 0 || b > 0 {
            let mark = if a == b { ' ' } else { '*' };
            writeln!(out, "{mark} {a:>8} / {b:<8} {title} ({k})")?;
        }
    }
    writeln!(out, "rules whose counts differ: {differ}")?;
    let fired = rp_rules.iter().filter(|n| **n > 0).count();
    writeln!(out, "rampart: {fired} distinct rules fired")?;
    Ok(())
}
