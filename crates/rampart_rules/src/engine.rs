//! The [`Engine`]: evaluates every recommendation of a [`Benchmark`] on streamed resources. Policies run
//! on Azure resources only (`Resource::native` is the ARM object); native rules run on resources of
//! their provider. Assessments that need related resources (existence checks, cross-resource native
//! rules) are emitted by [`Engine::finish`].

use rampart_model::{Assessment, Cause, Provider, Resource};

use rampart_policy::StreamingEvaluator;

use std::sync::Arc;

use crate::native::{NativePrepared, RuleSet, Runner};
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

/// The part of [`Engine::evaluate`] that needs the resource alone (Azure Policy evaluation of
/// everything but `resourceGroup()`; the native rules' immediate verdicts, deferred projections and
/// related summaries), so that it can run on the threads that parse the inventory.
pub struct Preparer<'b> {
    policies: StreamingEvaluator<'b>,
    native: Arc<RuleSet<'static>>,
}

impl std::fmt::Debug for Preparer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preparer").finish_non_exhaustive()
    }
}

impl Preparer<'_> {
    /// Prepares `resource` for [`Engine::evaluate_prepared`] of the engine this came from, and
    /// frees its native document (leaving `Null`) when that will not read it: freed here, on the
    /// thread that parsed it, while its memory is still in this core's cache, the next document
    /// reuses that memory hot (BENCHMARKS.md, session 8). Only a policy calling `resourceGroup()`
    /// reads the document afterwards (among the built-in ones, the Databricks exclusions of some
    /// storage-account and SQL-server policies).
    #[must_use]
    pub fn prepare(&self, resource: &mut Resource) -> Prepared {
        let policies =
            (resource.provider == Provider::Azure).then(|| self.policies.prepare(&resource.native));
        let native = self.native.prepare(resource.provider, &resource.native);
        if !policies
            .as_ref()
            .is_some_and(rampart_policy::Prepared::reads_resource_later)
        {
            resource.native = serde_json::Value::Null;
        }
        Prepared { policies, native }
    }
}

/// What [`Preparer::prepare`] made of one resource.
#[derive(Debug)]
pub struct Prepared {
    policies: Option<rampart_policy::Prepared>,
    native: Option<NativePrepared>,
}

fn native_assessment(disabled: bool, a: Assessment) -> Assessment {
    if disabled && a.status != rampart_model::Status::NotApplicable {
        Assessment::not_applicable(Cause::OffByPolicy, None)
    } else {
        a
    }
}

impl<'b> Engine<'b> {
    /// Whether any rule reads `Resource::relationships`. None does: the policies read the ARM
    /// document, and the native rules build what they need (the network graph) from the documents
    /// too. So `rampart scan` has the importer skip deriving them
    /// (`rampart_inventory::InventoryReader::derive_relationships`); a rule that starts reading
    /// them must turn this on.
    pub const READS_RELATIONSHIPS: bool = false;

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
        self.evaluate_native(resource_key, resource, emit);
    }

    /// The native rules' part of [`Engine::evaluate`].
    fn evaluate_native(
        &mut self,
        resource_key: u32,
        resource: &Resource,
        emit: &mut dyn FnMut(u32, usize, Assessment),
    ) {
        if let Some(prepared) = self.native.prepare(resource.provider, &resource.native) {
            self.apply_native(resource_key, prepared, emit);
        }
    }

    /// Files what the native rules prepared of a resource, emitting their immediate verdicts as
    /// their recommendations' assessments.
    fn apply_native(
        &mut self,
        resource_key: u32,
        prepared: NativePrepared,
        emit: &mut dyn FnMut(u32, usize, Assessment),
    ) {
        let recs = &self.native_recs;
        self.native
            .apply(resource_key, prepared, &mut |pos, key, a| {
                let (rec, disabled) = recs[pos];
                emit(key, rec, native_assessment(disabled, a));
            });
    }

    /// What prepares resources for [`Engine::evaluate_prepared`] on other threads (shared by them).
    #[must_use]
    pub fn preparer(&self) -> Preparer<'b> {
        Preparer {
            policies: self.policies.preparer(),
            native: self.native.rule_set(),
        }
    }

    /// [`Engine::evaluate`] of a resource that [`Preparer::prepare`] prepared (whose native
    /// document it may have freed): the same assessments, emitted in the same order, with the
    /// per-resource work already done.
    pub fn evaluate_prepared(
        &mut self,
        resource_key: u32,
        resource: &Resource,
        prepared: Prepared,
        emit: &mut dyn FnMut(u32, usize, Assessment),
    ) {
        if let Some(policies) = prepared.policies {
            self.policies
                .evaluate_prepared(resource_key, &resource.native, policies, emit);
        }
        if let Some(native) = prepared.native {
            self.apply_native(resource_key, native, emit);
        }
    }

    /// Emits every deferred assessment: the policies' then the native rules', as before, though the
    /// native rules decide theirs on a second thread meanwhile (both only read what they kept).
    pub fn finish(self, emit: &mut dyn FnMut(u32, usize, Assessment)) {
        let Engine {
            policies,
            native,
            native_recs,
        } = self;
        let native_out = std::thread::scope(|scope| {
            let native_out = scope.spawn(move || {
                let started = std::time::Instant::now();
                let mut out = Vec::new();
                native.finish(&mut |pos, key, a| out.push((pos, key, a)));
                tracing::debug!(ms = started.elapsed().as_millis(), "native rules finished");
                out
            });
            let started = std::time::Instant::now();
            policies.finish(emit);
            tracing::debug!(ms = started.elapsed().as_millis(), "policies finished");
            native_out.join()
        });
        // A panic in a rule is a bug; carry it to the caller as if it had happened here.
        let native_out = native_out.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        for (pos, key, a) in native_out {
            let (rec, disabled) = native_recs[pos];
            emit(key, rec, native_assessment(disabled, a));
        }
    }
}
