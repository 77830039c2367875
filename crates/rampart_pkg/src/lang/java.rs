//! Java archives (jar, war, ear): Maven coordinates from `META-INF/maven/<g>/<a>/pom.properties`,
//! the manifest when an archive has none, and archives nested inside (`WEB-INF/lib/*.jar`,
//! `BOOT-INF/lib/*.jar`, ...), read from memory.
//!
//! Invariant: a hostile archive cannot make the parser use unbounded memory or time. Entries
//! are read with the caps below, checked against both the declared and the actual size (a
//! header may lie), and the decompressed total of one top-level archive, nested ones
//! included, is capped.

use std::io::{Cursor, Read};

use super::{file_error, package};
use crate::{Ecosystem, Package, PkgError};

/// Archives nested deeper than this are not opened (a war in an ear in a jar is depth 2).
const MAX_DEPTH: u32 = 3;
/// Entries across one top-level archive and everything nested in it.
const MAX_ENTRIES: usize = 200_000;
/// Bytes decompressed across one top-level archive and everything nested in it.
const MAX_TOTAL_BYTES: u64 = 512 << 20;
/// One nested archive.
const MAX_NESTED_BYTES: u64 = 128 << 20;
/// One `pom.properties` or `MANIFEST.MF`.
const MAX_METADATA_BYTES: u64 = 1 << 20;

struct Budget {
    entries_left: usize,
    bytes_left: u64,
}

/// A Java archive's packages, Maven-named `groupId:artifactId`. Every `pom.properties` is a
/// package (a shaded jar carries several). An archive without one is named from its manifest
/// only when the manifest gives a group (`Implementation-Vendor-Id`) and a version
/// (`Implementation-Version`, else `Bundle-Version`); the artifact is the file name without
/// `-<version>.jar`. An archive that gives neither is not identified (no package): guessing a
/// name from a file name alone would match the wrong advisories. Packages in nested
/// archives are located as `outer.war!/WEB-INF/lib/inner.jar`.
pub(super) fn archive(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let mut budget = Budget {
        entries_left: MAX_ENTRIES,
        bytes_left: MAX_TOTAL_BYTES,
    };
    let mut out = Vec::new();
    walk(path, bytes, 0, &mut budget, &mut out)?;
    Ok(out)
}

fn walk(
    location: &str,
    bytes: &[u8],
    depth: u32,
    budget: &mut Budget,
    out: &mut Vec<Package>,
) -> Result<(), PkgError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| file_error(location, format!("not a readable zip archive: {e}")))?;
    budget.entries_left = budget.entries_left.checked_sub(zip.len()).ok_or_else(|| {
        file_error(
            location,
            format!("more than {MAX_ENTRIES} archive entries (nested archives included)"),
        )
    })?;
    let mut found_pom = false;
    let mut manifest: Option<Vec<u8>> = None;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| file_error(location, format!("entry {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_err(|e| file_error(location, format!("entry {i}: name: {e}")))?
            .into_owned();
        let kind = if is_pom_properties(&name) {
            Kind::Pom
        } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            Kind::Manifest
        } else if is_archive_name(&name) && depth < MAX_DEPTH {
            Kind::Nested
        } else {
            continue;
        };
        let cap = match kind {
            Kind::Nested => MAX_NESTED_BYTES,
            Kind::Pom | Kind::Manifest => MAX_METADATA_BYTES,
        };
        let data = read_capped(&mut entry, cap, budget)
            .map_err(|message| file_error(location, format!("{name}: {message}")))?;
        match kind {
            Kind::Pom => {
                found_pom = true;
                out.push(pom_properties(location, &name, &data)?);
            }
            Kind::Manifest => manifest = Some(data),
            // Recursing here keeps one nested archive in memory at a time.
            Kind::Nested => walk(
                &format!("{location}!/{name}"),
                &data,
                depth + 1,
                budget,
                out,
            )?,
        }
    }
    if !found_pom {
        if let Some(manifest) = manifest {
            out.extend(from_manifest(location, &manifest));
        }
    }
    Ok(())
}

enum Kind {
    Pom,
    Manifest,
    Nested,
}

