//! Security alerts: the [`Alert`] record in Defender for Cloud's alert schema (REST
//! `2022-01-01/alerts`, see docs/alerts.md), shared by detection (which builds alerts
//! from Sigma matches), suppression, the sinks and the store.
//!
//! - [`AlertBuilder`] groups detections (a rule's match on an event, with the entities
//!   [`EntityMap`] extracts) into alerts, memory-bounded, emitting as windows close;
//! - [`SuppressionRules`] dismisses alerts and simulates rules over past alerts;
//! - MITRE tactics/techniques come from the rule's tags, severity from its level,
//!   remediation from the rule or, failing that, the per-tactic table [`Remediation`].
//!
//! Pure logic: no IO (the CLI reads files and passes text in).

mod builder;
pub mod cef;
mod entities;
mod error;
mod model;
mod remediation;
mod suppress;

pub use builder::{AlertBuilder, Detection, GroupConfig, RuleInfo};
pub use entities::{json_lookup, EntityKind, EntityMap, ExtractedEntities, SourceEntities};
pub use error::AlertError;
pub use model::{Alert, AlertSeverity, AlertStatus, Entity, Evidence, Intent};
pub use remediation::Remediation;
pub use suppress::{
    parse_alert_line, Reason, RuleState, SimulationRow, SuppressionRule, SuppressionRules,
};
