//! The terminal table: the score line, per-scope scores, each counted control's points / max and
//! potential increase (largest gain first, as Defender sorts them), the top unhealthy
//! recommendations (with their findings count when they have sub-assessments), the worst vulnerability
//! findings, the compliance summary and input problems. Plain text; ANSI colour only when
//! [`RenderOptions::color`] is set. Every string from the report is sanitised (control characters
//! replaced) so resource data cannot drive the terminal.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::io::Write;

use rampart_model::{Severity, SubAssessment};

use crate::render::common::{findings_summary, fit, pad, sanitize_text};
use crate::render::RenderOptions;
use crate::{ControlReport, Report, ReportError, Score};

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn severity(&self, s: Severity, text: &str) -> String {
        let code = match s {
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
        };
        self.wrap(code, text)
    }
    fn score(&self, pct: f64, text: &str) -> String {
        let code = if pct >= 80.0 {
            "32"
        } else if pct >= 50.0 {
            "33"
        } else {
            "31"
        };
        self.wrap(code, text)
    }
}

fn score_text(s: &Score) -> String {
    format!("{:.2} / {} ({:.2}%)", s.current, s.max, s.percentage)
}

fn by_potential(a: &&ControlReport, b: &&ControlReport) -> Ordering {
    b.potential_increase
        .partial_cmp(&a.potential_increase)
        .unwrap_or(Ordering::Equal)
        .then_with(|| a.name.cmp(&b.name))
}

/// The table as a string.
pub(crate) fn to_string(report: &Report, options: &RenderOptions) -> String {
    let p = Paint(options.color);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {}  secure score {}",
        p.bold("Rampart"),
        sanitize_text(&report.tool.version),
        p.score(report.score.percentage, &p.bold(&score_text(&report.score)))
    );
    let _ = writeln!(
        o,
        "{} resources in {} scope(s), {} recommendations, generated {}",
        report.input.resources,
        report.scopes.len(),
        report.recommendations.len(),
        report
            .generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );

    if report.scopes.len() > 1 {
        let _ = writeln!(o, "\n{}", p.bold("Scopes"));
        for s in &report.scopes {
            let label = match &s.name {
                Some(n) => format!("{} ({})", n, s.id),
                None => s.id.clone(),
            };
            let _ = writeln!(
                o,
                "  {} {} {}",
                pad(s.provider.as_str(), 6),
                pad(&fit(&label, 56), 56),
                p.score(s.score.percentage, &score_text(&s.score))
            );
        }
    }

    let mut controls: Vec<&ControlReport> = report.controls.iter().filter(|c| c.counted).collect();
    controls.sort_by(by_potential);
    let _ = writeln!(
        o,
        "\n{}",
        p.bold(&format!(
            "{}  {:>6}  {:>3}  {:>9}  {:>11}",
            pad("Controls", 44),
            "points",
            "max",
            "potential",
            "H/U/NA"
        ))
    );
    for c in &controls {
        let _ = writeln!(
            o,
            "  {}  {:>6.2}  {:>3}  {:>9}  {:>11}",
            pad(&fit(&c.name, 42), 42),
            c.current,
            c.max,
            format!("+{:.2}", c.potential_increase),
            format!("{}/{}/{}", c.healthy, c.unhealthy, c.not_applicable)
        );
    }
    let uncounted = report.controls.iter().filter(|c| !c.counted).count();
    if uncounted > 0 {
        let _ = writeln!(
            o,
            "  ({uncounted} control(s) without healthy or unhealthy resources: not counted)"
        );
    }

    let mut unhealthy: Vec<_> = report
        .recommendations
        .iter()
        .filter(|r| r.unhealthy > 0)
        .collect();
    unhealthy.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.unhealthy.cmp(&a.unhealthy))
            .then_with(|| a.title.cmp(&b.title))
    });
    if !unhealthy.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            p.bold(&format!(
                "Top unhealthy recommendations ({} of {})",
                unhealthy.len().min(options.table_top),
                unhealthy.len()
            ))
        );
        for r in unhealthy.iter().take(options.table_top) {
            let mut flags = String::new();
            if r.preview {
                flags.push_str(" [preview]");
            }
            if r.custom {
                flags.push_str(" [custom]");
            }
            let findings = if r.sub_assessments.is_empty() {
                String::new()
            } else {
                let all: Vec<SubAssessment> =
                    r.sub_assessments.values().flatten().cloned().collect();
                format!(", {}", findings_summary(&all))
            };
            let _ = writeln!(
                o,
                "  {} {} {:>4} unhealthy{findings}",
                p.severity(r.severity, &pad(r.severity.as_str(), 6)),
                pad(&fit(&format!("{}{flags}", r.title), 70), 70),
                r.unhealthy
            );
        }
    }

    vulnerability_section(&mut o, report, options, &p);

    if !report.groups.is_empty() {
        for g in &report.groups {
            let _ = writeln!(o, "\n{}", p.bold(&format!("By {}", sanitize_text(&g.by))));
            for v in &g.values {
                let _ = writeln!(
                    o,
                    "  {} {:>5} resources  {}",
                    pad(&fit(&v.value, 40), 40),
                    v.resources,
                    p.score(v.score.percentage, &score_text(&v.score))
                );
            }
        }
    }

    if !report.compliance.is_empty() {
        let _ = writeln!(o, "\n{}", p.bold("Compliance"));
        for s in &report.compliance {
            let pct = s
                .pass_percentage
                .map_or_else(|| "   n/a".to_owned(), |x| format!("{x:>5.1}%"));
            let _ = writeln!(
                o,
                "  {} {:<11} {}  passed {} failed {} skipped {} unsupported {}",
                pad(&fit(&s.name, 48), 48),
                s.state.as_str(),
                pct,
                s.passed_controls,
                s.failed_controls,
                s.skipped_controls,
                s.unsupported_controls
            );
        }
    }

    let i = &report.input;
    let _ = writeln!(
        o,
        "\nInput: {} file(s), {} resources, {} skipped record(s), {} error(s); exemptions: {} applied, {} expired",
        i.files.len(),
        i.resources,
        i.skipped_records,
        i.errors.len(),
        report.exemptions.applied,
        report.exemptions.expired.len()
    );
    for e in i.errors.iter().take(5) {
        let at = e
            .line
            .map_or_else(|| e.file.clone(), |l| format!("{}:{l}", e.file));
        let _ = writeln!(o, "  {}: {}", sanitize_text(&at), fit(&e.message, 100));
    }
    if i.errors.len() > 5 {
        let _ = writeln!(
            o,
            "  ... and {} more (see --format json)",
            i.errors.len() - 5
        );
    }
    for x in &report.exemptions.expired {
        let _ = writeln!(
            o,
            "  expired exemption {} (expired {})",
            fit(&x.name, 60),
            sanitize_text(&x.expires_on)
        );
    }
    o
}

