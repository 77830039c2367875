//! Custom policies: definitions and policy sets become unscored custom recommendations; malformed
//! input is an error naming the file and the JSON line/column, and adds nothing.

use rampart_model::{RecommendationSource, Severity, Status};
use rampart_rules::controls::BEST_PRACTICES;
use rampart_rules::{Benchmark, Engine, RulesError};
use serde_json::json;

fn definition(name: &str, severity: Option<&str>) -> String {
    let mut metadata = json!({"category": "Tags"});
    if let Some(s) = severity {
        metadata["severity"] = json!(s);
    }
    json!({
        "name": name,
        "properties": {
            "displayName": format!("Resources should have an owner tag ({name})"),
            "description": "Every resource must carry an owner tag.",
            "mode": "Indexed",
            "metadata": metadata,
            "parameters": {"effect": {"type": "String", "defaultValue": "Audit", "allowedValues": ["Audit", "Disabled"]}},
            "policyRule": {
                "if": {"field": "tags['owner']", "exists": "false"},
                "then": {"effect": "[parameters('effect')]"}
            }
        }
    })
    .to_string()
}

#[test]
fn definition_becomes_an_unscored_custom_recommendation() {
    let mut b = Benchmark::builtin().expect("builtin");
    let before = b.recommendations().len();
    b.add_custom_policies(&[(
        "policies/owner.json".to_owned(),
        definition("owner-tag", Some("High")),
    )])
    .expect("loads");
    assert_eq!(b.recommendations().len(), before + 1);
    let (i, rec) = b.recommendation("owner-tag").expect("added");
    assert!(rec.is_custom());
    assert_eq!(
        rec.source,
        RecommendationSource::Custom {
            file: "policies/owner.json".to_owned()
        }
    );
    assert_eq!(rec.severity, Severity::High);
    assert_eq!(rec.controls, [BEST_PRACTICES]);
    assert_eq!(
        b.info(i).expect("info").severity_source,
        "metadata.severity"
    );

    let untagged = rampart_model::Resource {
        provider: rampart_model::Provider::Azure,
        scope: "s".to_owned(),
        region: None,
        resource_group: None,
        resource_type: "microsoft.keyvault/vaults".to_owned(),
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1".to_owned(),
        name: "kv1".to_owned(),
        tags: Default::default(),
        native: json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1", "name": "kv1",
                       "type": "Microsoft.KeyVault/vaults", "location": "westeurope", "tags": {}, "properties": {}}),
        relationships: Vec::new(),
    };
    let mut engine = Engine::new(&b);
    let mut got = Vec::new();
    engine.evaluate(0, &untagged, &mut |_, r, a| got.push((r, a)));
    engine.finish(&mut |_, r, a| got.push((r, a)));
    let custom = got
        .iter()
        .find(|(r, _)| *r == i)
        .expect("custom recommendation evaluated");
    assert_eq!(custom.1.status, Status::Unhealthy);
}

#[test]
fn severity_defaults_to_medium() {
    let mut b = Benchmark::builtin().expect("builtin");
    b.add_custom_policies(&[("a.json".to_owned(), definition("no-sev", None))])
        .expect("loads");
    let (i, rec) = b.recommendation("no-sev").expect("added");
    assert_eq!(rec.severity, Severity::Medium);
    assert_eq!(b.info(i).expect("info").severity_source, "default");
}

#[test]
fn policy_set_references_builtin_and_given_definitions() {
    let mut b = Benchmark::builtin().expect("builtin");
    let set = json!({
        "name": "my-baseline",
        "properties": {
            "displayName": "My baseline",
            "parameters": {"ownerEffect": {"type": "String", "defaultValue": "Audit"}},
            "policyDefinitions": [
                {"policyDefinitionReferenceId": "ownerTag", "policyDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/policyDefinitions/owner-tag",
                 "parameters": {"effect": {"value": "[parameters('ownerEffect')]"}}},
                {"policyDefinitionReferenceId": "secureTransfer", "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/404c3081-a854-4457-ae30-26a93ef643f9"}
            ]
        }
    })
    .to_string();
    b.add_custom_policies(&[
        ("set.json".to_owned(), set),
        ("owner.json".to_owned(), definition("owner-tag", None)),
    ])
    .expect("loads");
    assert!(b.recommendation("my-baseline/ownerTag").is_some());
    let (_, st) = b
        .recommendation("my-baseline/secureTransfer")
        .expect("built-in reference");
    assert_eq!(
        st.title,
        "Secure transfer to storage accounts should be enabled"
    );
    assert!(st.is_custom());
    // The definition used by the set is not added a second time on its own.
    assert!(b.recommendation("owner-tag").is_none());
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let mut b = Benchmark::builtin().expect("builtin");
    let before = b.recommendations().len();
    let bad = "{\n  \"name\": \"x\",\n  \"properties\": {\n    \"displayName\": \"oops\",,\n  }\n}";
    let err = b
        .add_custom_policies(&[
            ("ok.json".to_owned(), definition("ok", None)),
            ("policies/bad.json".to_owned(), bad.to_owned()),
        ])
        .expect_err("malformed");
    match &err {
        RulesError::Json {
            origin,
            line,
            column,
            ..
        } => {
            assert_eq!(origin, "policies/bad.json");
            assert_eq!((*line, *column), (4, 27));
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("policies/bad.json: invalid JSON at line 4, column 27"),
        "{err}"
    );
    assert_eq!(
        b.recommendations().len(),
        before,
        "nothing added when a file fails"
    );
}

#[test]
fn neither_definition_nor_set_is_an_error() {
    let mut b = Benchmark::builtin().expect("builtin");
    let err = b
        .add_custom_policies(&[(
            "x.json".to_owned(),
            "{\"properties\": {\"displayName\": \"x\"}}".to_owned(),
        )])
        .expect_err("rejected");
    assert!(
        err.to_string().contains("x.json") && err.to_string().contains("policyRule"),
        "{err}"
    );
}

#[test]
fn unknown_referenced_definition_is_an_error() {
    let mut b = Benchmark::builtin().expect("builtin");
    let before = b.recommendations().len();
    let set = json!({"name": "s", "properties": {"policyDefinitions": [
        {"policyDefinitionReferenceId": "r", "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/does-not-exist"}]}})
    .to_string();
    let err = b
        .add_custom_policies(&[("set.json".to_owned(), set)])
        .expect_err("unknown");
    assert!(err.to_string().contains("does-not-exist"), "{err}");
    assert_eq!(b.recommendations().len(), before);
}

#[test]
fn duplicate_id_is_an_error_and_rolls_back() {
    let mut b = Benchmark::builtin().expect("builtin");
    let before = b.recommendations().len();
    let err = b
        .add_custom_policies(&[
            ("a.json".to_owned(), definition("dup", None)),
            ("b.json".to_owned(), definition("dup", None)),
        ])
        .expect_err("duplicate");
    assert!(err.to_string().contains("dup"), "{err}");
    assert_eq!(b.recommendations().len(), before);
    assert!(b.recommendation("dup").is_none());
}
