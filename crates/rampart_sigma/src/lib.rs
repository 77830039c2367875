//! Rampart's Sigma engine: loads Sigma detection rules (parsed with rsigma-parser),
//! compiles them to matchers over interned field ids, routes them to log sources through a
//! data catalog, indexes them by literal values, and matches events produced by readers
//! that extract only the fields the rules read. Readers: CloudTrail ([`read_cloudtrail`]) and,
//! through one entry point that sniffs the format ([`read_log`], [`read_log_file`]), Azure
//! Activity / Entra ID diagnostic records, GCP audit, Kubernetes audit, syslog and journald
//! (docs/logs.md).
//!
//! ```text
//! let mut b = Engine::builder(Catalog::builtin());
//! b.add_yaml(rule_text, "rule.yml");          // -> refusals, each with a specific reason
//! let engine = b.build();
//! let (src, rules) = engine.source("aws_cloudtrail").unwrap();
//! read_cloudtrail(file, "x.json", rules.projection(), |ev| {
//!     engine.matches(src, ev, &mut scratch, &mut hits); ...
//! })
//! ```

mod builtin;
mod catalog;
mod cloudtrail;
mod compile;
mod correlate;
mod engine;
mod error;
mod event;
mod index;
mod json;
mod lint;
mod matcher;
mod readers;

pub use builtin::builtin_rules;
pub use catalog::{Catalog, LogSourceKey, SourceSpec};
pub use cloudtrail::{read_cloudtrail, ReadStats};
pub use correlate::{
    parse_time, Correlation, CorrelationHit, CorrelationState, NEW_VALUE_ATTRIBUTE,
};
pub use engine::{
    Engine, EngineBuilder, LoadSummary, Rule, RuleIdx, RuleMeta, SourceRules, READERS,
};
pub use error::{CatalogError, LoadError, ReadError, Refusal};
pub use event::{Event, FieldId, FieldTable, Slot, SlotEvent, Val};
pub use json::{JsonError, Projection};
pub use lint::{lint, lint_with, DiagSeverity, Diagnostic};
pub use readers::{
    parse_journald_line, parse_syslog_line, read_log, read_log_file, read_log_path_as, sniff,
    HostRecord, LogEvent, LogFormat, LogRead, ReadOptions, SyslogError, YearHint, HOST_FIELDS,
    SNIFF_BYTES,
};
