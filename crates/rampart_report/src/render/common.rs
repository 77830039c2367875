//! Helpers shared by the renderers: stable fingerprints, severity scales, text sanitising.

use rampart_model::{FindingSeverity, Provider, Severity, SubAssessment};

use crate::{RecommendationReport, ResourceResultView};

/// FNV-1a 64-bit: a stable, dependency-free hash for fingerprints. Not cryptographic: fingerprints
/// only need to be stable across runs and versions (the algorithm is fixed by this invariant).
pub(crate) fn fnv1a64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // A separator byte that cannot occur in UTF-8 keeps ("ab","c") and ("a","bc") apart.
            h ^= 0xff;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in part.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The stable identity of one finding: recommendation id + resource id (case-folded, since ARM ids
/// are case-insensitive). Used for SARIF `partialFingerprints` and the OCSF finding uid.
pub(crate) fn finding_fingerprint(
    rec: &RecommendationReport,
    res: &ResourceResultView<'_>,
) -> String {
    format!("{:016x}", fnv1a64(&[&rec.id, &res.id.to_ascii_lowercase()]))
}

/// GitHub code scanning's numeric `security-severity` (0.0–10.0, as a string) per severity band.
pub(crate) fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.0",
        Severity::Medium => "5.0",
        Severity::Low => "2.0",
    }
}

/// The OCSF cloud provider name.
pub(crate) fn ocsf_provider(p: Provider) -> &'static str {
    match p {
        Provider::Aws => "AWS",
        Provider::Azure => "Azure",
        Provider::Gcp => "GCP",
        Provider::Kubernetes => "Kubernetes",
        Provider::Host => "Host",
    }
}

/// Replaces control characters (terminal escape sequences in attacker-controlled names) so plain
/// text output cannot drive the terminal.
pub(crate) fn sanitize_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Shortens to `width` characters, ending with `…` when cut. Also sanitises.
pub(crate) fn fit(s: &str, width: usize) -> String {
    let s = sanitize_text(s);
    if s.chars().count() <= width {
        return s;
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Left-aligns `s` in `width` columns (by characters; the renderers emit no wide glyphs of their own).
pub(crate) fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_owned()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

/// The stable identity of one vulnerability finding under a result: recommendation, resource
/// (case-folded), advisory id, package and installed version.
pub(crate) fn sub_fingerprint(
    rec: &RecommendationReport,
    res: &ResourceResultView<'_>,
    sub: &SubAssessment,
) -> String {
    format!(
        "{:016x}",
        fnv1a64(&[
            &rec.id,
            &res.id.to_ascii_lowercase(),
            &sub.id,
            &sub.additional_data.package_name,
            &sub.additional_data.version,
        ])
    )
}

/// `N findings (1 Critical, 2 High), M ignored`: what a result's sub-assessments add up to (only
/// those that count are broken down by severity).
pub(crate) fn findings_summary(subs: &[SubAssessment]) -> String {
    let order = [
        FindingSeverity::Critical,
        FindingSeverity::High,
        FindingSeverity::Medium,
        FindingSeverity::Low,
        FindingSeverity::Unknown,
    ];
    let open = subs.iter().filter(|s| s.counts()).count();
    let parts: Vec<String> = order
        .iter()
        .filter_map(|sev| {
            let n = subs
                .iter()
                .filter(|s| s.counts() && s.severity == *sev)
                .count();
            (n > 0).then(|| format!("{n} {}", sev.as_str()))
        })
        .collect();
    let mut out = format!("{open} finding{}", if open == 1 { "" } else { "s" });
    if !parts.is_empty() {
        out.push_str(&format!(" ({})", parts.join(", ")));
    }
    let ignored = subs.len() - open;
    if ignored > 0 {
        out.push_str(&format!(", {ignored} ignored"));
    }
    out
}

/// `9.8`-style numeric severity for code-scanning platforms: the finding's highest CVSS base score,
/// else its severity band's midpoint.
pub(crate) fn finding_security_severity(sub: &SubAssessment) -> String {
    if let Some(score) = sub.max_cvss() {
        return score.to_string();
    }
    match sub.severity {
        FindingSeverity::Critical => "9.5",
        FindingSeverity::High => "8.0",
        FindingSeverity::Medium => "5.0",
        FindingSeverity::Low => "2.0",
        FindingSeverity::Unknown => "0.0",
    }
    .to_owned()
}
