//! apk's installed database (`lib/apk/db/installed`): one record per package, records
//! separated by blank lines, each line `<letter>:<value>`. Read here: `P` name, `V` version,
//! `A` architecture, `o` origin (the source package advisories are keyed by). Every record is
//! an installed package, as `apk info` lists them.

use super::{file_err, line_err};
use crate::{Ecosystem, Package, PkgError};

#[derive(Default)]
struct Record<'a> {
    line: usize,
    name: Option<&'a str>,
    version: Option<&'a str>,
    arch: Option<&'a str>,
    origin: Option<&'a str>,
}

pub(super) fn parse(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let text = std::str::from_utf8(bytes).map_err(|e| file_err(path, format!("not UTF-8: {e}")))?;
    let mut packages = Vec::new();
    let mut record: Option<Record<'_>> = None;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.is_empty() {
            if let Some(r) = record.take() {
                packages.push(finish(path, r)?);
            }
            continue;
        }
        let bytes = line.as_bytes();
        if bytes.len() < 2 || bytes[1] != b':' || !bytes[0].is_ascii_alphanumeric() {
            return Err(line_err(path, line_no, "expected `<letter>:<value>`"));
        }
        let value = &line[2..];
        let r = record.get_or_insert_with(|| Record {
            line: line_no,
            ..Record::default()
        });
        match bytes[0] {
            b'P' => r.name = Some(value),
            b'V' => r.version = Some(value),
            b'A' => r.arch = Some(value),
            b'o' => r.origin = Some(value),
            _ => {}
        }
    }
    if let Some(r) = record.take() {
        packages.push(finish(path, r)?);
    }
    Ok(packages)
}

fn finish(path: &str, r: Record<'_>) -> Result<Package, PkgError> {
    let Some(name) = r.name.filter(|n| !n.is_empty()) else {
        return Err(line_err(path, r.line, "record without a package name (P:)"));
    };
    let Some(version) = r.version.filter(|v| !v.is_empty()) else {
        return Err(line_err(
            path,
            r.line,
            format!("package {name}: no version (V:)"),
        ));
    };
    Ok(Package {
        name: name.to_owned(),
        version: version.to_owned(),
        ecosystem: Ecosystem::Alpine,
        source_name: r
            .origin
            .filter(|o| !o.is_empty() && *o != name)
            .map(str::to_owned),
        source_version: None,
        arch: r.arch.filter(|a| !a.is_empty()).map(str::to_owned),
        location: path.to_owned(),
    })
}
