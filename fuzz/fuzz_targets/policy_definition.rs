//! Arbitrary text as a custom Azure Policy definition. Properties: no panic when parsing, compiling and
//! evaluating it against a fixed ARM resource.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(definition) = rampart_policy::PolicyDefinition::from_json(text, "fuzz.json") else { return };
    let params = serde_json::Map::new();
    let Ok(policy) =
        rampart_policy::CompiledPolicy::compile(&definition, &params, rampart_policy::AliasTable::builtin())
    else {
        return;
    };
    let resource = serde_json::json!({
        "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a",
        "name": "a", "type": "microsoft.storage/storageaccounts", "location": "westeurope", "kind": "StorageV2",
        "tags": {"env": "prod"},
        "properties": {"supportsHttpsTrafficOnly": false, "networkAcls": {"ipRules": [{"value": "1.2.3.4"}]}}
    });
    let _ = policy.evaluate(&resource);
});
