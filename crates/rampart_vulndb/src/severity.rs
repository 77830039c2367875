//! Severity of an advisory: CVSS v3.x / v4.0 base scores computed from OSV `severity[]`
//! vectors (the `cvss` crate: v3.1 formula, v4.0 MacroVector lookup tables), and the
//! distribution's own rating where one is given.
//!
//! Which wins (documented in docs/vulndb.md): for OS ecosystems (Debian, Ubuntu, Alpine, rpm)
//! the distribution's rating wins when present, because it rates the flaw in the distribution's
//! build (Trivy and Defender do the same); otherwise the CVSS base score (v4.0 if given, else
//! v3.x); otherwise the database's own label (`database_specific.severity`, GitHub's
//! LOW/MODERATE/HIGH/CRITICAL). With none of these the severity is unknown, never "low".

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::osv::{Affected, Record, SeverityEntry};

/// Qualitative severity (CVSS v3.1/v4.0 rating scale; 0.0 "None" maps to Low).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The CVSS rating for a base score.
    pub fn from_score(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parse a label (`low`, `Moderate`, `HIGH`, `important`, ...); `None` for unknown labels
    /// and for "not rated" values such as Debian's `unimportant` or `not yet assigned`.
    pub fn from_label(label: &str) -> Option<Severity> {
        match label.trim().to_ascii_lowercase().as_str() {
            "low" | "negligible" => Some(Severity::Low),
            "medium" | "moderate" => Some(Severity::Medium),
            "high" | "important" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// Where a severity came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeveritySource {
    /// A CVSS base score computed from the vector (`CVSS:3.1/...`, `CVSS:4.0/...`).
    Cvss { vector: String, score_tenths: u8 },
    /// The distribution's rating (Debian urgency, Ubuntu priority, Alpine/rpm `severity`).
    Distribution { field: String, value: String },
    /// The database's label (`database_specific.severity`).
    Database { value: String },
}

impl SeveritySource {
    /// A short human label: `CVSS:3.1 9.8`, `debian urgency: high`, ...
    pub fn describe(&self) -> String {
        match self {
            SeveritySource::Cvss {
                vector,
                score_tenths,
            } => {
                let version = vector.split('/').next().unwrap_or("CVSS");
                format!("{version} {}.{}", score_tenths / 10, score_tenths % 10)
            }
            SeveritySource::Distribution { field, value } => format!("{field}: {value}"),
            SeveritySource::Database { value } => format!("database_specific.severity: {value}"),
        }
    }
}

/// A severity with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rated {
    pub severity: Severity,
    pub source: SeveritySource,
}

const V4_BASE: [&str; 11] = [
    "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
];

/// The CVSS base score of a v3.0/v3.1/v4.0 vector; `None` for other versions or a bad vector.
pub fn cvss_base_score(vector: &str) -> Option<f64> {
    let vector = vector.trim();
    if vector.starts_with("CVSS:3.") {
        let v = cvss::v3::Vector::from_str(vector).ok()?;
        Some(v.base_score().value())
    } else if let Some(rest) = vector.strip_prefix("CVSS:4.0/") {
        // v4's score() uses every metric present; the base score uses the base metrics only.
        let base: Vec<&str> = rest
            .split('/')
            .filter(|m| m.split(':').next().is_some_and(|k| V4_BASE.contains(&k)))
            .collect();
        let v = cvss::v4::Vector::from_str(&format!("CVSS:4.0/{}", base.join("/"))).ok()?;
        Some(v.score().value())
    } else {
        None
    }
}

fn best_cvss(entries: &[SeverityEntry]) -> Option<Rated> {
    // Prefer the newest CVSS version given; within a version, the first vector.
    let mut best: Option<(u8, f64, &str)> = None;
    for e in entries {
        let rank = match e.kind.as_str() {
            "CVSS_V4" => 2,
            "CVSS_V3" => 1,
            _ => continue,
        };
        let Some(score) = cvss_base_score(&e.score) else {
            continue;
        };
        if best.is_none_or(|(r, _, _)| rank > r) {
            best = Some((rank, score, &e.score));
        }
    }
    best.map(|(_, score, vector)| Rated {
        severity: Severity::from_score(score),
        source: SeveritySource::Cvss {
            vector: vector.to_string(),
            // Scores are 0.0..=10.0 with one decimal.
            score_tenths: (score * 10.0).round().clamp(0.0, 100.0) as u8,
        },
    })
}

fn str_field<'a>(v: Option<&'a Value>, key: &str) -> Option<&'a str> {
    v?.get(key)?.as_str()
}

/// The distribution's rating for one `affected[]` entry.
fn distribution(affected: &Affected, base_ecosystem: &str) -> Option<Rated> {
    let eco = affected.ecosystem_specific.as_ref();
    let db = affected.database_specific.as_ref();
    let candidates: [(&str, Option<&str>); 4] = [
        ("urgency", str_field(eco, "urgency")),
        ("priority", str_field(eco, "priority")),
        ("ecosystem_specific.severity", str_field(eco, "severity")),
        (
            "affected.database_specific.severity",
            str_field(db, "severity"),
        ),
    ];
    for (field, value) in candidates {
        let Some(value) = value else { continue };
        if let Some(severity) = Severity::from_label(value) {
            return Some(Rated {
                severity,
                source: SeveritySource::Distribution {
                    field: format!("{} {field}", base_ecosystem.to_ascii_lowercase()),
                    value: value.to_string(),
                },
            });
        }
    }
    for e in &affected.severity {
        if e.kind == "Ubuntu" {
            if let Some(severity) = Severity::from_label(&e.score) {
                return Some(Rated {
                    severity,
                    source: SeveritySource::Distribution {
                        field: "ubuntu priority".into(),
                        value: e.score.clone(),
                    },
                });
            }
        }
    }
    None
}

/// Ubuntu's priority as a record-level `severity[]` entry of type `Ubuntu` (where Ubuntu's OSV
/// records carry it).
fn ubuntu_record_priority(record: &Record) -> Option<Rated> {
    record
        .severity
        .iter()
        .filter(|e| e.kind == "Ubuntu")
        .find_map(|e| {
            Severity::from_label(&e.score).map(|severity| Rated {
                severity,
                source: SeveritySource::Distribution {
                    field: "ubuntu priority".into(),
                    value: e.score.clone(),
                },
            })
        })
}

/// The severity of `record` for one of its `affected[]` entries (see the module doc for the
/// precedence). `os` says whether the entry's ecosystem is an OS distribution.
pub fn rate(record: &Record, affected: &Affected, base_ecosystem: &str, os: bool) -> Option<Rated> {
    let dist = || distribution(affected, base_ecosystem).or_else(|| ubuntu_record_priority(record));
    if os {
        if let Some(r) = dist() {
            return Some(r);
        }
    }
    if let Some(r) = best_cvss(&affected.severity).or_else(|| best_cvss(&record.severity)) {
        return Some(r);
    }
    if !os {
        if let Some(r) = dist() {
            return Some(r);
        }
    }
    let label = str_field(record.database_specific.as_ref(), "severity")?;
    Some(Rated {
        severity: Severity::from_label(label)?,
        source: SeveritySource::Database {
            value: label.to_string(),
        },
    })
}
