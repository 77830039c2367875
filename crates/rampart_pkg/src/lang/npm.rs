//! npm: `package-lock.json` (v1 `dependencies` tree, v2/v3 `packages` map), installed
//! `node_modules/**/package.json`, `yarn.lock` (classic v1 and berry) and `pnpm-lock.yaml`
//! (v5, v6 and v9 key formats).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{file_error, json_error, line_error, package, utf8, yaml_error};
use crate::{Ecosystem, Package, PkgError};

/// Whether `dir` is a package directory directly inside `node_modules`
/// (`.../node_modules/name` or `.../node_modules/@scope/name`).
pub(super) fn is_package_dir(dir: &str) -> bool {
    let mut parts = dir.rsplit('/');
    let (Some(name), Some(parent)) = (parts.next(), parts.next()) else {
        return false;
    };
    if name.is_empty() || name.starts_with('.') {
        return false;
    }
    if parent == "node_modules" {
        return !name.starts_with('@');
    }
    parent.starts_with('@') && parent.len() > 1 && parts.next() == Some("node_modules")
}

#[derive(Deserialize)]
struct PackageLock {
    #[serde(rename = "lockfileVersion")]
    lockfile_version: Option<u32>,
    packages: Option<BTreeMap<String, LockPackage>>,
    dependencies: Option<BTreeMap<String, LockDependency>>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    link: bool,
}

#[derive(Deserialize)]
struct LockDependency {
    version: Option<String>,
    dependencies: Option<BTreeMap<String, LockDependency>>,
}

/// `package-lock.json`. Version 2 and 3 lockfiles are read from `packages` (keyed by install
/// path: the root `""` entry, workspace member directories and `link` entries are the
/// project itself, not installed packages). Version 1 lockfiles are read from the nested
/// `dependencies` tree. Aliases (`npm:real@1.2.3`) report the real package; git, file and
/// URL versions name no registry release and are skipped.
pub(super) fn package_lock(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let lock: PackageLock = serde_json::from_slice(bytes).map_err(|e| json_error(path, &e))?;
    let mut out = Vec::new();
    if let Some(packages) = lock.packages {
        for (key, entry) in packages {
            let Some(at) = key.rfind("node_modules/") else {
                continue; // "" (the root) or a workspace member directory
            };
            if entry.link {
                continue;
            }
            let Some(version) = entry.version else {
                return Err(file_error(
                    path,
                    format!("packages[\"{key}\"]: no `version`"),
                ));
            };
            let dir_name = &key[at + "node_modules/".len()..];
            let name = entry.name.as_deref().unwrap_or(dir_name);
            push_spec(&mut out, name, &version, path);
        }
        return Ok(out);
    }
    match (lock.lockfile_version, lock.dependencies) {
        (_, Some(deps)) => {
            walk_v1(&deps, path, &mut out);
            Ok(out)
        }
        (Some(1), None) => Ok(out), // a project without dependencies
        (version, None) => Err(file_error(
            path,
            format!(
                "lockfileVersion {}: neither `packages` nor `dependencies`",
                version.map_or_else(|| "absent".to_owned(), |v| v.to_string())
            ),
        )),
    }
}

fn walk_v1(deps: &BTreeMap<String, LockDependency>, path: &str, out: &mut Vec<Package>) {
    for (name, dep) in deps {
        if let Some(version) = &dep.version {
            push_spec(out, name, version, path);
        }
        if let Some(nested) = &dep.dependencies {
            walk_v1(nested, path, out);
        }
    }
}

/// Adds `name@version` unless `version` is not a registry version; `npm:real@1.2.3`
/// aliases become `real@1.2.3`.
fn push_spec(out: &mut Vec<Package>, name: &str, version: &str, path: &str) {
    if let Some(alias) = version.strip_prefix("npm:") {
        if let Some((real, v)) = split_name_at(alias) {
            out.push(package(real, v, Ecosystem::Npm, path));
        }
        return;
    }
    if version.contains(':') || version.contains('/') || version.is_empty() {
        return;
    }
    out.push(package(name, version, Ecosystem::Npm, path));
}

