//! `rampart rules lint`: load a rule text and report, per document, whether the engine
//! refuses it (an error, with the specific reason) and rsigma-parser's spec and style
//! findings (warnings).

use serde::Serialize;

use crate::catalog::Catalog;
use crate::engine::EngineBuilder;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagSeverity {
    Error,
    Warning,
    Info,
}

/// One finding on a rule file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub origin: String,
    pub severity: DiagSeverity,
    pub rule_id: Option<String>,
    /// Short stable code: the refusal kind (`unsupported_modifier`, ...) or the
    /// rsigma-parser lint rule name.
    pub code: String,
    /// Where in the document (a YAML path, or a line when known).
    pub location: Option<String>,
    pub message: String,
}

/// Lints one rule file's text against the built-in catalog.
pub fn lint(text: &str, origin: &str) -> Vec<Diagnostic> {
    lint_with(text, origin, &Catalog::builtin())
}

/// Lints against a given catalog.
pub fn lint_with(text: &str, origin: &str, catalog: &Catalog) -> Vec<Diagnostic> {
    let mut b = EngineBuilder::new(catalog.clone());
    let mut out: Vec<Diagnostic> = b
        .add_yaml(text, origin)
        .into_iter()
        .map(|e| Diagnostic {
            origin: origin.to_string(),
            severity: DiagSeverity::Error,
            rule_id: e.rule_id.clone(),
            code: e.reason.kind().to_string(),
            location: None,
            message: e.reason.to_string(),
        })
        .collect();
    for w in rsigma_parser::lint_yaml_str(text) {
        let severity = match w.severity {
            rsigma_parser::Severity::Error => DiagSeverity::Error,
            rsigma_parser::Severity::Warning => DiagSeverity::Warning,
            _ => DiagSeverity::Info,
        };
        out.push(Diagnostic {
            origin: origin.to_string(),
            severity,
            rule_id: None,
            code: w.rule.to_string(),
            location: Some(match &w.span {
                Some(s) => format!("{} (line {})", w.path, s.start_line + 1),
                None => w.path.clone(),
            }),
            message: w.message.clone(),
        });
    }
    out.sort_by_key(|d| d.severity);
    out
}
