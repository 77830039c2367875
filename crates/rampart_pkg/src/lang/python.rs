//! Python: installed distributions (core metadata in `METADATA` / `PKG-INFO`),
//! `requirements.txt` pins, `poetry.lock` and `Pipfile.lock`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{file_error, json_error, line_error, package, toml_error, utf8};
use crate::{Ecosystem, Package, PkgError};

/// Core metadata (`METADATA`, `PKG-INFO`): RFC 822 style headers up to the first blank
/// line; `Name` and `Version` are required. The body (the long description) may be in any
/// encoding and is never read.
pub(super) fn metadata(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let mut name = None;
    let mut version = None;
    for raw in bytes.split(|&b| b == b'\n') {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() {
            break;
        }
        // Continuation lines (folded headers) start with whitespace; Name and Version are
        // never folded.
        if raw.first().is_some_and(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let Some(colon) = raw.iter().position(|&b| b == b':') else {
            continue;
        };
        let (key, value) = (&raw[..colon], &raw[colon + 1..]);
        let target = if key.eq_ignore_ascii_case(b"Name") {
            &mut name
        } else if key.eq_ignore_ascii_case(b"Version") {
            &mut version
        } else {
            continue;
        };
        if target.is_none() {
            let value = String::from_utf8_lossy(value).trim().to_owned();
            *target = Some(value);
        }
    }
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| file_error(path, "no `Name` header in the metadata"))?;
    let version = version
        .filter(|v| !v.is_empty())
        .ok_or_else(|| file_error(path, format!("no `Version` header for `{name}`")))?;
    Ok(vec![package(name, version, Ecosystem::PyPI, path)])
}

/// `requirements.txt`: only exact pins (`name==1.2.3`, `name[extra]==1.2.3 ; marker`,
/// `===`) are packages. Unpinned or ranged requirements (`name>=1`, `name`, `name==1.*`),
/// options (`-r`, `-e`, `--hash`), URLs and local paths name no version and are skipped.
pub(super) fn requirements(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let text = utf8(path, bytes)?;
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut start_line = 0;
    for (i, line) in text.lines().enumerate() {
        if logical.is_empty() {
            start_line = i + 1;
        }
        // A trailing backslash joins the next line (pip's line continuation).
        if let Some(head) = line.strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        if let Some(p) = requirement(path, start_line, &logical)? {
            out.push(p);
        }
        logical.clear();
    }
    if !logical.is_empty() {
        if let Some(p) = requirement(path, start_line, &logical)? {
            out.push(p);
        }
    }
    Ok(out)
}

fn requirement(path: &str, line_no: usize, line: &str) -> Result<Option<Package>, PkgError> {
    // A comment starts at `#` at the line start or after whitespace (pip's rule).
    let line = match line.find(" #").or_else(|| line.find("\t#")) {
        Some(i) => &line[..i],
        None => line,
    };
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
        return Ok(None);
    }
    if line.contains("://") || line.starts_with('.') || line.starts_with('/') {
        return Ok(None);
    }
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() {
        return Err(line_error(
            path,
            line_no,
            format!("not a requirement: `{line}`"),
        ));
    }
    let mut rest = line[name_end..].trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        let Some(close) = after.find(']') else {
            return Err(line_error(path, line_no, "unclosed `[` in the extras"));
        };
        rest = after[close + 1..].trim_start();
    }
    // `name @ url` is a direct reference: no version.
    let Some(spec) = rest.strip_prefix("==") else {
        return Ok(None);
    };
    let spec = spec.strip_prefix('=').unwrap_or(spec).trim_start();
    let version_end = spec
        .find(|c: char| c.is_whitespace() || matches!(c, ';' | ','))
        .unwrap_or(spec.len());
    let version = &spec[..version_end];
    if version.is_empty() {
        return Err(line_error(
            path,
            line_no,
            format!("`{name}==` without a version"),
        ));
    }
    // `==1.*` is a prefix match, not a pin.
    if version.contains('*') {
        return Ok(None);
    }
    Ok(Some(package(name, version, Ecosystem::PyPI, path)))
}

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPackage>,
}

#[derive(Deserialize)]
struct PoetryPackage {
    name: String,
    version: String,
    source: Option<PoetrySource>,
}

#[derive(Deserialize)]
struct PoetrySource {
    #[serde(rename = "type")]
    kind: String,
}

/// `poetry.lock`: every `[[package]]`, except local `directory` / `file` sources (a project
/// on disk, not a PyPI release).
pub(super) fn poetry_lock(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let text = utf8(path, bytes)?;
    let lock: PoetryLock = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    Ok(lock
        .package
        .into_iter()
        .filter(|p| {
            !p.source
                .as_ref()
                .is_some_and(|s| s.kind == "directory" || s.kind == "file")
        })
        .map(|p| package(p.name, p.version, Ecosystem::PyPI, path))
        .collect())
}

#[derive(Deserialize)]
struct PipfileLock {
    #[serde(default)]
    default: BTreeMap<String, PipfileEntry>,
    #[serde(default)]
    develop: BTreeMap<String, PipfileEntry>,
}

#[derive(Deserialize)]
struct PipfileEntry {
    version: Option<String>,
}

/// `Pipfile.lock`: `default` and `develop`. Entries without a `version` (VCS, editable or
/// path installs) name no release and are skipped.
pub(super) fn pipfile_lock(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let lock: PipfileLock = serde_json::from_slice(bytes).map_err(|e| json_error(path, &e))?;
    let mut out = Vec::new();
    for (name, entry) in lock.default.into_iter().chain(lock.develop) {
        let Some(version) = entry.version else {
            continue;
        };
        let Some(pinned) = version.strip_prefix("==") else {
            return Err(file_error(
                path,
                format!("`{name}`.version `{version}` is not an `==` pin"),
            ));
        };
        out.push(package(name, pinned, Ecosystem::PyPI, path));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pins(text: &str) -> Vec<(String, String)> {
        requirements("requirements.txt", text.as_bytes())
            .unwrap()
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect()
    }

    #[test]
    fn requirement_pins_only() {
        let text = "# comment\nrequests==2.31.0  # pinned\nflask>=2\nDjango\n\
                    -r other.txt\n-e git+https://x/y#egg=z\nuvicorn[standard] == 0.23.2 ; python_version>'3'\n\
                    numpy==1.*\nsix===1.16.0\nattrs==23.1.0 \\\n    --hash=sha256:abc\n\
                    pkg @ https://example.com/pkg.whl\n./local\n";
        assert_eq!(
            pins(text),
            [
                ("requests", "2.31.0"),
                ("uvicorn", "0.23.2"),
                ("six", "1.16.0"),
                ("attrs", "23.1.0")
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
    }

    #[test]
    fn bad_requirement_names_the_line() {
        let e = requirements("r.txt", b"ok==1\n\n==2\n").unwrap_err();
        assert_eq!(e.to_string(), "r.txt:3: not a requirement: `==2`");
    }

    #[test]
    fn metadata_needs_name_and_version() {
        let e = metadata(
            "m/METADATA",
            b"Metadata-Version: 2.1\nName: six\n\nVersion: 1\n",
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "m/METADATA: no `Version` header for `six`");
    }
}
