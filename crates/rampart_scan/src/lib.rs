//! The façade the CLI (and later the server) calls: inputs → benchmark engine → exemptions → secure score →
//! compliance → [`Report`]. It owns the order of those steps and the compact in-memory record of a scan; it
//! does file IO (inventories, exemptions, custom policies) but never prints.

mod build;
mod error;
mod store;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rampart_exemptions::Exemptions;
use rampart_inventory::InventoryReader;
use rampart_model::Resource;
use rampart_report::{InputError, Report};
use rampart_rules::{Benchmark, Engine};

pub use error::ScanError;
pub use rampart_score::Grouping;

use crate::store::ScanStore;

/// How many input errors the report lists (all are counted).
const MAX_LISTED_ERRORS: usize = 100;

/// How often (in resources) the progress callback is called.
const PROGRESS_EVERY: u64 = 4096;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    /// Inventory files (Rampart JSONL snapshots, Azure Resource Graph exports, gzipped or not).
    pub inputs: Vec<PathBuf>,
    /// Also scan the demo estate bundled in the binary.
    pub demo: bool,
    /// An exemptions file (YAML).
    pub exemptions: Option<PathBuf>,
    /// Custom Azure Policy definition files or directories of them.
    pub policies: Vec<PathBuf>,
    /// Extra groupings to score by.
    pub group_by: Vec<Grouping>,
    /// Skip malformed records instead of stopping at the first.
    pub keep_going: bool,
    /// The current time (exemption expiry, report timestamp).
    pub now: DateTime<Utc>,
    /// Background parse threads (the calling thread also parses); `None`: `RAMPART_PARSE_WORKERS`,
    /// else one fewer than the cores (at least one, at most four). The report is the same whatever
    /// the number.
    pub parse_workers: Option<usize>,
}

impl ScanRequest {
    /// A request for `inputs` with every option at its default.
    #[must_use]
    pub fn new(inputs: Vec<PathBuf>) -> Self {
        Self {
            inputs,
            demo: false,
            exemptions: None,
            policies: Vec::new(),
            group_by: Vec::new(),
            keep_going: false,
            now: Utc::now(),
            parse_workers: None,
        }
    }
}

/// Loads the built-in benchmark plus the request's custom policies.
///
/// # Errors
/// A custom policy file that cannot be read or parsed.
pub fn load_benchmark(policies: &[PathBuf]) -> Result<Benchmark, ScanError> {
    let mut benchmark = Benchmark::builtin()?;
    let files = read_policy_files(policies)?;
    if !files.is_empty() {
        benchmark.add_custom_policies(&files)?;
    }
    Ok(benchmark)
}

/// Runs a scan. `progress` is called every few thousand resources with the running count.
///
/// # Errors
/// Bad input (unreadable or malformed inventory without `keep_going`, a malformed exemptions or policy file).
pub fn scan(request: &ScanRequest, progress: &mut dyn FnMut(u64)) -> Result<Report, ScanError> {
    scan_inner(request, None, progress)
}

/// [`scan`] with resources the caller built in memory (scanned images and machines:
/// `rampart_model::scanned_resource`), evaluated before the request's inputs; `origin` names them in
/// the report's input files (`image:registry/repo:tag`, `host:web-01`). The request may then have
/// no inputs.
///
/// # Errors
/// As [`scan`]; [`ScanError::NoInput`] when `resources` is empty and the request has no input.
pub fn scan_resources(
    request: &ScanRequest,
    origin: &str,
    resources: Vec<Resource>,
    progress: &mut dyn FnMut(u64),
) -> Result<Report, ScanError> {
    scan_inner(request, Some((origin, resources)), progress)
}

