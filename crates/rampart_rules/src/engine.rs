//! The [`Engine`]: evaluates every recommendation of a [`Benchmark`] on streamed resources. Policies run
//! on Azure resources only (`Resource::native` is the ARM object); native rules run on resources of
//! their provider. Assessments that need related resources (existence checks, cross-resource native
//! rules) are emitted by [`Engine::finish`].

use rampart_model::{Assessment, Cause, Provider, Resource};

use crate::native::Runner;
use crate::policy_glue::PolicyStream;
use crate::Benchmark;

/// One streaming evaluation of a benchmark.
#[derive(Debug)]
pub struct Engine<'b> {
    policies: PolicyStream<'b>,
    native: Runner<'static>,
    /// Per native runner position: (recommendation index, effect is Disabled).
    native_recs: Vec<(usize, bool)>,
}

fn native_assessment(disabled: bool, a: Assessment) -> Assessment {
    if disabled && a.status != rampart_model::Status::NotApplicable {
        Assessment::not_applicable(Cause::OffByPolicy, None)
    } else {
        a
    }
}

impl<'b> Engine<'b> {
    /// A fresh evaluation.
    #[must_use]
    pub fn new(benchmark: &'b Benchmark) -> Self {
        let native = Runner::new(
            benchmark
                .native
                .iter()
                .map(|(_, rule, _, params)| (*rule, params.clone()))
                .collect(),
        );
        let native_recs = benchmark
            .native
            .iter()
            .map(|(rec, _, disabled, _)| (*rec, *disabled))
            .collect();
        Self {
            policies: PolicyStream::new(&benchmark.policies),
            native,
            native_recs,
        }
    }

    /// Calls `emit(resource_key, recommendation_index, assessment)` once per applicable recommendation
    /// that can be decided now; the rest is emitted by [`Engine::finish`].
    pub fn evaluate(
        &mut self,
        resource_key: u32,
        resource: &Resource,
        emit: &mut dyn FnMut(u32, usize, Assessment),
    ) {
        if resource.provider == Provider::Azure {
            self.policies.evaluate(resource_key, &resource.native, emit);
        }
        let recs = &self.native_recs;
        self.native.evaluate(
            resource_key,
            resource.provider,
            &resource.native,
            &mut |pos, key, a| {
                let (rec, disabled) = recs[pos];
                emit(key, rec, native_assessment(disabled, a));
            },
        );
    }

    /// Emits every deferred assessment.
    pub fn finish(self, emit: &mut dyn FnMut(u32, usize, Assessment)) {
        self.policies.finish(emit);
        let recs = self.native_recs;
        self.native.finish(&mut |pos, key, a| {
            let (rec, disabled) = recs[pos];
            emit(key, rec, native_assessment(disabled, a));
        });
    }
}
