//! Inventory IO for Rampart: the JSON Lines snapshot format ([`SnapshotWriter`], read back by
//! [`InventoryReader`]), the streamed importer of Azure Resource Graph exports (object or bare
//! array, several pages, gzip), the bundled demo estate ([`demo_estate`]) and the deterministic
//! synthetic inventory generator used by benchmarks ([`synthetic`]).
//!
//! This is an edge crate: it reads and writes files. Everything downstream sees only
//! [`rampart_model::Resource`]. The format and error conventions are documented in
//! `docs/inventory-format.md`; [`InventoryReader::parallel`] spreads parsing over threads.

mod arg;
mod demo;
mod error;
mod parallel;
mod reader;
mod scan;
mod snapshot;
mod synthetic;

pub use demo::{demo_estate, DEMO_ESTATE_JSON};
pub use error::{InventoryError, Location};
pub use parallel::{ParallelMap, ParallelReader};
pub use reader::{from_reader, open, InputKind, InventoryReader, ReadStats};
pub use snapshot::{SnapshotHeader, SnapshotWriter, SNAPSHOT_VERSION};
pub use synthetic::{synthetic, write_synthetic, SyntheticFormat};

/// Maps one Azure Resource Graph row to a [`rampart_model::Resource`] (as the importer does), for
/// callers that already hold rows in memory (collectors, tests). The error names the field.
pub fn resource_from_arg_row(
    row: serde_json::Value,
) -> Result<rampart_model::Resource, (String, String)> {
    arg::row_to_resource(row, crate::reader::Derive::ALL).map_err(|e| (e.field, e.problem))
}
