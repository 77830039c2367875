//! `rampart vulndb import|update|status`: fill the local OSV advisory database from directories or zips, or
//! from osv.dev's per-ecosystem zips, and show what it holds. The database directory defaults to the
//! user's data directory; every scan reads it offline.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use rampart_vulndb::{Database, ImportStats, DEFAULT_BASE_URL, DEFAULT_ECOSYSTEMS};
use serde_json::json;

use crate::cli::ListFormat;
use crate::exit;

#[derive(Debug, Subcommand)]
pub(crate) enum VulndbCommand {
    /// Import OSV records: JSON or YAML files, zips of them (as osv.dev publishes them per ecosystem) and
    /// directories of any of these. Records failing the OSV schema are skipped and counted.
    Import {
        /// Files, zips or directories of OSV records.
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,
        /// The database directory (default: $RAMPART_VULNDB, else the user's data directory).
        #[arg(long, value_name = "DIR")]
        vulndb: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Download `<URL>/<ECOSYSTEM>/all.zip` for each ecosystem and import them (the only command that goes
    /// online).
    Update {
        /// Base URL of the OSV zips.
        #[arg(long, value_name = "URL", default_value = DEFAULT_BASE_URL)]
        url: String,
        /// An ecosystem to download, as osv.dev names its folders (repeatable; default: every ecosystem
        /// Rampart reads packages for).
        #[arg(long = "ecosystem", value_name = "ECOSYSTEM")]
        ecosystems: Vec<String>,
        /// The database directory (default: $RAMPART_VULNDB, else the user's data directory).
        #[arg(long, value_name = "DIR")]
        vulndb: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// What the database holds: advisories per ecosystem and the time of the last import.
    Status {
        /// The database directory (default: $RAMPART_VULNDB, else the user's data directory).
        #[arg(long, value_name = "DIR")]
        vulndb: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

/// The database directory when `--vulndb` is not given: `$RAMPART_VULNDB`, else
/// `$XDG_DATA_HOME/rampart/vulndb`, else `~/.local/share/rampart/vulndb`.
pub(crate) fn default_dir() -> Result<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("RAMPART_VULNDB") {
        return Ok(dir.into());
    }
    if let Some(data) = crate::xdg_dir("XDG_DATA_HOME", ".local/share") {
        return Ok(data.join("rampart/vulndb"));
    }
    bail!("no database directory: give --vulndb DIR, or set RAMPART_VULNDB or HOME")
}

fn dir_or_default(dir: Option<&PathBuf>) -> Result<PathBuf> {
    match dir {
        Some(d) => Ok(d.clone()),
        None => default_dir(),
    }
}

pub(crate) fn run(cmd: &VulndbCommand) -> Result<u8> {
    match cmd {
        VulndbCommand::Import {
            paths,
            vulndb,
            format,
        } => {
            let dir = dir_or_default(vulndb.as_ref())?;
            let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
            let stats = rampart_vulndb::import(&refs, &dir)
                .with_context(|| format!("importing into {}", dir.display()))?;
            print_stats(&dir, &stats, None, *format)?;
        }
        VulndbCommand::Update {
            url,
            ecosystems,
            vulndb,
            format,
        } => {
            let dir = dir_or_default(vulndb.as_ref())?;
            let ecos: Vec<&str> = if ecosystems.is_empty() {
                DEFAULT_ECOSYSTEMS.to_vec()
            } else {
                ecosystems.iter().map(String::as_str).collect()
            };
            let report = rampart_vulndb::update(url, &ecos, &dir)
                .with_context(|| format!("updating {} from {url}", dir.display()))?;
            print_stats(&dir, &report.import, Some(&report.downloaded), *format)?;
        }
        VulndbCommand::Status { vulndb, format } => {
            let dir = dir_or_default(vulndb.as_ref())?;
            let db = Database::open(&dir).with_context(|| {
                format!(
                    "no advisory database in {}: run `rampart vulndb update` or `rampart vulndb import`",
                    dir.display()
                )
            })?;
            let meta = db.meta();
            let mut out = std::io::stdout().lock();
            match format {
                ListFormat::Json => {
                    let doc = json!({
                        "path": dir.display().to_string(),
                        "advisories": db.len(),
                        "importedAt": meta.imported_at,
                        "ecosystems": meta.ecosystems,
                    });
                    writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
                }
                ListFormat::Table => {
                    writeln!(out, "Advisory database {}", dir.display())?;
                    writeln!(out, "advisories   {}", db.len())?;
                    writeln!(
                        out,
                        "last import  {}",
                        meta.imported_at.as_deref().unwrap_or("unknown")
                    )?;
                    if !meta.ecosystems.is_empty() {
                        writeln!(out)?;
                        let width = meta.ecosystems.keys().map(String::len).max().unwrap_or(0);
                        writeln!(out, "{:<width$}  ADVISORIES", "ECOSYSTEM")?;
                        for (eco, n) in &meta.ecosystems {
                            writeln!(out, "{eco:<width$}  {n}")?;
                        }
                    }
                }
            }
            if db.is_empty() {
                crate::warn("warning: the database is empty: scans will report every package as not assessed");
            }
        }
    }
    Ok(exit::OK)
}

fn print_stats(
    dir: &Path,
    stats: &ImportStats,
    downloaded: Option<&[(String, u64)]>,
    format: ListFormat,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let mut doc = json!({ "path": dir.display().to_string(), "import": stats });
            if let Some(d) = downloaded {
                doc["downloaded"] = json!(d
                    .iter()
                    .map(|(eco, bytes)| json!({"ecosystem": eco, "bytes": bytes}))
                    .collect::<Vec<_>>());
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        ListFormat::Table => {
            if let Some(d) = downloaded {
                for (eco, bytes) in d {
                    writeln!(out, "downloaded {eco}: {bytes} bytes")?;
                }
            }
            writeln!(out, "{} documents read", stats.documents)?;
            writeln!(out, "{} imported", stats.imported)?;
            writeln!(out, "{} unchanged", stats.unchanged)?;
            writeln!(out, "{} skipped: invalid (OSV schema)", stats.invalid)?;
            writeln!(out, "{} skipped: withdrawn", stats.withdrawn)?;
            writeln!(out, "{} GIT ranges skipped", stats.git_ranges_skipped)?;
            writeln!(
                out,
                "{} affected entries skipped: unsupported ecosystem or no package",
                stats.unsupported_affected
            )?;
            writeln!(out, "{} advisories in {}", stats.total, dir.display())?;
            for (doc, reason) in &stats.invalid_examples {
                writeln!(out, "invalid: {doc}: {reason}")?;
            }
        }
    }
    Ok(())
}
