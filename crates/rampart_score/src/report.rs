//! The score report (a JSON contract embedded by `rampart_report`) and its computation from H/U/NA
//! tallies, with Defender's rounding; plus the plain-text breakdown behind `rampart score explain`.
//!
//! Invariant: every figure of a [`Score`] is computed from the tallies of its own bucket (scope, group,
//! or all scopes summed), never from another bucket's rounded figures.

use std::fmt::Write as _;

use serde::Serialize;

use crate::rounding::{
    current_hundredths, from_hundredths, from_ten_thousandths, percentage_ten_thousandths,
};
use crate::Grouping;

/// A control as the book knows it.
#[derive(Debug, Clone)]
pub(crate) struct ControlDef {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) max: u32,
}

/// Healthy / unhealthy / not-applicable resource counts of one control in one bucket.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tally {
    pub(crate) healthy: u64,
    pub(crate) unhealthy: u64,
    pub(crate) not_applicable: u64,
}

/// The secure score of an estate: overall (all scopes aggregated), per scope, and per group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreReport {
    /// All scopes aggregated: H and U summed per control across scopes, then the single-scope formula
    /// (Defender's multi-subscription weighting, weight = H + U).
    pub overall: Score,
    /// One score per scope (subscription / account / project / cluster / host), sorted by name.
    pub scopes: Vec<NamedScore>,
    /// One entry per grouping the book was built with, in that order.
    pub groups: Vec<GroupScores>,
}

/// A score with the name of what it scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedScore {
    /// The scope id or group value.
    pub name: String,
    /// Its score.
    #[serde(flatten)]
    pub score: Score,
}

/// The scores of one grouping's groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScores {
    /// The grouping, e.g. `tag:env`.
    pub grouping: Grouping,
    /// One score per group value, sorted by value.
    pub groups: Vec<NamedScore>,
}

/// A secure score in Defender's API shape (`score: {max, current, percentage}`) with its controls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Σ of the counted controls' (rounded) `current`; exact to 2 decimals.
    pub current: f64,
    /// Σ of the counted controls' max points.
    pub max: u32,
    /// `current / max` rounded to 4 decimals, as a fraction (0.6033 = 60.33 %); 0 when `max` is 0.
    pub percentage: f64,
    /// `max − current`: what remediating every unhealthy resource would add.
    pub potential_increase: f64,
    /// Resources declared in this bucket (whether or not any control applies to them).
    pub resources: u64,
    /// Every control of the benchmark, in definition order, counted or not.
    pub controls: Vec<ControlScore>,
}

impl Score {
    /// The percentage on a 0..=100 scale with exactly 2 decimals (0.6033 → 60.33), as Rampart's report
    /// contract and the portal show it.
    #[must_use]
    pub fn percent(&self) -> f64 {
        // `percentage` is an exact 4-decimal value: go through its integer form so the result is the
        // nearest double to the 2-decimal value (not 60.330000000000005).
        (self.percentage * 10_000.0).round() / 100.0
    }
}

/// One control's figures in one bucket; every intermediate of Defender's formula.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlScore {
    /// Control id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The control's max points as defined by the benchmark.
    pub definition_max: u32,
    /// The max points it contributes here: `definition_max` when counted, else 0 (as Defender's API
    /// reports a control with only not-applicable resources).
    pub max: u32,
    /// `round₂(max × H / (H + U))`.
    pub current: f64,
    /// `round₄(current / max)`, from the rounded `current`; 0 when `max` is 0.
    pub percentage: f64,
    /// `max − current` (= `max × U / (H + U)` up to rounding; never rounded separately, so current and
    /// potential always add up to max).
    pub potential_increase: f64,
    /// Resources healthy for every counted recommendation of the control that applies to them.
    pub healthy: u64,
    /// Resources unhealthy for at least one counted recommendation of the control.
    pub unhealthy: u64,
    /// Resources whose counted recommendations of the control are all not applicable (incl. exempt).
    pub not_applicable: u64,
    /// `H + U`: Defender's control weight, used when aggregating buckets.
    pub weight: u64,
    /// `max / (H + U)`, unrounded; 0 when `H + U` is 0.
    pub points_per_resource: f64,
    /// False when `H + U = 0`: the control then adds to neither current nor max.
    pub counted: bool,
}

pub(crate) struct Tallies<'a> {
    pub(crate) controls: &'a [ControlDef],
    pub(crate) scope_names: &'a [String],
    pub(crate) scope_tallies: &'a [Tally],
    pub(crate) scope_resources: &'a [u64],
    pub(crate) groupings: &'a [Grouping],
    pub(crate) group_names: Vec<&'a [String]>,
    pub(crate) group_tallies: &'a [Vec<Tally>],
    pub(crate) group_resources: &'a [Vec<u64>],
}

