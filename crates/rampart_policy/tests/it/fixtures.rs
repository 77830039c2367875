//! Per-definition fixtures: `tests/fixtures/definitions/<definition-guid>/<outcome>*.json`, each
//! `{"resource": {ARM object}, "related": [ARM objects…]}`. The file-name prefix is the expected
//! outcome: `healthy` → Compliant, `unhealthy` → NonCompliant, `not_assessed` → NotAssessed,
//! `not_applicable` → no verdict, `off_by_policy` → OffByPolicy (the initiative sets Disabled).
//! Each fixture runs through a [`StreamingEvaluator`] holding only that definition, compiled with the initiative's parameters, so AuditIfNotExists checks see the
//! related resources exactly as in a scan. Outcomes are snapshotted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_policy::{builtin_initiative, compile_reference, Evaluation, StreamingEvaluator};
use serde_json::Value;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/definitions")
}

fn outcome_of(file: &str) -> Option<&'static str> {
    // Longest prefixes first: `not_assessed` / `not_applicable` before anything shorter.
    [
        ("not_assessed", "NotAssessed"),
        ("not_applicable", "NotApplicable"),
        ("off_by_policy", "OffByPolicy"),
        ("unhealthy", "NonCompliant"),
        ("healthy", "Compliant"),
    ]
    .into_iter()
    .find(|(prefix, _)| file.starts_with(prefix))
    .map(|(_, o)| o)
}

fn label(e: &Evaluation) -> &'static str {
    match e {
        Evaluation::NotApplicable => "NotApplicable",
        Evaluation::Compliant => "Compliant",
        Evaluation::NonCompliant { .. } => "NonCompliant",
        Evaluation::OffByPolicy => "OffByPolicy",
        Evaluation::NotAssessed { .. } => "NotAssessed",
        Evaluation::NeedsRelated(_) => "NeedsRelated",
    }
}

fn run_fixture(guid: &str, fixture: &Value) -> Result<Vec<Evaluation>, String> {
    let reference = builtin_initiative()
        .references
        .iter()
        .find(|r| r.definition_name.eq_ignore_ascii_case(guid))
        .ok_or_else(|| format!("no initiative reference for definition {guid}"))?;
    let policy = compile_reference(reference).map_err(|e| e.to_string())?;
    let policies = [policy];
    let resource = fixture.get("resource").ok_or("fixture has no `resource`")?;
    let related = fixture
        .get("related")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut eval = StreamingEvaluator::new(&policies);
    let mut emit = |key: u32, _policy: usize, e: Evaluation| {
        if key == 0 {
            out.push(e);
        }
    };
    eval.evaluate(0, resource, &mut emit);
    for (i, r) in related.iter().enumerate() {
        eval.evaluate(u32::try_from(i + 1).unwrap_or(u32::MAX), r, &mut emit);
    }
    eval.finish(&mut emit);
    Ok(out)
}

#[test]
fn definition_fixtures() {
    let root = fixtures_root();
    let mut snapshot: BTreeMap<String, String> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    assert!(!dirs.is_empty(), "no fixtures under {}", root.display());
    for dir in dirs {
        let guid = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|f| f.extension().is_some_and(|e| e == "json"));
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let key = format!("{guid}/{name}");
            let Some(expected) = outcome_of(&name) else {
                failures.push(format!("{key}: file name has no outcome prefix"));
                continue;
            };
            let parsed: Result<Value, String> = std::fs::read_to_string(&file)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()));
            let result = parsed.and_then(|fixture| run_fixture(&guid, &fixture));
            let (got, detail) = match result {
                Err(e) => ("Error", e),
                Ok(evals) => match evals.as_slice() {
                    [] => ("NotApplicable", String::new()),
                    [one] => (
                        label(one),
                        match one {
                            Evaluation::NonCompliant { reason }
                            | Evaluation::NotAssessed { reason } => reason.clone(),
                            _ => String::new(),
                        },
                    ),
                    many => ("Multiple", format!("{many:?}")),
                },
            };
            if got != expected {
                failures.push(format!("{key}: expected {expected}, got {got} {detail}"));
            }
            snapshot.insert(
                key,
                if detail.is_empty() {
                    got.to_owned()
                } else {
                    format!("{got}: {detail}")
                },
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    insta::assert_yaml_snapshot!("definition_fixtures", snapshot);
}
