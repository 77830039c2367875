//! Turns a scan's record into the [`Report`]: applies exemptions, feeds the score book and the compliance
//! roll-ups, and converts their results into the report's plain structs. The per-resource part (resource
//! summaries, result entries, interned strings) is moved from the store into the report, not copied.

use std::collections::HashMap;

use rampart_compliance::{Rollup, Standard};
use rampart_exemptions::Exemptions;
use rampart_model::{Provider, Recommendation, Status};
use rampart_report::{
    ComplianceControlReport, ComplianceState, ControlReport, ExemptionSummary, ExpiredExemption,
    GroupReport, GroupValue, InputSummary, RecommendationReport, Report, ResultEntry, ScopeReport,
    Score, StandardReport, StrId, ToolInfo, REPORT_SCHEMA_VERSION,
};
use rampart_rules::Benchmark;
use rampart_score::ScoreBook;

use crate::store::ScanStore;
use crate::{ScanError, ScanRequest};

pub(crate) fn report(
    benchmark: &Benchmark,
    mut store: ScanStore,
    exemptions: &Exemptions,
    request: &ScanRequest,
    input: InputSummary,
) -> Result<Report, ScanError> {
    let recommendations = benchmark.recommendations();
    let applied = apply_exemptions(recommendations, &mut store, exemptions, request);

    let mut book = ScoreBook::new(benchmark.controls(), request.group_by.clone())?;
    book.reserve(store.resources.len());
    let mut values: Vec<Option<&str>> = Vec::with_capacity(request.group_by.len());
    for (key, summary) in store.resources.iter().enumerate() {
        let key = u32::try_from(key).unwrap_or(u32::MAX);
        values.clear();
        values.extend(request.group_by.iter().map(|g| store.group_value(key, g)));
        book.add_resource(key, store.strings.str(summary.scope), &values)?;
    }
    for (recommendation, entries) in recommendations.iter().zip(&store.entries) {
        if entries.is_empty() {
            continue;
        }
        let scoring = book.scoring(recommendation)?;
        for entry in entries {
            book.record_scored(entry.resource, &scoring, entry.status)?;
        }
    }
    let scores = book.report();

    let compliance = Standard::builtin_all()
        .iter()
        .map(|standard| {
            let mut rollup = Rollup::new(standard);
            for (recommendation, entries) in recommendations.iter().zip(&store.entries) {
                // One lookup per recommendation, not per result.
                let Some(slot) = rollup.slot(&recommendation.id) else {
                    continue;
                };
                for entry in entries {
                    rollup.record_slot(slot, (entry.status, entry.cause));
                }
            }
            standard_report(rollup.finish())
        })
        .collect();

    // Scope → provider, once (the first resource of a scope decides).
    let mut providers: HashMap<StrId, Provider> = HashMap::new();
    for r in &store.resources {
        providers.entry(r.scope).or_insert(r.provider);
    }
    let evaluated = ControlRecommendations::new(benchmark, &store.entries);
    let controls = |score: &rampart_score::Score| controls(score, &evaluated);
    let scopes = scores
        .scopes
        .iter()
        .map(|named| {
            let provider = store
                .strings
                .lookup(&named.name)
                .and_then(|id| providers.get(&id).copied())
                .unwrap_or(Provider::Azure);
            ScopeReport {
                id: named.name.clone(),
                name: store.scope_names.get(&named.name).cloned(),
                provider,
                score: score(&named.score),
                resources: named.score.resources,
                weight: named.score.controls.iter().map(|c| c.weight).sum(),
                controls: controls(&named.score),
            }
        })
        .collect();
    let groups = scores
        .groups
        .iter()
        .map(|grouping| GroupReport {
            by: grouping.grouping.key(),
            values: grouping
                .groups
                .iter()
                .map(|named| GroupValue {
                    value: named.name.clone(),
                    score: score(&named.score),
                    resources: named.score.resources,
                    controls: controls(&named.score),
                })
                .collect(),
        })
        .collect();

    let recommendation_reports = recommendations
        .iter()
        .zip(std::mem::take(&mut store.entries))
        .zip(std::mem::take(&mut store.subs))
        .filter(|((_, entries), _)| !entries.is_empty())
        .map(|((recommendation, entries), subs)| {
            let mut report = recommendation_report(recommendation, entries, benchmark);
            report.sub_assessments = subs;
            report
        })
        .collect();

    let expired = exemptions
        .expired(request.now)
        .map(|e| ExpiredExemption {
            name: e.name.clone(),
            expires_on: e.expires.map(|x| x.to_string()).unwrap_or_default(),
            file: Some(exemptions.origin().to_owned()),
        })
        .collect();

    Ok(Report {
        schema_version: REPORT_SCHEMA_VERSION.to_owned(),
        tool: ToolInfo::rampart(env!("CARGO_PKG_VERSION")),
        generated_at: request.now,
        score: score(&scores.overall),
        scopes,
        groups,
        controls: controls(&scores.overall),
        recommendations: recommendation_reports,
        compliance,
        input,
        exemptions: ExemptionSummary { applied, expired },
        resources: store.resources,
        strings: store.strings,
    })
}