pub(crate) fn build(tallies: Tallies<'_>) -> ScoreReport {
    let n_controls = tallies.controls.len();
    let named = |names: &[String], bucket_tallies: &[Tally], resources: &[u64]| {
        let mut scores: Vec<NamedScore> = names
            .iter()
            .enumerate()
            .map(|(bucket, name)| NamedScore {
                name: name.clone(),
                score: score(
                    tallies.controls,
                    &bucket_tallies[bucket * n_controls..(bucket + 1) * n_controls],
                    resources[bucket],
                ),
            })
            .collect();
        scores.sort_by(|a, b| a.name.cmp(&b.name));
        scores
    };

    // Overall = per-control sums over scopes (each declared resource is in exactly one scope).
    let mut overall_tallies = vec![Tally::default(); n_controls];
    for bucket in tallies.scope_tallies.chunks_exact(n_controls.max(1)) {
        for (sum, tally) in overall_tallies.iter_mut().zip(bucket) {
            sum.healthy += tally.healthy;
            sum.unhealthy += tally.unhealthy;
            sum.not_applicable += tally.not_applicable;
        }
    }
    let overall = score(
        tallies.controls,
        &overall_tallies,
        tallies.scope_resources.iter().sum(),
    );

    let scopes = named(
        tallies.scope_names,
        tallies.scope_tallies,
        tallies.scope_resources,
    );
    let groups = tallies
        .groupings
        .iter()
        .enumerate()
        .map(|(grouping_idx, grouping)| GroupScores {
            grouping: grouping.clone(),
            groups: named(
                tallies.group_names[grouping_idx],
                &tallies.group_tallies[grouping_idx],
                &tallies.group_resources[grouping_idx],
            ),
        })
        .collect();
    ScoreReport {
        overall,
        scopes,
        groups,
    }
}

/// Defender's classic formula over one bucket's tallies (one per control, in control order).
fn score(controls: &[ControlDef], tallies: &[Tally], resources: u64) -> Score {
    let mut current_total = 0_u64;
    let mut max_total = 0_u64;
    let controls = controls
        .iter()
        .zip(tallies)
        .map(|(control, tally)| {
            let weight = tally.healthy + tally.unhealthy;
            let counted = weight > 0;
            let max = if counted { control.max } else { 0 };
            let current = current_hundredths(max, tally.healthy, tally.unhealthy);
            let potential = u64::from(max) * 100 - current;
            if counted {
                current_total += current;
                max_total += u64::from(max);
            }
            #[expect(
                clippy::cast_precision_loss,
                reason = "resource counts are far below 2^53"
            )]
            let points_per_resource = if counted {
                f64::from(max) / weight as f64
            } else {
                0.0
            };
            ControlScore {
                id: control.id.clone(),
                name: control.name.clone(),
                definition_max: control.max,
                max,
                current: from_hundredths(current),
                percentage: from_ten_thousandths(percentage_ten_thousandths(
                    current,
                    u64::from(max),
                )),
                potential_increase: from_hundredths(potential),
                healthy: tally.healthy,
                unhealthy: tally.unhealthy,
                not_applicable: tally.not_applicable,
                weight,
                points_per_resource,
                counted,
            }
        })
        .collect();
    Score {
        current: from_hundredths(current_total),
        max: u32::try_from(max_total).unwrap_or(u32::MAX),
        percentage: from_ten_thousandths(percentage_ten_thousandths(current_total, max_total)),
        potential_increase: from_hundredths(max_total * 100 - current_total),
        resources,
        controls,
    }
}

impl ScoreReport {
    /// A plain-text breakdown of every score with every intermediate (what `rampart score explain`
    /// prints): per control H, U, NA, points per resource, current, max, potential, percentage.
    #[must_use]
    pub fn explain(&self) -> String {
        let mut out = String::new();
        explain_score(
            &mut out,
            "Overall (all scopes, H and U summed per control)",
            &self.overall,
        );
        for scope in &self.scopes {
            explain_score(&mut out, &format!("Scope {}", scope.name), &scope.score);
        }
        for grouping in &self.groups {
            for group in &grouping.groups {
                explain_score(
                    &mut out,
                    &format!("Group {} = {}", grouping.grouping, group.name),
                    &group.score,
                );
            }
        }
        out
    }
}

fn explain_score(out: &mut String, title: &str, score: &Score) {
    let name_width = score
        .controls
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "{title}: {:.2} of {} points = {:.4} ({:.2} %), potential increase {:.2}, {} resource(s)",
        score.current,
        score.max,
        score.percentage,
        score.percent(),
        score.potential_increase,
        score.resources,
    );
    let _ = writeln!(
        out,
        "  {:<name_width$}  {:>3}  {:>7}  {:>7}  {:>7}  {:>10}  {:>7}  {:>9}  {:>10}",
        "control", "max", "H", "U", "NA", "pts/res", "current", "potential", "percentage"
    );
    let mut omitted = 0_usize;
    for control in &score.controls {
        if control.weight + control.not_applicable == 0 {
            // No resource of this bucket is assessed by the control: nothing to explain.
            omitted += 1;
        } else if control.counted {
            let _ = writeln!(
                out,
                "  {:<name_width$}  {:>3}  {:>7}  {:>7}  {:>7}  {:>10.4}  {:>7.2}  {:>9.2}  {:>10.4}",
                control.name,
                control.max,
                control.healthy,
                control.unhealthy,
                control.not_applicable,
                control.points_per_resource,
                control.current,
                control.potential_increase,
                control.percentage,
            );
        } else {
            let _ = writeln!(
                out,
                "  {:<name_width$}  {:>3}  {:>7}  {:>7}  {:>7}  not counted (H + U = 0; max {} dropped)",
                control.name, control.max, control.healthy, control.unhealthy, control.not_applicable,
                control.definition_max,
            );
        }
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "  ({omitted} control(s) assess no resource here and are not shown)"
        );
    }
    out.push('\n');
}
