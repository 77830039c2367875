//! PHP: `composer.lock` (`packages` and `packages-dev`).

use serde::Deserialize;

use super::{json_error, package};
use crate::{Ecosystem, Package, PkgError};

#[derive(Deserialize)]
struct ComposerLock {
    packages: Vec<ComposerPackage>,
    #[serde(rename = "packages-dev", default)]
    packages_dev: Vec<ComposerPackage>,
}

#[derive(Deserialize)]
struct ComposerPackage {
    name: String,
    version: String,
}

/// Every locked package, versions as Composer writes them (`v6.3.0`, `2.1.1`,
/// `dev-main`). `packages` is required: Composer always writes it.
pub(super) fn composer_lock(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let lock: ComposerLock = serde_json::from_slice(bytes).map_err(|e| json_error(path, &e))?;
    Ok(lock
        .packages
        .into_iter()
        .chain(lock.packages_dev)
        .map(|p| package(p.name, p.version, Ecosystem::Packagist, path))
        .collect())
}
