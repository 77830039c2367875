//! Coverage: every Audit/Deny reference evaluates; the rest evaluate or say why not.

use rampart_rules::{coverage, CoverageStatus};

#[test]
fn audit_and_deny_references_all_evaluate() {
    let c = coverage(super::builtin());
    // The initiative's 223 references, plus the native-only recommendations (no policy behind them:
    // the vulnerability recommendations on scanned images and machines).
    let references = c
        .entries
        .iter()
        .filter(|e| e.reference_id.is_some())
        .count();
    assert_eq!(references, 223);
    let native_only: Vec<&str> = c
        .entries
        .iter()
        .filter(|e| e.reference_id.is_none())
        .map(|e| e.evaluated_by.as_str())
        .collect();
    assert_eq!(native_only, ["native:VULN-001", "native:VULN-002"]);
    for e in &c.entries {
        if e.effect == "Audit" || e.effect == "Deny" {
            assert_eq!(
                e.status,
                CoverageStatus::Evaluated,
                "{} ({}): {:?}",
                e.title,
                e.effect,
                e.reason
            );
        }
        assert!(
            !e.reason
                .as_deref()
                .unwrap_or_default()
                .contains("does not compile"),
            "{}: {:?}",
            e.title,
            e.reason
        );
        if e.status != CoverageStatus::Evaluated {
            assert!(
                e.reason.as_deref().is_some_and(|r| !r.is_empty()),
                "{}: no reason",
                e.title
            );
        }
    }
}

#[test]
fn native_rules_replace_not_assessed_references() {
    let c = coverage(super::builtin());
    let native: Vec<&str> = c
        .entries
        .iter()
        .filter(|e| e.evaluated_by.starts_with("native:"))
        .map(|e| e.evaluated_by.as_str())
        .collect();
    // 10 Azure rules (an 11th, subnets, is off by policy) + 16 Kubernetes data-plane rules + the 2
    // native-only vulnerability recommendations.
    assert_eq!(native.len(), 28, "{native:?}");
    assert_eq!(c.native, 28);
    let subnets = c
        .entries
        .iter()
        .find(|e| e.id == "e71308d3-144b-4262-b144-efdc3cc90517")
        .expect("subnets");
    assert_eq!(subnets.status, CoverageStatus::OffByPolicy);
}

#[test]
fn coverage_snapshot() {
    let c = coverage(super::builtin());
    let mut lines: Vec<String> = c
        .entries
        .iter()
        .map(|e| {
            format!(
                "{} | {} | {} | {} | {} | {} | {}",
                e.reference_id.as_deref().unwrap_or("-"),
                e.title,
                e.effect,
                e.mode,
                e.status.as_str(),
                e.evaluated_by,
                e.reason.as_deref().unwrap_or("")
            )
        })
        .collect();
    lines.push(String::new());
    for (status, n) in &c.by_status {
        lines.push(format!("status {}: {n}", status.as_str()));
    }
    for (effect, by) in &c.by_effect_and_status {
        let parts: Vec<String> = by
            .iter()
            .map(|(s, n)| format!("{} {n}", s.as_str()))
            .collect();
        lines.push(format!(
            "effect {effect} ({}): {}",
            c.by_effect[effect],
            parts.join(", ")
        ));
    }
    lines.push(format!("native: {}", c.native));
    insta::assert_snapshot!(lines.join("\n"));
}
