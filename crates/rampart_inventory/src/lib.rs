//! rampart_inventory (being built).
