//! dpkg's database: `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/<name>`,
//! deb822 stanzas separated by blank lines, field names case-insensitive, continuation
//! lines starting with a space or tab.
//!
//! Listed, as `dpkg-query -W` lists them: every stanza whose `Status` (`want flag status`)
//! has a status other than `not-installed` — so `config-files`, `half-installed` and
//! `unpacked` packages are listed too; a stanza without `Status` is `not-installed` in
//! `status`. In `status.d` files (written by image builders, not dpkg) a stanza without
//! `Status` is an installed package. Like dpkg, a listed stanza without `Package` or
//! `Version`, or an unknown status word, is an error for the whole file.

use super::{file_err, line_err};
use crate::{Ecosystem, Package, PkgError};

/// The status words of dpkg's `Status` field (third word).
const STATUSES: [&str; 8] = [
    "not-installed",
    "config-files",
    "half-installed",
    "unpacked",
    "half-configured",
    "triggers-awaited",
    "triggers-pending",
    "installed",
];

#[derive(Default)]
struct Stanza<'a> {
    line: usize,
    package: Option<&'a str>,
    version: Option<&'a str>,
    status: Option<(&'a str, usize)>,
    source: Option<&'a str>,
    arch: Option<&'a str>,
}

pub(super) fn parse(
    path: &str,
    bytes: &[u8],
    ecosystem: Ecosystem,
    status_d: bool,
) -> Result<Vec<Package>, PkgError> {
    let text = std::str::from_utf8(bytes).map_err(|e| file_err(path, format!("not UTF-8: {e}")))?;
    let mut packages = Vec::new();
    let mut stanza: Option<Stanza<'_>> = None;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            if let Some(s) = stanza.take() {
                finish(path, s, ecosystem, status_d, &mut packages)?;
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if stanza.is_none() {
                return Err(line_err(
                    path,
                    line_no,
                    "continuation line outside a stanza",
                ));
            }
            // Continuations belong to multi-line fields (Description, Conffiles); none of
            // the fields read here is multi-line.
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(line_err(path, line_no, "expected `Field: value`"));
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(line_err(
                path,
                line_no,
                format!("invalid field name {name:?}"),
            ));
        }
        let value = value.trim();
        let s = stanza.get_or_insert_with(|| Stanza {
            line: line_no,
            ..Stanza::default()
        });
        if name.eq_ignore_ascii_case("Package") {
            s.package = Some(value);
        } else if name.eq_ignore_ascii_case("Version") {
            s.version = Some(value);
        } else if name.eq_ignore_ascii_case("Status") {
            s.status = Some((value, line_no));
        } else if name.eq_ignore_ascii_case("Source") {
            s.source = Some(value);
        } else if name.eq_ignore_ascii_case("Architecture") {
            s.arch = Some(value);
        }
    }
    if let Some(s) = stanza.take() {
        finish(path, s, ecosystem, status_d, &mut packages)?;
    }
    Ok(packages)
}

fn finish(
    path: &str,
    s: Stanza<'_>,
    ecosystem: Ecosystem,
    status_d: bool,
    out: &mut Vec<Package>,
) -> Result<(), PkgError> {
    let listed = match s.status {
        None => status_d,
        Some((status, line)) => {
            let word = status.split_whitespace().nth(2);
            match word {
                Some(w) if STATUSES.contains(&w) && status.split_whitespace().count() == 3 => {
                    w != "not-installed"
                }
                _ => {
                    return Err(line_err(
                        path,
                        line,
                        format!("Status {status:?} is not `want flag status`"),
                    ));
                }
            }
        }
    };
    let Some(name) = s.package.filter(|p| !p.is_empty()) else {
        return Err(line_err(path, s.line, "stanza without a Package field"));
    };
    if !listed {
        return Ok(());
    }
    let Some(version) = s.version.filter(|v| !v.is_empty()) else {
        return Err(line_err(
            path,
            s.line,
            format!("package {name}: no Version field"),
        ));
    };
    let version = canonical_version(version);
    let (source_name, source_version) = match s.source {
        Some(src) if !src.is_empty() => {
            let (sname, sver) = match src.split_once('(') {
                Some((n, rest)) => {
                    let Some(v) = rest.trim_end().strip_suffix(')') else {
                        return Err(line_err(
                            path,
                            s.line,
                            format!("package {name}: Source {src:?} is not `name (version)`"),
                        ));
                    };
                    (n.trim(), Some(canonical_version(v.trim())))
                }
                None => (src, None),
            };
            (
                (sname != name).then(|| sname.to_owned()),
                sver.filter(|v| *v != version),
            )
        }
        _ => (None, None),
    };
    out.push(Package {
        name: name.to_owned(),
        version,
        ecosystem,
        source_name,
        source_version,
        arch: s.arch.filter(|a| !a.is_empty()).map(str::to_owned),
        location: path.to_owned(),
    });
    Ok(())
}

/// The version as dpkg prints it: a zero epoch is dropped unless the rest holds a colon
/// (then the epoch is needed to read it back).
fn canonical_version(v: &str) -> String {
    if let Some((epoch, rest)) = v.split_once(':') {
        if !epoch.is_empty()
            && epoch.bytes().all(|b| b.is_ascii_digit())
            && epoch.bytes().all(|b| b == b'0')
            && !rest.contains(':')
        {
            return rest.to_owned();
        }
    }
    v.to_owned()
}