/// Splits `name@rest` where `name` may be scoped (`@scope/name@rest`).
fn split_name_at(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    Some((&spec[..at], &spec[at + 1..]))
}

#[derive(Deserialize)]
struct PackageJson {
    name: Option<String>,
    version: Option<String>,
}

/// An installed package's `package.json`: `name` and `version` are required (npm refuses to
/// install a package without them).
pub(super) fn package_json(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let manifest: PackageJson = serde_json::from_slice(bytes).map_err(|e| json_error(path, &e))?;
    let name = manifest
        .name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| file_error(path, "no `name`"))?;
    let version = manifest
        .version
        .filter(|v| !v.is_empty())
        .ok_or_else(|| file_error(path, format!("no `version` for `{name}`")))?;
    Ok(vec![package(name, version, Ecosystem::Npm, path)])
}

/// `yarn.lock`. Berry lockfiles (YAML with a `__metadata` entry) are told apart from the
/// classic format by that entry.
pub(super) fn yarn_lock(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let text = utf8(path, bytes)?;
    if text.lines().any(|l| l.starts_with("__metadata:")) {
        yarn_berry(path, text)
    } else {
        yarn_classic(path, text)
    }
}

/// Classic `yarn.lock`: unindented `"spec", "spec":` headers, each followed by an indented
/// `version "x"` line.
fn yarn_classic(path: &str, text: &str) -> Result<Vec<Package>, PkgError> {
    let mut out = Vec::new();
    // The current entry: its name and header line, until its version is seen.
    let mut current: Option<(String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            if let Some((name, at)) = current.take() {
                return Err(line_error(path, at, format!("`{name}` has no version")));
            }
            let Some(header) = line.strip_suffix(':') else {
                return Err(line_error(
                    path,
                    line_no,
                    "expected an entry header ending in `:`",
                ));
            };
            let first = header.split(", ").next().unwrap_or(header);
            let first = first.trim().trim_matches('"');
            let Some((name, range)) = split_name_at(first) else {
                return Err(line_error(
                    path,
                    line_no,
                    format!("`{first}` is not `name@range`"),
                ));
            };
            // `alias@npm:real@^1`: the installed package is `real`.
            let name = match range.strip_prefix("npm:").and_then(split_name_at) {
                Some((real, _)) => real,
                None => name,
            };
            current = Some((name.to_owned(), line_no));
            continue;
        }
        let Some(rest) = line.trim_start().strip_prefix("version ") else {
            continue;
        };
        // Only the entry's own `version` line (2 spaces), not a dependency named `version`.
        if !line.starts_with("  version") || line.starts_with("   ") {
            continue;
        }
        let Some((name, _)) = current.take() else {
            return Err(line_error(path, line_no, "`version` outside an entry"));
        };
        let version = rest.trim().trim_matches('"');
        out.push(package(name, version, Ecosystem::Npm, path));
    }
    if let Some((name, at)) = current {
        return Err(line_error(path, at, format!("`{name}` has no version")));
    }
    Ok(out)
}

#[derive(Deserialize)]
struct BerryEntry {
    resolution: Option<String>,
}

