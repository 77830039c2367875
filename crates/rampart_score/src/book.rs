//! The [`ScoreBook`]: accumulates, per (resource, control), the join of the statuses of the control's
//! counted recommendations on that resource, then tallies H/U/NA per scope, per group and overall.
//!
//! Invariant: a resource's state for a control only moves up the lattice
//! `Unseen < NotApplicable < Healthy < Unhealthy`, so the result does not depend on the order in
//! which assessments are recorded, and one unhealthy recommendation makes the resource unhealthy
//! for the control (Defender: healthy "only when all recommendations of that control are remediated").

use foldhash::{HashMap, HashMapExt};

use rampart_model::{Control, Recommendation, Resource, Status};

use crate::report::{self, ControlDef, Tally};
use crate::{Grouping, ScoreError, ScoreReport};

/// Per (resource, control) state, ordered so that the join of two states is their maximum.
const UNSEEN: u8 = 0;
const NOT_APPLICABLE: u8 = 1;
const HEALTHY: u8 = 2;
const UNHEALTHY: u8 = 3;

/// `resource_scope` marker of an index that was never declared.
const UNDECLARED: u32 = u32::MAX;

fn state_of(status: Status) -> u8 {
    match status {
        Status::Healthy => HEALTHY,
        Status::Unhealthy => UNHEALTHY,
        Status::NotApplicable => NOT_APPLICABLE,
    }
}

/// A recommendation reduced to what the score needs: the dense indices of its controls, and whether it
/// counts at all. Build it once per recommendation with [`ScoreBook::scoring`] and pass it to
/// [`ScoreBook::record_scored`] in the hot loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecommendationScoring {
    control_indices: Box<[u16]>,
    counts: bool,
}

impl RecommendationScoring {
    /// False for preview and custom recommendations: their results never reach the score.
    #[must_use]
    pub fn counts(&self) -> bool {
        self.counts
    }

    /// Dense indices (into the book's controls) of the controls this recommendation belongs to.
    #[must_use]
    pub fn control_indices(&self) -> &[u16] {
        &self.control_indices
    }
}

/// Interns strings to dense ids, remembering first-seen order.
#[derive(Debug, Clone, Default)]
struct Interner {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Interner {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        // More than 2^32 − 1 distinct names would need more resources than a u32 index addresses.
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX - 1);
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }
}

/// Accumulates assessments and produces the [`ScoreReport`].
///
/// Memory: one byte per (resource, control), one `u32` per resource for its scope and one per
/// (resource, grouping) — about 20 MB for 1,000,000 resources and 16 controls with no grouping.
#[derive(Debug, Clone)]
pub struct ScoreBook {
    controls: Vec<ControlDef>,
    control_index: HashMap<String, u16>,
    groupings: Vec<Grouping>,
    scopes: Interner,
    group_values: Vec<Interner>,
    /// Scope id per resource index; `UNDECLARED` for gaps.
    resource_scope: Vec<u32>,
    /// Group value id per (resource, grouping), row-major.
    resource_groups: Vec<u32>,
    /// State per (resource, control), row-major.
    states: Vec<u8>,
    /// `record`'s cache, keyed by recommendation id (ids are stable and never reused).
    scoring_cache: HashMap<String, RecommendationScoring>,
}

impl ScoreBook {
    /// A book for these controls (in report order) and these groupings (in report order).
    ///
    /// # Errors
    /// [`ScoreError::DuplicateControl`] if two controls share an id; [`ScoreError::TooManyControls`]
    /// beyond 65,535 controls.
    pub fn new(controls: &[Control], groupings: Vec<Grouping>) -> Result<Self, ScoreError> {
        if controls.len() > usize::from(u16::MAX) {
            return Err(ScoreError::TooManyControls {
                count: controls.len(),
                max: usize::from(u16::MAX),
            });
        }
        let mut control_index = HashMap::with_capacity(controls.len());
        let mut defs = Vec::with_capacity(controls.len());
        for (position, control) in controls.iter().enumerate() {
            let index = u16::try_from(position).unwrap_or(u16::MAX);
            if control_index.insert(control.id.to_owned(), index).is_some() {
                return Err(ScoreError::DuplicateControl {
                    control: control.id.to_owned(),
                });
            }
            defs.push(ControlDef {
                id: control.id.to_owned(),
                name: control.name.to_owned(),
                max: control.max_points,
            });
        }
        let group_values = groupings.iter().map(|_| Interner::default()).collect();
        Ok(Self {
            controls: defs,
            control_index,
            groupings,
            scopes: Interner::default(),
            group_values,
            resource_scope: Vec::new(),
            resource_groups: Vec::new(),
            states: Vec::new(),
            scoring_cache: HashMap::new(),
        })
    }

