//! Integration tests of rampart_policy: the embedded built-ins, rule semantics on tiny resources,
//! and the per-definition fixtures.

mod builtins;
mod fixtures;
mod semantics;
