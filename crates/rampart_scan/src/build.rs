//! Turns a scan's record into the [`Report`]: applies exemptions, feeds the score book and the compliance
//! roll-ups, and converts their results into the report's plain structs.

use rampart_compliance::{Rollup, Standard};
use rampart_exemptions::Exemptions;
use rampart_model::{Recommendation, Status};
use rampart_report::{
    ComplianceControlReport, ComplianceState, ControlReport, ExemptionSummary, ExpiredExemption,
    GroupReport, GroupValue, InputSummary, RecommendationReport, Report, ResourceResult, Score,
    ScopeReport, StandardReport, ToolInfo, REPORT_SCHEMA_VERSION,
};
use rampart_rules::Benchmark;
use rampart_score::ScoreBook;

use crate::store::ScanStore;
use crate::{ScanError, ScanRequest};

pub(crate) fn report(
    benchmark: &Benchmark,
    store: &mut ScanStore,
    exemptions: &Exemptions,
    request: &ScanRequest,
    input: InputSummary,
) -> Result<Report, ScanError> {
    let recommendations = benchmark.recommendations();
    let applied = apply_exemptions(recommendations, store, exemptions, request);

    let mut book = ScoreBook::new(benchmark.controls(), request.group_by.clone())?;
    book.reserve(store.resources.len());
    let no_groups: [Option<&str>; 0] = [];
    for (key, summary) in store.resources.iter().enumerate() {
        let key = u32::try_from(key).unwrap_or(u32::MAX);
        if request.group_by.is_empty() {
            book.add_resource(key, store.strings.get(summary.scope), &no_groups)?;
        } else if let Some(view) = store.resource_view(key) {
            book.add_model_resource(key, &view)?;
        }
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
                for entry in entries {
                    rollup.record(&recommendation.id, (entry.status, entry.cause));
                }
            }
            standard_report(rollup.finish())
        })
        .collect();

    let scopes = scores
        .scopes
        .iter()
        .map(|named| {
            let provider = store
                .resources
                .iter()
                .find(|r| store.strings.get(r.scope) == named.name)
                .map_or(rampart_model::Provider::Azure, |r| r.provider);
            ScopeReport {
                id: named.name.clone(),
                name: None,
                provider,
                score: score(&named.score),
                resources: named.score.resources,
                weight: named.score.controls.iter().map(|c| c.weight).sum(),
                controls: controls(&named.score, benchmark, store),
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
                    controls: controls(&named.score, benchmark, store),
                })
                .collect(),
        })
        .collect();

    let recommendation_reports = recommendations
        .iter()
        .zip(&store.entries)
        .filter(|(_, entries)| !entries.is_empty())
        .map(|(recommendation, entries)| recommendation_report(recommendation, entries, benchmark, store))
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
        controls: controls(&scores.overall, benchmark, store),
        recommendations: recommendation_reports,
        compliance,
        input,
        exemptions: ExemptionSummary { applied, expired },
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
            let Some(view) = store.resource_view(key) else { continue };
            if let Some(exemption) = exemptions.matching(&view, &recommendation.id, request.now) {
                let assessment = exemption.assessment();
                store.set(rec_idx, entry_idx, &assessment);
                applied += 1;
            }
        }
    }
    applied
}

fn score(score: &rampart_score::Score) -> Score {
    Score { current: score.current, max: score.max, percentage: round2(score.percentage * 100.0) }
}

fn round2(x: f64) -> f64 {
    rampart_report::round2(x)
}

fn controls(score: &rampart_score::Score, benchmark: &Benchmark, store: &ScanStore) -> Vec<ControlReport> {
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
            recommendations: benchmark
                .recommendations()
                .iter()
                .zip(&store.entries)
                .filter(|(r, entries)| !entries.is_empty() && r.controls.iter().any(|id| *id == c.id))
                .map(|(r, _)| r.id.clone())
                .collect(),
        })
        .collect()
}

fn recommendation_report(
    recommendation: &Recommendation,
    entries: &[crate::store::Entry],
    benchmark: &Benchmark,
    store: &ScanStore,
) -> RecommendationReport {
    let (mut healthy, mut unhealthy, mut not_applicable) = (0, 0, 0);
    let resources = entries
        .iter()
        .filter_map(|entry| {
            match entry.status {
                Status::Healthy => healthy += 1,
                Status::Unhealthy => unhealthy += 1,
                Status::NotApplicable => not_applicable += 1,
            }
            let summary = store.resources.get(entry.resource as usize)?;
            Some(ResourceResult {
                id: summary.id.to_string(),
                name: summary.name.to_string(),
                resource_type: store.strings.get(summary.resource_type).to_owned(),
                scope: store.strings.get(summary.scope).to_owned(),
                provider: summary.provider,
                region: summary.region.map(|r| store.strings.get(r).to_owned()),
                resource_group: summary.resource_group.map(|g| store.strings.get(g).to_owned()),
                status: entry.status,
                cause: entry.cause,
                reason: store.reason(entry).map(str::to_owned),
            })
        })
        .collect();
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
        resources,
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
                recommendations: c.assessments.into_iter().map(|a| a.recommendation_id).collect(),
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