    /// Reserves room for `n_resources` resource indices (a hint; the book grows as needed).
    pub fn reserve(&mut self, n_resources: usize) {
        self.resource_scope.reserve(n_resources);
        self.resource_groups
            .reserve(n_resources.saturating_mul(self.groupings.len()));
        self.states
            .reserve(n_resources.saturating_mul(self.controls.len()));
    }

    /// The groupings, in the order `add_resource` expects their values.
    #[must_use]
    pub fn groupings(&self) -> &[Grouping] {
        &self.groupings
    }

    /// Declares a resource: its dense index, its scope, and its value for each grouping (same order as
    /// [`Self::groupings`]; `None` puts it in the grouping's missing-value group).
    ///
    /// # Errors
    /// [`ScoreError::GroupArity`] if `group_values` does not match the groupings;
    /// [`ScoreError::DuplicateResource`] if the index was already declared.
    pub fn add_resource(
        &mut self,
        resource_idx: u32,
        scope: &str,
        group_values: &[Option<&str>],
    ) -> Result<(), ScoreError> {
        if group_values.len() != self.groupings.len() {
            return Err(ScoreError::GroupArity {
                resource_idx,
                given: group_values.len(),
                expected: self.groupings.len(),
            });
        }
        self.declare(resource_idx, scope, |grouping_idx, _| {
            group_values[grouping_idx]
        })
    }

    /// Declares a model resource: scope and group values are read from it with [`Grouping::value_of`].
    ///
    /// # Errors
    /// [`ScoreError::DuplicateResource`] if the index was already declared.
    pub fn add_model_resource(
        &mut self,
        resource_idx: u32,
        resource: &Resource,
    ) -> Result<(), ScoreError> {
        self.declare(resource_idx, &resource.scope, |_, grouping| {
            grouping.value_of(resource)
        })
    }

