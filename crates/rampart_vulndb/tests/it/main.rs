//! Integration tests for rampart_vulndb: version vectors and differential tests against the
//! real tools, OSV import and validation, matching, severity and ignore rules.

mod versions;