/// Berry `yarn.lock` (YAML): an entry's `resolution` is `name@protocol:reference`; only
/// `npm:` resolutions are registry packages (workspace, link, portal, patch, file, git
/// resolutions are skipped; a patched package's `npm:` original has its own entry).
fn yarn_berry(path: &str, text: &str) -> Result<Vec<Package>, PkgError> {
    let entries: BTreeMap<String, serde_yaml::Value> =
        serde_yaml::from_str(text).map_err(|e| yaml_error(path, &e))?;
    let mut out = Vec::new();
    for (key, value) in entries {
        if key == "__metadata" {
            continue;
        }
        let entry: BerryEntry = serde_yaml::from_value(value)
            .map_err(|e| file_error(path, format!("entry `{key}`: {e}")))?;
        let Some(resolution) = entry.resolution else {
            return Err(file_error(path, format!("entry `{key}`: no `resolution`")));
        };
        let Some((name, reference)) = split_name_at(&resolution) else {
            return Err(file_error(
                path,
                format!("entry `{key}`: resolution `{resolution}` is not `name@reference`"),
            ));
        };
        if let Some(version) = reference.strip_prefix("npm:") {
            out.push(package(name, version, Ecosystem::Npm, path));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct PnpmLock {
    #[serde(rename = "lockfileVersion")]
    lockfile_version: Option<serde_yaml::Value>,
    #[serde(default)]
    packages: BTreeMap<String, PnpmPackage>,
}

#[derive(Deserialize)]
struct PnpmPackage {
    name: Option<String>,
    version: Option<String>,
}

/// `pnpm-lock.yaml`: the `packages` map. Keys are `/name/1.2.3_peers` (v5),
/// `/name@1.2.3(peers)` (v6) or `name@1.2.3(peers)` (v9); an entry's own `name` and
/// `version` (tarball and git dependencies) win over the key. Keys that carry no version
/// (`file:`, `link:`, URLs) are skipped.
pub(super) fn pnpm_lock(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let text = utf8(path, bytes)?;
    let lock: PnpmLock = serde_yaml::from_str(text).map_err(|e| yaml_error(path, &e))?;
    let major = match &lock.lockfile_version {
        Some(serde_yaml::Value::Number(n)) => n.as_f64(),
        Some(serde_yaml::Value::String(s)) => s.parse::<f64>().ok(),
        _ => None,
    }
    .ok_or_else(|| file_error(path, "`lockfileVersion` missing or not a number"))?;
    let mut out = Vec::new();
    for (key, entry) in lock.packages {
        let key_nv = if major < 6.0 {
            pnpm_v5_key(&key)
        } else {
            pnpm_v6_key(&key)
        };
        let name = entry.name.as_deref().or(key_nv.map(|(n, _)| n));
        let version = entry.version.as_deref().or(key_nv.map(|(_, v)| v));
        let (Some(name), Some(version)) = (name, version) else {
            continue;
        };
        if version.contains(':') || version.contains('/') || version.is_empty() {
            continue;
        }
        out.push(package(name, version, Ecosystem::Npm, path));
    }
    Ok(out)
}

/// `/name/1.2.3` or `/@scope/name/1.2.3_peer@1+other@2`.
fn pnpm_v5_key(key: &str) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/')?;
    let (name, version) = key.rsplit_once('/')?;
    let version = version.split('_').next().unwrap_or(version);
    (!name.is_empty() && !version.is_empty() && !name.contains(':')).then_some((name, version))
}

/// `/name@1.2.3(peer@1)` (v6) or `name@1.2.3(peer@1)` (v9).
fn pnpm_v6_key(key: &str) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let key = key.split('(').next().unwrap_or(key);
    let (name, version) = split_name_at(key)?;
    (!name.is_empty() && !version.is_empty()).then_some((name, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pnpm_keys() {
        assert_eq!(
            pnpm_v5_key("/@babel/core/7.1.0_eslint@8.0.0"),
            Some(("@babel/core", "7.1.0"))
        );
        assert_eq!(pnpm_v5_key("/ms/2.1.3"), Some(("ms", "2.1.3")));
        assert_eq!(
            pnpm_v6_key("/@babel/core@7.1.0(eslint@8.0.0)"),
            Some(("@babel/core", "7.1.0"))
        );
        assert_eq!(pnpm_v6_key("ms@2.1.3"), Some(("ms", "2.1.3")));
    }

    #[test]
    fn yarn_classic_entries() {
        let text = "# yarn lockfile v1\n\n\n\"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n  version \"7.12.13\"\n  dependencies:\n    version \"^1\"\n\nstring-width-cjs@npm:string-width@^4.2.0:\n  version \"4.2.3\"\n";
        let got = yarn_lock("yarn.lock", text.as_bytes()).unwrap();
        let got: Vec<_> = got
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [("@babel/code-frame", "7.12.13"), ("string-width", "4.2.3")]
        );
    }

    #[test]
    fn yarn_classic_missing_version() {
        let e = yarn_lock(
            "y.lock",
            b"a@^1:\n  resolved \"x\"\nb@^2:\n  version \"2.0.0\"\n",
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "y.lock:1: `a` has no version");
    }
}
