//! Ruby: `Gemfile.lock`, the `specs:` of its `GEM` and `GIT` sections.

use super::{line_error, package, utf8};
use crate::{Ecosystem, Package, PkgError};

/// Specs are the lines indented by exactly four spaces under a section's `specs:`:
/// `name (version)` or `name (version-platform)` (the platform goes to `arch`). Lines
/// indented deeper are a spec's dependency constraints. `PATH` sections are local gems, not
/// RubyGems releases, and are skipped.
pub(super) fn gemfile_lock(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let text = utf8(path, bytes)?;
    let mut out = Vec::new();
    let mut section = "";
    let mut in_specs = false;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            section = line.trim();
            in_specs = false;
            continue;
        }
        if line == "  specs:" {
            in_specs = true;
            continue;
        }
        if !line.starts_with("    ") || line.starts_with("     ") {
            if !line.starts_with("    ") {
                in_specs = false;
            }
            continue;
        }
        if !in_specs || !matches!(section, "GEM" | "GIT") {
            continue;
        }
        let spec = line.trim();
        let parsed = spec.split_once(" (").and_then(|(name, rest)| {
            let version = rest.strip_suffix(')')?;
            (!name.is_empty() && !version.is_empty()).then_some((name, version))
        });
        let Some((name, version)) = parsed else {
            return Err(line_error(
                path,
                line_no,
                format!("spec `{spec}` is not `name (version)`"),
            ));
        };
        // RubyGems versions have no `-`; a platform follows the first one
        // (`1.15.4-x86_64-linux`, `1.15.4-x86_64-linux-gnu`).
        let p = match version.split_once('-') {
            Some((v, platform)) => {
                let mut p = package(name, v, Ecosystem::RubyGems, path);
                p.arch = Some(platform.to_owned());
                p
            }
            None => package(name, version, Ecosystem::RubyGems, path),
        };
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_spec_names_the_line() {
        let e =
            gemfile_lock("Gemfile.lock", b"GEM\n  remote: x\n  specs:\n    rack 2\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Gemfile.lock:4: spec `rack 2` is not `name (version)`"
        );
    }
}
