//! rampart_policy (being built).
