//! `rampart score explain`: every intermediate of the secure score, per scope, aggregated and per
//! group, so a user can recompute each number by hand (Defender's UI cannot be recomputed; ours can).

use std::fmt::Write as _;

use crate::render::common::{fit, pad, sanitize_text};
use crate::{ControlReport, Report, Score};

fn table(o: &mut String, title: &str, score: &Score, controls: &[ControlReport]) {
    let weight: u64 = controls
        .iter()
        .filter(|c| c.counted)
        .map(|c| c.healthy + c.unhealthy)
        .sum();
    let _ = writeln!(
        o,
        "\n{title}\n  score = {:.2} / {} = {:.2}%   (weight H+U = {weight})",
        score.current, score.max, score.percentage
    );
    if controls.is_empty() {
        let _ = writeln!(o, "  (no per-control detail)");
        return;
    }
    let _ = writeln!(
        o,
        "  {} {:>3} {:>5} {:>5} {:>5} {:>8} {:>8} {:>9}  counted",
        pad("control", 42),
        "max",
        "H",
        "U",
        "NA",
        "pts/res",
        "current",
        "potential"
    );
    let (mut sum_current, mut sum_potential, mut sum_max) = (0.0, 0.0, 0u32);
    for c in controls {
        let _ = writeln!(
            o,
            "  {} {:>3} {:>5} {:>5} {:>5} {:>8.2} {:>8.2} {:>9.2}  {}",
            pad(&fit(&c.name, 42), 42),
            c.max,
            c.healthy,
            c.unhealthy,
            c.not_applicable,
            c.points_per_resource,
            c.current,
            c.potential_increase,
            if c.counted { "yes" } else { "no (H+U = 0)" }
        );
        if c.counted {
            sum_current += c.current;
            sum_potential += c.potential_increase;
            sum_max += c.max;
        }
    }
    let _ = writeln!(
        o,
        "  {} {:>3} {:>5} {:>5} {:>5} {:>8} {:>8.2} {:>9.2}",
        pad("Σ counted controls", 42),
        sum_max,
        "",
        "",
        "",
        "",
        sum_current,
        sum_potential
    );
}

/// The explanation text.
pub(crate) fn explain(report: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Secure score explained (Defender's classic model)");
    let _ = writeln!(o, "  per control: points per resource = max / (H + U)");
    let _ = writeln!(o, "               current   = max × H / (H + U)");
    let _ = writeln!(o, "               potential = max × U / (H + U)");
    let _ = writeln!(
        o,
        "  a control with H + U = 0 counts neither current nor max"
    );
    let _ = writeln!(
        o,
        "  score = Σ current / Σ max over counted controls (× 100 for %)"
    );
    let _ = writeln!(
        o,
        "  aggregate: per control, H and U are summed over scopes before the formula"
    );
    let _ = writeln!(
        o,
        "  (H = healthy on every recommendation of the control, U = unhealthy on at"
    );
    let _ = writeln!(
        o,
        "   least one, NA = not applicable on all; preview and custom recommendations"
    );
    let _ = writeln!(o, "   never count; values shown rounded to 2 decimals)");

    for s in &report.scopes {
        let label = match &s.name {
            Some(n) => format!(
                "Scope {} {} ({})",
                s.provider,
                sanitize_text(n),
                sanitize_text(&s.id)
            ),
            None => format!("Scope {} {}", s.provider, sanitize_text(&s.id)),
        };
        table(&mut o, &label, &s.score, &s.controls);
    }
    table(
        &mut o,
        "Aggregate (all scopes)",
        &report.score,
        &report.controls,
    );
    for g in &report.groups {
        for v in &g.values {
            let title = format!(
                "Group {} = {}",
                sanitize_text(&g.by),
                sanitize_text(&v.value)
            );
            table(&mut o, &title, &v.score, &v.controls);
        }
    }
    o
}