    fn declare<'v>(
        &mut self,
        resource_idx: u32,
        scope: &str,
        value_of: impl Fn(usize, &Grouping) -> Option<&'v str>,
    ) -> Result<(), ScoreError> {
        let idx = resource_idx as usize;
        if idx < self.resource_scope.len() && self.resource_scope[idx] != UNDECLARED {
            return Err(ScoreError::DuplicateResource { resource_idx });
        }
        if idx >= self.resource_scope.len() {
            let n = idx + 1;
            self.resource_scope.resize(n, UNDECLARED);
            self.resource_groups.resize(n * self.groupings.len(), 0);
            self.states.resize(n * self.controls.len(), UNSEEN);
        }
        self.resource_scope[idx] = self.scopes.intern(scope);
        let row = idx * self.groupings.len();
        for (grouping_idx, grouping) in self.groupings.iter().enumerate() {
            let value =
                value_of(grouping_idx, grouping).unwrap_or_else(|| grouping.missing_label());
            self.resource_groups[row + grouping_idx] =
                self.group_values[grouping_idx].intern(value);
        }
        Ok(())
    }

    /// Reduces a recommendation to its [`RecommendationScoring`]. Preview and custom recommendations
    /// never count (Defender: only built-in, non-preview MCSB recommendations affect the score), so
    /// their control ids are not checked.
    ///
    /// # Errors
    /// [`ScoreError::UnknownControl`] if a counted recommendation names a control the book lacks.
    pub fn scoring(
        &self,
        recommendation: &Recommendation,
    ) -> Result<RecommendationScoring, ScoreError> {
        let counts = !recommendation.preview && !recommendation.is_custom();
        if !counts {
            return Ok(RecommendationScoring {
                control_indices: Box::new([]),
                counts,
            });
        }
        let mut control_indices = Vec::with_capacity(recommendation.controls.len());
        for control in &recommendation.controls {
            let &index =
                self.control_index
                    .get(control)
                    .ok_or_else(|| ScoreError::UnknownControl {
                        recommendation: recommendation.id.clone(),
                        control: control.clone(),
                    })?;
            // A control listed twice counts once; the join is idempotent anyway.
            if !control_indices.contains(&index) {
                control_indices.push(index);
            }
        }
        Ok(RecommendationScoring {
            control_indices: control_indices.into_boxed_slice(),
            counts,
        })
    }

    /// [`Self::scoring`] of every recommendation, in order: index `i` of the result scores
    /// recommendation `i`, matching an engine that reports assessments by recommendation index.
    ///
    /// # Errors
    /// The first [`ScoreError::UnknownControl`].
    pub fn scorings(
        &self,
        recommendations: &[Recommendation],
    ) -> Result<Vec<RecommendationScoring>, ScoreError> {
        recommendations
            .iter()
            .map(|recommendation| self.scoring(recommendation))
            .collect()
    }

    /// Records one assessment of a recommendation on a declared resource. The recommendation's
    /// scoring is cached by its id.
    ///
    /// # Errors
    /// [`ScoreError::UnknownResource`] for an undeclared index; [`ScoreError::UnknownControl`] as in
    /// [`Self::scoring`].
    pub fn record(
        &mut self,
        resource_idx: u32,
        recommendation: &Recommendation,
        status: Status,
    ) -> Result<(), ScoreError> {
        if !self.scoring_cache.contains_key(&recommendation.id) {
            let scoring = self.scoring(recommendation)?;
            self.scoring_cache
                .insert(recommendation.id.clone(), scoring);
        }
        let Self {
            scoring_cache,
            states,
            resource_scope,
            controls,
            ..
        } = self;
        let scoring = &scoring_cache[&recommendation.id];
        apply(
            states,
            resource_scope,
            controls.len(),
            resource_idx,
            scoring,
            status,
        )
    }

    /// Records one assessment given a precomputed [`RecommendationScoring`] (the hot path: no hashing).
    ///
    /// # Errors
    /// [`ScoreError::UnknownResource`] for an undeclared index.
    pub fn record_scored(
        &mut self,
        resource_idx: u32,
        scoring: &RecommendationScoring,
        status: Status,
    ) -> Result<(), ScoreError> {
        apply(
            &mut self.states,
            &self.resource_scope,
            self.controls.len(),
            resource_idx,
            scoring,
            status,
        )
    }

    /// Tallies H/U/NA per control for every scope, every group and overall, and computes the scores.
    /// Does not consume the book, so more assessments may be recorded and a new report taken.
    #[must_use]
    pub fn report(&self) -> ScoreReport {
        let n_controls = self.controls.len();
        let n_groupings = self.groupings.len();
        let mut scope_tallies = vec![Tally::default(); self.scopes.names.len() * n_controls];
        let mut scope_resources = vec![0_u64; self.scopes.names.len()];
        let mut group_tallies: Vec<Vec<Tally>> = self
            .group_values
            .iter()
            .map(|values| vec![Tally::default(); values.names.len() * n_controls])
            .collect();
        let mut group_resources: Vec<Vec<u64>> = self
            .group_values
            .iter()
            .map(|values| vec![0_u64; values.names.len()])
            .collect();

        for (idx, &scope) in self.resource_scope.iter().enumerate() {
            if scope == UNDECLARED {
                continue;
            }
            let scope = scope as usize;
            scope_resources[scope] += 1;
            let groups = &self.resource_groups[idx * n_groupings..(idx + 1) * n_groupings];
            for (grouping_idx, &value) in groups.iter().enumerate() {
                group_resources[grouping_idx][value as usize] += 1;
            }
            let states = &self.states[idx * n_controls..(idx + 1) * n_controls];
            for (control_idx, &state) in states.iter().enumerate() {
                if state == UNSEEN {
                    continue;
                }
                scope_tallies[scope * n_controls + control_idx].add(state);
                for (grouping_idx, &value) in groups.iter().enumerate() {
                    group_tallies[grouping_idx][value as usize * n_controls + control_idx]
                        .add(state);
                }
            }
        }

        report::build(report::Tallies {
            controls: &self.controls,
            scope_names: &self.scopes.names,
            scope_tallies: &scope_tallies,
            scope_resources: &scope_resources,
            groupings: &self.groupings,
            group_names: self
                .group_values
                .iter()
                .map(|values| values.names.as_slice())
                .collect(),
            group_tallies: &group_tallies,
            group_resources: &group_resources,
        })
    }
}

impl Tally {
    fn add(&mut self, state: u8) {
        match state {
            HEALTHY => self.healthy += 1,
            UNHEALTHY => self.unhealthy += 1,
            NOT_APPLICABLE => self.not_applicable += 1,
            _ => {}
        }
    }
}

fn apply(
    states: &mut [u8],
    resource_scope: &[u32],
    n_controls: usize,
    resource_idx: u32,
    scoring: &RecommendationScoring,
    status: Status,
) -> Result<(), ScoreError> {
    let idx = resource_idx as usize;
    if resource_scope
        .get(idx)
        .is_none_or(|&scope| scope == UNDECLARED)
    {
        return Err(ScoreError::UnknownResource { resource_idx });
    }
    if !scoring.counts {
        return Ok(());
    }
    let state = state_of(status);
    let row = &mut states[idx * n_controls..(idx + 1) * n_controls];
    for &control_idx in scoring.control_indices.iter() {
        // Indices come from this book's `scoring`; one from another book with fewer controls is ignored
        // rather than trusted.
        if let Some(slot) = row.get_mut(usize::from(control_idx)) {
            *slot = (*slot).max(state);
        }
    }
    Ok(())
}
