//! Integration tests of rampart_inventory: the ARG importer on realistic fixtures (both shapes,
//! pages, gzip, malformed input), the snapshot format round trip and its JSON Schema, the demo
//! estate and the synthetic generator.

mod arg_import;
mod demo;
mod parallel;
mod schema;
mod snapshot;
mod support;
mod synthetic;
