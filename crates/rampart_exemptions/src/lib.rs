//! rampart_exemptions (being built).
