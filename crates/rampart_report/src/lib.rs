//! rampart_report (being built).
