//! Rust: `Cargo.lock`, lockfile versions 1 to 4 (all list `[[package]]` tables with `name`,
//! `version` and, for packages not in the workspace, `source`).

use serde::Deserialize;

use super::{package, toml_error, utf8};
use crate::{Ecosystem, Package, PkgError};

#[derive(Deserialize)]
struct CargoLock {
    #[serde(default)]
    package: Vec<CargoPackage>,
}

#[derive(Deserialize)]
struct CargoPackage {
    name: String,
    version: String,
    source: Option<String>,
}

/// Packages with a `source` (a registry or git). Packages without one are workspace members
/// and path dependencies: local code, not crates.io releases, so advisories for a crate of
/// the same name do not apply.
pub(super) fn cargo_lock(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let text = utf8(path, bytes)?;
    let lock: CargoLock = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    Ok(lock
        .package
        .into_iter()
        .filter(|p| p.source.is_some())
        .map(|p| package(p.name, p.version, Ecosystem::CratesIo, path))
        .collect())
}
