//! Defender for Cloud's classic secure score, bit-exact: per control `current = max × H / (H + U)`
//! rounded to 2 decimals, `percentage = current / max` to 4 decimals, controls with `H + U = 0` dropped,
//! `score = Σ current / Σ max`; scopes aggregated by summing H and U per control; any grouping (tag,
//! resource group, region, scope) scored like a scope. Pure: no IO. Formulas and sources: `docs/score.md`.
//!
//! Use: build a [`ScoreBook`] with the benchmark's controls and the groupings wanted, declare every
//! resource with [`ScoreBook::add_resource`], feed every assessment with [`ScoreBook::record`] (or
//! [`ScoreBook::record_scored`] with a precomputed [`RecommendationScoring`]), then take
//! [`ScoreBook::report`].

mod book;
mod error;
mod grouping;
mod report;
mod rounding;

pub use book::{RecommendationScoring, ScoreBook};
pub use error::ScoreError;
pub use grouping::{Grouping, NO_VALUE, UNTAGGED};
pub use report::{ControlScore, GroupScores, NamedScore, Score, ScoreReport};
