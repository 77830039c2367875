//! The local advisory database: a directory holding `advisories.bin` (every accepted advisory in
//! a compact form, postcard-encoded, sorted by id) and `meta.json` (counts, ecosystems, when it
//! was last imported). Import reads OSV JSON/YAML files, directories and zips (as osv.dev
//! publishes them, `<Ecosystem>/all.zip`), validates each record against the OSV schema
//! (failures are skipped and counted), converts it and merges it into what is already there
//! (same id: the newer `modified` wins). Files are written to a temporary name and renamed, so a
//! reader never sees a half-written database. Opening builds the in-memory index
//! (ecosystem, release, normalised package name) → advisory entries.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ecosystem::{normalize_name, scheme_for_base, EcoKey};
use crate::error::VulnDbError;
use crate::osv::{self, Record};
use crate::severity::{self, Rated};
use crate::version::Scheme;

/// Bumped when the stored layout changes; an older file is refused with a clear error.
const FORMAT: u32 = 1;
const ADVISORIES_FILE: &str = "advisories.bin";
const META_FILE: &str = "meta.json";
/// One OSV record larger than this is refused (the largest real ones are a few hundred KiB).
const MAX_RECORD_BYTES: u64 = 16 << 20;
/// Uncompressed bytes read from one zip, in total (osv.dev's largest, Debian, is ~1 GiB).
const MAX_ZIP_TOTAL_BYTES: u64 = 8 << 30;
/// Examples of rejected records kept in the import report.
const MAX_EXAMPLES: usize = 20;

/// A range event, stored in the order evaluation needs (sorted by version at import).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum StoredEvent {
    /// `introduced: "0"`: affected from the first version.
    IntroducedZero,
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredRange {
    /// SEMVER range (else ECOSYSTEM).
    pub(crate) semver: bool,
    pub(crate) events: Vec<StoredEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredAffected {
    pub(crate) base: String,
    pub(crate) release: Option<String>,
    /// Normalised name (the index key).
    pub(crate) name: String,
    pub(crate) ranges: Vec<StoredRange>,
    /// Canonical forms (`Scheme::canonical`) of the listed versions, sorted, deduplicated.
    pub(crate) canonical_versions: Vec<String>,
    /// Listed versions without a canonical form, compared one by one.
    pub(crate) versions: Vec<String>,
    pub(crate) severity: Option<Rated>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredAdvisory {
    pub(crate) id: String,
    pub(crate) modified: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) summary: Option<String>,
    pub(crate) affected: Vec<StoredAffected>,
}

#[derive(Debug, Serialize, Deserialize)]
struct DbFile {
    format: u32,
    advisories: Vec<StoredAdvisory>,
}

/// What is in a database (`meta.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub format: u32,
    pub advisories: usize,
    /// Advisories per OSV ecosystem string (`Debian:12`, `PyPI`).
    pub ecosystems: BTreeMap<String, usize>,
    /// RFC 3339 time of the last import.
    pub imported_at: Option<String>,
}

/// What one import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportStats {
    /// OSV documents read (files and zip entries).
    pub documents: usize,
    /// Records added or replaced by a newer `modified`.
    pub imported: usize,
    /// Records already present with the same or a newer `modified`.
    pub unchanged: usize,
    /// Records that failed to parse or failed the OSV schema: skipped.
    pub invalid: usize,
    /// Records with `withdrawn` set: skipped (and removed if present).
    pub withdrawn: usize,
    /// GIT ranges: not matchable by version, skipped.
    pub git_ranges_skipped: usize,
    /// `affected[]` entries in an ecosystem Rampart has no version ordering for, or without a
    /// package: skipped.
    pub unsupported_affected: usize,
    /// Up to 20 rejected records: (document, reason).
    pub invalid_examples: Vec<(String, String)>,
    /// Advisories in the database after the import.
    pub total: usize,
}

/// Hash of an index key (base ecosystem, release, normalised package name). The index maps the
/// hash to entries and lookups compare the entries' own fields, so opening a database clones no
/// strings for the index.
fn key_hash(base: &str, release: Option<&str>, name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    base.hash(&mut h);
    release.hash(&mut h);
    name.hash(&mut h);
    h.finish()
}

/// An opened database: advisories and the package index.
#[derive(Debug, Default)]
pub struct Database {
    pub(crate) advisories: Vec<StoredAdvisory>,
    /// key hash → (advisory index, affected index).
    index: HashMap<u64, Vec<(u32, u32)>>,
    /// (base, release) pairs with at least one advisory.
    ecosystems: BTreeSet<(String, Option<String>)>,
    meta: Meta,
}

