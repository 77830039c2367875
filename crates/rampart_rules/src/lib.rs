//! rampart_rules (being built).
