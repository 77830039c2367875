//! `rampart detect`: runs Sigma rules (the bundled SigmaHQ rules, Rampart's built-in ones and
//! any `--rules`) over log files, groups matches into alerts (rampart_alerts), applies
//! suppression rules and writes the alerts as JSON Lines, a table or CEF; `--follow` tails
//! the files. Exit codes: 0 no active alert at `--fail-on`, 1 some, 2 usage or input error
//! (docs/alerts.md).
//!
//! Memory is flat in the input size: readers stream records, the alert builder keeps only
//! open groups (bounded), and alerts are written as their groups close.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, TimeZone, Utc};
use rampart_alerts::{
    json_lookup, Alert, AlertBuilder, AlertSeverity, AlertStatus, Detection, EntityMap,
    GroupConfig, RuleInfo, SuppressionRules,
};
use rampart_sigma::{
    Catalog, CorrelationHit, CorrelationState, Engine, Event, LogFormat, ReadError, ReadOptions,
    RuleIdx, SlotEvent, YearHint,
};
use serde::Deserialize;

use crate::cli::{AlertFormat, AlertSeverityArg, DetectArgs, ListFormat};
use crate::exit;
use crate::progress::Progress;

include!(concat!(env!("OUT_DIR"), "/sigmahq_rules.rs"));

/// Origin prefixes of the bundled rules (user rules are named by their path).
const BUILTIN_PREFIX: &str = "builtin/";
const SIGMAHQ_PREFIX: &str = "sigmahq/";

pub(crate) fn run(args: &DetectArgs) -> Result<u8> {
    let rules = RuleSet::load(&args.rules, !args.no_bundled)?;
    let suppress = match &args.suppress {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read suppression rules {}", p.display()))?;
            Some(SuppressionRules::from_yaml(
                &text,
                &p.display().to_string(),
            )?)
        }
        None => None,
    };
    let inputs = collect_inputs(&args.inputs)?;
    if args.follow && inputs.iter().any(|i| is_stdin(&i.path)) {
        bail!("--follow reads files; standard input (`-`) cannot be followed");
    }
    let out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout())),
    };
    let mut sinks = vec![output_sink(args.format, out, args.follow)];
    if let Some(config) = &args.sinks {
        sinks.push(delivery_sink(
            config,
            args.state_dir.as_deref(),
            Duration::from_secs(args.sinks_wait),
        )?);
    }
    let mut dispatch = Dispatch::new(suppress, sinks);
    let window = chrono::Duration::minutes(i64::from(args.window));
    let mut det = Detector::new(&rules, window);
    let progress = Progress::events(!args.no_progress && !args.follow);
    let mut input_errors = 0usize;
    if args.follow {
        follow(&inputs, &mut det, &mut dispatch, args.poll_ms)?;
    } else {
        let mut skipped = Vec::new();
        let mut read = 0usize;
        for input in &inputs {
            match read_file(&input.path, &mut det, &mut dispatch, &progress) {
                Ok(true) => read += 1,
                // A file found in a directory (a README beside the logs) is skipped and
                // named; a file named on the command line must be a log.
                Ok(false) if input.from_dir => skipped.push(input.path.display().to_string()),
                Ok(false) => {
                    input_errors += 1;
                    crate::warn(&format!(
                        "error: {}: not in a log format rampart reads (CloudTrail, Azure \
                         diagnostic logs, GCP audit, Kubernetes audit, syslog, journald JSON)",
                        input.path.display()
                    ));
                }
                Err(e) if is_output_error(&e) => return Err(e),
                Err(e) => {
                    // One unreadable input does not hide the alerts of the others; the
                    // exit code still says something was not read.
                    input_errors += 1;
                    crate::warn(&format!("error: {e:#}"));
                }
            }
        }
        if !skipped.is_empty() {
            let shown: Vec<&str> = skipped.iter().take(5).map(String::as_str).collect();
            crate::warn(&format!(
                "note: skipped {} file(s) not in a known log format: {}{}",
                skipped.len(),
                shown.join(", "),
                if skipped.len() > shown.len() {
                    ", ..."
                } else {
                    ""
                }
            ));
        }
        if read == 0 && input_errors == 0 {
            // Nothing was a log: "no alert" would be a pass on no data.
            input_errors += 1;
            crate::warn("error: no input file is in a log format rampart reads");
        }
    }
    progress.finish();
    det.flush(&mut dispatch)?;
    dispatch.finish()?;
    let min = severity(args.fail_on);
    let failing = dispatch
        .counts
        .iter()
        .filter(|(s, _)| **s >= min)
        .map(|(_, n)| n)
        .sum::<u64>();
    Ok(if input_errors > 0 {
        exit::BAD_INPUT
    } else if failing > 0 {
        exit::GATE_FAILED
    } else {
        exit::OK
    })
}

