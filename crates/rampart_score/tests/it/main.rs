//! Integration tests of rampart_score through its public API only.

mod defender_examples;
mod explain;
mod inclusion;
mod properties;
mod support;
mod vulnerabilities;
