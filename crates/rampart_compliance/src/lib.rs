//! rampart_compliance (being built).
