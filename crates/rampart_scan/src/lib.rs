//! rampart_scan (being built).
