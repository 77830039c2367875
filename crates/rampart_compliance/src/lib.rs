//! Compliance standards as data (each control mapped to the recommendations that assess it) and
//! Defender's regulatory-compliance roll-up: resources → assessments → controls → standard. Pure:
//! built-in standards are embedded TOML; user standards are parsed from text the caller passes.

mod error;
mod rollup;
mod standard;

pub use error::ComplianceError;
pub use rollup::{
    AssessmentResult, ControlResult, Counts, Rollup, RollupSlot, StandardResult, State,
};
pub use standard::{Standard, StandardControl};
