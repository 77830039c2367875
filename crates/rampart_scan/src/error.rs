//! The façade's error: every variant is bad input or usage (the CLI exits 2), and names what was wrong.

use std::path::PathBuf;

/// Why a scan could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// No inventory was given.
    #[error("no input: give inventory files or --demo")]
    NoInput,
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An inventory record or file was malformed.
    #[error(transparent)]
    Inventory(#[from] rampart_inventory::InventoryError),
    /// The benchmark or a custom policy could not be loaded.
    #[error(transparent)]
    Rules(#[from] rampart_rules::RulesError),
    /// The exemptions file was malformed.
    #[error(transparent)]
    Exemptions(#[from] rampart_exemptions::ExemptionError),
    /// The score book rejected its input (a grouping, a control table).
    #[error(transparent)]
    Score(#[from] rampart_score::ScoreError),
}
