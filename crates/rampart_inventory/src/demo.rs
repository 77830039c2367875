//! The demo estate bundled in the binary for `rampart scan --demo`: an Azure Resource Graph export
//! (`demo/estate.json`, `{"data": [...]}` shape) of a fictional company over three subscriptions,
//! with good and bad resources chosen to exercise the MCSB policy definitions. The data is written
//! by `demo/gen_estate.py` (deterministic); the committed JSON is what ships.

use crate::reader::{from_reader, InventoryReader};

/// The demo estate's raw ARG export.
pub const DEMO_ESTATE_JSON: &str = include_str!("../demo/estate.json");

/// A reader over the demo estate.
#[must_use]
pub fn demo_estate() -> InventoryReader {
    from_reader("demo/estate.json", DEMO_ESTATE_JSON.as_bytes())
}
