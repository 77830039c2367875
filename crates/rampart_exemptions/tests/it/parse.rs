//! Parsing: the valid fixture's model, and every invalid fixture's error (file, line, field).

use rampart_exemptions::{ExemptionError, Exemptions};

use crate::{fixture, fixtures};

#[test]
fn valid_file_parses_into_the_expected_model() {
    let exemptions = Exemptions::from_yaml(&fixture("valid.yaml"), "valid.yaml").unwrap();
    assert_eq!(exemptions.len(), 3);
    assert_eq!(exemptions.origin(), "valid.yaml");
    insta::assert_yaml_snapshot!(exemptions.all());
}

#[test]
fn empty_and_minimal_files_are_valid() {
    for text in [
        "version: 1\n",
        "version: 1\nexemptions:\n",
        "version: 1\nexemptions: []\n",
    ] {
        let exemptions = Exemptions::from_yaml(text, "min.yaml").unwrap();
        assert!(exemptions.is_empty(), "{text:?}");
    }
}

/// Every file under `fixtures/invalid/` must be rejected; the snapshot shows each message.
#[test]
fn invalid_files_are_rejected_with_location() {
    let mut names: Vec<_> = std::fs::read_dir(fixtures().join("invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() >= 10);
    let mut report = String::new();
    for name in &names {
        let text = fixture(&format!("invalid/{name}"));
        let err = Exemptions::from_yaml(&text, name).expect_err(name);
        assert!(err.line() > 0, "{name}: no line in {err}");
        assert!(
            err.to_string()
                .starts_with(&format!("{name}:{}:", err.line())),
            "{err}"
        );
        report.push_str(&format!("{err}\n"));
    }
    insta::assert_snapshot!(report);
}

/// The line and field of a few errors, checked exactly (the snapshot above shows them all).
#[test]
fn errors_point_at_the_offending_line_and_field() {
    let cases = [
        ("bad_category.yaml", 4, Some("exemptions[0].category")),
        ("bad_date.yaml", 6, Some("exemptions[0].expires")),
        ("empty_name.yaml", 3, Some("exemptions[0].name")),
        ("bad_glob.yaml", 8, Some("exemptions[0].resources.ids[0]")),
        ("bad_version.yaml", 1, Some("version")),
    ];
    for (name, line, field) in cases {
        let err = Exemptions::from_yaml(&fixture(&format!("invalid/{name}")), name).unwrap_err();
        let ExemptionError::Invalid {
            line: got_line,
            field: got_field,
            ..
        } = &err
        else {
            unreachable!()
        };
        assert_eq!(
            (*got_line, got_field.as_deref()),
            (line, field),
            "{name}: {err}"
        );
    }
}

#[test]
fn unknown_recommendation_ids_are_reported_for_warnings() {
    let exemptions = Exemptions::from_yaml(&fixture("valid.yaml"), "valid.yaml").unwrap();
    let known = |id: &str| id.eq_ignore_ascii_case("22730e10-96f6-4aac-ad84-9383d35b5917");
    let unknown: Vec<_> = exemptions
        .unknown_recommendations(known)
        .into_iter()
        .map(|(e, r)| (e.name.as_str(), r))
        .collect();
    assert_eq!(
        unknown,
        [(
            "legacy-storage-waiver",
            "404c3081-a854-4457-ae30-26a93ef643f9"
        )]
    );
}

/// Plain YAML scalars that look like numbers, booleans or dates are still read as the strings written.
#[test]
fn scalar_fields_keep_their_text() {
    let text = "version: 1\nexemptions:\n  - name: 2024\n    category: WAIVER\n    reason: yes\n    recommendations: [0123]\n    resources: { scopes: [1111], tags: { on: true } }\n";
    let exemptions = Exemptions::from_yaml(text, "t.yaml").unwrap();
    let e = &exemptions.all()[0];
    assert_eq!((e.name.as_str(), e.reason.as_str()), ("2024", "yes"));
    assert_eq!(e.recommendations, ["0123"]);
    assert_eq!(e.resources.scopes, ["1111"]);
    assert_eq!(e.resources.tags.get("on").map(String::as_str), Some("true"));
}