impl Database {
    /// Open the database in `dir`. A missing database is an error (never an empty success).
    pub fn open(dir: &Path) -> Result<Database, VulnDbError> {
        let path = dir.join(ADVISORIES_FILE);
        let bytes = fs::read(&path).map_err(|e| VulnDbError::io(path.display(), e))?;
        let file = decode(&path, &bytes)?;
        let meta = read_meta(dir).unwrap_or_default();
        Ok(Database::from_advisories(file.advisories, meta))
    }

    pub(crate) fn from_advisories(advisories: Vec<StoredAdvisory>, meta: Meta) -> Database {
        let mut index: HashMap<u64, Vec<(u32, u32)>> = HashMap::with_capacity(advisories.len());
        let mut ecosystems: BTreeSet<(&str, Option<&str>)> = BTreeSet::new();
        for (ai, adv) in advisories.iter().enumerate() {
            for (fi, aff) in adv.affected.iter().enumerate() {
                let h = key_hash(&aff.base, aff.release.as_deref(), &aff.name);
                // Index sizes are bounded by u32 (the database holds well under 4G entries).
                index.entry(h).or_default().push((ai as u32, fi as u32));
                ecosystems.insert((&aff.base, aff.release.as_deref()));
            }
        }
        let ecosystems = ecosystems
            .into_iter()
            .map(|(b, r)| (b.to_string(), r.map(str::to_string)))
            .collect();
        Database {
            advisories,
            index,
            ecosystems,
            meta,
        }
    }

    /// The `affected[]` entries for a package: (advisory, entry).
    pub(crate) fn entries<'a>(
        &'a self,
        base: &'a str,
        release: Option<&'a str>,
        name: &'a str,
    ) -> impl Iterator<Item = (&'a StoredAdvisory, &'a StoredAffected)> + 'a {
        self.index
            .get(&key_hash(base, release, name))
            .into_iter()
            .flatten()
            .filter_map(move |&(ai, fi)| {
                let adv = self.advisories.get(ai as usize)?;
                let aff = adv.affected.get(fi as usize)?;
                (aff.base == base && aff.release.as_deref() == release && aff.name == name)
                    .then_some((adv, aff))
            })
    }

    /// Number of advisories.
    pub fn len(&self) -> usize {
        self.advisories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.advisories.is_empty()
    }

    /// What `meta.json` says.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// Whether any advisory covers this ecosystem and release.
    pub fn covers(&self, key: &EcoKey) -> bool {
        self.ecosystems
            .contains(&(key.base.clone(), key.release.clone()))
    }
}

