//! The threat-detection benchmark (issue 5): one thread, one JSON Lines file of CloudTrail
//! records, three ways of reading it, each timed by wall clock and by this thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`, which a busy shared machine does not inflate):
//!
//! - the floor: every line parsed into a `serde_json::Value`;
//! - Rampart: `rampart_sigma::read_log` (format sniffing, field projection), `Engine::matches`
//!   and `Engine::correlate` per event, as `rampart detect` runs them (alert grouping and output
//!   are the CLI's and not included; `scripts/bench-detect.sh` times the whole CLI separately);
//! - rsigma-eval 0.23: each line parsed into a `serde_json::Value`, wrapped in its `JsonEvent`,
//!   and evaluated with `Engine::evaluate_with_logsource` for `product: aws, service:
//!   cloudtrail` (its documented logsource routing), with the same rule files loaded.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rampart_sigma::{Catalog, CorrelationState, Engine, LogFormat, ReadOptions};
use serde_json::{Map, Value};

/// The catalog source CloudTrail records are read into.
pub const CLOUDTRAIL: &str = "aws_cloudtrail";

/// User + system CPU time consumed so far by the calling thread, in seconds.
pub fn thread_cpu_seconds() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// One timed pass over the input.
#[derive(Debug, Clone)]
pub struct Pass {
    pub events: u64,
    /// Rule matches (event × rule pairs), or parsed objects for the floor.
    pub matches: u64,
    pub wall: f64,
    pub cpu: f64,
}

impl Pass {
    /// Events per second of thread CPU time: events/s per core.
    pub fn per_core(&self) -> f64 {
        self.events as f64 / self.cpu.max(1e-9)
    }
    pub fn per_wall(&self) -> f64 {
        self.events as f64 / self.wall.max(1e-9)
    }
}

fn timed(f: impl FnOnce() -> Result<(u64, u64)>) -> Result<Pass> {
    let (cpu0, wall0) = (thread_cpu_seconds(), Instant::now());
    let (events, matches) = f()?;
    Ok(Pass {
        events,
        matches,
        wall: wall0.elapsed().as_secs_f64(),
        cpu: thread_cpu_seconds() - cpu0,
    })
}

/// Every `.yml`/`.yaml` file under `dir` (sorted walk), as (path, text).
///
/// # Errors
/// A directory or file cannot be read.
pub fn rule_texts(dir: &Path) -> Result<Vec<(String, String)>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()?;
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out)?;
            } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files
        .into_iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            Ok((p.display().to_string(), text))
        })
        .collect()
}

/// Rampart's engine over `rules` (the catalog routes each to its log source).
pub fn rampart_engine(rules: &[(String, String)]) -> Engine {
    let mut b = Engine::builder(Catalog::builtin());
    for (origin, text) in rules {
        b.add_yaml(text, origin);
    }
    b.build()
}

/// rsigma-eval's engine over `rules`; returns it with the number of rules it compiled and the
/// files it refused (with the error).
pub fn rsigma_engine(rules: &[(String, String)]) -> (rsigma_eval::Engine, Vec<(String, String)>) {
    let mut engine = rsigma_eval::Engine::new();
    let mut refused = Vec::new();
    for (origin, text) in rules {
        let res = rsigma_parser::parse_sigma_yaml(text)
            .map_err(|e| e.to_string())
            .and_then(|c| engine.add_collection(&c).map_err(|e| e.to_string()));
        if let Err(e) = res {
            refused.push((origin.clone(), e));
        }
    }
    (engine, refused)
}

/// Splits `templates` into those some rule of `engine` fires on (CloudTrail source) and the
/// others.
///
/// # Errors
/// The engine has no CloudTrail source, or a template cannot be projected.
#[allow(clippy::type_complexity)]
pub fn split_templates(
    engine: &Engine,
    templates: Vec<Map<String, Value>>,
) -> Result<(Vec<Map<String, Value>>, Vec<Map<String, Value>>)> {
    let (src, rules) = engine
        .source(CLOUDTRAIL)
        .context("the catalog has no aws_cloudtrail source")?;
    let (mut scratch, mut hits) = (Vec::new(), Vec::new());
    let (mut hit, mut quiet) = (Vec::new(), Vec::new());
    for t in templates {
        let text = serde_json::to_string(&t)?;
        let ev = rules
            .projection()
            .project(&text)
            .map_err(|e| anyhow::anyhow!("template: {e}"))?;
        engine.matches(src, &ev, &mut scratch, &mut hits);
        if hits.is_empty() {
            quiet.push(t);
        } else {
            hit.push(t);
        }
    }
    Ok((hit, quiet))
}

