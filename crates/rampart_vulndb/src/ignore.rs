//! Ignore rules (Defender's "disable findings"): a YAML list of rules, each matching findings by
//! advisory id or alias, package, ecosystem and/or a minimum severity, with a mandatory reason
//! and an optional expiry. Rules are applied after matching; an ignored finding is kept and
//! marked with the rule's reason, never dropped. An expired rule ignores nothing.
//!
//! ```yaml
//! rules:
//!   - id: CVE-2023-12345          # advisory id or any alias
//!     reason: not reachable: we never parse untrusted TIFF
//!     expires: 2026-12-31         # date (ignores until that day starts, UTC) or RFC 3339 time
//!   - package: libexpat1          # installed or source package name
//!     ecosystem: Debian
//!     reason: replaced at next image rebuild
//!   - min_severity: medium        # ignore findings rated below medium
//!     reason: policy accepts low findings
//! ```

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::VulnDbError;
use crate::matching::Finding;
use crate::severity::Severity;

/// A rules file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreRules {
    #[serde(default)]
    pub rules: Vec<IgnoreRule>,
}

/// One rule; every criterion given must match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreRule {
    /// Advisory id or alias (`RUSTSEC-2020-0071`, `CVE-2020-26235`), case-insensitive.
    #[serde(default)]
    pub id: Option<String>,
    /// Package name (installed name or the source name advisories use).
    #[serde(default)]
    pub package: Option<String>,
    /// OSV ecosystem base name (`Debian`, `PyPI`, `crates.io`).
    #[serde(default)]
    pub ecosystem: Option<String>,
    /// Ignore findings rated below this severity (findings without a rating are not ignored).
    #[serde(default)]
    pub min_severity: Option<Severity>,
    pub reason: String,
    /// `YYYY-MM-DD` (the rule ends when that day starts, UTC) or an RFC 3339 time.
    #[serde(default)]
    pub expires: Option<String>,
}

/// Why a finding is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ignored {
    /// Index of the rule in the file.
    pub rule: usize,
    pub reason: String,
    pub expires: Option<String>,
}

impl IgnoreRules {
    /// Parse and check a rules file; `path` names it in errors.
    pub fn from_yaml(path: &str, text: &str) -> Result<IgnoreRules, VulnDbError> {
        let rules: IgnoreRules = serde_yaml::from_str(text).map_err(|e| VulnDbError::Rules {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        for (i, r) in rules.rules.iter().enumerate() {
            let err = |message: String| VulnDbError::Rules {
                path: path.to_string(),
                message: format!("rules[{i}]: {message}"),
            };
            if r.id.is_none() && r.package.is_none() && r.min_severity.is_none() {
                return Err(err("needs at least one of id, package, min_severity".into()));
            }
            if r.reason.trim().is_empty() {
                return Err(err("reason is empty".into()));
            }
            if let Some(e) = &r.expires {
                parse_expiry(e).ok_or_else(|| {
                    err(format!(
                        "expires {e:?} is neither YYYY-MM-DD nor an RFC 3339 time"
                    ))
                })?;
            }
        }
        Ok(rules)
    }

    /// Mark the findings the active rules match (first matching rule wins). Returns how many
    /// findings are ignored.
    pub fn apply(&self, findings: &mut [Finding], now: DateTime<Utc>) -> usize {
        let mut n = 0;
        for f in findings.iter_mut() {
            f.ignored = None;
            for (i, r) in self.rules.iter().enumerate() {
                if r.active(now) && r.matches(f) {
                    f.ignored = Some(Ignored {
                        rule: i,
                        reason: r.reason.clone(),
                        expires: r.expires.clone(),
                    });
                    n += 1;
                    break;
                }
            }
        }
        n
    }

    /// Indices of rules that have expired at `now` (for a warning).
    pub fn expired(&self, now: DateTime<Utc>) -> Vec<usize> {
        (0..self.rules.len())
            .filter(|&i| self.rules.get(i).is_some_and(|r| !r.active(now)))
            .collect()
    }
}

fn parse_expiry(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl IgnoreRule {
    fn active(&self, now: DateTime<Utc>) -> bool {
        match &self.expires {
            None => true,
            // An unparsable expiry was refused at load; treat it as expired if built by hand.
            Some(e) => parse_expiry(e).is_some_and(|t| now < t),
        }
    }

    fn matches(&self, f: &Finding) -> bool {
        if let Some(id) = &self.id {
            let id = id.trim();
            if !f.advisory_id.eq_ignore_ascii_case(id)
                && !f.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
            {
                return false;
            }
        }
        if let Some(p) = &self.package {
            if f.package != *p && f.advisory_package != *p {
                return false;
            }
        }
        if let Some(e) = &self.ecosystem {
            if !f.ecosystem.osv_name().eq_ignore_ascii_case(e) {
                return false;
            }
        }
        if let Some(min) = self.min_severity {
            match f.severity {
                Some(s) if s < min => {}
                _ => return false,
            }
        }
        true
    }
}
