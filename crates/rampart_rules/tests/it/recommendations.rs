//! The recommendation table: one per MCSB initiative reference, metadata from the definition + the
//! data table; every control id valid; table rows in sync with the initiative.

use std::collections::HashSet;

use rampart_model::RecommendationSource;
use rampart_rules::controls::{control_by_name_or_id, BEST_PRACTICES};
use rampart_rules::table::table_rows;

#[test]
fn one_recommendation_per_initiative_reference() {
    let b = super::builtin();
    let initiative = rampart_policy::builtin_initiative();
    assert_eq!(initiative.references.len(), 223);
    // Native-only recommendations (no policy behind them) come after the initiative's references.
    let (native, from_policy): (Vec<_>, Vec<_>) = b
        .recommendations()
        .iter()
        .partition(|r| r.source == RecommendationSource::Native);
    assert_eq!(from_policy.len(), initiative.references.len());
    assert_eq!(
        native.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [
            "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5",
            "1195afff-c881-495e-9bc5-1486211ae03f"
        ]
    );
    for (rec, reference) in from_policy.iter().zip(&initiative.references) {
        assert_eq!(rec.id, reference.definition_name);
        match &rec.source {
            RecommendationSource::AzurePolicy {
                reference_id,
                policy_definition_id,
            } => {
                assert_eq!(reference_id, &reference.reference_id);
                assert!(policy_definition_id.ends_with(&rec.id));
            }
            other => panic!("{}: unexpected source {other:?}", rec.id),
        }
        assert_eq!(rec.mcsb, reference.group_names, "{}", rec.id);
        assert!(!rec.mcsb.is_empty(), "{}: no MCSB id", rec.id);
    }
}

#[test]
fn titles_and_descriptions_come_from_the_definitions() {
    let b = super::builtin();
    for rec in b.recommendations() {
        if rec.source == RecommendationSource::Native {
            // No policy behind it: title from the rule, description from the table (tested above).
            assert!(!rec.description.is_empty() && !rec.remediation.is_empty());
            continue;
        }
        let def = rampart_policy::builtin_definition(&rec.id).expect("embedded definition");
        assert_eq!(rec.title, def.display_name);
        assert_eq!(rec.description, def.description);
        assert!(!rec.remediation.is_empty(), "{}: no remediation", rec.id);
    }
}

#[test]
fn table_rows_match_definitions_and_controls() {
    let rows = table_rows().expect("table parses");
    let mut keys = HashSet::new();
    for row in &rows {
        assert!(
            keys.insert(row.key.to_ascii_lowercase()),
            "duplicate {}",
            row.key
        );
        // A native-only row (no policy behind it) names its rule's recommendation and must carry a
        // description; every other row names a built-in definition and repeats its title.
        if let Some(rule) = rampart_rules::native::rules()
            .iter()
            .find(|r| r.meta.recommendation.eq_ignore_ascii_case(&row.key))
            .filter(|_| rampart_policy::builtin_definition(&row.key).is_none())
        {
            assert_eq!(row.title, rule.meta.title, "{}", row.key);
            assert!(row.description.is_some(), "{}: no description", row.key);
        } else {
            let def = rampart_policy::builtin_definition(&row.key)
                .unwrap_or_else(|| panic!("{}: not a built-in definition", row.key));
            assert_eq!(
                row.title, def.display_name,
                "{}: title out of sync with the definition",
                row.key
            );
        }
        for c in &row.controls {
            assert!(
                control_by_name_or_id(c).is_some(),
                "{}: unknown control {c}",
                row.key
            );
        }
        assert!(
            !row.severity_source.is_empty() && !row.control_source.is_empty(),
            "{}: provenance missing",
            row.key
        );
    }
}

#[test]
fn lookup_by_id_is_case_insensitive() {
    let b = super::builtin();
    let (i, rec) = b
        .recommendation("22730E10-96F6-4AAC-AD84-9383D35B5917")
        .expect("found");
    assert_eq!(
        rec.title,
        "Management ports should be closed on your virtual machines"
    );
    assert_eq!(b.recommendations()[i].id, rec.id);
    assert!(b.recommendation("nope").is_none());
}

#[test]
fn preview_follows_the_definition() {
    let b = super::builtin();
    let previews: Vec<&str> = b
        .recommendations()
        .iter()
        .filter(|r| r.preview)
        .map(|r| r.title.as_str())
        .collect();
    assert!(
        previews.iter().all(|t| t.starts_with("[Preview]")),
        "{previews:?}"
    );
    let titled = b
        .recommendations()
        .iter()
        .filter(|r| r.title.starts_with("[Preview]"))
        .count();
    assert_eq!(previews.len(), titled);
    assert!(
        previews.len() >= 15,
        "the 15 definitions with metadata.preview are previews"
    );
}

#[test]
fn unscored_placements_use_best_practices() {
    let b = super::builtin();
    for rec in b.recommendations() {
        assert!(!rec.controls.is_empty());
        for c in &rec.controls {
            assert!(b.control(c).is_some(), "{}: control {c}", rec.id);
        }
    }
    assert!(b
        .recommendations()
        .iter()
        .any(|r| r.controls == [BEST_PRACTICES]));
}

#[test]
fn recommendation_table() {
    let b = super::builtin();
    let lines: Vec<String> = b
        .recommendations()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let control = r
                .controls
                .iter()
                .filter_map(|c| b.control(c))
                .map(|c| c.name)
                .collect::<Vec<_>>()
                .join(", ");
            let info = b.info(i).expect("info");
            format!(
                "{} | {} | {} ({}) | {} ({}) | preview={}",
                r.id,
                r.title,
                r.severity.as_str(),
                info.severity_source,
                control,
                info.control_source,
                r.preview
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn provenance_counts() {
    let rows = table_rows().expect("table parses");
    let documented = rows
        .iter()
        .filter(|r| r.severity_source != "inferred")
        .count();
    let control_documented = rows
        .iter()
        .filter(|r| r.control_source != "inferred")
        .count();
    insta::assert_snapshot!(format!(
        "rows {}\nseverity documented {documented}\nseverity inferred {}\ncontrol documented {control_documented}\ncontrol inferred {}",
        rows.len(),
        rows.len() - documented,
        rows.len() - control_documented
    ));
}
