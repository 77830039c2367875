//! Exemptions: a YAML file of Defender-style waivers and mitigations, and fast matching of
//! `(resource, recommendation)` pairs against them. Pure: the caller reads the file and passes its text
//! and the current time; nothing here does IO or reads the clock.

mod error;
mod exemption;
mod file;
mod set;

pub use error::ExemptionError;
pub use exemption::{Exemption, ExemptionSubject, Expiry, ResourceSelector};
pub use set::Exemptions;

/// The only file format version this build reads.
pub const FORMAT_VERSION: u32 = 1;