fn read_capped(entry: &mut impl Read, cap: u64, budget: &mut Budget) -> Result<Vec<u8>, String> {
    let limit = cap.min(budget.bytes_left);
    let mut data = Vec::new();
    entry
        .take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| format!("cannot decompress: {e}"))?;
    let len = data.len() as u64;
    if len > limit {
        return Err(if limit < cap {
            format!("archive decompresses to more than {MAX_TOTAL_BYTES} bytes in total")
        } else {
            format!("larger than {cap} bytes")
        });
    }
    budget.bytes_left -= len;
    Ok(data)
}

fn is_pom_properties(name: &str) -> bool {
    // META-INF/maven/<groupId>/<artifactId>/pom.properties
    name.strip_prefix("META-INF/maven/")
        .and_then(|rest| rest.strip_suffix("/pom.properties"))
        .is_some_and(|ga| ga.split('/').count() == 2)
}

fn is_archive_name(name: &str) -> bool {
    let lower = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    matches!(
        lower.as_deref(),
        Some("jar" | "war" | "ear" | "hpi" | "jpi")
    )
}

/// `pom.properties` is a Java properties file; `groupId`, `artifactId` and `version` are
/// required (the Maven archiver always writes them).
fn pom_properties(location: &str, entry: &str, data: &[u8]) -> Result<Package, PkgError> {
    let text = String::from_utf8_lossy(data);
    let (mut group, mut artifact, mut version) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let Some((key, value)) = line.split_once(['=', ':']) else {
            continue;
        };
        let value = value.trim().to_owned();
        match key.trim() {
            "groupId" => group = Some(value),
            "artifactId" => artifact = Some(value),
            "version" => version = Some(value),
            _ => {}
        }
    }
    let missing = |field: &str| file_error(location, format!("{entry}: no `{field}`"));
    let group = group
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("groupId"))?;
    let artifact = artifact
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("artifactId"))?;
    let version = version
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("version"))?;
    Ok(package(
        format!("{group}:{artifact}"),
        version,
        Ecosystem::Maven,
        location,
    ))
}

/// Main-section attributes of a manifest (continuation lines start with one space).
fn manifest_attributes(data: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(data);
    let mut attributes: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break; // end of the main section
        }
        if let Some(more) = line.strip_prefix(' ') {
            if let Some((_, value)) = attributes.last_mut() {
                value.push_str(more);
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            attributes.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    attributes
}

fn from_manifest(location: &str, data: &[u8]) -> Option<Package> {
    let attributes = manifest_attributes(data);
    let get = |key: &str| {
        attributes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let group = get("Implementation-Vendor-Id")?;
    let version = get("Implementation-Version").or_else(|| get("Bundle-Version"))?;
    let file = location.rsplit(['/', '!']).next().unwrap_or(location);
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let artifact = stem
        .strip_suffix(version)
        .and_then(|s| s.strip_suffix('-'))
        .unwrap_or(stem);
    if artifact.is_empty() {
        return None;
    }
    Some(package(
        format!("{group}:{artifact}"),
        version,
        Ecosystem::Maven,
        location,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pom_properties_paths() {
        assert!(is_pom_properties(
            "META-INF/maven/commons-io/commons-io/pom.properties"
        ));
        assert!(!is_pom_properties(
            "META-INF/maven/commons-io/pom.properties"
        ));
        assert!(!is_pom_properties("META-INF/maven/a/b/c/pom.properties"));
    }

    #[test]
    fn manifest_fallback() {
        let mf = b"Manifest-Version: 1.0\r\nImplementation-Vendor-Id: org.exa\r\n mple\r\nBundle-Version: 2.0.1\r\n\r\nName: x\r\nImplementation-Version: 9\r\n";
        let p = from_manifest("opt/lib/thing-2.0.1.jar", mf).unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            ("org.example:thing", "2.0.1")
        );
        assert!(from_manifest("opt/x.jar", b"Bundle-Version: 1\n").is_none());
    }

    #[test]
    fn not_a_zip() {
        let e = archive("opt/x.jar", b"PK\x03\x04garbage").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("opt/x.jar: not a readable zip archive"),
            "{e}"
        );
    }
}
