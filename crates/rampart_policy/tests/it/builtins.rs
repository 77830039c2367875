//! The embedded initiative and definitions: every reference resolves and compiles.

use rampart_policy::{
    builtin_definition, builtin_definition_errors, builtin_definitions, builtin_initiative,
    compile_reference, StreamingEvaluator,
};

#[test]
fn embedded_data_parses() {
    assert!(
        builtin_definition_errors().is_empty(),
        "{:?}",
        builtin_definition_errors()
    );
    assert_eq!(builtin_definitions().len(), 223);
    let init = builtin_initiative();
    assert_eq!(init.name, "1f3afdf9-d0c9-4c3d-847f-89da613e70a8");
    assert_eq!(init.references.len(), 223);
    for r in &init.references {
        assert!(
            builtin_definition(&r.definition_name).is_some(),
            "{} unresolved",
            r.definition_name
        );
        assert!(r
            .group_names
            .iter()
            .all(|g| !g.starts_with("Azure_Security_Benchmark")));
    }
}

#[test]
fn every_initiative_reference_compiles() {
    let init = builtin_initiative();
    let mut failures = Vec::new();
    let mut compiled = Vec::new();
    for r in &init.references {
        match compile_reference(r) {
            Ok(p) => compiled.push(p),
            Err(e) => failures.push(format!("{} ({}): {e}", r.reference_id, r.definition_name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} references failed to compile:\n{}",
        failures.len(),
        init.references.len(),
        failures.join("\n")
    );
    assert_eq!(compiled.len(), 223);
    // Effects as the initiative sets them, and how many policies need no type pin.
    let mut effects: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for p in &compiled {
        *effects.entry(p.effect().as_str()).or_default() += 1;
    }
    let eval = StreamingEvaluator::new(&compiled);
    let unpinned: Vec<&str> = compiled
        .iter()
        .filter(|p| p.pinned_types().is_none())
        .map(|p| p.name())
        .collect();
    insta::assert_yaml_snapshot!("effects", (effects, eval.unpinned_count(), unpinned));
}

#[test]
fn engine_types_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<rampart_policy::CompiledPolicy>();
    send_sync::<rampart_policy::Evaluation>();
    send_sync::<rampart_policy::AliasTable>();
    send::<StreamingEvaluator<'static>>();
}

/// Every string literal of a rule, once each, in first-seen order.
fn literals(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) if !s.starts_with('[') && !out.contains(s) => {
            out.push(s.clone());
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| literals(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| literals(x, out)),
        _ => {}
    }
}

/// The rule with every `anyOf` branch wrapped in a one-branch `allOf`: the same logic, but no branch
/// opens with a `field equals` condition any more, so no `anyOf` is indexed.
fn unindexed(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::{json, Value};
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| {
                    let x = match (k.as_str(), x) {
                        ("anyOf", Value::Array(branches)) => Value::Array(
                            branches
                                .iter()
                                .map(|b| json!({"allOf": [unindexed(b)]}))
                                .collect(),
                        ),
                        _ => unindexed(x),
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(unindexed).collect()),
        other => other.clone(),
    }
}

/// Indexed `anyOf`s (the branches found by the literal their opening `field equals` requires) give
/// exactly the verdicts and reasons of trying every branch: every machine policy of the initiative,
/// compiled as it is and with its `anyOf`s unindexable, on virtual machines and scale sets whose
/// image publisher, offer and SKU are drawn from the policy's own literals (as written, upper- and
/// lower-cased), absent, null, a number, an array, or non-ASCII (the Kelvin sign folds to `k`).
#[test]
fn indexed_any_of_gives_the_verdicts_of_trying_every_branch() {
    use serde_json::{json, Value};
    let init = builtin_initiative();
    let (mut policies, mut verdicts) = (0, std::collections::BTreeSet::new());
    for r in &init.references {
        let def = builtin_definition(&r.definition_name).expect("definition");
        let text = def.policy_rule.to_string();
        if !text.contains("Microsoft.Compute/imagePublisher") {
            continue;
        }
        let indexed = compile_reference(r).expect("compiles");
        let mut plain_def = def.clone();
        plain_def.policy_rule = unindexed(&def.policy_rule);
        let plain = rampart_policy::CompiledPolicy::compile(
            &plain_def,
            &r.parameters,
            rampart_policy::AliasTable::builtin(),
        )
        .expect("compiles unindexed");
        policies += 1;
        let mut lits = Vec::new();
        literals(&def.policy_rule, &mut lits);
        let n = lits.len();
        let pick = |i: usize, k: usize| -> Value {
            match i % 23 {
                0 => Value::Null,
                1 => json!(7),
                2 => json!([lits[(i * k) % n].clone()]),
                3 => Value::String(lits[(i * k) % n].replace('k', "\u{212a}")),
                _ => {
                    let s = &lits[(i * k) % n];
                    Value::String(match i % 3 {
                        0 => s.clone(),
                        1 => s.to_uppercase(),
                        _ => s.to_lowercase(),
                    })
                }
            }
        };
        for i in 0..(4 * n).max(200) {
            let mut image = serde_json::Map::new();
            for (key, k, skip) in [("publisher", 1, 29), ("offer", 7, 31), ("sku", 13, 37)] {
                if i % skip != 5 {
                    image.insert(key.to_owned(), pick(i + k, k));
                }
            }
            let (kind, t) = if i % 2 == 0 {
                ("virtualMachines", "microsoft.compute/virtualmachines")
            } else {
                (
                    "virtualMachineScaleSets",
                    "microsoft.compute/virtualmachinescalesets",
                )
            };
            let profile = if i % 2 == 0 {
                json!({"storageProfile": {"imageReference": image, "osDisk": {"osType": "Linux"}}})
            } else {
                json!({"virtualMachineProfile": {"storageProfile": {"imageReference": image}}})
            };
            let resource = json!({
                "id": format!("/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/{kind}/m{i}"),
                "name": format!("m{i}"), "type": t, "location": "westeurope",
                "properties": profile
            });
            let a = format!("{:?}", indexed.evaluate(&resource));
            let b = format!("{:?}", plain.evaluate(&resource));
            assert_eq!(a, b, "{} on {resource}", r.definition_name);
            verdicts.insert(
                a.split([' ', '{', '('])
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    // The machine policies are there, and the samples reach both verdicts.
    assert!(policies >= 10, "{policies} machine policies");
    assert!(
        verdicts.contains("Compliant") && verdicts.contains("NonCompliant"),
        "{verdicts:?}"
    );
}
