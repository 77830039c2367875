//! Vulnerability advisories for installed packages: per-ecosystem version ordering
//! ([`version`]), the OSV record model and schema validation ([`osv`], [`schema`]), a local
//! indexed advisory database with import from OSV directories/zips and download of OSV's
//! per-ecosystem zips ([`db`], [`mod@update`]), matching packages to advisories ([`matching`]),
//! CVSS severity ([`severity`]) and ignore rules ([`ignore`]).
//!
//! Pure cores (version, osv, matching, severity, ignore) do no IO; [`db`] reads and writes the
//! database directory and [`mod@update`] speaks HTTP.

pub mod version;

pub use version::Scheme;
pub mod db;
pub mod ecosystem;
pub mod error;
pub mod generate;
pub mod ignore;
pub mod matching;
pub mod osv;
pub mod severity;
pub mod update;

pub use db::{import, Database, ImportStats, Importer, Meta};
pub use ecosystem::{normalize_name, EcoKey};
pub use error::VulnDbError;
pub use ignore::{IgnoreRule, IgnoreRules, Ignored};
pub use matching::{match_packages, match_packages_report, Finding, MatchReport, NotAssessed};
pub use severity::{cvss_base_score, Severity, SeveritySource};
pub use update::{update, UpdateReport, DEFAULT_BASE_URL, DEFAULT_ECOSYSTEMS};
