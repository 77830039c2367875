//! `rampart scan` and `rampart score explain`: run the façade, render, apply the gates.

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};
use rampart_model::{Severity, Status};
use rampart_report::{Format, RenderOptions, Report};
use rampart_scan::{Grouping, ScanRequest};

use crate::cli::{OutputFormat, ScanArgs, SeverityArg};
use crate::exit;
use crate::progress::Progress;
use crate::write_output;

pub(crate) fn run(args: &ScanArgs) -> Result<u8> {
    let report = scan(args)?;
    let format = match args.format {
        OutputFormat::Table => Format::Table,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Ocsf => Format::Ocsf,
        OutputFormat::Csv => Format::Csv,
        OutputFormat::Html => Format::Html,
    };
    let options = RenderOptions {
        // Colour only for a terminal reading the table directly.
        color: args.output.is_none() && std::io::stdout().is_terminal(),
        compact_json: args.compact,
        ..RenderOptions::default()
    };
    let started = std::time::Instant::now();
    write_output(args.output.as_deref(), |out| {
        rampart_report::render_with(&report, format, &options, out).map_err(Into::into)
    })?;
    tracing::debug!(%format, render_ms = started.elapsed().as_millis(), "report written");
    Ok(gates(args, &report))
}

pub(crate) fn explain(args: &ScanArgs) -> Result<u8> {
    let report = scan(args)?;
    write_output(args.output.as_deref(), |out| {
        out.write_all(rampart_report::render_explain(&report).as_bytes())?;
        Ok(())
    })?;
    Ok(gates(args, &report))
}

fn scan(args: &ScanArgs) -> Result<Report> {
    let group_by = args
        .group_by
        .iter()
        .map(|g| {
            g.parse::<Grouping>()
                .with_context(|| format!("--group-by {g}"))
        })
        .collect::<Result<Vec<_>>>()?;
    let request = ScanRequest {
        inputs: args.inputs.clone(),
        demo: args.demo,
        exemptions: args.exemptions.clone(),
        policies: args.policies.clone(),
        group_by,
        keep_going: args.keep_going,
        now: chrono::Utc::now(),
        parse_workers: None,
    };
    let progress = Progress::new(!args.no_progress);
    progress.message("reading and assessing");
    let result = rampart_scan::scan(&request, &mut |n| progress.set(n));
    progress.finish();
    Ok(result?)
}

/// Exit code from `--fail-under` / `--fail-on`; reasons go to stderr.
fn gates(args: &ScanArgs, report: &Report) -> u8 {
    let mut failed = false;
    if let Some(threshold) = args.fail_under {
        if report.score.percentage < threshold {
            let _ = writeln!(
                std::io::stderr(),
                "gate failed: secure score {:.2}% is below --fail-under {threshold}",
                report.score.percentage
            );
            failed = true;
        }
    }
    if let Some(min) = args.fail_on {
        let min = match min {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
        };
        let offending: Vec<_> = report
            .recommendations
            .iter()
            .filter(|r| {
                r.severity >= min && r.resources.iter().any(|x| x.status == Status::Unhealthy)
            })
            .collect();
        if !offending.is_empty() {
            let n_resources: u64 = offending.iter().map(|r| r.unhealthy).sum();
            let _ = writeln!(
                std::io::stderr(),
                "gate failed: {} recommendation(s) of severity {} or higher have {n_resources} unhealthy resource(s)",
                offending.len(),
                min.as_str()
            );
            failed = true;
        }
    }
    if failed {
        exit::GATE_FAILED
    } else {
        exit::OK
    }
}
