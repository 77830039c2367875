//! Integration tests for rampart_vulndb: version vectors and differential tests against the
//! real tools, OSV import and validation, matching, severity, ignore rules and update.

mod common;
mod differential;
mod ignore;
mod import;
mod matching;
mod severity;
mod update;
mod versions;