fn scan_inner(
    request: &ScanRequest,
    extra: Option<(&str, Vec<Resource>)>,
    progress: &mut dyn FnMut(u64),
) -> Result<Report, ScanError> {
    let has_extra = extra.as_ref().is_some_and(|(_, r)| !r.is_empty());
    if request.inputs.is_empty() && !request.demo && !has_extra {
        return Err(ScanError::NoInput);
    }
    let started = std::time::Instant::now();
    let benchmark = load_benchmark(&request.policies)?;
    let exemptions = match &request.exemptions {
        Some(path) => Exemptions::from_yaml(&read_text(path)?, &path.display().to_string())?,
        None => Exemptions::empty(),
    };

    // Tags are read only by tag exemptions and tag grouping (the policies read them in the
    // document): without either, neither the importer nor the store copies them.
    let keep_tags = exemptions.reads_tags()
        || request
            .group_by
            .iter()
            .any(|g| matches!(g, Grouping::Tag(_)));
    let mut store = ScanStore::new(benchmark.recommendations().len(), keep_tags);
    let mut input = rampart_report::InputSummary::default();
    let mut engine = Engine::new(&benchmark);

    if let Some((origin, resources)) = extra {
        input.files.push(origin.to_owned());
        for resource in resources {
            let key = store.add_resource(&resource);
            engine.evaluate(key, &resource, &mut |k, rec, assessment| {
                store.push(k, rec, assessment);
            });
            input.resources += 1;
        }
    }
    let mut readers: Vec<InventoryReader> = Vec::new();
    if request.demo {
        readers.push(rampart_inventory::demo_estate());
    }
    for path in &request.inputs {
        readers.push(rampart_inventory::open(path)?);
    }
    let workers = request
        .parse_workers
        .map_or_else(parse_workers, |n| n.clamp(1, 16));
    // The parse threads also do the per-resource policy and native-rule work (`Preparer`) and free
    // each document there, leaving this thread what depends on earlier resources; they borrow the
    // benchmark, hence the scope.
    let preparer = engine.preparer();
    let prepare = |resource: &mut rampart_model::Resource| preparer.prepare(resource);
    std::thread::scope(|scope| -> Result<(), ScanError> {
        for reader in readers {
            input.files.push(reader.name().to_owned());
            let mut items = reader
                .derive_relationships(Engine::READS_RELATIONSHIPS)
                .read_tags(keep_tags)
                .parallel_map(workers, scope, &prepare);
            while let Some(item) = items.next() {
                match item {
                    Ok((resource, prepared)) => {
                        let key = store.add_resource(&resource);
                        engine.evaluate_prepared(key, &resource, prepared, &mut |k, rec, a| {
                            store.push(k, rec, a);
                        });
                        // Freed by the parse thread that allocated it.
                        items.give_back(resource);
                        input.resources += 1;
                        if input.resources % PROGRESS_EVERY == 0 {
                            progress(input.resources);
                        }
                    }
                    Err(error) if request.keep_going && error.location().is_some() => {
                        input.skipped_records += 1;
                        if input.errors.len() < MAX_LISTED_ERRORS {
                            input.errors.push(InputError {
                                file: error.location().map(|l| l.file.clone()).unwrap_or_default(),
                                line: error.location().map(|l| l.line),
                                message: error.to_string(),
                            });
                        }
                        tracing::warn!(%error, "record skipped");
                    }
                    Err(error) => return Err(error.into()),
                }
            }
        }
        Ok(())
    })?;
    let read = started.elapsed();
    engine.finish(&mut |k, rec, assessment| store.push(k, rec, assessment));
    let finished = started.elapsed();
    progress(input.resources);

    let resources = input.resources;
    let report = build::report(&benchmark, store, &exemptions, request, input);
    // Phase timings, for profiling large scans (`RAMPART_LOG=rampart_scan=debug`).
    tracing::debug!(
        resources,
        read_ms = read.as_millis(),
        finish_ms = (finished - read).as_millis(),
        report_ms = (started.elapsed() - finished).as_millis(),
        "scan phases"
    );
    report
}

/// Background parse (and prepare) threads: one fewer than the cores (at least one, at most four);
/// `RAMPART_PARSE_WORKERS` overrides it (for benchmarks). The consuming thread parses too whenever
/// the batch it waits for is not ready, so one per core in all keeps every core busy without a
/// thread more than cores: on two cores, two parse threads besides it were woken ~25,000 times a
/// 200k scan against ~300 times with one (BENCHMARKS.md, session 10).
fn parse_workers() -> usize {
    if let Some(n) = std::env::var("RAMPART_PARSE_WORKERS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        return n.clamp(1, 16);
    }
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .saturating_sub(1)
        .clamp(1, 4)
}

fn read_text(path: &Path) -> Result<String, ScanError> {
    std::fs::read_to_string(path).map_err(|source| ScanError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Reads policy files: each path is a JSON file or a directory whose `*.json` files are read (sorted, recursively).
fn read_policy_files(paths: &[PathBuf]) -> Result<Vec<(String, String)>, ScanError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| ScanError::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            let mut found = Vec::new();
            collect_json(path, &mut found)?;
            found.sort();
            for file in found {
                let text = read_text(&file)?;
                files.push((file.display().to_string(), text));
            }
        } else {
            files.push((path.display().to_string(), read_text(path)?));
        }
    }
    Ok(files)
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ScanError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ScanError::Io {
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| ScanError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            collect_json(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
    Ok(())
}
