//! Integration tests of rampart_scan: the façade on the bundled demo estate, checked against the model
//! path (full `Resource`s, `Grouping::value_of`, exemption matching on `Resource`) that the compact
//! store replaces.

mod demo;
mod vulnerabilities;
