//! The terminal table: the score line, per-scope scores, each counted control's points / max and
//! potential increase (largest gain first, as Defender sorts them), the top unhealthy
//! recommendations, the compliance summary and input problems. Plain text; ANSI colour only when
//! [`RenderOptions::color`] is set. Every string from the report is sanitised (control characters
//! replaced) so resource data cannot drive the terminal.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::io::Write;

use rampart_model::Severity;

use crate::render::common::{fit, pad, sanitize_text};
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
            let _ = writeln!(
                o,
                "  {} {} {:>4} unhealthy",
                p.severity(r.severity, &pad(r.severity.as_str(), 6)),
                pad(&fit(&format!("{}{flags}", r.title), 70), 70),
                r.unhealthy
            );
        }
    }

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

pub(crate) fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    out.write_all(to_string(report, options).as_bytes())
        .map_err(ReportError::io("table"))
}
