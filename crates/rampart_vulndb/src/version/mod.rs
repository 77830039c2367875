//! Version ordering per ecosystem: one total order per versioning scheme, written to match the
//! ecosystem's own tool (dpkg, rpm, apk, Python `packaging`, npm `semver`, Maven's
//! `ComparableVersion`, Go's `x/mod/semver`, RubyGems' `Gem::Version`, Composer).
//!
//! Every comparator is total: a string the scheme does not accept still compares (after the
//! valid ones where the scheme has a notion of validity, else by the scheme's lenient reading),
//! so that no advisory input can make matching panic or be inconsistent. [`is_valid`] tells
//! callers which strings the scheme accepts.

mod apk;
mod dpkg;
mod maven;
mod num;
mod packagist;
mod pep440;
mod rpm;
mod rubygems;
mod semver;

use std::cmp::Ordering;

use rampart_pkg::Ecosystem;
use serde::{Deserialize, Serialize};

/// A versioning scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scheme {
    /// dpkg: `[epoch:]upstream[-revision]`, `~` sorts before everything.
    Dpkg,
    /// rpm `rpmvercmp` on `[epoch:]version[-release]`, with `~` and `^`.
    Rpm,
    /// apk-tools: `number{.number}[letter]{_suffix[number]}[~hash][-r#]`.
    Apk,
    /// PEP 440 (Python `packaging.version.Version`).
    Pep440,
    /// SemVer 2.0 precedence (npm `semver`, crates.io); build metadata ignored.
    Semver,
    /// Go modules: SemVer with an optional `v`, `+incompatible` ignored, pseudo-versions.
    Go,
    /// Maven `ComparableVersion`.
    Maven,
    /// RubyGems `Gem::Version`.
    RubyGems,
    /// Composer / PHP `version_compare` after Composer's normalisation.
    Packagist,
}

impl Scheme {
    /// The scheme an ecosystem's versions use.
    pub fn for_ecosystem(eco: Ecosystem) -> Scheme {
        match eco {
            Ecosystem::Debian | Ecosystem::Ubuntu => Scheme::Dpkg,
            Ecosystem::Alpine => Scheme::Apk,
            Ecosystem::Rpm => Scheme::Rpm,
            Ecosystem::PyPI => Scheme::Pep440,
            Ecosystem::Npm | Ecosystem::CratesIo => Scheme::Semver,
            Ecosystem::Go => Scheme::Go,
            Ecosystem::Maven => Scheme::Maven,
            Ecosystem::RubyGems => Scheme::RubyGems,
            Ecosystem::Packagist => Scheme::Packagist,
        }
    }

    /// Compare two versions in this scheme.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            Scheme::Dpkg => dpkg::compare(a, b),
            Scheme::Rpm => rpm::compare_evr(a, b),
            Scheme::Apk => apk::compare(a, b),
            Scheme::Pep440 => pep440::compare(a, b),
            Scheme::Semver => semver::compare(a, b, false),
            Scheme::Go => semver::compare(a, b, true),
            Scheme::Maven => maven::compare(a, b),
            Scheme::RubyGems => rubygems::compare(a, b),
            Scheme::Packagist => packagist::compare(a, b),
        }
    }

    /// Whether the scheme accepts the string as a version (Maven, RubyGems and Composer's
    /// comparators accept everything; dpkg needs a digit first in the upstream part, ...).
    pub fn is_valid(self, v: &str) -> bool {
        match self {
            Scheme::Dpkg => dpkg::is_valid(v),
            Scheme::Rpm => !v.is_empty(),
            Scheme::Apk => apk::is_valid(v),
            Scheme::Pep440 => pep440::is_valid(v),
            Scheme::Semver => semver::is_valid(v, false),
            Scheme::Go => semver::is_valid(v, true),
            Scheme::Maven | Scheme::Packagist => !v.trim().is_empty(),
            Scheme::RubyGems => rubygems::is_valid(v),
        }
    }
}

impl Scheme {
    /// A canonical form for schemes where equality is cheap to decide by string: `compare(a, b)
    /// == Equal` exactly when both canonical forms are `Some` and equal. PEP 440 and SemVer/Go
    /// (valid versions only); `None` elsewhere. Used to look installed versions up in an
    /// advisory's `versions` list by binary search instead of comparing with every entry.
    pub fn canonical(self, v: &str) -> Option<String> {
        match self {
            Scheme::Pep440 => pep440::canonical(v),
            Scheme::Semver => semver::canonical(v, false),
            Scheme::Go => semver::canonical(v, true),
            _ => None,
        }
    }
}

/// `rpmvercmp` on one version or release string (no epoch), exposed for the rpm vectors.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    rpm::rpmvercmp(a.as_bytes(), b.as_bytes())
}
