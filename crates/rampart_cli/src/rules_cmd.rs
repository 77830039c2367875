//! `rampart rules list|show`: the benchmark's documentation, generated from the same data the engine uses.
//! `rampart rules lint`: Sigma detection rules checked by the engine that runs them (`rampart detect`).

use std::fmt::Write as _;
use std::io::Write;

use anyhow::{bail, Result};
use rampart_model::Recommendation;
use rampart_rules::Benchmark;

use crate::cli::{ListFormat, RulesCommand};
use crate::exit;

pub(crate) fn run(cmd: &RulesCommand) -> Result<u8> {
    let mut out = String::new();
    match cmd {
        RulesCommand::Lint { files, format } => return lint(files, *format),
        RulesCommand::List {
            coverage: true,
            format,
            policies,
        } => {
            let benchmark = rampart_scan::load_benchmark(policies)?;
            let coverage = rampart_rules::coverage(&benchmark);
            match format {
                ListFormat::Json => out = serde_json::to_string_pretty(&coverage)? + "\n",
                ListFormat::Table => coverage_table(&coverage, &mut out),
            }
        }
        RulesCommand::List {
            coverage: false,
            format,
            policies,
        } => {
            let benchmark = rampart_scan::load_benchmark(policies)?;
            match format {
                ListFormat::Json => {
                    out = serde_json::to_string_pretty(benchmark.recommendations())? + "\n";
                }
                ListFormat::Table => list_table(&benchmark, &mut out),
            }
        }
        RulesCommand::Show { id, format } => {
            let benchmark = rampart_scan::load_benchmark(&[])?;
            let (index, recommendation) = find(&benchmark, id)?;
            match format {
                ListFormat::Json => {
                    let value = serde_json::json!({
                        "recommendation": recommendation,
                        "evaluation": benchmark.info(index),
                    });
                    out = serde_json::to_string_pretty(&value)? + "\n";
                }
                ListFormat::Table => show(&benchmark, index, recommendation, &mut out),
            }
        }
    }
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(out.as_bytes())?;
    lock.flush()?;
    Ok(exit::OK)
}

fn find<'b>(benchmark: &'b Benchmark, id: &str) -> Result<(usize, &'b Recommendation)> {
    if let Some(found) = benchmark.recommendation(id) {
        return Ok(found);
    }
    let lower = id.to_ascii_lowercase();
    let matches: Vec<_> = benchmark
        .recommendations()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.id.to_ascii_lowercase().starts_with(&lower))
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => bail!("no recommendation with id `{id}` (see `rampart rules list`)"),
        many => bail!(
            "`{id}` is ambiguous: {} recommendations start with it",
            many.len()
        ),
    }
}

