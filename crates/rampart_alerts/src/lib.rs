//! Security alerts: the [`Alert`] record in Defender for Cloud's alert schema (REST
//! `2022-01-01/alerts`, see docs/alerts.md), shared by detection (which builds alerts
//! from Sigma matches), suppression, the sinks and the store.

pub mod cef;
mod model;

pub use model::{Alert, AlertSeverity, AlertStatus, Entity, Evidence, Intent};
