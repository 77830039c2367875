//! The only module that talks to `rampart_policy`: compiles definitions with the built-in alias
//! table, streams ARM documents through its evaluator, and maps its `Evaluation` onto Defender's
//! statuses:
//!
//! | rampart_policy | Assessment |
//! |---|---|
//! | `Compliant` | `Healthy` |
//! | `NonCompliant { reason }` | `Unhealthy` (reason) |
//! | `OffByPolicy` | `NotApplicable` / `OffByPolicy` |
//! | `NotAssessed { reason }` | `NotApplicable` / `NotAssessed` (reason) |
//! | `NotApplicable` | nothing emitted |

use rampart_model::{Assessment, Cause};
use rampart_policy::{
    AliasTable, CompiledPolicy, Evaluation, PolicyDefinition, PolicyError, Prepared,
    StreamingEvaluator,
};
use serde_json::{Map, Value};

/// Compiled policies and, in parallel, the index of the recommendation each one evaluates.
#[derive(Debug, Default)]
pub(crate) struct PolicySet {
    pub(crate) policies: Vec<CompiledPolicy>,
    pub(crate) rec: Vec<usize>,
}

impl PolicySet {
    pub(crate) fn push(&mut self, rec: usize, policy: CompiledPolicy) {
        self.policies.push(policy);
        self.rec.push(rec);
    }

    /// Drops the policies of recommendations `len..`.
    pub(crate) fn truncate_recs(&mut self, len: usize) {
        let keep = self.rec.iter().take_while(|&&r| r < len).count();
        self.policies.truncate(keep);
        self.rec.truncate(keep);
    }

    pub(crate) fn len(&self) -> usize {
        self.policies.len()
    }
}

/// Compiles one definition with the parameter values an initiative (or nothing) passes.
pub(crate) fn compile(
    def: &PolicyDefinition,
    params: &Map<String, Value>,
) -> Result<CompiledPolicy, PolicyError> {
    CompiledPolicy::compile(def, params, AliasTable::builtin())
}

fn map(evaluation: Evaluation) -> Option<Assessment> {
    match evaluation {
        Evaluation::Compliant => Some(Assessment::healthy()),
        Evaluation::NonCompliant { reason } => Some(Assessment::unhealthy(Some(reason))),
        Evaluation::OffByPolicy => Some(Assessment::not_applicable(Cause::OffByPolicy, None)),
        Evaluation::NotAssessed { reason } => Some(Assessment::not_assessed(reason)),
        _ => None,
    }
}

/// A streaming pass of every compiled policy.
pub(crate) struct PolicyStream<'b> {
    inner: StreamingEvaluator<'b>,
    rec: &'b [usize],
}

impl std::fmt::Debug for PolicyStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyStream")
            .field("policies", &self.rec.len())
            .finish()
    }
}

impl<'b> PolicyStream<'b> {
    pub(crate) fn new(set: &'b PolicySet) -> Self {
        Self {
            inner: StreamingEvaluator::new(&set.policies),
            rec: &set.rec,
        }
    }

    /// Evaluates one ARM document; `emit(key, recommendation index, assessment)`.
    pub(crate) fn evaluate(
        &mut self,
        key: u32,
        native: &Value,
        emit: &mut dyn FnMut(u32, usize, Assessment),
    ) {
        let rec = self.rec;
        self.inner.evaluate(
            key,
            native,
            &mut |k, policy: usize, evaluation: Evaluation| {
                if let (Some(a), Some(&r)) = (map(evaluation), rec.get(policy)) {
                    emit(k, r, a);
                }
            },
        );
    }

    /// A second evaluator over the same policies, for [`PolicyStream::prepare`] on other threads.
    pub(crate) fn preparer(&self) -> StreamingEvaluator<'b> {
        self.inner.fresh()
    }

    /// [`PolicyStream::evaluate`] of a resource that `preparer` prepared.
    pub(crate) fn evaluate_prepared(
        &mut self,
        key: u32,
        native: &Value,
        prepared: Prepared,
        emit: &mut dyn FnMut(u32, usize, Assessment),
    ) {
        let rec = self.rec;
        self.inner.evaluate_prepared(
            key,
            native,
            prepared,
            &mut |k, policy: usize, evaluation: Evaluation| {
                if let (Some(a), Some(&r)) = (map(evaluation), rec.get(policy)) {
                    emit(k, r, a);
                }
            },
        );
    }

    /// Decides what was deferred (existence checks waiting for related resources).
    pub(crate) fn finish(self, emit: &mut dyn FnMut(u32, usize, Assessment)) {
        let rec = self.rec;
        self.inner
            .finish(&mut |k, policy: usize, evaluation: Evaluation| {
                if let (Some(a), Some(&r)) = (map(evaluation), rec.get(policy)) {
                    emit(k, r, a);
                }
            });
    }
}
