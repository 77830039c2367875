//! One self-contained HTML page: inline CSS and inline SVG only (no script, no external asset, so
//! it opens offline and under a strict CSP). Every string from the report goes through [`esc`]:
//! resource names, reasons and tags are attacker-controlled.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::io::Write;

use rampart_model::{Severity, Status, SubAssessment};

use crate::render::common::{findings_summary, fit};
use crate::render::RenderOptions;
use crate::{ControlReport, RecommendationReport, Report, ReportError, Score};

/// Non-healthy resources listed per recommendation; beyond it the page says how many are hidden, so
/// a 100k-resource estate still gives a page a browser opens.
const HTML_MAX_RESOURCES: usize = 200;

/// HTML-escapes text for element content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn score_color(pct: f64) -> &'static str {
    if pct >= 80.0 {
        "#2e7d32"
    } else if pct >= 50.0 {
        "#b26a00"
    } else {
        "#c62828"
    }
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::High => "sev-high",
        Severity::Medium => "sev-medium",
        Severity::Low => "sev-low",
    }
}

const CSS: &str = r"
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:0;background:#f4f6f8;color:#1c2330;font-size:14px}
header{background:#16233a;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px;font-weight:600}
header .meta{opacity:.8;margin-top:4px;font-size:13px}
main{padding:20px 32px;max-width:1280px;margin:auto}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:16px 20px;margin-bottom:18px}
h2{font-size:17px;margin:0 0 12px 0}
.summary{display:flex;gap:24px;align-items:center;flex-wrap:wrap}
.gauge{text-align:center}
.gauge .label{font-size:13px;color:#555}
.facts{display:grid;grid-template-columns:auto auto;gap:4px 16px;font-size:13px}
.facts dt{color:#555}
.facts dd{margin:0;font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e7ec;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:#555;background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.sev-high{background:#c62828}.sev-medium{background:#d17b00}.sev-low{background:#2f6db3}
.tag{display:inline-block;padding:0 6px;border-radius:4px;font-size:11px;background:#e8ecf1;color:#333;margin-left:4px}
.st-Passed{color:#2e7d32;font-weight:600}.st-Failed{color:#c62828;font-weight:600}.st-Skipped,.st-Unsupported{color:#777}
.bar{background:#e3e7ec;border-radius:3px;height:10px;width:160px;display:inline-block;vertical-align:middle}
.bar span{display:block;height:10px;border-radius:3px}
details summary{cursor:pointer;color:#2f6db3}
details table{margin-top:6px;font-size:12px;table-layout:fixed}
details td{overflow-wrap:break-word}
.muted{color:#666}
code{font-size:12px;word-break:break-all}
.ctl{font-size:12px;color:#555}
";

fn gauge(score: &Score) -> String {
    let r = 54.0_f64;
    let c = 2.0 * std::f64::consts::PI * r;
    let filled = (score.percentage.clamp(0.0, 100.0) / 100.0) * c;
    let color = score_color(score.percentage);
    format!(
        r##"<svg width="160" height="160" viewBox="0 0 160 160" role="img" aria-label="secure score {pct:.2} percent">
<circle cx="80" cy="80" r="{r}" fill="none" stroke="#e3e7ec" stroke-width="16"/>
<circle cx="80" cy="80" r="{r}" fill="none" stroke="{color}" stroke-width="16" stroke-dasharray="{filled:.2} {c:.2}" transform="rotate(-90 80 80)"/>
<text x="80" y="78" text-anchor="middle" font-size="26" font-weight="700" fill="{color}">{pct:.0}%</text>
<text x="80" y="100" text-anchor="middle" font-size="13" fill="#555">{cur:.2} / {max}</text>
</svg>"##,
        pct = score.percentage,
        cur = score.current,
        max = score.max,
    )
}

fn control_chart(controls: &[ControlReport]) -> String {
    let mut rows: Vec<&ControlReport> = controls.iter().filter(|c| c.counted).collect();
    rows.sort_by(|a, b| {
        b.potential_increase
            .partial_cmp(&a.potential_increase)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.name.cmp(&b.name))
    });
    if rows.is_empty() {
        return "<p class=\"muted\">No control has healthy or unhealthy resources.</p>".to_owned();
    }
    let max_points = rows.iter().map(|c| c.max).max().unwrap_or(1).max(1);
    let (label_w, bar_w, row_h) = (330.0_f64, 520.0_f64, 26.0_f64);
    let scale = bar_w / f64::from(max_points);
    let height = row_h * rows.len() as f64 + 24.0;
    let mut s = format!(
        r#"<svg width="100%" viewBox="0 0 1000 {height}" role="img" aria-label="controls: current points versus max points" font-size="13">"#
    );
    for (i, c) in rows.iter().enumerate() {
        let y = 6.0 + row_h * i as f64;
        let max_w = f64::from(c.max) * scale;
        let cur_w = c.current * scale;
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" fill="#1c2330">{name}</text><rect x="{bx}" y="{y}" width="{max_w:.1}" height="16" rx="3" fill="#e3e7ec"/><rect x="{bx}" y="{y}" width="{cur_w:.1}" height="16" rx="3" fill="{color}"/><text x="{vx:.1}" y="{ty}" fill="#333">{cur:.2} / {max}  (+{pot:.2})</text>"##,
            lx = label_w - 8.0,
            ty = y + 12.5,
            name = esc(&fit(&c.name, 48)),
            bx = label_w,
            color = score_color(c.percentage),
            vx = label_w + max_w + 8.0,
            cur = c.current,
            max = c.max,
            pot = c.potential_increase,
        );
    }
    let _ = write!(
        s,
        r##"<text x="{x}" y="{y}" fill="#666" font-size="11">bar = max points; fill = current points; (+n) = potential increase</text></svg>"##,
        x = label_w,
        y = height - 4.0
    );
    s
}

fn mini_bar(pct: f64) -> String {
    format!(
        r#"<span class="bar"><span style="width:{w:.1}%;background:{c}"></span></span>"#,
        w = pct.clamp(0.0, 100.0),
        c = score_color(pct)
    )
}

/// The findings (sub-assessments) of one result: a collapsed nested table under its row.
fn findings_rows(o: &mut String, subs: &[SubAssessment]) {
    let _ = write!(
        o,
        "<tr><td></td><td colspan=\"5\"><details><summary>{}</summary><table><tr><th>Finding</th><th>Severity</th><th>Package</th><th>Installed</th><th>Fixed</th><th>Status</th></tr>",
        esc(&findings_summary(subs))
    );
    for sub in subs {
        let d = &sub.additional_data;
        let status = match sub.status.cause {
            Some(cause) => format!(
                "{} ({}): {}",
                sub.status.code.as_str(),
                cause.as_str(),
                sub.status.description.as_deref().unwrap_or("")
            ),
            None => sub.status.code.as_str().to_owned(),
        };
        let _ = write!(
            o,
            r#"<tr><td><strong>{id}</strong><br>{title}</td><td>{sev}</td><td>{pkg}<br><span class="muted">{eco}</span></td><td><code>{ver}</code></td><td><code>{fix}</code></td><td>{status}</td></tr>"#,
            id = esc(&sub.id),
            title = esc(&sub.display_name),
            sev = esc(sub.severity.as_str()),
            pkg = esc(&d.package_name),
            eco = esc(&d.ecosystem),
            ver = esc(&d.version),
            fix = esc(d.fixed_version.as_deref().unwrap_or("no fix")),
            status = esc(&status),
        );
    }
    o.push_str("</table></details></td></tr>");
}

fn recommendation_row(o: &mut String, report: &Report, rec: &RecommendationReport) {
    let mut flags = String::new();
    if rec.preview {
        flags.push_str(r#"<span class="tag">preview</span>"#);
    }
    if rec.custom {
        flags.push_str(r#"<span class="tag">custom</span>"#);
    }
    for m in &rec.mcsb {
        let _ = write!(flags, r#"<span class="tag">{}</span>"#, esc(m));
    }
    let _ = write!(
        o,
        r#"<tr><td><span class="badge {cls}">{sev}</span></td><td><strong>{title}</strong>{flags}<div class="ctl">{control}</div>"#,
        cls = severity_class(rec.severity),
        sev = rec.severity.as_str(),
        title = esc(&rec.title),
        control = esc(&rec.control),
    );
    let listed = rec
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status != Status::Healthy);
    let n_listed = listed.clone().count();
    let hidden = n_listed.saturating_sub(HTML_MAX_RESOURCES);
    if n_listed > 0 {
        let _ = write!(
            o,
            "<details><summary>{} unhealthy, {} not applicable</summary><table><colgroup><col style=\"width:13%\"><col style=\"width:37%\"><col style=\"width:17%\"><col style=\"width:12%\"><col style=\"width:9%\"><col style=\"width:22%\"></colgroup><tr><th>Status</th><th>Resource</th><th>Type</th><th>Scope</th><th>Region</th><th>Reason</th></tr>",
            rec.unhealthy, rec.not_applicable
        );
        for r in listed
            .take(HTML_MAX_RESOURCES)
            .map(|(i, e)| report.result_in(rec, i).unwrap_or_else(|| report.result(e)))
        {
            let status = match r.cause {
                Some(cause) => format!("{} ({})", r.status.as_str(), cause.as_str()),
                None => r.status.as_str().to_owned(),
            };
            let _ = write!(
                o,
                r#"<tr><td>{status}</td><td><strong>{name}</strong><br><code>{id}</code></td><td>{ty}</td><td>{scope}</td><td>{region}</td><td>{reason}</td></tr>"#,
                status = esc(&status),
                name = esc(r.name),
                id = esc(r.id),
                ty = esc(r.resource_type),
                scope = esc(r.scope),
                region = esc(r.region.unwrap_or("")),
                reason = esc(r.reason.unwrap_or("")),
            );
            if !r.sub_assessments.is_empty() {
                findings_rows(o, r.sub_assessments);
            }
        }
        if hidden > 0 {
            let _ = write!(
                o,
                "<tr><td colspan=\"6\" class=\"muted\">... and {hidden} more (the csv and json formats list every resource)</td></tr>"
            );
        }
        o.push_str("</table></details>");
    }
    let _ = writeln!(
        o,
        r#"</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
        rec.unhealthy, rec.healthy, rec.not_applicable
    );
}

/// The page as a string.
pub(crate) fn to_string(report: &Report) -> String {
    let mut o = String::new();
    let generated = report
        .generated_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
<title>Rampart security report</title><style>{CSS}</style></head><body>\n<header><h1>Rampart security report</h1><div class=\"meta\">{} {} · generated {}</div></header>\n<main>\n",
        esc(&report.tool.name),
        esc(&report.tool.version),
        esc(&generated)
    );

    // Summary: gauge + facts.
    let unhealthy_findings: u64 = report.recommendations.iter().map(|r| r.unhealthy).sum();
    let _ = writeln!(
        o,
        "<section><h2>Secure score</h2><div class=\"summary\"><div class=\"gauge\">{}<div class=\"label\">overall, {} scope(s)</div></div><dl class=\"facts\">\
<dt>Resources</dt><dd>{}</dd><dt>Recommendations</dt><dd>{}</dd><dt>Unhealthy findings</dt><dd>{}</dd>\
<dt>Input files</dt><dd>{}</dd><dt>Skipped records</dt><dd>{}</dd><dt>Exemptions applied</dt><dd>{}</dd><dt>Expired exemptions</dt><dd>{}</dd></dl></div></section>",
        gauge(&report.score),
        report.scopes.len(),
        report.input.resources,
        report.recommendations.len(),
        unhealthy_findings,
        report.input.files.len(),
        report.input.skipped_records,
        report.exemptions.applied,
        report.exemptions.expired.len()
    );

    // Scopes.
    o.push_str("<section><h2>Scopes</h2><table><tr><th>Provider</th><th>Scope</th><th class=\"num\">Resources</th><th class=\"num\">Score</th><th></th><th class=\"num\">%</th></tr>\n");
    for s in &report.scopes {
        let label = match &s.name {
            Some(n) => format!("<strong>{}</strong> <code>{}</code>", esc(n), esc(&s.id)),
            None => format!("<code>{}</code>", esc(&s.id)),
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{label}</td><td class=\"num\">{}</td><td class=\"num\">{:.2} / {}</td><td>{}</td><td class=\"num\">{:.2}%</td></tr>",
            s.provider.as_str(),
            s.resources,
            s.score.current,
            s.score.max,
            mini_bar(s.score.percentage),
            s.score.percentage
        );
    }
    o.push_str("</table></section>\n");

    // Controls chart.
    let _ = writeln!(
        o,
        "<section><h2>Security controls</h2>{}</section>",
        control_chart(&report.controls)
    );

    // Groups.
    for g in &report.groups {
        let _ = write!(
            o,
            "<section><h2>Score by {}</h2><table><tr><th>Value</th><th class=\"num\">Resources</th><th class=\"num\">Score</th><th></th><th class=\"num\">%</th></tr>",
            esc(&g.by)
        );
        for v in &g.values {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2} / {}</td><td>{}</td><td class=\"num\">{:.2}%</td></tr>",
                esc(&v.value),
                v.resources,
                v.score.current,
                v.score.max,
                mini_bar(v.score.percentage),
                v.score.percentage
            );
        }
        o.push_str("</table></section>\n");
    }

    // Recommendations: unhealthy first, by severity.
    let mut recs: Vec<&RecommendationReport> = report.recommendations.iter().collect();
    recs.sort_by(|a, b| {
        (b.unhealthy > 0)
            .cmp(&(a.unhealthy > 0))
            .then(b.severity.cmp(&a.severity))
            .then(b.unhealthy.cmp(&a.unhealthy))
            .then_with(|| a.title.cmp(&b.title))
    });
    o.push_str("<section><h2>Recommendations</h2><table><tr><th>Severity</th><th>Recommendation</th><th class=\"num\">Unhealthy</th><th class=\"num\">Healthy</th><th class=\"num\">N/A</th></tr>\n");
    for rec in recs {
        recommendation_row(&mut o, report, rec);
    }
    o.push_str("</table></section>\n");

    // Compliance.
    if !report.compliance.is_empty() {
        o.push_str("<section><h2>Regulatory compliance</h2><table><tr><th>Standard</th><th>State</th><th class=\"num\">Passed</th><th class=\"num\">Failed</th><th class=\"num\">Skipped</th><th class=\"num\">Unsupported</th><th class=\"num\">Pass rate</th></tr>\n");
        for s in &report.compliance {
            let rate = s.pass_percentage.map_or_else(
                || "<span class=\"muted\">n/a</span>".to_owned(),
                |p| format!("{} {p:.2}%", mini_bar(p)),
            );
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"st-{st}\">{st}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{rate}</td></tr>",
                esc(&s.name),
                s.passed_controls,
                s.failed_controls,
                s.skipped_controls,
                s.unsupported_controls,
                st = s.state.as_str(),
            );
        }
        o.push_str("</table></section>\n");
    }

    // Input problems and expired exemptions.
    if !report.input.errors.is_empty() || !report.exemptions.expired.is_empty() {
        o.push_str("<section><h2>Input problems and expired exemptions</h2><table><tr><th>Where</th><th>What</th></tr>");
        for e in &report.input.errors {
            let at = e
                .line
                .map_or_else(|| e.file.clone(), |l| format!("{}:{l}", e.file));
            let _ = write!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                esc(&at),
                esc(&e.message)
            );
        }
        for x in &report.exemptions.expired {
            let _ = write!(
                o,
                "<tr><td><code>{}</code></td><td>exemption <strong>{}</strong> expired on {}; it no longer applies</td></tr>",
                esc(x.file.as_deref().unwrap_or("exemptions")),
                esc(&x.name),
                esc(&x.expires_on)
            );
        }
        o.push_str("</table></section>\n");
    }
    o.push_str("</main></body></html>\n");
    o
}

pub(crate) fn render(
    report: &Report,
    _options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    out.write_all(to_string(report).as_bytes())
        .map_err(ReportError::io("html"))
}