/// Calls `f` with each line of `path` (without its newline).
fn for_each_line(path: &Path, mut f: impl FnMut(&[u8]) -> Result<()>) -> Result<u64> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut input = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::with_capacity(1 << 12);
    let mut n = 0u64;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(n);
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        n += 1;
        f(text).with_context(|| format!("{}: line {n}", path.display()))?;
    }
}

/// The floor: each line into a `serde_json::Value`. `matches` counts the objects.
///
/// # Errors
/// The file cannot be read or a line is not JSON.
pub fn serde_floor(path: &Path) -> Result<Pass> {
    timed(|| {
        let mut objects = 0u64;
        let events = for_each_line(path, |l| {
            let v: Value = serde_json::from_slice(l)?;
            objects += u64::from(v.is_object());
            Ok(())
        })?;
        Ok((events, objects))
    })
}

/// Rampart, as `rampart detect` reads a file: sniff, project, match, correlate. `per_rule`
/// gets each rule's match count (by rule position).
///
/// # Errors
/// The file cannot be read or is not CloudTrail.
pub fn rampart_pass(path: &Path, engine: &Engine, per_rule: &mut Vec<u64>) -> Result<Pass> {
    per_rule.clear();
    per_rule.resize(engine.rules().len(), 0);
    timed(|| {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let origin = path.display().to_string();
        let (mut scratch, mut hits, mut corr_hits) = (Vec::new(), Vec::new(), Vec::new());
        let mut state = CorrelationState::new();
        let (mut events, mut matches) = (0u64, 0u64);
        let read =
            rampart_sigma::read_log(file, &origin, None, engine, &ReadOptions::default(), |le| {
                events += 1;
                engine.matches(le.source, le.event, &mut scratch, &mut hits);
                if !hits.is_empty() {
                    matches += hits.len() as u64;
                    for &r in &hits {
                        if let Some(c) = per_rule.get_mut(r as usize) {
                            *c += 1;
                        }
                    }
                    corr_hits.clear();
                    engine.correlate(&mut state, le.source, le.event, &hits, &mut corr_hits);
                    matches += corr_hits.len() as u64;
                }
                ControlFlow::Continue(())
            })
            .with_context(|| format!("reading {}", path.display()))?;
        if read.format != LogFormat::CloudTrail {
            bail!(
                "{}: read as {}, not CloudTrail",
                path.display(),
                read.format.name()
            );
        }
        if read.stats.bad_records > 0 {
            bail!(
                "{}: {} bad records (first: {:?})",
                path.display(),
                read.stats.bad_records,
                read.stats.errors.first().map(ToString::to_string)
            );
        }
        Ok((events, matches))
    })
}

/// rsigma-eval on the same file: `Value` per line, `JsonEvent`, logsource-routed evaluation.
/// `per_rule` gets each rule's match count by rule id (title when it has none).
///
/// # Errors
/// The file cannot be read or a line is not JSON.
pub fn rsigma_pass(
    path: &Path,
    engine: &rsigma_eval::Engine,
    per_rule: &mut BTreeMap<String, u64>,
) -> Result<Pass> {
    per_rule.clear();
    let logsource = rsigma_parser::LogSource {
        product: Some("aws".into()),
        service: Some("cloudtrail".into()),
        ..Default::default()
    };
    timed(|| {
        let mut matches = 0u64;
        let events = for_each_line(path, |l| {
            let v: Value = serde_json::from_slice(l)?;
            let ev = rsigma_eval::event::JsonEvent::borrow(&v);
            let results = engine.evaluate_with_logsource(&ev, &logsource);
            matches += results.len() as u64;
            for r in results {
                let key = r.header.rule_id.unwrap_or(r.header.rule_title);
                *per_rule.entry(key).or_default() += 1;
            }
            Ok(())
        })?;
        Ok((events, matches))
    })
}
