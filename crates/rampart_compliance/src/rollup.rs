//! Defender's regulatory-compliance roll-up: per-resource results → assessment (recommendation) state
//! → control state → standard state, with counts at each level and the standard's pass percentage.
//!
//! One rule decides every level from the counts of the level below: **Failed** if anything failed,
//! else **Passed** if anything passed, else **Skipped** if anything was skipped, else **Unsupported**
//! (nothing assessable). So skipped and unsupported children never turn a pass into a fail, and a
//! level with no data at all is Unsupported.

use std::borrow::Cow;
use std::collections::HashMap;

use rampart_model::{Assessment, Cause, Status};
use serde::Serialize;

use crate::standard::Standard;

/// A compliance state, at any level (resource, assessment, control, standard), spelt as Defender's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum State {
    /// Everything assessable passed (and something did).
    Passed,
    /// At least one failure.
    Failed,
    /// Everything assessable was skipped (not applicable).
    Skipped,
    /// Nothing could be assessed: no resources, no automated assessment, or data missing.
    Unsupported,
}

impl State {
    /// The name as Defender's API spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            State::Passed => "Passed",
            State::Failed => "Failed",
            State::Skipped => "Skipped",
            State::Unsupported => "Unsupported",
        }
    }
}

/// Defender's mapping of a resource's assessment status: Healthy → Passed, Unhealthy → Failed,
/// NotApplicable → Skipped.
impl From<Status> for State {
    fn from(status: Status) -> Self {
        match status {
            Status::Healthy => State::Passed,
            Status::Unhealthy => State::Failed,
            Status::NotApplicable => State::Skipped,
        }
    }
}

/// As `From<Status>`, except that a `NotApplicable` result whose cause is `NotAssessed` (data was
/// missing) is `Unsupported`: the resource was not skipped by a rule, it could not be assessed.
impl From<&Assessment> for State {
    fn from(assessment: &Assessment) -> Self {
        if assessment.status == Status::NotApplicable
            && assessment.cause == Some(Cause::NotAssessed)
        {
            State::Unsupported
        } else {
            State::from(assessment.status)
        }
    }
}

/// The same as `From<&Assessment>`, for callers that store status and cause apart.
impl From<(Status, Option<Cause>)> for State {
    fn from((status, cause): (Status, Option<Cause>)) -> Self {
        if status == Status::NotApplicable && cause == Some(Cause::NotAssessed) {
            State::Unsupported
        } else {
            State::from(status)
        }
    }
}

/// How many children (resources, assessments or controls) are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Passed children.
    pub passed: u64,
    /// Failed children.
    pub failed: u64,
    /// Skipped children.
    pub skipped: u64,
    /// Unsupported children.
    pub unsupported: u64,
}

impl Counts {
    /// Adds one child in `state`.
    pub fn add(&mut self, state: State) {
        match state {
            State::Passed => self.passed += 1,
            State::Failed => self.failed += 1,
            State::Skipped => self.skipped += 1,
            State::Unsupported => self.unsupported += 1,
        }
    }

    /// The parent's state (see the module doc).
    #[must_use]
    pub fn state(&self) -> State {
        if self.failed > 0 {
            State::Failed
        } else if self.passed > 0 {
            State::Passed
        } else if self.skipped > 0 {
            State::Skipped
        } else {
            State::Unsupported
        }
    }

    /// The number of children.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.passed + self.failed + self.skipped + self.unsupported
    }
}

/// One recommendation's result within a control; counts are resources, named as Defender's API
/// (`passedResources`, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssessmentResult {
    /// The recommendation id as the standard lists it.
    pub recommendation_id: String,
    /// Its state from its resources.
    pub state: State,
    /// Resources that passed.
    pub passed_resources: u64,
    /// Resources that failed.
    pub failed_resources: u64,
    /// Resources skipped (not applicable, exempt).
    pub skipped_resources: u64,
    /// Resources that could not be assessed (data missing).
    pub unsupported_resources: u64,
}

impl AssessmentResult {
    /// The resource counts.
    #[must_use]
    pub fn counts(&self) -> Counts {
        Counts {
            passed: self.passed_resources,
            failed: self.failed_resources,
            skipped: self.skipped_resources,
            unsupported: self.unsupported_resources,
        }
    }
}

/// One control's result; counts are assessments, named as Defender's API (`passedAssessments`, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlResult {
    /// Control id.
    pub id: String,
    /// Control title.
    pub title: String,
    /// The control's group, when the standard has groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Its state from its assessments.
    pub state: State,
    /// Assessments that passed.
    pub passed_assessments: u64,
    /// Assessments that failed.
    pub failed_assessments: u64,
    /// Assessments skipped on every resource.
    pub skipped_assessments: u64,
    /// Assessments with no assessable resource (or none at all).
    pub unsupported_assessments: u64,
    /// Its assessments, in the standard's order.
    pub assessments: Vec<AssessmentResult>,
}

impl ControlResult {
    /// The assessment counts.
    #[must_use]
    pub fn counts(&self) -> Counts {
        Counts {
            passed: self.passed_assessments,
            failed: self.failed_assessments,
            skipped: self.skipped_assessments,
            unsupported: self.unsupported_assessments,
        }
    }
}