fn list_table(benchmark: &Benchmark, out: &mut String) {
    let _ = writeln!(out, "{:<36}  {:<6}  {:<32}  TITLE", "ID", "SEV", "CONTROL");
    for recommendation in benchmark.recommendations() {
        let control = recommendation
            .controls
            .first()
            .and_then(|c| benchmark.control(c))
            .map_or("", |c| c.name);
        let preview = if recommendation.preview {
            " [preview]"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{:<36}  {:<6}  {:<32}  {}{preview}",
            recommendation.id,
            recommendation.severity.as_str(),
            truncate(control, 32),
            recommendation.title
        );
    }
    let _ = writeln!(
        out,
        "\n{} recommendations",
        benchmark.recommendations().len()
    );
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn show(benchmark: &Benchmark, index: usize, r: &Recommendation, out: &mut String) {
    let _ = writeln!(out, "{}\n", r.title);
    let _ = writeln!(out, "id:                    {}", r.id);
    let _ = writeln!(out, "severity:              {}", r.severity.as_str());
    for control in &r.controls {
        match benchmark.control(control) {
            Some(c) => {
                let _ = writeln!(
                    out,
                    "control:               {} ({} points)",
                    c.name, c.max_points
                );
            }
            None => {
                let _ = writeln!(out, "control:               {control}");
            }
        }
    }
    let _ = writeln!(out, "preview:               {}", r.preview);
    let _ = writeln!(out, "MCSB:                  {}", r.mcsb.join(", "));
    let _ = writeln!(
        out,
        "resource types:        {}",
        r.resource_types.join(", ")
    );
    let _ = writeln!(out, "user impact:           {:?}", r.user_impact);
    let _ = writeln!(out, "implementation effort: {:?}", r.implementation_effort);
    if !r.threats.is_empty() {
        let threats: Vec<String> = r.threats.iter().map(|t| format!("{t:?}")).collect();
        let _ = writeln!(out, "threats:               {}", threats.join(", "));
    }
    if let Some(info) = benchmark.info(index) {
        let _ = writeln!(out, "effect:                {}", info.effect);
        if !info.mode.is_empty() {
            let _ = writeln!(out, "mode:                  {}", info.mode);
        }
        let evaluator = match &info.evaluator {
            rampart_rules::Evaluator::Policy => "Azure Policy definition".to_owned(),
            rampart_rules::Evaluator::Native { rule_id } => format!("native rule {rule_id}"),
            rampart_rules::Evaluator::NotAssessed { reason } => format!("not assessed: {reason}"),
            rampart_rules::Evaluator::OffByPolicy => "off by policy (effect Disabled)".to_owned(),
        };
        let _ = writeln!(out, "evaluated by:          {evaluator}");
    }
    match &r.source {
        rampart_model::RecommendationSource::AzurePolicy {
            policy_definition_id,
            ..
        } => {
            let _ = writeln!(out, "policy definition:     {policy_definition_id}");
        }
        rampart_model::RecommendationSource::Native => {}
        rampart_model::RecommendationSource::Custom { file } => {
            let _ = writeln!(out, "custom policy file:    {file}");
        }
    }
    let _ = writeln!(out, "\nDescription\n  {}", r.description);
    let _ = writeln!(
        out,
        "\nRemediation\n  {}",
        r.remediation.replace('\n', "\n  ")
    );
}

fn coverage_table(coverage: &rampart_rules::Coverage, out: &mut String) {
    let _ = writeln!(
        out,
        "{:<17}  {:<13}  {:<26}  {:<44}  TITLE / REASON",
        "EFFECT", "STATUS", "MODE", "REFERENCE"
    );
    for entry in &coverage.entries {
        let _ = writeln!(
            out,
            "{:<17}  {:<13}  {:<26}  {:<44}  {}",
            entry.effect,
            entry.status.as_str(),
            entry.mode,
            truncate(entry.reference_id.as_deref().unwrap_or(&entry.id), 44),
            entry.title
        );
        let by = if entry.evaluated_by.is_empty() {
            String::new()
        } else {
            format!("by {}", entry.evaluated_by)
        };
        match &entry.reason {
            Some(reason) => {
                let _ = writeln!(
                    out,
                    "{:<106}  ↳ {by}{}{reason}",
                    "",
                    if by.is_empty() { "" } else { "; " }
                );
            }
            None if !by.is_empty() => {
                let _ = writeln!(out, "{:<106}  ↳ {by}", "");
            }
            None => {}
        }
    }
    let _ = writeln!(out, "\nTotals by effect and status:");
    for (effect, statuses) in &coverage.by_effect_and_status {
        let parts: Vec<String> = statuses
            .iter()
            .map(|(s, n)| format!("{} {n}", s.as_str()))
            .collect();
        let _ = writeln!(out, "  {effect:<17} {}", parts.join(", "));
    }
    let parts: Vec<String> = coverage
        .by_status
        .iter()
        .map(|(s, n)| format!("{} {n}", s.as_str()))
        .collect();
    let _ = writeln!(out, "  {:<17} {}", "all", parts.join(", "));
    let _ = writeln!(
        out,
        "  native rules evaluate {} recommendation(s)",
        coverage.native
    );
}

/// `rules lint`: per rule file, each document loaded or refused (with the engine's specific
/// reason) and rsigma-parser's spec and style findings. Exit 1 when any error.
fn lint(paths: &[std::path::PathBuf], format: ListFormat) -> Result<u8> {
    use rampart_sigma::DiagSeverity;
    let mut files = Vec::new();
    for p in paths {
        let found = crate::detect_cmd::rule_files(p)?;
        if found.is_empty() {
            bail!("no Sigma rule files (.yml, .yaml) in {}", p.display());
        }
        files.extend(found);
    }
    let mut texts = Vec::with_capacity(files.len());
    for f in &files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| anyhow::anyhow!("cannot read rule file {}: {e}", f.display()))?;
        texts.push((f.display().to_string(), text));
    }
    // Correlation rules are resolved only when an engine is built, and may reference rules
    // of other files: one engine over every file gives their refusals (per origin).
    let mut all = rampart_sigma::Engine::builder(rampart_sigma::Catalog::builtin());
    for (origin, text) in &texts {
        all.add_yaml(text, origin);
    }
    let all = all.build();
    let mut report = Vec::new();
    let (mut errors, mut warnings, mut loaded) = (0usize, 0usize, 0usize);
    for (origin, text) in &texts {
        let origin = origin.clone();
        let mut diags = rampart_sigma::lint(text, &origin);
        for e in all.load_errors().iter().filter(|e| e.origin == origin) {
            let code = e.reason.kind();
            let known = diags.iter().any(|d| {
                d.severity == DiagSeverity::Error && d.code == code && d.rule_id == e.rule_id
            });
            if !known {
                diags.push(rampart_sigma::Diagnostic {
                    origin: origin.clone(),
                    severity: DiagSeverity::Error,
                    rule_id: e.rule_id.clone(),
                    code: code.to_string(),
                    location: None,
                    message: e.reason.to_string(),
                });
            }
        }
        let n_err = diags
            .iter()
            .filter(|d| d.severity == DiagSeverity::Error)
            .count();
        // Documents the engine accepted from this file: its rules and correlation rules
        // minus the refused ones.
        let ok: Vec<String> = all
            .rules()
            .iter()
            .filter(|r| r.meta.origin == origin)
            .map(|r| r.meta.id.clone().unwrap_or_else(|| r.meta.title.clone()))
            .chain(
                all.correlations()
                    .iter()
                    .filter(|c| c.origin == origin)
                    .map(|c| c.id.clone().unwrap_or_else(|| c.title.clone())),
            )
            .collect();
        loaded += ok.len();
        errors += n_err;
        warnings += diags
            .iter()
            .filter(|d| d.severity == DiagSeverity::Warning)
            .count();
        report.push((origin, ok, diags));
    }
    match format {
        ListFormat::Json => {
            let value: Vec<_> = report
                .iter()
                .map(|(origin, ok, diags)| {
                    serde_json::json!({"file": origin, "loaded": ok, "diagnostics": diags})
                })
                .collect();
            out_write(&(serde_json::to_string_pretty(&value)? + "\n"))?;
        }
        ListFormat::Table => {
            let mut out = String::new();
            for (origin, ok, diags) in &report {
                for id in ok {
                    let _ = writeln!(out, "{origin}: loaded {id}");
                }
                for d in diags {
                    let sev = match d.severity {
                        DiagSeverity::Error => "error",
                        DiagSeverity::Warning => "warning",
                        DiagSeverity::Info => "info",
                    };
                    let id = d
                        .rule_id
                        .as_deref()
                        .map(|i| format!(" {i}"))
                        .unwrap_or_default();
                    let loc = d
                        .location
                        .as_deref()
                        .map(|l| format!(" at {l}"))
                        .unwrap_or_default();
                    let _ = writeln!(out, "{origin}: {sev}{id} [{}]{loc}: {}", d.code, d.message);
                }
            }
            let _ = writeln!(
                out,
                "{} files: {loaded} rules loaded, {errors} errors, {warnings} warnings",
                report.len()
            );
            out_write(&out)?;
        }
    }
    Ok(if errors > 0 {
        exit::GATE_FAILED
    } else {
        exit::OK
    })
}

fn out_write(text: &str) -> Result<()> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(text.as_bytes())?;
    lock.flush()?;
    Ok(())
}