/// `rampart suppress simulate`: per suppression rule, how many of the past alerts (JSON
/// Lines, read one line at a time) its conditions match.
pub(crate) fn simulate(rules: &Path, alerts: &[PathBuf], format: ListFormat) -> Result<u8> {
    let text = std::fs::read_to_string(rules)
        .with_context(|| format!("cannot read suppression rules {}", rules.display()))?;
    let rules = SuppressionRules::from_yaml(&text, &rules.display().to_string())?;
    let now = Utc::now();
    let mut rows = rules.simulate(std::iter::empty(), now);
    let mut total = 0u64;
    for path in alerts {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let origin = path.display().to_string();
        for (i, line) in std::io::BufRead::lines(std::io::BufReader::new(file)).enumerate() {
            let line = line.with_context(|| format!("cannot read {origin}"))?;
            if line.trim().is_empty() {
                continue;
            }
            let alert = rampart_alerts::parse_alert_line(&line, &origin, i + 1)?;
            total += 1;
            for (row, one) in rows.iter_mut().zip(rules.simulate([&alert], now)) {
                row.would_dismiss += one.would_dismiss;
            }
        }
    }
    let mut out = String::new();
    match format {
        ListFormat::Json => {
            out = serde_json::to_string_pretty(&serde_json::json!({
                "alerts": total,
                "rules": rows,
            }))? + "\n";
        }
        ListFormat::Table => {
            use std::fmt::Write as _;
            let _ = writeln!(
                out,
                "{:<50}  {:<8}  {:<8}  WOULD DISMISS",
                "RULE", "STATE", "IN FORCE"
            );
            for r in &rows {
                let _ = writeln!(
                    out,
                    "{:<50}  {:<8}  {:<8}  {}",
                    r.name,
                    format!("{:?}", r.state),
                    if r.active { "yes" } else { "no" },
                    r.would_dismiss
                );
            }
            let _ = writeln!(out, "{total} past alerts");
        }
    }
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(out.as_bytes())?;
    lock.flush()?;
    Ok(exit::OK)
}

fn severity(arg: AlertSeverityArg) -> AlertSeverity {
    match arg {
        AlertSeverityArg::Informational => AlertSeverity::Informational,
        AlertSeverityArg::Low => AlertSeverity::Low,
        AlertSeverityArg::Medium => AlertSeverity::Medium,
        AlertSeverityArg::High => AlertSeverity::High,
    }
}

// ---------------------------------------------------------------------------------------
// Rules

/// The loaded engine and, per rule and correlation, what an alert needs to know of it.
pub(crate) struct RuleSet {
    pub(crate) engine: Engine,
    infos: Vec<Arc<RuleInfo>>,
    corr_infos: Vec<Arc<RuleInfo>>,
    /// Rules referenced by a correlation with `generate: false`: their own matches feed
    /// the correlation but raise no alert (Sigma's correlation spec).
    silent: Vec<bool>,
}

/// Every `.yml`/`.yaml` under `path` (a file is taken as is), sorted.
pub(crate) fn rule_files(path: &Path) -> Result<Vec<PathBuf>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read rules {}", path.display()))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    walk(path, &mut out, &|p| {
        p.extension().is_some_and(|x| x == "yml" || x == "yaml")
    })?;
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, keep: &dyn Fn(&Path) -> bool) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot read directory {}", dir.display()))?;
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out, keep)?;
        } else if keep(&p) {
            out.push(p);
        }
    }
    Ok(())
}