fn decode(path: &Path, bytes: &[u8]) -> Result<DbFile, VulnDbError> {
    let file: DbFile = postcard::from_bytes(bytes).map_err(|e| VulnDbError::Corrupt {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    if file.format != FORMAT {
        return Err(VulnDbError::Corrupt {
            path: path.display().to_string(),
            message: format!(
                "format {} (this Rampart reads {FORMAT}); import again into a new directory",
                file.format
            ),
        });
    }
    Ok(file)
}

fn read_meta(dir: &Path) -> Option<Meta> {
    let text = fs::read(dir.join(META_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Accumulates records from any number of sources, then writes the database.
#[derive(Debug, Default)]
pub struct Importer {
    records: BTreeMap<String, StoredAdvisory>,
    withdrawn: BTreeSet<String>,
    stats: ImportStats,
}

impl Importer {
    pub fn new() -> Importer {
        Importer::default()
    }

    /// Add one OSV document (JSON, or YAML when `name` ends in `.yaml`/`.yml`). `name` names it
    /// in the report (file path, or `zip!/entry`).
    pub fn add_document(&mut self, name: &str, bytes: &[u8]) {
        self.stats.documents += 1;
        let lower = name.to_ascii_lowercase();
        let parsed = if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            osv::parse_yaml(bytes)
        } else {
            osv::parse_json(bytes)
        };
        match parsed {
            Ok(record) => self.add_record(record),
            Err(e) => {
                self.stats.invalid += 1;
                tracing::debug!(document = name, error = %e, "OSV record skipped");
                if self.stats.invalid_examples.len() < MAX_EXAMPLES {
                    self.stats
                        .invalid_examples
                        .push((name.to_string(), e.to_string()));
                }
            }
        }
    }

    /// Add one record that has already been validated.
    pub fn add_record(&mut self, record: Record) {
        if record.withdrawn.is_some() {
            self.stats.withdrawn += 1;
            self.records.remove(&record.id);
            self.withdrawn.insert(record.id);
            return;
        }
        let stored = convert(&record, &mut self.stats);
        match self.records.get(&stored.id) {
            Some(old) if old.modified > stored.modified => {}
            _ => {
                self.withdrawn.remove(&stored.id);
                self.records.insert(stored.id.clone(), stored);
            }
        }
    }

    /// Read a path: an OSV `.json`/`.yaml`/`.yml` file, a `.zip` of them, or a directory
    /// (recursively; other files are ignored).
    pub fn add_path(&mut self, path: &Path) -> Result<(), VulnDbError> {
        let meta = fs::metadata(path).map_err(|e| VulnDbError::io(path.display(), e))?;
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = fs::read_dir(path)
                .map_err(|e| VulnDbError::io(path.display(), e))?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()
                .map_err(|e| VulnDbError::io(path.display(), e))?;
            entries.sort();
            for p in entries {
                let ft = fs::symlink_metadata(&p).map_err(|e| VulnDbError::io(p.display(), e))?;
                if ft.is_dir() || (ft.is_file() && is_osv_name(&p)) {
                    self.add_path(&p)?;
                }
            }
            return Ok(());
        }
        let name = path.display().to_string();
        if name.to_ascii_lowercase().ends_with(".zip") {
            return self.add_zip(path);
        }
        if meta.len() > MAX_RECORD_BYTES {
            return Err(VulnDbError::Archive {
                path: name,
                message: format!("OSV record larger than {MAX_RECORD_BYTES} bytes"),
            });
        }
        let bytes = fs::read(path).map_err(|e| VulnDbError::io(&name, e))?;
        self.add_document(&name, &bytes);
        Ok(())
    }

    fn add_zip(&mut self, path: &Path) -> Result<(), VulnDbError> {
        let name = path.display().to_string();
        let file = fs::File::open(path).map_err(|e| VulnDbError::io(&name, e))?;
        let zerr = |message: String| VulnDbError::Archive {
            path: name.clone(),
            message,
        };
        let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
            .map_err(|e| zerr(format!("not a readable zip: {e}")))?;
        let mut total = 0u64;
        let mut buf = Vec::new();
        for i in 0..archive.len() {
            let mut entry = archive
                .by_index(i)
                .map_err(|e| zerr(format!("entry {i}: {e}")))?;
            if entry.is_dir() {
                continue;
            }
            let entry_name = entry
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| format!("entry {i}"));
            if !is_osv_name(Path::new(&entry_name)) {
                continue;
            }
            let doc = format!("{name}!/{entry_name}");
            buf.clear();
            // Read at most one byte over the cap so an oversized entry is detected without
            // trusting the size the zip header declares.
            let n = (&mut entry)
                .take(MAX_RECORD_BYTES + 1)
                .read_to_end(&mut buf)
                .map_err(|e| zerr(format!("{entry_name}: {e}")))? as u64;
            if n > MAX_RECORD_BYTES {
                return Err(zerr(format!(
                    "{entry_name}: larger than {MAX_RECORD_BYTES} bytes"
                )));
            }
            total += n;
            if total > MAX_ZIP_TOTAL_BYTES {
                return Err(zerr(format!(
                    "more than {MAX_ZIP_TOTAL_BYTES} uncompressed bytes; refusing to read on"
                )));
            }
            self.add_document(&doc, &buf);
        }
        Ok(())
    }

    /// The counts so far.
    pub fn stats(&self) -> &ImportStats {
        &self.stats
    }

    /// Merge into the database in `dir` (created if missing) and write it atomically.
    pub fn write(self, dir: &Path) -> Result<ImportStats, VulnDbError> {
        fs::create_dir_all(dir).map_err(|e| VulnDbError::io(dir.display(), e))?;
        let path = dir.join(ADVISORIES_FILE);
        let mut merged: BTreeMap<String, StoredAdvisory> = BTreeMap::new();
        match fs::read(&path) {
            Ok(bytes) => {
                for adv in decode(&path, &bytes)?.advisories {
                    merged.insert(adv.id.clone(), adv);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(VulnDbError::io(path.display(), e)),
        }
        let mut stats = self.stats;
        for id in &self.withdrawn {
            merged.remove(id);
        }
        for (id, adv) in self.records {
            match merged.get(&id) {
                Some(old) if old.modified >= adv.modified && *old == adv => stats.unchanged += 1,
                Some(old) if old.modified > adv.modified => stats.unchanged += 1,
                _ => {
                    stats.imported += 1;
                    merged.insert(id, adv);
                }
            }
        }
        let advisories: Vec<StoredAdvisory> = merged.into_values().collect();
        stats.total = advisories.len();
        let mut ecosystems: BTreeMap<String, usize> = BTreeMap::new();
        for adv in &advisories {
            let mut seen = BTreeSet::new();
            for aff in &adv.affected {
                let key = match &aff.release {
                    Some(r) => format!("{}:{r}", aff.base),
                    None => aff.base.clone(),
                };
                if seen.insert(key.clone()) {
                    *ecosystems.entry(key).or_default() += 1;
                }
            }
        }
        let file = DbFile {
            format: FORMAT,
            advisories,
        };
        let bytes = postcard::to_stdvec(&file).map_err(|e| VulnDbError::Other(e.to_string()))?;
        write_atomic(&path, &bytes)?;
        let meta = Meta {
            format: FORMAT,
            advisories: stats.total,
            ecosystems,
            imported_at: Some(
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
        };
        let meta_bytes =
            serde_json::to_vec_pretty(&meta).map_err(|e| VulnDbError::Other(e.to_string()))?;
        write_atomic(&dir.join(META_FILE), &meta_bytes)?;
        Ok(stats)
    }
}

fn is_osv_name(p: &Path) -> bool {
    let n = p.to_string_lossy().to_ascii_lowercase();
    n.ends_with(".json") || n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".zip")
}

/// Write to `<path>.tmp`, flush to disk, rename over `path`.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), VulnDbError> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut f = fs::File::create(&tmp).map_err(|e| VulnDbError::io(tmp.display(), e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| VulnDbError::io(tmp.display(), e))?;
    drop(f);
    fs::rename(&tmp, path).map_err(|e| VulnDbError::io(path.display(), e))
}

/// Import OSV data from `paths` (files, zips, directories) into the database in `db_dir`.
pub fn import(paths: &[&Path], db_dir: &Path) -> Result<ImportStats, VulnDbError> {
    let mut importer = Importer::new();
    for p in paths {
        importer.add_path(p)?;
    }
    importer.write(db_dir)
}

/// Convert a validated record to its stored form, sorting each range's events by version.
fn convert(record: &Record, stats: &mut ImportStats) -> StoredAdvisory {
    let mut affected = Vec::new();
    for aff in &record.affected {
        let Some(pkg) = &aff.package else {
            stats.unsupported_affected += 1;
            continue;
        };
        let key = EcoKey::parse(&pkg.ecosystem);
        let (Some(eco), Some(scheme)) = (key.ecosystem(), scheme_for_base(&key.base)) else {
            stats.unsupported_affected += 1;
            continue;
        };
        let mut ranges = Vec::new();
        for r in &aff.ranges {
            let semver = match r.kind.as_str() {
                "SEMVER" => true,
                "ECOSYSTEM" => false,
                _ => {
                    stats.git_ranges_skipped += 1;
                    continue;
                }
            };
            let range_scheme = if semver && scheme != Scheme::Go {
                Scheme::Semver
            } else {
                scheme
            };
            ranges.push(StoredRange {
                semver,
                events: sort_events(&r.events, range_scheme),
            });
        }
        let severity = severity::rate(record, aff, &key.base, eco.is_os());
        let mut canonical_versions = Vec::new();
        let mut versions = Vec::new();
        for v in &aff.versions {
            match scheme.canonical(v) {
                Some(c) => canonical_versions.push(c),
                None => versions.push(v.clone()),
            }
        }
        canonical_versions.sort();
        canonical_versions.dedup();
        affected.push(StoredAffected {
            name: normalize_name(&key.base, &pkg.name),
            base: key.base,
            release: key.release,
            ranges,
            canonical_versions,
            versions,
            severity,
        });
    }
    StoredAdvisory {
        id: record.id.clone(),
        modified: record.modified.clone(),
        aliases: record.aliases.clone(),
        summary: record.summary.clone(),
        affected,
    }
}

fn event_version(e: &StoredEvent) -> Option<&str> {
    match e {
        StoredEvent::IntroducedZero => None,
        StoredEvent::Introduced(v)
        | StoredEvent::Fixed(v)
        | StoredEvent::LastAffected(v)
        | StoredEvent::Limit(v) => Some(v),
    }
}

/// Events sorted by version (OSV's evaluation order); `introduced: "0"` first; on equal
/// versions `introduced` before `fixed`/`last_affected`, so `introduced = fixed` affects nothing.
fn sort_events(events: &[osv::Event], scheme: Scheme) -> Vec<StoredEvent> {
    let mut out: Vec<StoredEvent> = events
        .iter()
        .filter_map(|e| {
            if let Some(v) = &e.introduced {
                Some(if v == "0" {
                    StoredEvent::IntroducedZero
                } else {
                    StoredEvent::Introduced(v.clone())
                })
            } else if let Some(v) = &e.fixed {
                Some(StoredEvent::Fixed(v.clone()))
            } else if let Some(v) = &e.last_affected {
                Some(StoredEvent::LastAffected(v.clone()))
            } else {
                e.limit.as_ref().map(|v| StoredEvent::Limit(v.clone()))
            }
        })
        .collect();
    let rank = |e: &StoredEvent| match e {
        StoredEvent::IntroducedZero | StoredEvent::Introduced(_) => 0,
        _ => 1,
    };
    out.sort_by(|a, b| match (event_version(a), event_version(b)) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => scheme.compare(x, y).then_with(|| rank(a).cmp(&rank(b))),
    });
    out
}
