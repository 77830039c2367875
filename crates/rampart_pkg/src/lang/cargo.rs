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

#[cfg(test)]
mod tests {
    use super::*;

    /// Lockfile v1 (Cargo before 1.41): a `[root]` table for the root package, dependencies
    /// as `"name version (source)"` strings and checksums in `[metadata]`.
    #[test]
    fn version_1_lockfile() {
        let text = r#"[root]
name = "app"
version = "0.1.0"
dependencies = [
 "libc 0.2.40 (registry+https://github.com/rust-lang/crates.io-index)",
 "local 0.1.0",
]

[[package]]
name = "libc"
version = "0.2.40"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "local"
version = "0.1.0"

[metadata]
"checksum libc 0.2.40 (registry+https://github.com/rust-lang/crates.io-index)" = "6fd41f331ac7c5b8ac259b8bf82c75c0fb2e469bbf37d2becbba9a6a2221965b"
"#;
        let got = cargo_lock("Cargo.lock", text.as_bytes()).unwrap();
        let got: Vec<_> = got
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(got, [("libc", "0.2.40")]);
    }
}