/// Replaces the assessments that an active exemption covers with `NotApplicable` / `Exempt`.
fn apply_exemptions(
    recommendations: &[Recommendation],
    store: &mut ScanStore,
    exemptions: &Exemptions,
    request: &ScanRequest,
) -> u64 {
    let mut applied = 0;
    if exemptions.is_empty() {
        return applied;
    }
    for (rec_idx, recommendation) in recommendations.iter().enumerate() {
        if !exemptions.names_recommendation(&recommendation.id) {
            continue;
        }
        let n_entries = store.entries.get(rec_idx).map_or(0, Vec::len);
        for entry_idx in 0..n_entries {
            let key = store.entries[rec_idx][entry_idx].resource;
            let Some(subject) = store.subject(key) else {
                continue;
            };
            if let Some(exemption) = exemptions.matching(&subject, &recommendation.id, request.now)
            {
                let assessment = exemption.assessment();
                store.set(rec_idx, entry_idx, &assessment);
                applied += 1;
            }
        }
    }
    applied
}

fn score(score: &rampart_score::Score) -> Score {
    Score {
        current: score.current,
        max: score.max,
        percentage: score.percent(),
    }
}

fn round2(x: f64) -> f64 {
    rampart_report::round2(x)
}

/// Per control id, the ids of its recommendations that have at least one result (computed once: the
/// control lists of every scope and group repeat them).
struct ControlRecommendations(HashMap<String, Vec<String>>);

impl ControlRecommendations {
    fn new(benchmark: &Benchmark, entries: &[Vec<ResultEntry>]) -> Self {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for (r, entries) in benchmark.recommendations().iter().zip(entries) {
            if entries.is_empty() {
                continue;
            }
            for control in &r.controls {
                let list = map.entry(control.clone()).or_default();
                // A recommendation naming a control twice is listed once, as the old filter did.
                if list.last() != Some(&r.id) {
                    list.push(r.id.clone());
                }
            }
        }
        Self(map)
    }
}

fn controls(
    score: &rampart_score::Score,
    evaluated: &ControlRecommendations,
) -> Vec<ControlReport> {
    score
        .controls
        .iter()
        .map(|c| ControlReport {
            id: c.id.clone(),
            name: c.name.clone(),
            max: c.definition_max,
            current: c.current,
            healthy: c.healthy,
            unhealthy: c.unhealthy,
            not_applicable: c.not_applicable,
            potential_increase: round2(c.potential_increase),
            percentage: round2(c.percentage * 100.0),
            points_per_resource: round2(c.points_per_resource),
            counted: c.counted,
            recommendations: evaluated.0.get(&c.id).cloned().unwrap_or_default(),
        })
        .collect()
}

fn recommendation_report(
    recommendation: &Recommendation,
    mut entries: Vec<ResultEntry>,
    benchmark: &Benchmark,
) -> RecommendationReport {
    let (mut healthy, mut unhealthy, mut not_applicable) = (0, 0, 0);
    for entry in &entries {
        match entry.status {
            Status::Healthy => healthy += 1,
            Status::Unhealthy => unhealthy += 1,
            Status::NotApplicable => not_applicable += 1,
        }
    }
    // The list grew by doubling; give back the slack (up to half of it) before it lives in the report.
    entries.shrink_to_fit();
    let control = recommendation
        .controls
        .first()
        .and_then(|id| benchmark.control(id))
        .map(|c| c.name.to_owned())
        .unwrap_or_default();
    RecommendationReport {
        id: recommendation.id.clone(),
        title: recommendation.title.clone(),
        severity: recommendation.severity,
        control,
        controls: recommendation.controls.clone(),
        preview: recommendation.preview,
        custom: recommendation.is_custom(),
        mcsb: recommendation.mcsb.clone(),
        description: recommendation.description.clone(),
        remediation: recommendation.remediation.clone(),
        healthy,
        unhealthy,
        not_applicable,
        resources: entries,
        sub_assessments: std::collections::BTreeMap::new(),
    }
}

fn standard_report(result: rampart_compliance::StandardResult) -> StandardReport {
    StandardReport {
        id: result.id,
        name: result.name,
        state: state(result.state),
        passed_controls: result.passed_controls,
        failed_controls: result.failed_controls,
        skipped_controls: result.skipped_controls,
        unsupported_controls: result.unsupported_controls,
        pass_percentage: result.pass_percentage,
        controls: result
            .controls
            .into_iter()
            .map(|c| ComplianceControlReport {
                id: c.id,
                name: c.title,
                state: state(c.state),
                passed_assessments: c.passed_assessments,
                failed_assessments: c.failed_assessments,
                skipped_assessments: c.skipped_assessments,
                recommendations: c
                    .assessments
                    .into_iter()
                    .map(|a| a.recommendation_id)
                    .collect(),
            })
            .collect(),
    }
}

fn state(state: rampart_compliance::State) -> ComplianceState {
    match state {
        rampart_compliance::State::Passed => ComplianceState::Passed,
        rampart_compliance::State::Failed => ComplianceState::Failed,
        rampart_compliance::State::Skipped => ComplianceState::Skipped,
        rampart_compliance::State::Unsupported => ComplianceState::Unsupported,
    }
}
