//! Matching installed packages against the database.
//!
//! A package is looked up under (OSV base ecosystem, distribution release for OS packages,
//! normalised name — the source package name for Debian, Ubuntu and Alpine, which OSV keys by
//! source). Its version (the source version for those) is affected by an `affected[]` entry when
//! it equals one of the listed `versions`, or lies in one of its ECOSYSTEM/SEMVER ranges,
//! evaluated as the OSV schema specifies: events in version order, `introduced` opens (`"0"` from
//! the start), `fixed` closes at that version, `last_affected` closes after it, and the version
//! must lie below a `limit` when the range has any.

use std::cmp::Ordering;

use rampart_pkg::{Distro, Ecosystem, Package};
use serde::{Deserialize, Serialize};

use crate::db::{Database, StoredAffected, StoredEvent, StoredRange};
use crate::ecosystem::{key_for_package, normalize_name};
use crate::severity::{Severity, SeveritySource};
use crate::version::Scheme;

/// One vulnerable package: (package, installed version, advisory, fixed version, severity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Installed package name (the binary package for OS packages).
    pub package: String,
    /// The name the advisory is keyed by (the source package for Debian/Ubuntu/Alpine).
    pub advisory_package: String,
    pub ecosystem: Ecosystem,
    pub installed_version: String,
    /// Where the package was found (`var/lib/dpkg/status`).
    pub location: String,
    pub advisory_id: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    /// The lowest fixed version above the installed one, if the advisory names one.
    pub fixed_version: Option<String>,
    /// `None`: the advisory gives no severity Rampart can read (not assessed, never "low").
    pub severity: Option<Severity>,
    pub severity_source: Option<SeveritySource>,
    /// Set when an ignore rule matched; the finding is kept, marked ignored.
    pub ignored: Option<crate::ignore::Ignored>,
}

/// A package that could not be checked, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotAssessed {
    pub package: String,
    pub ecosystem: Ecosystem,
    pub version: String,
    pub location: String,
    pub reason: String,
}

/// Findings plus the packages that could not be assessed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchReport {
    pub findings: Vec<Finding>,
    pub not_assessed: Vec<NotAssessed>,
}

/// Match packages; see [`match_packages_report`] for the packages that could not be assessed.
pub fn match_packages(
    db: &Database,
    packages: &[Package],
    distro: Option<&Distro>,
) -> Vec<Finding> {
    match_packages_report(db, packages, distro).findings
}

/// Match packages against the database. Findings are ordered by package order, then advisory id.
/// A package is not assessed when its ecosystem/release has no advisories in the database (an
/// empty database must not read as "no vulnerabilities"), or the distribution release is unknown.
pub fn match_packages_report(
    db: &Database,
    packages: &[Package],
    distro: Option<&Distro>,
) -> MatchReport {
    let mut report = MatchReport::default();
    for pkg in packages {
        let not_assessed = |reason: String| NotAssessed {
            package: pkg.name.clone(),
            ecosystem: pkg.ecosystem,
            version: pkg.version.clone(),
            location: pkg.location.clone(),
            reason,
        };
        let key = match key_for_package(pkg.ecosystem, distro) {
            Ok(k) => k,
            Err(reason) => {
                report.not_assessed.push(not_assessed(reason));
                continue;
            }
        };
        if !db.covers(&key) {
            let eco = match &key.release {
                Some(r) => format!("{}:{r}", key.base),
                None => key.base.clone(),
            };
            report.not_assessed.push(not_assessed(format!(
                "the database has no {eco} advisories"
            )));
            continue;
        }
        let by_source = matches!(
            pkg.ecosystem,
            Ecosystem::Debian | Ecosystem::Ubuntu | Ecosystem::Alpine
        );
        let (adv_name, version) = if by_source {
            (
                pkg.source_name.as_deref().unwrap_or(&pkg.name),
                pkg.source_version.as_deref().unwrap_or(&pkg.version),
            )
        } else {
            (pkg.name.as_str(), pkg.version.as_str())
        };
        let name = normalize_name(&key.base, adv_name);
        let scheme = Scheme::for_ecosystem(pkg.ecosystem);
        let start = report.findings.len();
        for (adv, aff) in db.entries(&key.base, key.release.as_deref(), &name) {
            let Some(fixed) = affected_by(aff, version, scheme) else {
                continue;
            };
            // One finding per (package, advisory): several entries can name the same package.
            if report.findings[start..]
                .iter()
                .any(|f| f.advisory_id == adv.id)
            {
                continue;
            }
            report.findings.push(Finding {
                package: pkg.name.clone(),
                advisory_package: adv_name.to_string(),
                ecosystem: pkg.ecosystem,
                installed_version: version.to_string(),
                location: pkg.location.clone(),
                advisory_id: adv.id.clone(),
                aliases: adv.aliases.clone(),
                summary: adv.summary.clone(),
                fixed_version: fixed,
                severity: aff.severity.as_ref().map(|r| r.severity),
                severity_source: aff.severity.as_ref().map(|r| r.source.clone()),
                ignored: None,
            });
        }
        report.findings[start..].sort_by(|a, b| a.advisory_id.cmp(&b.advisory_id));
    }
    report
}

/// `Some(fixed version if any)` when `version` is affected by the entry.
pub(crate) fn affected_by(
    aff: &StoredAffected,
    version: &str,
    scheme: Scheme,
) -> Option<Option<String>> {
    let mut hit = false;
    let mut fixed: Option<&str> = None;
    for r in &aff.ranges {
        let range_scheme = if r.semver && scheme != Scheme::Go {
            Scheme::Semver
        } else {
            scheme
        };
        if let Some(f) = in_range(r, version, range_scheme) {
            hit = true;
            if let Some(f) = f {
                if fixed.is_none_or(|cur| scheme.compare(f, cur) == Ordering::Less) {
                    fixed = Some(f);
                }
            }
        }
    }
    if !hit {
        let listed = match scheme.canonical(version) {
            Some(c) => aff.canonical_versions.binary_search(&c).is_ok(),
            None => false,
        };
        hit = listed
            || aff
                .versions
                .iter()
                .any(|v| v == version || scheme.compare(v, version) == Ordering::Equal);
    }
    hit.then(|| fixed.map(str::to_string))
}

/// OSV range evaluation. `Some(next fixed version)` when affected.
fn in_range<'a>(r: &'a StoredRange, version: &str, scheme: Scheme) -> Option<Option<&'a str>> {
    let limits: Vec<&str> = r
        .events
        .iter()
        .filter_map(|e| match e {
            StoredEvent::Limit(v) => Some(v.as_str()),
            _ => None,
        })
        .collect();
    if !limits.is_empty()
        && !limits
            .iter()
            .any(|l| *l == "*" || scheme.compare(version, l) == Ordering::Less)
    {
        return None;
    }
    let mut affected = false;
    let mut fixed = None;
    for e in &r.events {
        match e {
            StoredEvent::IntroducedZero => affected = true,
            StoredEvent::Introduced(v) => {
                if scheme.compare(version, v) != Ordering::Less {
                    affected = true;
                } else {
                    break;
                }
            }
            StoredEvent::Fixed(v) => {
                if scheme.compare(version, v) != Ordering::Less {
                    affected = false;
                } else {
                    if affected {
                        fixed = Some(v.as_str());
                    }
                    break;
                }
            }
            StoredEvent::LastAffected(v) => {
                if scheme.compare(version, v) == Ordering::Greater {
                    affected = false;
                } else {
                    break;
                }
            }
            StoredEvent::Limit(_) => {}
        }
    }
    affected.then_some(fixed)
}
