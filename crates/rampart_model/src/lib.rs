//! Rampart's vocabulary, shared by every other crate: the inventory [`Resource`], the benchmark's
//! [`Control`] and [`Recommendation`] metadata, and the [`Assessment`] of one recommendation on one
//! resource (with the [`SubAssessment`]s of vulnerability findings). Pure data: this crate does no IO and knows nothing about formats, SQL or HTTP.

mod assessment;
mod benchmark;
pub mod document;
mod resource;
mod vulnerability;

pub use assessment::{Assessment, Cause, ExemptionCategory, Status};
pub use benchmark::{
    Control, ControlId, Effort, Recommendation, RecommendationSource, Severity, Threat, UserImpact,
};
pub use resource::{Provider, Relationship, Resource};
pub use vulnerability::{
    scanned_resource, AffectedPackage, Cvss, CvssRating, CvssScore, Finding, FindingSeverity,
    FixStatus, IgnoredBy, PackageCategory, ScanStatus, ScannedKind, ScannedSubject, SubAssessment,
    SubAssessmentCause, SubAssessmentStatus, VulnerabilityData, VulnerabilityScan,
    CONTAINER_IMAGE_TYPE, MACHINE_TYPE, VULNERABILITY_SCAN_FIELD,
};
