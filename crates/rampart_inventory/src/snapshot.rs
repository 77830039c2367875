//! Rampart's inventory snapshot format, version 1: JSON Lines, a header object on the first line
//! and then one serialized [`Resource`] per line (see `docs/inventory-format.md`). This module
//! owns the header type and the writer; reading is done by [`crate::InventoryReader`].

use std::io::{self, Write};

use rampart_model::{Provider, Resource};
use serde::{Deserialize, Serialize};

/// The snapshot format version this build writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The first line of a snapshot.
///
/// Invariant: `rampart_inventory` is serialized first, so a reader can recognise a snapshot from
/// the first bytes. Unknown fields are ignored by readers (they may be added within version 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotHeader {
    /// The format version (`1`).
    pub rampart_inventory: u32,
    /// When the snapshot was taken, RFC 3339 UTC.
    pub generated_at: String,
    /// Where the resources came from: a collector (`azure-collector`), an imported file
    /// (`arg:export.json`), `demo`, `synthetic:n=1000,seed=7`, ...
    pub source: String,
    /// The provider of every resource, when the snapshot holds only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// The scopes (subscriptions, accounts, ...) the snapshot covers, when known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The program that wrote it, e.g. `rampart 0.1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
}

impl SnapshotHeader {
    /// A version-1 header stamped with the current time and this crate's version.
    #[must_use]
    pub fn new(source: impl Into<String>, provider: Option<Provider>) -> Self {
        SnapshotHeader {
            rampart_inventory: SNAPSHOT_VERSION,
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            source: source.into(),
            provider,
            scopes: Vec::new(),
            generator: Some(concat!("rampart ", env!("CARGO_PKG_VERSION")).to_owned()),
        }
    }
}

/// Writes a snapshot: the header on construction, then one line per resource.
///
/// The writer does not buffer: wrap files in a `BufWriter`.
pub struct SnapshotWriter<W: Write> {
    w: W,
    written: u64,
}

impl<W: Write> SnapshotWriter<W> {
    /// Writes the header line.
    pub fn new(mut w: W, header: &SnapshotHeader) -> io::Result<Self> {
        serde_json::to_writer(&mut w, header)?;
        w.write_all(b"\n")?;
        Ok(SnapshotWriter { w, written: 0 })
    }

    /// Writes one resource as one line.
    pub fn write(&mut self, resource: &Resource) -> io::Result<()> {
        serde_json::to_writer(&mut self.w, resource)?;
        self.w.write_all(b"\n")?;
        self.written += 1;
        Ok(())
    }

    /// How many resources were written.
    #[must_use]
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.w.flush()?;
        Ok(self.w)
    }
}