impl RuleSet {
    pub(crate) fn load(extra: &[PathBuf], bundled: bool) -> Result<RuleSet> {
        let mut b = Engine::builder(Catalog::builtin());
        let mut remediation: HashMap<(String, String), Vec<String>> = HashMap::new();
        if bundled {
            for (name, text) in rampart_sigma::builtin_rules() {
                let origin = format!("{BUILTIN_PREFIX}{name}");
                remediation.extend(remediation_of(text, &origin));
                b.add_yaml(text, &origin);
            }
            for (name, text) in SIGMAHQ_RULES {
                let origin = format!("{SIGMAHQ_PREFIX}{name}");
                b.add_yaml(text, &origin);
            }
        }
        let mut user_files = 0usize;
        for dir in extra {
            let files = rule_files(dir)?;
            if files.is_empty() {
                bail!("no Sigma rule files (.yml, .yaml) in {}", dir.display());
            }
            for f in files {
                let text = std::fs::read_to_string(&f)
                    .with_context(|| format!("cannot read rule file {}", f.display()))?;
                let origin = f.display().to_string();
                remediation.extend(remediation_of(&text, &origin));
                b.add_yaml(&text, &origin);
                user_files += 1;
            }
        }
        let engine = b.build();
        let mut bundled_refused = 0usize;
        for e in engine.load_errors() {
            if e.origin.starts_with(BUILTIN_PREFIX) || e.origin.starts_with(SIGMAHQ_PREFIX) {
                bundled_refused += 1;
                tracing::debug!(origin = %e.origin, reason = %e.reason, "bundled rule refused");
            } else {
                crate::warn(&format!(
                    "warning: {}: rule {} refused: {}",
                    e.origin,
                    e.rule_id
                        .as_deref()
                        .or(e.title.as_deref())
                        .unwrap_or("(unnamed)"),
                    e.reason
                ));
            }
        }
        tracing::info!(
            loaded = engine.rules().len(),
            correlations = engine.correlations().len(),
            bundled_refused,
            user_files,
            "rules loaded (see `rampart rules lint` for the refusals)"
        );
        if engine.rules().is_empty() {
            bail!("no Sigma rule loaded (see `rampart rules lint`)");
        }
        let infos = engine
            .rules()
            .iter()
            .map(|r| {
                let m = &r.meta;
                let id = m.id.clone().unwrap_or_else(|| m.title.clone());
                Arc::new(RuleInfo {
                    remediation: remediation
                        .get(&(m.origin.clone(), id.clone()))
                        .cloned()
                        .unwrap_or_default(),
                    id,
                    title: m.title.clone(),
                    description: m.description.clone(),
                    level: m.level.clone(),
                    status: m.status.clone(),
                    author: m.author.clone(),
                    tags: m.tags.clone(),
                    references: m.references.clone(),
                    falsepositives: m.falsepositives.clone(),
                    origin: m.origin.clone(),
                    kind: "sigma".into(),
                })
            })
            .collect();
        let mut silent = vec![false; engine.rules().len()];
        let corr_infos = engine
            .correlations()
            .iter()
            .map(|c| {
                if !c.generate {
                    for r in &c.rules {
                        if let Some(s) = silent.get_mut(*r as usize) {
                            *s = true;
                        }
                    }
                }
                Arc::new(RuleInfo {
                    id: c
                        .id
                        .clone()
                        .or_else(|| c.name.clone())
                        .unwrap_or_else(|| c.title.clone()),
                    title: c.title.clone(),
                    description: c.description.clone(),
                    level: c.level.clone(),
                    author: c.author.clone(),
                    tags: c.tags.clone(),
                    kind: c.kind.clone(),
                    ..RuleInfo::default()
                })
            })
            .collect();
        Ok(RuleSet {
            engine,
            infos,
            corr_infos,
            silent,
        })
    }
}

