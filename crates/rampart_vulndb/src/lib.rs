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
