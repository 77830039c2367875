//! Arbitrary text as an exemptions file. Properties: no panic; an error names a line; a file that parses
//! can be matched against a resource without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match rampart_exemptions::Exemptions::from_yaml(text, "fuzz.yaml") {
        Ok(exemptions) => {
            let resource = rampart_model::Resource {
                provider: rampart_model::Provider::Azure,
                scope: "00000000-0000-0000-0000-000000000000".into(),
                region: Some("westeurope".into()),
                resource_group: Some("rg".into()),
                resource_type: "microsoft.storage/storageaccounts".into(),
                id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a".into(),
                name: "a".into(),
                tags: [("env".to_owned(), "prod".to_owned())].into_iter().collect(),
                native: serde_json::Value::Null,
                relationships: Vec::new(),
            };
            let _ = exemptions.matching(&resource, "x", chrono::Utc::now());
        }
        Err(error) => assert!(error.to_string().contains("fuzz.yaml")),
    }
});
