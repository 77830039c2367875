//! rampart_score (being built).
