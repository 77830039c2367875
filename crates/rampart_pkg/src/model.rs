//! The package record, its ecosystem and the distribution.

use serde::{Deserialize, Serialize};

/// A package ecosystem, named as OSV names it (`affected[].package.ecosystem`), without
/// the release suffix (`Debian:12` is `Debian` plus the [`Distro`]'s release).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Ecosystem {
    Debian,
    Ubuntu,
    Alpine,
    /// Red Hat family and other rpm distributions; the distribution id tells which
    /// (`Red Hat`, `Rocky Linux`, `AlmaLinux`, `openSUSE`, `SUSE`, `Mariner`, ...).
    Rpm,
    PyPI,
    #[serde(rename = "npm")]
    Npm,
    #[serde(rename = "crates.io")]
    CratesIo,
    Go,
    Maven,
    RubyGems,
    Packagist,
}

impl Ecosystem {
    /// OSV's spelling.
    pub fn osv_name(self) -> &'static str {
        match self {
            Self::Debian => "Debian",
            Self::Ubuntu => "Ubuntu",
            Self::Alpine => "Alpine",
            Self::Rpm => "Red Hat",
            Self::PyPI => "PyPI",
            Self::Npm => "npm",
            Self::CratesIo => "crates.io",
            Self::Go => "Go",
            Self::Maven => "Maven",
            Self::RubyGems => "RubyGems",
            Self::Packagist => "Packagist",
        }
    }

    /// OS package (as opposed to a language package): Defender's `softwareDetails.category`.
    pub fn is_os(self) -> bool {
        matches!(self, Self::Debian | Self::Ubuntu | Self::Alpine | Self::Rpm)
    }
}

/// The distribution, from `etc/os-release` (or `usr/lib/os-release`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Distro {
    /// `ID` (`debian`, `ubuntu`, `alpine`, `rhel`, `rocky`, ...).
    pub id: String,
    /// `ID_LIKE`, space-separated in the file (`ubuntu debian` on Linux Mint): the
    /// distributions this one derives from, closest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
    /// `VERSION_ID` (`12`, `22.04`, `3.19.1`).
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (`bookworm`).
    pub codename: Option<String>,
    /// `PRETTY_NAME`.
    pub pretty_name: Option<String>,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Package {
    /// Name as the ecosystem writes it (dpkg `Package`, rpm `Name`, apk `P`, PyPI project
    /// name as written, npm name with scope, Maven `groupId:artifactId`, Go module path).
    pub name: String,
    /// Version as the ecosystem writes it (dpkg `[epoch:]upstream[-revision]`, rpm
    /// `[epoch:]version-release`, apk `1.2.3-r4`).
    pub version: String,
    pub ecosystem: Ecosystem,
    /// Source package name where advisories are keyed by it (dpkg `Source`, rpm source
    /// rpm name, apk origin `o`); `None` when it equals `name` or the ecosystem has none.
    pub source_name: Option<String>,
    /// Source version where it differs from `version` (dpkg `Source: name (version)`).
    pub source_version: Option<String>,
    pub arch: Option<String>,
    /// The file the package was found in, relative to the root (`var/lib/dpkg/status`).
    pub location: String,
}

/// Why a file could not be read. Names the file and, where it can, the line or field.
#[derive(Debug, thiserror::Error)]
pub enum PkgError {
    #[error("{path}:{line}: {message}")]
    Line {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{path}: file too large ({size} bytes, limit {limit})")]
    TooLarge { path: String, size: u64, limit: u64 },
}
