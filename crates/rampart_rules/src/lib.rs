//! Rampart's built-in benchmark, modelled on Microsoft Defender for Cloud's MCSB recommendations:
//!
//! - [`controls`]: Defender's security controls with their max points;
//! - the recommendation data table (`data/azure_recommendations.toml`, [`table`]): Defender metadata per
//!   initiative reference, with provenance;
//! - [`Benchmark`]: controls + one recommendation per MCSB initiative reference + native rules + custom
//!   policies;
//! - [`native`]: native rules for what Azure Policy cannot express (cross-resource, Defender-computed
//!   assessments);
//! - [`Engine`]: streaming evaluation of everything, emitting `(resource key, recommendation index,
//!   Assessment)`;
//! - [`coverage()`]: what is evaluated and why the rest is not.
//!
//! Pure: no IO beyond the embedded data and the strings passed in.

mod benchmark;
pub mod controls;
mod coverage;
mod custom;
mod engine;
mod error;
pub mod native;
mod policy_glue;
pub mod table;

pub use benchmark::{Benchmark, Evaluator, RecommendationInfo};
pub use coverage::{coverage, Coverage, CoverageEntry, CoverageStatus};
pub use engine::{Engine, Prepared, Preparer};
pub use error::RulesError;
