//! `update`: download osv.dev's per-ecosystem zips (`<base>/<Ecosystem>/all.zip`) and import
//! them. The base URL is configurable (a mirror, or a local server in tests); downloads are
//! written next to the database under `downloads/` (temporary name, then renamed) and capped
//! in size. After an update every scan runs offline on the database.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::db::{ImportStats, Importer};
use crate::error::VulnDbError;

/// osv.dev's public bucket.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// The ecosystems Rampart reads packages for, as osv.dev names its folders.
pub const DEFAULT_ECOSYSTEMS: [&str; 10] = [
    "Debian",
    "Ubuntu",
    "Alpine",
    "PyPI",
    "npm",
    "crates.io",
    "Go",
    "Maven",
    "RubyGems",
    "Packagist",
];

/// Largest zip accepted (osv.dev's Debian zip is ~100 MB compressed).
const MAX_DOWNLOAD_BYTES: u64 = 2 << 30;

/// What an update did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateReport {
    /// (ecosystem, bytes downloaded).
    pub downloaded: Vec<(String, u64)>,
    pub import: ImportStats,
}

/// Percent-encode a path segment (`Red Hat` → `Red%20Hat`, `Ubuntu:22.04:LTS` kept readable
/// except `:` which is allowed in a path segment).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Download `<base_url>/<ecosystem>/all.zip` for each ecosystem into `<db_dir>/downloads/` and
/// import them all into the database in `db_dir`. Any download failure fails the update before
/// the database is touched.
pub fn update(
    base_url: &str,
    ecosystems: &[&str],
    db_dir: &Path,
) -> Result<UpdateReport, VulnDbError> {
    let downloads = db_dir.join("downloads");
    std::fs::create_dir_all(&downloads).map_err(|e| VulnDbError::io(downloads.display(), e))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    let mut report = UpdateReport::default();
    let mut files: Vec<PathBuf> = Vec::new();
    for eco in ecosystems {
        let url = format!(
            "{}/{}/all.zip",
            base_url.trim_end_matches('/'),
            encode_segment(eco)
        );
        let dest = downloads.join(format!("{}.zip", encode_segment(eco)));
        let n = download(&agent, &url, &dest)?;
        tracing::info!(ecosystem = eco, bytes = n, %url, "downloaded OSV zip");
        report.downloaded.push(((*eco).to_string(), n));
        files.push(dest);
    }
    let mut importer = Importer::new();
    for f in &files {
        importer.add_path(f)?;
    }
    report.import = importer.write(db_dir)?;
    Ok(report)
}

fn download(agent: &ureq::Agent, url: &str, dest: &Path) -> Result<u64, VulnDbError> {
    let herr = |message: String| VulnDbError::Http {
        url: url.to_string(),
        message,
    };
    let mut resp = agent.get(url).call().map_err(|e| herr(e.to_string()))?;
    let tmp = dest.with_extension(format!("part.{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp).map_err(|e| VulnDbError::io(tmp.display(), e))?;
    let mut reader = resp
        .body_mut()
        .with_config()
        .limit(MAX_DOWNLOAD_BYTES)
        .reader();
    let n = std::io::copy(&mut reader, &mut file).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        herr(format!("reading the body: {e}"))
    })?;
    file.flush()
        .and_then(|()| file.sync_all())
        .map_err(|e| VulnDbError::io(tmp.display(), e))?;
    drop(file);
    std::fs::rename(&tmp, dest).map_err(|e| VulnDbError::io(dest.display(), e))?;
    Ok(n)
}