/// `(origin, rule id) -> remediation steps` of the rules in a YAML text that have a
/// `remediation:` key (a string or a list of strings; rsigma keeps such keys as custom
/// attributes but the engine's rule metadata does not carry them).
fn remediation_of(text: &str, origin: &str) -> Vec<((String, String), Vec<String>)> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        // After a syntax error the document iterator does not advance: stop there (the
        // engine reports the error itself).
        let Ok(v) = serde_yaml::Value::deserialize(doc) else {
            break;
        };
        let steps: Vec<String> = match v.get("remediation") {
            Some(serde_yaml::Value::String(s)) => vec![s.trim().to_string()],
            Some(serde_yaml::Value::Sequence(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(|s| s.trim().to_string()))
                .collect(),
            _ => continue,
        };
        let id = v
            .get("id")
            .and_then(|i| i.as_str())
            .or_else(|| v.get("title").and_then(|t| t.as_str()));
        if let Some(id) = id {
            out.push(((origin.to_string(), id.to_string()), steps));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Matching

/// Per-stream detection state: the engine's matches and correlations, grouped into alerts.
struct Detector<'r> {
    rules: &'r RuleSet,
    entities: EntityMap,
    builder: AlertBuilder,
    corr: CorrelationState,
    scratch: Vec<u32>,
    hits: Vec<RuleIdx>,
    corr_hits: Vec<CorrelationHit>,
    ready: Vec<Alert>,
    /// Newest event time seen, and when (wall clock) it was seen: `--follow` advances the
    /// stream time by the idle wall time so groups close without new events.
    last_time: Option<(DateTime<Utc>, Instant)>,
    events: u64,
}

/// How often (in events) the stream time is read from an event without matches.
const ADVANCE_EVERY: u64 = 4096;

impl<'r> Detector<'r> {
    fn new(rules: &'r RuleSet, window: chrono::Duration) -> Self {
        Detector {
            rules,
            entities: EntityMap::builtin(),
            builder: AlertBuilder::new(GroupConfig {
                window,
                ..GroupConfig::default()
            }),
            corr: CorrelationState::new(),
            scratch: Vec::new(),
            hits: Vec::new(),
            corr_hits: Vec::new(),
            ready: Vec::new(),
            last_time: None,
            events: 0,
        }
    }

    fn event_time(&self, source: usize, ev: &SlotEvent<'_>) -> Option<DateTime<Utc>> {
        let src = self.rules.engine.sources().get(source)?;
        let text = ev.values(src.time_field()).first()?.as_text()?;
        let secs = rampart_sigma::parse_time(text)?;
        Utc.timestamp_opt(secs, 0).single()
    }

    fn note_time(&mut self, t: DateTime<Utc>) {
        if self.last_time.is_none_or(|(l, _)| t > l) {
            self.last_time = Some((t, Instant::now()));
        }
    }

    /// One event of source `source`: match, correlate, group. `location` names it for
    /// evidence (`file:line`).
    fn event(
        &mut self,
        source: usize,
        source_name: &str,
        location: &dyn Fn() -> String,
        ev: &SlotEvent<'_>,
    ) {
        self.events += 1;
        let engine = &self.rules.engine;
        engine.matches(source, ev, &mut self.scratch, &mut self.hits);
        if self.hits.is_empty() {
            if self.events.is_multiple_of(ADVANCE_EVERY) {
                if let Some(t) = self.event_time(source, ev) {
                    self.note_time(t);
                    self.builder.advance(t, &mut self.ready);
                }
            }
            return;
        }
        let time = match self.event_time(source, ev) {
            Some(t) => t,
            // An event without a readable time is placed at the newest time seen.
            None => self.last_time.map_or_else(Utc::now, |(t, _)| t),
        };
        self.note_time(time);
        let raw = ev.raw().unwrap_or("");
        let entities = {
            let src = &engine.sources()[source];
            let parsed: OnceCell<Option<serde_json::Value>> = OnceCell::new();
            let lookup = |path: &str| -> Vec<String> {
                if let Some(id) = src.fields().get(path) {
                    let v: Vec<String> = ev
                        .values(id)
                        .iter()
                        .filter_map(|v| v.as_text().map(str::to_string))
                        .collect();
                    if !v.is_empty() {
                        return v;
                    }
                }
                parsed
                    .get_or_init(|| {
                        raw.trim_start()
                            .starts_with('{')
                            .then(|| serde_json::from_str(raw).ok())
                            .flatten()
                    })
                    .as_ref()
                    .map(|v| json_lookup(v, path))
                    .unwrap_or_default()
            };
            self.entities.extract(source_name, &lookup)
        };
        let loc = location();
        for &r in &self.hits {
            if self.rules.silent.get(r as usize).copied().unwrap_or(false) {
                continue;
            }
            let Some(info) = self.rules.infos.get(r as usize) else {
                continue;
            };
            self.builder.push(
                Detection {
                    rule: info,
                    time,
                    first_time: None,
                    count: 1,
                    log_source: source_name,
                    location: loc.clone(),
                    raw,
                    entities: entities.clone(),
                },
                &mut self.ready,
            );
        }
        self.corr_hits.clear();
        engine.correlate(&mut self.corr, source, ev, &self.hits, &mut self.corr_hits);
        for hit in std::mem::take(&mut self.corr_hits) {
            let Some(info) = self.rules.corr_infos.get(hit.correlation as usize) else {
                continue;
            };
            let at = |s: i64| Utc.timestamp_opt(s, 0).single();
            self.builder.push(
                Detection {
                    rule: info,
                    time: at(hit.last_time).unwrap_or(time),
                    first_time: at(hit.first_time),
                    count: hit.count,
                    log_source: source_name,
                    location: loc.clone(),
                    raw,
                    entities: entities.clone(),
                },
                &mut self.ready,
            );
        }
    }

    /// `--follow` with no new events: the stream time moves with the wall clock.
    fn idle(&mut self) {
        if let Some((t, seen)) = self.last_time {
            let idle = chrono::Duration::from_std(seen.elapsed()).unwrap_or_default();
            self.builder.advance(t + idle, &mut self.ready);
        }
    }

    fn drain(&mut self, dispatch: &mut Dispatch) -> Result<()> {
        for a in self.ready.drain(..) {
            dispatch.on_alert(a)?;
        }
        Ok(())
    }

    fn flush(&mut self, dispatch: &mut Dispatch) -> Result<()> {
        self.builder.flush(&mut self.ready);
        self.drain(dispatch)
    }
}

// ---------------------------------------------------------------------------------------
// Inputs

struct Input {
    path: PathBuf,
    /// Found by walking a directory (not named on the command line).
    from_dir: bool,
}

fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut out = Vec::new();
    for p in paths {
        if is_stdin(p) {
            out.push(Input {
                path: p.clone(),
                from_dir: false,
            });
            continue;
        }
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            // Every file: the format is sniffed from the content, not the name.
            let mut files = Vec::new();
            walk(p, &mut files, &|_| true)?;
            if files.is_empty() {
                bail!("no files in {}", p.display());
            }
            out.extend(files.into_iter().map(|path| Input {
                path,
                from_dir: true,
            }));
        } else {
            out.push(Input {
                path: p.clone(),
                from_dir: false,
            });
        }
    }
    Ok(out)
}

