//! OSV ecosystem strings (`Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`, `PyPI`) split into
//! a base ecosystem and a release, the release of an installed distribution, and package name
//! normalisation per ecosystem (how advisories and installed packages meet in the index).

use rampart_pkg::{Distro, Ecosystem};

use crate::version::Scheme;

/// An OSV ecosystem string split into base and release.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EcoKey {
    /// OSV's base name: `Debian`, `Ubuntu`, `Alpine`, `PyPI`, `crates.io`, `Rocky Linux`, ...
    pub base: String,
    /// The release, normalised: `12`, `22.04`, `Pro:18.04`, `3.19`; `None` for language
    /// ecosystems (and for OS entries that name no release).
    pub release: Option<String>,
}

impl EcoKey {
    /// Parse an OSV `affected[].package.ecosystem` value.
    pub fn parse(s: &str) -> EcoKey {
        let (base, rest) = match s.split_once(':') {
            Some((b, r)) => (b, Some(r)),
            None => (s, None),
        };
        let release = rest.map(|r| match base {
            // `22.04:LTS` and `Pro:18.04:LTS` (ESM fixes, kept apart from the plain release).
            "Ubuntu" => r.strip_suffix(":LTS").unwrap_or(r).to_string(),
            // `v3.19`.
            "Alpine" => r.strip_prefix('v').unwrap_or(r).to_string(),
            _ => r.to_string(),
        });
        EcoKey {
            base: base.to_string(),
            release: release.filter(|r| !r.is_empty()),
        }
    }

    /// The installed-package ecosystem this base maps to, if Rampart reads such packages.
    pub fn ecosystem(&self) -> Option<Ecosystem> {
        Some(match self.base.as_str() {
            "Debian" => Ecosystem::Debian,
            "Ubuntu" => Ecosystem::Ubuntu,
            "Alpine" => Ecosystem::Alpine,
            "Rocky Linux" | "AlmaLinux" | "Red Hat" | "openSUSE" | "SUSE" | "Mariner" => {
                Ecosystem::Rpm
            }
            "PyPI" => Ecosystem::PyPI,
            "npm" => Ecosystem::Npm,
            "crates.io" => Ecosystem::CratesIo,
            "Go" => Ecosystem::Go,
            "Maven" => Ecosystem::Maven,
            "RubyGems" => Ecosystem::RubyGems,
            "Packagist" => Ecosystem::Packagist,
            _ => return None,
        })
    }
}

/// Debian codenames for installs whose os-release has no `VERSION_ID` (testing images built
/// from a release's codename still carry it; this covers the released ones).
const DEBIAN_CODENAMES: [(&str, &str); 6] = [
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
];

/// The OSV ecosystem key an installed package is looked up under, or why there is none.
pub fn key_for_package(eco: Ecosystem, distro: Option<&Distro>) -> Result<EcoKey, String> {
    if !eco.is_os() {
        return Ok(EcoKey {
            base: eco.osv_name().to_string(),
            release: None,
        });
    }
    let Some(d) = distro else {
        return Err("OS package without a distribution (no os-release)".into());
    };
    let version = d
        .version_id
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let major_minor = |v: &str| v.split('.').take(2).collect::<Vec<_>>().join(".");
    let major = |v: &str| v.split('.').next().unwrap_or(v).to_string();
    let (base, release) = match eco {
        Ecosystem::Debian => {
            let rel = version.map(major).or_else(|| {
                let code = d.codename.as_deref()?;
                DEBIAN_CODENAMES
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|(_, r)| (*r).to_string())
            });
            ("Debian", rel)
        }
        Ecosystem::Ubuntu => ("Ubuntu", version.map(major_minor)),
        Ecosystem::Alpine => ("Alpine", version.map(major_minor)),
        Ecosystem::Rpm => {
            let base = match d.id.as_str() {
                "rocky" => "Rocky Linux",
                "almalinux" => "AlmaLinux",
                other => {
                    return Err(format!(
                        "rpm distribution {other:?} has no OSV ecosystem keyed by package name"
                    ))
                }
            };
            (base, version.map(major))
        }
        _ => return Err(format!("{} is not an OS ecosystem", eco.osv_name())),
    };
    match release {
        Some(r) => Ok(EcoKey {
            base: base.to_string(),
            release: Some(r),
        }),
        None => Err(format!(
            "{base}: the distribution release is unknown (no VERSION_ID)"
        )),
    }
}

/// Normalise a package name the way the ecosystem compares names, so advisories and installed
/// packages meet: PyPI per PEP 503 (lower case, runs of `-_.` → `-`), crates.io, Packagist and
/// OS packages lower-cased; npm, Go, Maven, RubyGems names are case-sensitive and kept.
pub fn normalize_name(base: &str, name: &str) -> String {
    let name = name.trim();
    match base {
        "PyPI" => {
            let mut out = String::with_capacity(name.len());
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !out.ends_with('-') {
                        out.push('-');
                    }
                } else {
                    out.extend(c.to_lowercase());
                }
            }
            out
        }
        "crates.io" | "Packagist" | "Debian" | "Ubuntu" | "Alpine" => name.to_ascii_lowercase(),
        _ => name.to_string(),
    }
}

/// The version scheme of a base ecosystem, `None` when Rampart has no comparator for it.
pub fn scheme_for_base(base: &str) -> Option<Scheme> {
    EcoKey {
        base: base.to_string(),
        release: None,
    }
    .ecosystem()
    .map(Scheme::for_ecosystem)
}