/// A standard's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandardResult {
    /// Standard id.
    pub id: String,
    /// Standard name.
    pub name: String,
    /// Its state from its controls.
    pub state: State,
    /// Controls that passed.
    pub passed_controls: u64,
    /// Controls that failed.
    pub failed_controls: u64,
    /// Controls whose assessments were all skipped.
    pub skipped_controls: u64,
    /// Controls with no assessable data (including controls with no automated assessment).
    pub unsupported_controls: u64,
    /// `100 × passed / (passed + failed)` controls; `None` when no control passed or failed. Skipped and
    /// unsupported controls are excluded (Defender does not document the formula; this is the natural
    /// reading of its dashboard, see docs/compliance.md).
    pub pass_percentage: Option<f64>,
    /// Every control, in the standard's order.
    pub controls: Vec<ControlResult>,
}

/// A recommendation resolved once with [`Rollup::slot`], for callers that record millions of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupSlot(usize);

/// Accumulates per-resource results for one standard.
///
/// Invariant: every distinct recommendation id of the standard (case-insensitive) has one slot in
/// `counts`; `slots` maps the lower-case id to it, and `controls[c][a]` is the slot of assessment `a`
/// of control `c`. A recommendation in several controls shares its counts, so recording is one
/// increment whatever the number of controls.
#[derive(Debug, Clone)]
pub struct Rollup<'s> {
    standard: &'s Standard,
    slots: HashMap<String, usize>,
    controls: Vec<Vec<usize>>,
    counts: Vec<Counts>,
    unmapped: u64,
}

impl<'s> Rollup<'s> {
    /// Prepares the roll-up of `standard`; precomputes recommendation id → slot.
    #[must_use]
    pub fn new(standard: &'s Standard) -> Self {
        let mut slots = HashMap::new();
        let controls = standard
            .controls
            .iter()
            .map(|control| {
                control
                    .recommendations
                    .iter()
                    .map(|rec| {
                        let next = slots.len();
                        *slots.entry(rec.to_ascii_lowercase()).or_insert(next)
                    })
                    .collect()
            })
            .collect();
        let counts = vec![Counts::default(); slots.len()];
        Self {
            standard,
            slots,
            controls,
            counts,
            unmapped: 0,
        }
    }

    /// The slot of a recommendation id (case-insensitive), or `None` when the standard does not use it.
    #[must_use]
    pub fn slot(&self, recommendation_id: &str) -> Option<RollupSlot> {
        let key = if recommendation_id.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(recommendation_id.to_ascii_lowercase())
        } else {
            Cow::Borrowed(recommendation_id)
        };
        self.slots.get(key.as_ref()).copied().map(RollupSlot)
    }

    /// Records one resource's result for a recommendation. Pass a [`Status`], an [`&Assessment`](Assessment),
    /// a `(Status, Option<Cause>)` or a [`State`]. Returns whether the standard uses the recommendation (results for others are
    /// counted in [`Rollup::unmapped`] and otherwise ignored).
    pub fn record(&mut self, recommendation_id: &str, state: impl Into<State>) -> bool {
        match self.slot(recommendation_id) {
            Some(slot) => {
                self.record_slot(slot, state);
                true
            }
            None => {
                self.unmapped += 1;
                false
            }
        }
    }

    /// Records one resource's result for a recommendation resolved with [`Rollup::slot`].
    pub fn record_slot(&mut self, slot: RollupSlot, state: impl Into<State>) {
        // A slot comes from this roll-up's own `slot`, so the index is in range.
        if let Some(counts) = self.counts.get_mut(slot.0) {
            counts.add(state.into());
        }
    }

    /// Results recorded for recommendations the standard does not use.
    #[must_use]
    pub fn unmapped(&self) -> u64 {
        self.unmapped
    }

    /// Rolls the recorded results up to assessments, controls and the standard.
    #[must_use]
    pub fn finish(self) -> StandardResult {
        let mut standard_counts = Counts::default();
        let controls: Vec<ControlResult> = self
            .standard
            .controls
            .iter()
            .zip(&self.controls)
            .map(|(control, slots)| {
                let mut control_counts = Counts::default();
                let assessments = control
                    .recommendations
                    .iter()
                    .zip(slots)
                    .map(|(rec, &slot)| {
                        let counts = self.counts[slot];
                        let state = counts.state();
                        control_counts.add(state);
                        AssessmentResult {
                            recommendation_id: rec.clone(),
                            state,
                            passed_resources: counts.passed,
                            failed_resources: counts.failed,
                            skipped_resources: counts.skipped,
                            unsupported_resources: counts.unsupported,
                        }
                    })
                    .collect();
                let state = control_counts.state();
                standard_counts.add(state);
                ControlResult {
                    id: control.id.clone(),
                    title: control.title.clone(),
                    group: control.group.clone(),
                    state,
                    passed_assessments: control_counts.passed,
                    failed_assessments: control_counts.failed,
                    skipped_assessments: control_counts.skipped,
                    unsupported_assessments: control_counts.unsupported,
                    assessments,
                }
            })
            .collect();
        let decided = standard_counts.passed + standard_counts.failed;
        let pass_percentage =
            (decided > 0).then(|| 100.0 * standard_counts.passed as f64 / decided as f64);
        StandardResult {
            id: self.standard.id.clone(),
            name: self.standard.name.clone(),
            state: standard_counts.state(),
            passed_controls: standard_counts.passed,
            failed_controls: standard_counts.failed,
            skipped_controls: standard_counts.skipped,
            unsupported_controls: standard_counts.unsupported,
            pass_percentage,
            controls,
        }
    }
}