/// `-` reads standard input (`zcat logs/*.gz | rampart detect -`).
fn is_stdin(p: &Path) -> bool {
    p.as_os_str() == "-"
}

fn is_unknown_format(e: &anyhow::Error) -> bool {
    e.downcast_ref::<ReadError>()
        .is_some_and(|r| matches!(r, ReadError::UnknownFormat { .. }))
}

/// An error writing the alerts (stops everything), as opposed to an input error.
#[derive(Debug)]
struct OutputError(anyhow::Error);

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for OutputError {}

fn is_output_error(e: &anyhow::Error) -> bool {
    e.downcast_ref::<OutputError>().is_some()
}

/// Reads one log from `input` (`origin` names it) in `format` (sniffed when `None`),
/// feeding every event to `det` and every finished alert to `dispatch`; returns the
/// format read. `line_base` offsets line numbers (`--follow` reads a file in chunks).
#[allow(clippy::too_many_arguments)]
fn read_stream(
    input: impl Read,
    origin: &str,
    format: Option<LogFormat>,
    opts: &ReadOptions,
    line_base: u64,
    det: &mut Detector<'_>,
    dispatch: &mut Dispatch,
    progress: &Progress,
) -> Result<LogFormat> {
    let rules = det.rules;
    let mut failed: Option<anyhow::Error> = None;
    let read = rampart_sigma::read_log(input, origin, format, &rules.engine, opts, |le| {
        let line = line_base + le.line;
        det.event(
            le.source,
            le.source_name,
            &|| format!("{origin}:{line}"),
            le.event,
        );
        if det.events.is_multiple_of(8192) {
            progress.set(det.events);
        }
        if let Err(e) = det.drain(dispatch) {
            failed = Some(e);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    if let Some(e) = failed {
        return Err(OutputError(e).into());
    }
    let stats = &read.stats;
    if stats.bad_records > 0 {
        let first = stats
            .errors
            .first()
            .map(|e| format!("; first: {e}"))
            .unwrap_or_default();
        crate::warn(&format!(
            "warning: {origin}: {} of {} records skipped as invalid{first}",
            stats.bad_records, stats.records
        ));
    }
    if stats.unrouted > 0 {
        tracing::info!(
            origin,
            unrouted = stats.unrouted,
            format = read.format.name(),
            "records no log source takes"
        );
    }
    Ok(read.format)
}

/// The reference date for classic syslog timestamps (no year): the file's modification time.
fn year_hint(meta: &std::fs::Metadata) -> ReadOptions {
    let secs = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok());
    ReadOptions {
        year_hint: secs.map(YearHint::from_unix),
    }
}

/// Reads one file. `Ok(false)`: the file is in no format a reader knows (nothing read).
fn read_file(
    path: &Path,
    det: &mut Detector<'_>,
    dispatch: &mut Dispatch,
    progress: &Progress,
) -> Result<bool> {
    // Files are read in name order, not time order (see AlertBuilder::new_input).
    det.builder.new_input();
    if is_stdin(path) {
        let stdin = std::io::stdin();
        return known_format(read_stream(
            stdin.lock(),
            "<stdin>",
            None,
            &ReadOptions::default(),
            0,
            det,
            dispatch,
            progress,
        ));
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let meta = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    let origin = path.display().to_string();
    known_format(read_stream(
        file,
        &origin,
        None,
        &year_hint(&meta),
        0,
        det,
        dispatch,
        progress,
    ))
}

/// `Ok(true)` when the input was read, `Ok(false)` when it is in no format a reader knows.
fn known_format(read: Result<LogFormat>) -> Result<bool> {
    match read {
        Ok(_) => Ok(true),
        Err(e) if is_unknown_format(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// One followed file: where reading stopped and which file it was.
struct Tail {
    path: PathBuf,
    offset: u64,
    lines: u64,
    id: Option<(u64, u64)>,
    /// The format sniffed from the first complete lines, kept for the later chunks.
    format: Option<LogFormat>,
    /// The file's first bytes when last read: a file truncated and rewritten past the old
    /// offset between two polls (copytruncate) is told apart by them.
    head: Vec<u8>,
}

/// Bytes of a followed file's start compared between polls.
const HEAD_BYTES: usize = 256;

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// `--follow`: reads each file from the start, then polls for appended complete lines;
/// a file replaced (rotation: another inode) or shrunk (truncation) is read again from
/// its start. Runs until Ctrl-C or SIGTERM, then returns so the open groups are written.
fn follow(
    inputs: &[Input],
    det: &mut Detector<'_>,
    dispatch: &mut Dispatch,
    poll_ms: u64,
) -> Result<()> {
    let mut tails: Vec<Tail> = inputs
        .iter()
        .map(|i| Tail {
            path: i.path.clone(),
            offset: 0,
            lines: 0,
            id: None,
            format: None,
            head: Vec::new(),
        })
        .collect();
    let no_progress = Progress::events(false);
    // Ctrl-C / SIGTERM end the loop; the caller then writes the open groups.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    if let Err(e) = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)) {
        tracing::warn!(error = %e, "cannot catch Ctrl-C: open alert groups are lost when stopped");
    }
    while !stop.load(Ordering::SeqCst) {
        for t in &mut tails {
            if let Err(e) = poll(t, det, dispatch, &no_progress) {
                if is_output_error(&e) {
                    return Err(e);
                }
                crate::warn(&format!("error: {e:#}"));
            }
        }
        det.idle();
        det.drain(dispatch)?;
        dispatch.flush()?;
        // Sleep in short steps so a stop request is seen quickly.
        let until = Instant::now() + Duration::from_millis(poll_ms.max(10));
        while Instant::now() < until && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(poll_ms.clamp(10, 50)));
        }
    }
    Ok(())
}

fn poll(
    t: &mut Tail,
    det: &mut Detector<'_>,
    dispatch: &mut Dispatch,
    progress: &Progress,
) -> Result<()> {
    let mut file = match File::open(&t.path) {
        Ok(f) => f,
        // Between a rotation's rename and the new file's creation.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot open {}", t.path.display())),
    };
    let meta = file
        .metadata()
        .with_context(|| format!("cannot read {}", t.path.display()))?;
    let id = file_id(&meta);
    let rewritten = if t.head.is_empty() {
        false
    } else {
        let mut head = Vec::with_capacity(t.head.len());
        (&mut file)
            .take(t.head.len() as u64)
            .read_to_end(&mut head)?;
        head != t.head
    };
    if (t.id.is_some() && id != t.id) || meta.len() < t.offset || rewritten {
        tracing::info!(path = %t.path.display(), "file rotated or truncated: reading from its start");
        t.offset = 0;
        t.lines = 0;
        t.format = None;
    }
    t.id = id;
    if meta.len() == t.offset {
        return Ok(());
    }
    file.seek(SeekFrom::Start(t.offset))?;
    let mut buf = Vec::new();
    file.take(meta.len() - t.offset).read_to_end(&mut buf)?;
    // Only complete lines: a writer may be in the middle of one.
    let Some(end) = memchr_last_newline(&buf) else {
        return Ok(());
    };
    buf.truncate(end + 1);
    if t.offset == 0 {
        t.head = buf[..buf.len().min(HEAD_BYTES)].to_vec();
    }
    t.offset += buf.len() as u64;
    let lines_before = t.lines;
    t.lines += buf.iter().filter(|b| **b == b'\n').count() as u64;
    let opts = year_hint(&meta);
    let origin = t.path.display().to_string();
    let format = read_stream(
        std::io::Cursor::new(buf),
        &origin,
        t.format,
        &opts,
        lines_before,
        det,
        dispatch,
        progress,
    )?;
    t.format = Some(format);
    Ok(())
}

fn memchr_last_newline(buf: &[u8]) -> Option<usize> {
    buf.iter().rposition(|b| *b == b'\n')
}

// ---------------------------------------------------------------------------------------
// Output

/// Where finished alerts go. The output format is one; the SIEM / webhook / email sinks
/// (rampart_sinks) plug in here as more.
pub(crate) trait AlertSink {
    fn send(&mut self, alert: &Alert) -> Result<()>;
    /// Pushes buffered output (after each poll in `--follow`).
    fn flush(&mut self) -> Result<()>;
    /// End of the run.
    fn finish(&mut self) -> Result<()>;
}

/// Applies suppression to every finished alert, counts active alerts per severity (for
/// the exit code) and hands each alert to every sink.
pub(crate) struct Dispatch {
    suppress: Option<SuppressionRules>,
    sinks: Vec<Box<dyn AlertSink>>,
    /// Active (not dismissed) alerts per severity.
    counts: HashMap<AlertSeverity, u64>,
}

impl Dispatch {
    fn new(suppress: Option<SuppressionRules>, sinks: Vec<Box<dyn AlertSink>>) -> Self {
        Dispatch {
            suppress,
            sinks,
            counts: HashMap::new(),
        }
    }

    /// Every finished alert passes here once.
    pub(crate) fn on_alert(&mut self, mut alert: Alert) -> Result<()> {
        if let Some(s) = &self.suppress {
            s.apply(&mut alert, Utc::now());
        }
        if alert.status != AlertStatus::Dismissed {
            *self.counts.entry(alert.severity).or_default() += 1;
        }
        for s in &mut self.sinks {
            s.send(&alert).map_err(OutputError)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        for s in &mut self.sinks {
            s.flush().map_err(OutputError)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        for s in &mut self.sinks {
            s.finish().map_err(OutputError)?;
        }
        Ok(())
    }
}

/// The sinks of a `--sinks` file (rampart_sinks): alerts are queued to per-sink workers
/// (never blocking detection); at the end of the run the workers get a deadline to deliver,
/// and whatever is left stays in the spool under the state directory for the next run.
fn delivery_sink(
    config: &Path,
    state_dir: Option<&Path>,
    wait: Duration,
) -> Result<Box<dyn AlertSink>> {
    let state_dir = match state_dir {
        Some(d) => d.to_path_buf(),
        None => default_state_dir()
            .context("no state directory for the sinks: set --state-dir, XDG_STATE_HOME or HOME")?,
    };
    std::fs::create_dir_all(&state_dir).with_context(|| {
        format!(
            "cannot create the sinks' state directory {}",
            state_dir.display()
        )
    })?;
    let dispatcher = rampart_sinks::Dispatcher::from_config_file(config, &state_dir)
        .with_context(|| format!("sinks configuration {}", config.display()))?;
    Ok(Box::new(DeliverySink {
        dispatcher: Some(dispatcher),
        wait,
    }))
}

fn default_state_dir() -> Option<PathBuf> {
    Some(crate::xdg_dir("XDG_STATE_HOME", ".local/state")?.join("rampart/sinks"))
}

struct DeliverySink {
    /// `None` once closed.
    dispatcher: Option<rampart_sinks::Dispatcher>,
    /// How long the end of the run waits for delivery before leaving alerts in the spools.
    wait: Duration,
}

impl AlertSink for DeliverySink {
    fn send(&mut self, alert: &Alert) -> Result<()> {
        if let Some(d) = &self.dispatcher {
            d.send(alert);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        // Workers deliver on their own; nothing is buffered here.
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(d) = self.dispatcher.take() {
            let report = d.close(Instant::now() + self.wait);
            for line in report.to_string().lines() {
                crate::warn(&format!("sink {line}"));
            }
            if !report.all_delivered() {
                crate::warn(
                    "note: undelivered alerts stay in the sinks' spool and are retried by the next run",
                );
            }
        }
        Ok(())
    }
}

fn output_sink(format: AlertFormat, out: Box<dyn Write>, line_flush: bool) -> Box<dyn AlertSink> {
    Box::new(FormatSink {
        format,
        out,
        line_flush,
        header: false,
        rows: 0,
        dismissed: 0,
        by_severity: [0; 4],
    })
}

struct FormatSink {
    format: AlertFormat,
    out: Box<dyn Write>,
    /// Flush after every alert (`--follow`).
    line_flush: bool,
    header: bool,
    rows: u64,
    dismissed: u64,
    by_severity: [u64; 4],
}

impl AlertSink for FormatSink {
    fn send(&mut self, a: &Alert) -> Result<()> {
        match self.format {
            AlertFormat::Jsonl => {
                serde_json::to_writer(&mut self.out, a)?;
                self.out.write_all(b"\n")?;
            }
            AlertFormat::Cef => {
                self.out
                    .write_all(rampart_alerts::cef::format(a).as_bytes())?;
                self.out.write_all(b"\n")?;
            }
            AlertFormat::Table => {
                if !self.header {
                    writeln!(
                        self.out,
                        "{:<13} {:<9} {:>6}  {:<20}  {:<50}  ENTITY",
                        "SEVERITY", "STATUS", "COUNT", "START (UTC)", "ALERT"
                    )?;
                    self.header = true;
                }
                let status = match a.status {
                    AlertStatus::Active => "Active",
                    AlertStatus::InProgress => "InProgress",
                    AlertStatus::Resolved => "Resolved",
                    AlertStatus::Dismissed => "Dismissed",
                };
                writeln!(
                    self.out,
                    "{:<13} {:<9} {:>6}  {:<20}  {:<50}  {}",
                    a.severity.as_str(),
                    status,
                    a.count,
                    a.start_time.format("%Y-%m-%d %H:%M:%S"),
                    truncate(&a.display_name, 50),
                    a.compromised_entity.as_deref().unwrap_or("-")
                )?;
                self.rows += 1;
                if a.status == AlertStatus::Dismissed {
                    self.dismissed += 1;
                } else {
                    self.by_severity[a.severity as usize] += 1;
                }
            }
        }
        if self.line_flush {
            self.out.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        if matches!(self.format, AlertFormat::Table) {
            let [info, low, medium, high] = self.by_severity;
            writeln!(
                self.out,
                "{} alerts: {high} high, {medium} medium, {low} low, {info} informational active; {} dismissed",
                self.rows, self.dismissed
            )?;
        }
        self.out.flush()?;
        Ok(())
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
