//! Integration tests of rampart_report: every renderer on a realistic sample report, snapshotted, and
//! the schema validations (report JSON Schema, SARIF 2.1.0, OCSF Detection Finding).

mod findings;
mod formats;
mod hostile;
mod json_chunks;
mod model;
mod sample;
mod schemas;