/// "Vulnerability findings": the findings that count, worst first (severity, then CVSS), with the
/// resource they are on and the fix; only when the report has sub-assessments.
fn vulnerability_section(o: &mut String, report: &Report, options: &RenderOptions, p: &Paint) {
    let mut rows: Vec<(&SubAssessment, &str)> = Vec::new();
    for rec in &report.recommendations {
        if rec.sub_assessments.is_empty() {
            continue;
        }
        for (i, _) in rec.resources.iter().enumerate() {
            if let Some(view) = report.result_in(rec, i) {
                rows.extend(
                    view.sub_assessments
                        .iter()
                        .filter(|s| s.counts())
                        .map(|s| (s, view.name)),
                );
            }
        }
    }
    if rows.is_empty() {
        return;
    }
    rows.sort_by(|a, b| {
        b.0.severity
            .cmp(&a.0.severity)
            .then(b.0.max_cvss().cmp(&a.0.max_cvss()))
            .then_with(|| a.0.id.cmp(&b.0.id))
            .then_with(|| a.1.cmp(b.1))
    });
    let _ = writeln!(
        o,
        "\n{}",
        p.bold(&format!(
            "Vulnerability findings ({} of {})",
            rows.len().min(options.table_top),
            rows.len()
        ))
    );
    for (sub, resource) in rows.iter().take(options.table_top) {
        let d = &sub.additional_data;
        let fix = d.fixed_version.as_deref().unwrap_or("no fix");
        let _ = writeln!(
            o,
            "  {} {} {} {} -> {}  on {}",
            pad(sub.severity.as_str(), 8),
            pad(&fit(&sub.id, 20), 20),
            fit(&d.package_name, 30),
            fit(&d.version, 30),
            fit(fix, 30),
            fit(resource, 60)
        );
    }
}

pub(crate) fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    out.write_all(to_string(report, options).as_bytes())
        .map_err(ReportError::io("table"))
}
