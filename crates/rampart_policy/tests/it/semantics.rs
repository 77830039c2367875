//! Rule semantics on tiny inline resources: conditions, `[*]`, `count`, template functions,
//! applicability, IfNotExists existence checks, modes and missing data.

use rampart_policy::{
    AliasTable, CompiledPolicy, Effect, Evaluation, PolicyDefinition, PolicyError,
    StreamingEvaluator,
};
use serde_json::{json, Map, Value};

fn compile_with(
    mode: &str,
    rule: Value,
    params: Value,
    values: Value,
) -> Result<CompiledPolicy, PolicyError> {
    let def = json!({
        "name": "00000000-0000-0000-0000-000000000001",
        "properties": {"displayName": "test", "mode": mode, "parameters": params, "policyRule": rule}
    });
    let def = PolicyDefinition::from_json(&def.to_string(), "inline")?;
    let values: Map<String, Value> = values.as_object().cloned().unwrap_or_default();
    CompiledPolicy::compile(&def, &values, AliasTable::builtin())
}

fn compiled(mode: &str, rule: Value, params: Value, values: Value) -> CompiledPolicy {
    match compile_with(mode, rule, params, values) {
        Ok(p) => p,
        Err(e) => panic!("compile failed: {e}"),
    }
}

fn audit(cond: Value) -> CompiledPolicy {
    let rule = json!({"if": {"allOf": [{"field": "type", "equals": "Microsoft.Test/things"}, cond]}, "then": {"effect": "audit"}});
    match compile_with("All", rule, json!({}), json!({})) {
        Ok(p) => p,
        Err(e) => panic!("compile failed: {e}"),
    }
}

fn thing(props: Value) -> Value {
    json!({
        "id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Test/things/t1",
        "name": "t1", "type": "microsoft.test/things", "location": "East US 2",
        "tags": {"Env": "prod", "cost.center": "42"}, "kind": "web",
        "properties": props
    })
}

/// `if` outcome on a thing: true = NonCompliant, false = Compliant.
fn fires(cond: Value, props: Value) -> bool {
    match audit(cond).evaluate(&thing(props)) {
        Evaluation::NonCompliant { .. } => true,
        Evaluation::Compliant => false,
        other => panic!("unexpected {other:?}"),
    }
}

// The test aliases below come from the real table: Microsoft.Storage/storageAccounts/* map to
// `properties.*`, so they work on any resource shape.
const TLS: &str = "Microsoft.Storage/storageAccounts/minimumTlsVersion";
const IP_VALUES: &str = "Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value";
const IP_RULES: &str = "Microsoft.Storage/storageAccounts/networkAcls.ipRules[*]";

#[test]
fn scalar_conditions() {
    let p = json!({"minimumTlsVersion": "TLS1_0"});
    assert!(
        fires(json!({"field": TLS, "equals": "tls1_0"}), p.clone()),
        "equals is case-insensitive"
    );
    assert!(!fires(
        json!({"field": TLS, "notEquals": "TLS1_0"}),
        p.clone()
    ));
    assert!(fires(json!({"field": TLS, "like": "TLS1_*"}), p.clone()));
    assert!(fires(json!({"field": TLS, "notLike": "TLS2*"}), p.clone()));
    assert!(fires(json!({"field": TLS, "match": "???#_#"}), p.clone()));
    assert!(
        !fires(json!({"field": TLS, "match": "tls#_#"}), p.clone()),
        "match is case-sensitive"
    );
    assert!(fires(
        json!({"field": TLS, "matchInsensitively": "tls#_#"}),
        p.clone()
    ));
    assert!(fires(json!({"field": TLS, "contains": "s1_"}), p.clone()));
    assert!(fires(
        json!({"field": TLS, "in": ["TLS1_0", "TLS1_1"]}),
        p.clone()
    ));
    assert!(fires(json!({"field": TLS, "notIn": ["TLS1_2"]}), p.clone()));
    assert!(
        fires(json!({"field": TLS, "less": "TLS1_2"}), p.clone()),
        "string ordering"
    );
    assert!(fires(json!({"field": TLS, "exists": "true"}), p.clone()));
    assert!(fires(
        json!({"field": "tags", "containsKey": "env"}),
        p.clone()
    ));
    assert!(fires(
        json!({"field": "tags", "notContainsKey": "owner"}),
        p.clone()
    ));
    assert!(fires(
        json!({"field": "tags['cost.center']", "equals": "42"}),
        p.clone()
    ));
    assert!(fires(
        json!({"field": "tags.Env", "equals": "PROD"}),
        p.clone()
    ));
    assert!(
        fires(json!({"field": "location", "equals": "eastus2"}), p.clone()),
        "locations are normalised"
    );
    assert!(fires(json!({"field": "kind", "equals": "WEB"}), p.clone()));
    assert!(fires(json!({"field": "fullName", "equals": "t1"}), p));
}

#[test]
fn absent_fields() {
    let p = json!({});
    assert!(
        !fires(json!({"field": TLS, "equals": "TLS1_2"}), p.clone()),
        "equals against absent is false"
    );
    assert!(
        fires(json!({"field": TLS, "notEquals": "TLS1_2"}), p.clone()),
        "notEquals against absent is true"
    );
    assert!(fires(json!({"field": TLS, "exists": false}), p.clone()));
    assert!(!fires(json!({"field": TLS, "in": ["TLS1_2"]}), p.clone()));
    assert!(fires(json!({"field": TLS, "notIn": ["TLS1_2"]}), p.clone()));
    assert!(!fires(json!({"field": TLS, "less": "TLS1_2"}), p.clone()));
    assert!(!fires(json!({"field": TLS, "like": "*"}), p.clone()));
    assert!(fires(json!({"field": TLS, "notLike": "*"}), p.clone()));
    assert!(
        fires(
            json!({"field": TLS, "exists": false}),
            json!({"minimumTlsVersion": null})
        ),
        "null counts as absent"
    );
}

#[test]
fn star_alias_outside_count_is_all_of() {
    let two = json!({"networkAcls": {"ipRules": [{"value": "1.2.3.4"}, {"value": "5.6.7.8"}]}});
    assert!(
        fires(
            json!({"field": IP_VALUES, "notEquals": "9.9.9.9"}),
            two.clone()
        ),
        "every element differs"
    );
    assert!(
        !fires(
            json!({"field": IP_VALUES, "equals": "1.2.3.4"}),
            two.clone()
        ),
        "one element differs"
    );
    assert!(fires(json!({"field": IP_VALUES, "like": "*.*"}), two));
    let empty = json!({"networkAcls": {"ipRules": []}});
    assert!(
        fires(json!({"field": IP_VALUES, "equals": "x"}), empty),
        "empty collection: vacuously true"
    );
    assert!(
        fires(json!({"field": IP_VALUES, "equals": "x"}), json!({})),
        "missing array: empty collection"
    );
}

#[test]
fn field_count_and_where() {
    let p = json!({"networkAcls": {"ipRules": [{"value": "1.2.3.4", "action": "Allow"}, {"value": "10.0.0.1"}]}});
    assert!(fires(
        json!({"count": {"field": IP_RULES}, "equals": 2}),
        p.clone()
    ));
    assert!(fires(
        json!({"count": {"field": IP_RULES, "where": {"field": IP_VALUES, "like": "10.*"}}, "equals": 1}),
        p.clone()
    ));
    // current() and field() inside where: field() of the counted alias is a one-element array.
    assert!(fires(
        json!({"count": {"field": IP_RULES, "where": {"value": "[ipRangeContains('10.0.0.0/8', current('Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value'))]", "equals": true}}, "equals": 1}),
        p.clone()
    ));
    assert!(fires(
        json!({"count": {"field": IP_RULES, "where": {"value": "[length(field('Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value'))]", "equals": 1}}, "equals": 2}),
        p.clone()
    ));
    assert!(
        fires(
            json!({"count": {"field": IP_RULES}, "equals": 0}),
            json!({})
        ),
        "missing array counts 0"
    );
    // Paths outside the counted array are read from the whole resource.
    assert!(fires(
        json!({"count": {"field": IP_RULES, "where": {"field": "tags.env", "equals": "prod"}}, "equals": 2}),
        p
    ));
}

#[test]
fn nested_and_value_counts() {
    let vnet = json!({"subnets": [
        {"name": "a", "properties": {"ipConfigurations": [{"id": "x"}, {"id": "y"}]}},
        {"name": "b", "properties": {"ipConfigurations": [{"id": "z"}]}}
    ]});
    let rule = json!({"if": {"allOf": [
        {"field": "type", "equals": "Microsoft.Network/virtualNetworks"},
        {"count": {"field": "Microsoft.Network/virtualNetworks/subnets[*]", "where": {
            "count": {"field": "Microsoft.Network/virtualNetworks/subnets[*].ipConfigurations[*]"}, "greaterOrEquals": 2}},
         "equals": 1}
    ]}, "then": {"effect": "audit"}});
    let p = &compiled("All", rule, json!({}), json!({}));
    let r = json!({"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v", "type": "Microsoft.Network/virtualNetworks", "name": "v", "properties": vnet});
    assert!(matches!(p.evaluate(&r), Evaluation::NonCompliant { .. }));
    // value count over a parameter with a named current().
    let rule = json!({"if": {"allOf": [
        {"field": "type", "equals": "Microsoft.Test/things"},
        {"count": {"value": "[parameters('patterns')]", "name": "pattern", "where": {"field": "name", "like": "[current('pattern')]"}}, "greater": 0}
    ]}, "then": {"effect": "audit"}});
    let params = json!({"patterns": {"type": "Array", "defaultValue": ["x*", "t*"]}});
    let p = &compiled("All", rule, params, json!({}));
    assert!(matches!(
        p.evaluate(&thing(json!({}))),
        Evaluation::NonCompliant { .. }
    ));
}

#[test]
fn template_functions_in_values() {
    let p = json!({"minimumTlsVersion": "TLS1_0", "days": 30});
    assert!(fires(
        json!({"value": "[first(split(field('fullName'), '/'))]", "equals": "t1"}),
        p.clone()
    ));
    assert!(fires(
        json!({"value": "[padLeft(field('tags[''cost.center'']'), 3, '0')]", "less": "365"}),
        p.clone()
    ));
    assert!(fires(
        json!({"value": "[concat(toUpper(field('name')), '-', string(length(field('tags'))))]", "equals": "T1-2"}),
        p.clone()
    ));
    assert!(fires(
        json!({"value": "[if(empty(field('Microsoft.Storage/storageAccounts/allowBlobPublicAccess')), 'none', 'some')]", "equals": "none"}),
        p.clone()
    ));
    assert!(fires(
        json!({"value": "[resourceGroup().name]", "equals": "rg1"}),
        p.clone()
    ));
    assert!(fires(
        json!({"value": "[subscription().subscriptionId]", "equals": "s1"}),
        p.clone()
    ));
    assert!(fires(
        json!({"value": "[requestContext().apiVersion]", "greater": "2021-06-01"}),
        p.clone()
    ));
    assert!(
        fires(
            json!({"value": "[[x]", "equals": "[concat('[', 'x]')]"}),
            p.clone()
        ),
        "[[ escapes a literal ["
    );
    assert!(fires(
        json!({"value": "[length(intersection(createObject('a', 1, 'b', 2), createObject('a', 1)))]", "equals": 1}),
        p
    ));
}

#[test]
fn compile_errors_name_the_problem() {
    let rule =
        json!({"if": {"value": "[frobnicate(1)]", "equals": 1}, "then": {"effect": "audit"}});
    let err = compile_with("All", rule, json!({}), json!({}))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("unknown template function `frobnicate`"),
        "{err}"
    );
    let rule = json!({"if": {"field": "Microsoft.Nope/things/x", "equals": 1}, "then": {"effect": "audit"}});
    let err = compile_with("All", rule, json!({}), json!({}))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("unknown alias `Microsoft.Nope/things/x`"),
        "{err}"
    );
    let rule = json!({"if": {"field": "type", "equals": "x"}, "then": {"effect": "[parameters('effect')]"}});
    let err = compile_with(
        "All",
        rule,
        json!({"effect": {"type": "String"}}),
        json!({}),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.contains("parameter `effect` has no value"), "{err}");
    let rule = json!({"if": {"field": "type", "equals": "x"}, "then": {"effect": "explode"}});
    let err = compile_with("All", rule, json!({}), json!({}))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("unknown effect `explode`"), "{err}");
}

#[test]
fn applicability_and_effects() {
    let cond = json!({"field": TLS, "notEquals": "TLS1_2"});
    let other_type = json!({"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Other/x/y", "type": "Microsoft.Other/x", "properties": {}});
    assert_eq!(
        audit(cond.clone()).evaluate(&other_type),
        Evaluation::NotApplicable
    );
    assert_eq!(
        audit(cond.clone()).evaluate(&thing(json!({"minimumTlsVersion": "TLS1_2"}))),
        Evaluation::Compliant
    );
    // Missing data never passes.
    let mut bare = thing(json!({}));
    if let Some(o) = bare.as_object_mut() {
        o.remove("properties");
    }
    assert!(
        matches!(audit(cond).evaluate(&bare), Evaluation::NotAssessed { ref reason } if reason.contains("properties.minimumTlsVersion"))
    );
    // Effect from a parameter, case-insensitive; Disabled → OffByPolicy.
    let rule = json!({"if": {"field": "type", "equals": "Microsoft.Test/things"}, "then": {"effect": "[parameters('effect')]"}});
    let params = json!({"effect": {"type": "String", "defaultValue": "Audit"}});
    let p = &compiled(
        "Indexed",
        rule.clone(),
        params.clone(),
        json!({"effect": "disabled"}),
    );
    assert_eq!(p.effect(), Effect::Disabled);
    assert_eq!(p.evaluate(&thing(json!({}))), Evaluation::OffByPolicy);
    // Indexed mode skips subscriptions.
    let rule = json!({"if": {"field": "type", "like": "Microsoft.*"}, "then": {"effect": "audit"}});
    let p = &compiled("Indexed", rule, json!({}), json!({}));
    let sub = json!({"id": "/subscriptions/s", "type": "Microsoft.Resources/subscriptions", "properties": {}});
    assert_eq!(p.evaluate(&sub), Evaluation::NotApplicable);
    // Only-name conditions: applicable to all; `if` decides compliance.
    let rule = json!({"if": {"field": "name", "equals": "other"}, "then": {"effect": "audit"}});
    let p = &compiled("All", rule, json!({}), json!({}));
    assert_eq!(p.evaluate(&thing(json!({}))), Evaluation::Compliant);
}

#[test]
fn data_plane_modes_are_not_assessed() {
    let rule = json!({"if": {"field": "type", "in": ["AKS Engine", "Microsoft.Kubernetes/connectedClusters", "Microsoft.ContainerService/managedClusters"]}, "then": {"effect": "audit"}});
    let p = &compiled("Microsoft.Kubernetes.Data", rule, json!({}), json!({}));
    let aks = json!({"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerService/managedClusters/k", "type": "Microsoft.ContainerService/managedClusters", "properties": {}});
    assert!(
        matches!(p.evaluate(&aks), Evaluation::NotAssessed { ref reason } if reason.contains("Microsoft.Kubernetes.Data"))
    );
    assert_eq!(p.evaluate(&thing(json!({}))), Evaluation::NotApplicable);
}

fn aine(details: Value) -> CompiledPolicy {
    let rule = json!({"if": {"field": "type", "equals": "Microsoft.Test/things"}, "then": {"effect": "AuditIfNotExists", "details": details}});
    match compile_with("All", rule, json!({}), json!({})) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn stream(policy: &CompiledPolicy, resources: &[Value]) -> Vec<Evaluation> {
    let policies = std::slice::from_ref(policy);
    let mut out = Vec::new();
    let mut ev = StreamingEvaluator::new(policies);
    let mut emit = |k: u32, _: usize, e: Evaluation| {
        if k == 0 {
            out.push(e);
        }
    };
    for (i, r) in resources.iter().enumerate() {
        ev.evaluate(u32::try_from(i).unwrap_or(0), r, &mut emit);
    }
    ev.finish(&mut emit);
    out
}

#[test]
fn audit_if_not_exists_extension_and_child_types() {
    let p = &aine(
        json!({"type": "Microsoft.Insights/diagnosticSettings", "existenceCondition": {"field": "Microsoft.Insights/diagnosticSettings/logs.enabled", "equals": "true"}}),
    );
    assert_eq!(
        p.related_type(),
        Some("Microsoft.Insights/diagnosticSettings")
    );
    let t = thing(json!({}));
    let diag = |parent: &str, enabled: bool| json!({"id": format!("{parent}/providers/microsoft.insights/diagnosticSettings/d"), "name": "d", "type": "Microsoft.Insights/diagnosticSettings", "properties": {"logs": [{"enabled": enabled}]}});
    let own = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Test/things/t1";
    let other = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Test/things/t2";
    assert_eq!(
        stream(p, &[t.clone(), diag(own, true)]),
        vec![Evaluation::Compliant]
    );
    assert!(matches!(
        stream(p, &[t.clone(), diag(own, false)]).as_slice(),
        [Evaluation::NonCompliant { .. }]
    ));
    assert!(
        matches!(stream(p, &[t.clone(), diag(other, true)]).as_slice(), [Evaluation::NonCompliant { reason }] if reason.contains("no related"))
    );
    assert!(
        matches!(stream(p, std::slice::from_ref(&t)).as_slice(), [Evaluation::NotAssessed { reason }] if reason.contains("holds no Microsoft.Insights/diagnosticSettings"))
    );
    // Child type with a fixed name; field() in the existence condition reads the evaluated resource.
    let p = &aine(
        json!({"type": "Microsoft.Test/things/settings", "name": "default", "existenceCondition": {"field": "location", "equals": "[field('location')]"}}),
    );
    let child = |name: &str, loc: &str| json!({"id": format!("{own}/settings/{name}"), "name": name, "type": "Microsoft.Test/things/settings", "location": loc, "properties": {}});
    assert_eq!(
        stream(p, &[t.clone(), child("default", "eastus2")]),
        vec![Evaluation::Compliant]
    );
    assert!(matches!(
        stream(p, &[t.clone(), child("other", "eastus2")]).as_slice(),
        [Evaluation::NonCompliant { .. }]
    ));
    assert!(matches!(
        stream(p, &[t.clone(), child("default", "westus")]).as_slice(),
        [Evaluation::NonCompliant { .. }]
    ));
    // The single-resource API defers.
    assert!(matches!(p.evaluate(&t), Evaluation::NeedsRelated(_)));
}

#[test]
fn audit_if_not_exists_resource_group_and_subscription_scopes() {
    let t = thing(json!({}));
    let watcher = |rg: &str, loc: &str| json!({"id": format!("/subscriptions/s1/resourceGroups/{rg}/providers/Microsoft.Network/networkWatchers/w"), "name": "w", "type": "Microsoft.Network/networkWatchers", "location": loc, "properties": {}});
    let p = &aine(
        json!({"type": "Microsoft.Network/networkWatchers", "resourceGroupName": "NetworkWatcherRG", "existenceCondition": {"field": "location", "equals": "[field('location')]"}}),
    );
    assert_eq!(
        stream(p, &[t.clone(), watcher("networkwatcherrg", "eastus2")]),
        vec![Evaluation::Compliant]
    );
    assert!(matches!(
        stream(p, &[t.clone(), watcher("rg1", "eastus2")]).as_slice(),
        [Evaluation::NonCompliant { .. }]
    ));
    let p = &aine(
        json!({"type": "Microsoft.Security/pricings", "name": "VirtualMachines", "existenceScope": "subscription", "existenceCondition": {"field": "Microsoft.Security/pricings/pricingTier", "equals": "Standard"}}),
    );
    let pricing = |sub: &str, tier: &str| json!({"id": format!("/subscriptions/{sub}/providers/Microsoft.Security/pricings/VirtualMachines"), "name": "VirtualMachines", "type": "Microsoft.Security/pricings", "properties": {"pricingTier": tier}});
    assert_eq!(
        stream(p, &[t.clone(), pricing("s1", "Standard")]),
        vec![Evaluation::Compliant]
    );
    assert!(matches!(
        stream(p, &[t.clone(), pricing("s1", "Free")]).as_slice(),
        [Evaluation::NonCompliant { .. }]
    ));
    assert!(matches!(
        stream(p, &[t, pricing("s2", "Standard")]).as_slice(),
        [Evaluation::NonCompliant { .. }]
    ));
}

#[test]
fn resource_group_rows_feed_resource_group_function() {
    let rule = json!({"if": {"allOf": [
        {"field": "type", "equals": "Microsoft.Test/things"},
        {"value": "[resourcegroup().managedBy]", "notContains": "/providers/Microsoft.Databricks/"}
    ]}, "then": {"effect": "audit"}});
    let p = &compiled("All", rule, json!({}), json!({}));
    assert!(p.uses_resource_group());
    let rg = json!({"id": "/subscriptions/s1/resourceGroups/rg1", "name": "rg1", "type": "microsoft.resources/subscriptions/resourcegroups",
                    "managedBy": "/subscriptions/s1/resourceGroups/x/providers/Microsoft.Databricks/workspaces/w", "properties": {}});
    let t = thing(json!({}));
    // Row after the resource (deferred) and before it (immediate) give the same verdict.
    assert_eq!(
        stream(p, &[t.clone(), rg.clone()]),
        vec![Evaluation::Compliant]
    );
    let mut out = Vec::new();
    let mut ev = StreamingEvaluator::new(std::slice::from_ref(p));
    ev.evaluate(1, &rg, &mut |_, _, _| {});
    ev.evaluate(0, &t, &mut |k, _, e| {
        if k == 0 {
            out.push(e)
        }
    });
    ev.finish(&mut |k, _, e| {
        if k == 0 {
            out.push(e)
        }
    });
    assert_eq!(out, vec![Evaluation::Compliant]);
    // Without the row, managedBy is unknown and the exclusion does not apply: the verdict kept
    // from before `finish` is the one the resource alone gives, reason included.
    assert!(matches!(
        stream(p, std::slice::from_ref(&t)).as_slice(),
        [Evaluation::NonCompliant { .. }]
    ));
    assert_eq!(stream(p, std::slice::from_ref(&t)), vec![p.evaluate(&t)]);
    // A row for another resource group changes nothing.
    let other_rg = json!({"id": "/subscriptions/s1/resourceGroups/rg2", "name": "rg2", "type": "microsoft.resources/subscriptions/resourcegroups",
                          "managedBy": "/subscriptions/s1/resourceGroups/x/providers/Microsoft.Databricks/workspaces/w", "properties": {}});
    assert_eq!(stream(p, &[t.clone(), other_rg]), vec![p.evaluate(&t)]);
}

#[test]
fn sharded_evaluators_merge_before_finish() {
    let p = &aine(json!({"type": "Microsoft.Insights/diagnosticSettings"}));
    let t = thing(json!({}));
    let diag = json!({"id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Test/things/t1/providers/microsoft.insights/diagnosticSettings/d",
                      "name": "d", "type": "Microsoft.Insights/diagnosticSettings", "properties": {}});
    let policies = std::slice::from_ref(p);
    let mut left = StreamingEvaluator::new(policies);
    let mut right = StreamingEvaluator::new(policies);
    let mut out = Vec::new();
    left.evaluate(0, &t, &mut |k, _, e| out.push((k, e)));
    right.evaluate(1, &diag, &mut |k, _, e| out.push((k, e)));
    left.merge(right);
    left.finish(&mut |k, _, e| out.push((k, e)));
    assert_eq!(out, vec![(0, Evaluation::Compliant)]);
}

#[test]
fn malformed_expressions_are_errors_not_panics() {
    let cases = [
        "[]",
        "[ ]",
        "['",
        "[concat(",
        "[concat('a',)]",
        "[a.b]",
        "[x()[",
        "[é(1)]",
        "[parameters()]",
        "[field(1)]",
        "[current()]",
        "[substring('abc', -1, 2)]",
        "[padLeft('a', 999999999999, '0')]",
        "[range(9223372036854775807, 5)]",
        "[createArray(1)[-1]]",
        "[json('{')]",
        "[ipRangeContains('x', 'y')]",
        "[first(split(field('fullName'), '/'))].x",
        "[if(true, 1)]",
        "[add(9223372036854775807, 1)]",
    ];
    for text in cases {
        let rule = json!({"if": {"allOf": [{"field": "type", "equals": "Microsoft.Test/things"}, {"value": text, "equals": 1}]}, "then": {"effect": "audit"}});
        // Either a compile error or a verdict; evaluation errors surface as NotAssessed.
        if let Ok(p) = compile_with("All", rule, json!({}), json!({})) {
            let _ = p.evaluate(&thing(json!({})));
        }
    }
    let broken = PolicyDefinition::from_json("{\"properties\": {\"policyRule\": 3}}", "x.json");
    assert!(broken.is_err());
    let not_json = PolicyDefinition::from_json("{", "y.json")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(not_json.starts_with("y.json: invalid JSON"), "{not_json}");
}

/// `prepare` on another evaluator over the same policies (as the scan's parse threads do) and
/// `evaluate_prepared` give what `evaluate` gives, with the resource-group row before (decided at
/// once) or after (deferred to `finish`) the resource, and for an existence check; a resource whose
/// preparation says it is not read again is not (the scan frees it).
#[test]
fn prepared_on_another_evaluator_matches_evaluate() {
    let rg_rule = json!({"if": {"allOf": [
        {"field": "type", "equals": "Microsoft.Test/things"},
        {"value": "[resourcegroup().managedBy]", "notContains": "/providers/Microsoft.Databricks/"}
    ]}, "then": {"effect": "audit"}});
    let policies = vec![
        compiled("All", rg_rule, json!({}), json!({})),
        aine(json!({"type": "Microsoft.Insights/diagnosticSettings"})),
    ];
    let rg = json!({"id": "/subscriptions/s1/resourceGroups/rg1", "name": "rg1", "type": "microsoft.resources/subscriptions/resourcegroups",
                    "managedBy": "/subscriptions/s1/resourceGroups/x/providers/Microsoft.Databricks/workspaces/w", "properties": {}});
    let diag = json!({"id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Test/things/t1/providers/microsoft.insights/diagnosticSettings/d",
                      "name": "d", "type": "Microsoft.Insights/diagnosticSettings", "properties": {}});
    let t = thing(json!({}));
    for order in [
        vec![rg.clone(), t.clone(), diag.clone()],
        vec![t.clone(), diag.clone(), rg.clone()],
    ] {
        let run = |prepared: bool| {
            let mut ev = StreamingEvaluator::new(&policies);
            let preparer = ev.fresh();
            let mut out = Vec::new();
            for (k, r) in (0u32..).zip(&order) {
                let mut emit = |k, i, e| out.push((k, i, e));
                if prepared {
                    // A resource its preparation says is not read again is freed by the scan:
                    // `Null` stands in for it here.
                    let p = preparer.prepare(r);
                    let keeps = p.reads_resource_later();
                    let is_diag = r["type"] == diag["type"];
                    assert_eq!(keeps, !is_diag, "{r}");
                    let null = Value::Null;
                    ev.evaluate_prepared(k, if keeps { r } else { &null }, p, &mut emit);
                } else {
                    ev.evaluate(k, r, &mut emit);
                }
            }
            ev.finish(&mut |k, i, e| out.push((k, i, e)));
            out
        };
        let expected = run(false);
        assert_eq!(expected.len(), 2, "{expected:?}");
        assert_eq!(run(true), expected);
    }
}

#[test]
fn applicability_reads_type_conditions_under_not_and_any_of() {
    let other = |props: Value| json!({"id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Other/x/y", "name": "y", "type": "Microsoft.Other/x", "properties": props});
    // Under the `not`, the TLS condition is neutral (false there), so the type condition alone
    // decides: `not(false)`, every type applies.
    let rule = json!({"if": {"not": {"allOf": [{"field": "type", "equals": "Microsoft.Test/things"}, {"field": TLS, "equals": "TLS1_2"}]}}, "then": {"effect": "audit"}});
    let p = &compiled("All", rule, json!({}), json!({}));
    assert!(matches!(
        p.evaluate(&other(json!({"minimumTlsVersion": "TLS1_2"}))),
        Evaluation::NonCompliant { .. }
    ));
    assert_eq!(
        p.evaluate(&thing(json!({"minimumTlsVersion": "TLS1_2"}))),
        Evaluation::Compliant
    );
    // In an `anyOf`, the neutral member is true: every type applies and the `if` decides.
    let rule = json!({"if": {"anyOf": [{"field": "type", "equals": "Microsoft.Test/things"}, {"field": TLS, "exists": true}]}, "then": {"effect": "audit"}});
    let p = &compiled("All", rule, json!({}), json!({}));
    assert_eq!(p.evaluate(&other(json!({}))), Evaluation::Compliant);
    assert!(matches!(
        p.evaluate(&other(json!({"minimumTlsVersion": "TLS1_0"}))),
        Evaluation::NonCompliant { .. }
    ));
    // `not(type)` beside a negated subtree without type, name or kind: the type decides alone.
    let rule = json!({"if": {"allOf": [{"not": {"field": "type", "equals": "Microsoft.Test/things"}}, {"not": {"anyOf": [{"field": TLS, "exists": true}, {"field": TLS, "equals": "x"}]}}]}, "then": {"effect": "audit"}});
    let p = &compiled("All", rule, json!({}), json!({}));
    assert_eq!(p.evaluate(&thing(json!({}))), Evaluation::NotApplicable);
    assert_eq!(
        p.evaluate(&other(json!({"minimumTlsVersion": "TLS1_0"}))),
        Evaluation::Compliant
    );
    assert!(matches!(
        p.evaluate(&other(json!({}))),
        Evaluation::NonCompliant { .. }
    ));
}

/// Plain paths are resolved once per resource and shared by every policy evaluated on it (the
/// path memo): verdicts through one shared view equal each policy evaluated on its own, for a
/// type-dependent alias (VM vs scale set candidates), the same alias read through `field()`, a
/// second alias whose first candidate is the same path, and a different path.
#[test]
fn plain_paths_shared_between_policies_give_each_policys_own_verdict() {
    let types = json!([
        "Microsoft.Compute/virtualMachines",
        "Microsoft.Compute/virtualMachineScaleSets"
    ]);
    let rule = |cond: Value| json!({"if": {"allOf": [{"field": "type", "in": types}, cond]}, "then": {"effect": "audit"}});
    let policies = vec![
        compiled(
            "All",
            rule(json!({"field": "Microsoft.Compute/imagePublisher", "equals": "Canonical"})),
            json!({}),
            json!({}),
        ),
        compiled(
            "All",
            rule(
                json!({"value": "[field('Microsoft.Compute/imagePublisher')]", "equals": "canonical"}),
            ),
            json!({}),
            json!({}),
        ),
        compiled(
            "All",
            rule(
                json!({"field": "Microsoft.Compute/virtualMachines/storageProfile.imageReference.publisher", "exists": "true"}),
            ),
            json!({}),
            json!({}),
        ),
        compiled(
            "All",
            rule(json!({"field": "Microsoft.Compute/imageOffer", "like": "0001-*"})),
            json!({}),
            json!({}),
        ),
        compiled(
            "All",
            rule(
                json!({"not": {"field": "Microsoft.Compute/imagePublisher", "in": ["Canonical", "RedHat"]}}),
            ),
            json!({}),
            json!({}),
        ),
    ];
    let vm = |image: Value| {
        json!({"id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/v1",
               "name": "v1", "type": "microsoft.compute/virtualmachines", "location": "westeurope",
               "properties": {"storageProfile": {"imageReference": image}}})
    };
    let resources = vec![
        vm(json!({"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy"})),
        vm(json!({"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer"})),
        vm(json!({"offer": "0001-com-ubuntu-server-jammy"})),
        vm(json!(null)),
        json!({"id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachineScaleSets/s",
               "name": "s", "type": "microsoft.compute/virtualmachinescalesets", "location": "westeurope",
               "properties": {"virtualMachineProfile": {"storageProfile": {"imageReference": {"publisher": "canonical", "offer": "x"}}}}}),
    ];
    let label = |e: &Evaluation| match e {
        Evaluation::NonCompliant { .. } => "fires",
        Evaluation::Compliant => "holds",
        Evaluation::NotApplicable => "n/a",
        _ => "other",
    };
    let mut shared = vec![Vec::new(); resources.len()];
    let mut ev = StreamingEvaluator::new(&policies);
    for (k, r) in (0u32..).zip(&resources) {
        ev.evaluate(k, r, &mut |k, i, e| {
            shared[k as usize].push((i, label(&e)));
        });
    }
    ev.finish(&mut |k, i, e| shared[k as usize].push((i, label(&e))));
    for (r, got) in resources.iter().zip(&shared) {
        let alone: Vec<(usize, &str)> = policies
            .iter()
            .enumerate()
            .map(|(i, p)| (i, label(&p.evaluate(r))))
            .filter(|(_, l)| *l != "n/a")
            .collect();
        assert_eq!(got, &alone, "{r}");
    }
    // The verdicts themselves, resource by resource (policies 0-4).
    let summary: Vec<Vec<&str>> = shared
        .iter()
        .map(|v| v.iter().map(|(_, l)| *l).collect())
        .collect();
    assert_eq!(
        summary,
        vec![
            vec!["fires", "fires", "fires", "fires", "holds"],
            vec!["holds", "holds", "fires", "holds", "fires"],
            vec!["holds", "holds", "holds", "fires", "fires"],
            vec!["holds", "holds", "holds", "holds", "fires"],
            vec!["fires", "fires", "holds", "holds", "holds"],
        ]
    );
}

/// `in` is `equals` against each item, whatever the mix of value and items: ASCII case folding,
/// Unicode case folding (the Kelvin sign folds to `k`), numbers against numeric strings, booleans,
/// non-string items, an absent value.
#[test]
fn in_is_equals_item_by_item() {
    let values = [
        json!("TLS1_2"),
        json!("tls1_2"),
        json!("k"),
        json!("\u{212A}"),
        json!("ÉTÉ"),
        json!("été"),
        json!("10"),
        json!(10),
        json!(true),
        json!("True"),
        json!(""),
        json!(null),
    ];
    let lists = [
        json!(["TLS1_0", "tls1_2"]),
        json!(["K", "x"]),
        json!(["\u{212A}"]),
        json!(["été", "ete"]),
        json!([10.0, "x"]),
        json!(["10", 3]),
        json!(["true"]),
        json!([true, null]),
        json!([]),
        json!([{"a": 1}, ["TLS1_2"]]),
    ];
    for v in &values {
        for list in &lists {
            let props = json!({"minimumTlsVersion": v});
            let items = list.as_array().cloned().unwrap_or_default();
            let any_equals = json!({"anyOf": items
                .iter()
                .map(|i| json!({"field": TLS, "equals": i}))
                .collect::<Vec<_>>()});
            let expect = !items.is_empty() && fires(any_equals, props.clone());
            assert_eq!(
                fires(json!({"field": TLS, "in": list}), props.clone()),
                expect,
                "{v} in {list}"
            );
            assert_eq!(
                fires(json!({"field": TLS, "notIn": list}), props),
                !expect,
                "{v} notIn {list}"
            );
        }
    }
}

/// `prepare` remembers, per resource type and kind as written, the applicability of the policies
/// whose type and kind conditions alone decide it; what it gives equals `evaluate` on every
/// resource, for types and kinds written in other cases (case-sensitive `match` tells them apart),
/// absent, `null` or not strings, for policies whose applicability also reads the name (never
/// remembered), and for a type and kind seen again.
#[test]
fn applicability_remembered_per_type_matches_evaluate() {
    let audit = |cond: Value| json!({"if": cond, "then": {"effect": "audit"}});
    let tls = json!({"field": TLS, "equals": "TLS1_2"});
    let rules = [
        // unpinned: type conditions under `not` and `anyOf`, decided by the type alone
        json!({"not": {"allOf": [{"field": "type", "equals": "Microsoft.Test/things"}, tls]}}),
        json!({"anyOf": [{"field": "type", "like": "microsoft.test/*"}, {"field": "type", "notIn": ["a/b", "c/d"]}]}),
        json!({"allOf": [{"field": "type", "match": "Microsoft.Test/things"}, tls]}),
        json!({"allOf": [{"not": {"field": "type", "matchInsensitively": "microsoft.test/things"}}, tls]}),
        // applicability reads the kind too: remembered per type and kind (`match` tells cases apart)
        json!({"allOf": [{"field": "type", "equals": "Microsoft.Test/things"}, {"field": "kind", "equals": "web"}, tls]}),
        json!({"allOf": [{"field": "kind", "match": "Web"}, tls]}),
        json!({"anyOf": [{"field": "kind", "exists": false}, {"not": {"field": "kind", "in": ["api"]}}]}),
        // applicability reads the name: evaluated every time
        json!({"allOf": [{"field": "type", "contains": "test"}, {"field": "name", "like": "t*"}, tls]}),
    ];
    let policies: Vec<CompiledPolicy> = rules
        .into_iter()
        .map(|r| compiled("All", audit(r), json!({}), json!({})))
        .collect();
    let with = |ty: &str, kind: &str, name: &str, tls: &str| {
        json!({"id": format!("/subscriptions/s1/resourceGroups/rg1/providers/{ty}/{name}"), "name": name,
               "type": ty, "kind": kind, "properties": {"minimumTlsVersion": tls}})
    };
    let resources = [
        with("microsoft.test/things", "web", "t1", "TLS1_2"),
        with("Microsoft.Test/things", "api", "t2", "TLS1_0"),
        with("MICROSOFT.TEST/THINGS", "web", "x3", "TLS1_2"),
        with("microsoft.test/things", "api", "x4", "TLS1_0"),
        with("Microsoft.Test/things", "web", "t5", "TLS1_2"),
        with("Microsoft.Other/kinds", "web", "t6", "TLS1_0"),
        with("microsoft.other/kinds", "api", "t7", "TLS1_2"),
        with("Microsoft.Test/things", "Web", "t8", "TLS1_2"),
        with("microsoft.test/things", "Web", "x9", "TLS1_0"),
        json!({"id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Test/things/k1", "name": "k1",
               "type": "microsoft.test/things", "kind": null, "properties": {"minimumTlsVersion": "TLS1_2"}}),
        json!({"id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Test/things/k2", "name": "k2",
               "type": "microsoft.test/things", "properties": {"minimumTlsVersion": "TLS1_0"}}),
        json!({"id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Test/things/k3", "name": "k3",
               "type": "microsoft.test/things", "kind": ["web"], "properties": {"minimumTlsVersion": "TLS1_2"}}),
        json!({"id": "/subscriptions/s1/resourceGroups/rg1/providers/x/y", "name": "n", "type": 7, "properties": {}}),
        json!({"id": "/subscriptions/s1/resourceGroups/rg1/providers/x/z", "name": "n", "properties": {}}),
    ];
    // Twice over, so that every type and kind is met again once remembered; in both orders. The
    // reference is each policy's own `evaluate` (`StreamingEvaluator::evaluate` prepares too).
    let mut order: Vec<&Value> = resources.iter().chain(resources.iter()).collect();
    for _ in 0..2 {
        let mut ev = StreamingEvaluator::new(&policies);
        let preparer = ev.fresh();
        let mut got = std::collections::BTreeMap::new();
        for (k, r) in (0u32..).zip(&order) {
            let p = preparer.prepare(r);
            ev.evaluate_prepared(k, r, p, &mut |k, i, e| {
                got.insert((k, i), e);
            });
        }
        ev.finish(&mut |k, i, e| {
            got.insert((k, i), e);
        });
        let (mut applies, mut skips) = (0, 0);
        for (k, r) in (0u32..).zip(&order) {
            for (i, policy) in policies.iter().enumerate() {
                let expected = policy.evaluate(r);
                let streamed = got.remove(&(k, i)).unwrap_or(Evaluation::NotApplicable);
                assert_eq!(streamed, expected, "policy {i} on {r}");
                if expected == Evaluation::NotApplicable {
                    skips += 1;
                } else {
                    applies += 1;
                }
            }
        }
        assert!(got.is_empty(), "{got:?}");
        assert!(applies > 20 && skips > 20, "{applies} {skips}");
        order.reverse();
    }
}

/// Past the bounds on remembered types (1,024) and kinds per type (64), verdicts stay those of
/// each policy's own `evaluate`.
#[test]
fn applicability_past_the_remembered_bounds_matches_evaluate() {
    let policies: Vec<CompiledPolicy> = [
        json!({"allOf": [{"field": "type", "like": "microsoft.test/*"}, {"field": TLS, "equals": "TLS1_2"}]}),
        json!({"allOf": [{"field": "kind", "like": "k1*"}, {"field": TLS, "equals": "TLS1_2"}]}),
    ]
    .into_iter()
    .map(|c| compiled("All", json!({"if": c, "then": {"effect": "audit"}}), json!({}), json!({})))
    .collect();
    let row = |ty: String, kind: String| {
        json!({"id": "/subscriptions/s1/resourceGroups/rg1/providers/x/y", "name": "y", "type": ty,
               "kind": kind, "properties": {"minimumTlsVersion": "TLS1_2"}})
    };
    // The kinds first: once 1,024 types are remembered, a new type is not, and its kinds would
    // never reach the bound on kinds.
    let resources: Vec<Value> = (0..100)
        .map(|n| row("microsoft.test/kinds".to_owned(), format!("k{n}")))
        .chain((0..1100).map(|n| row(format!("Microsoft.Test/t{n}"), "k".to_owned())))
        .collect();
    let ev = StreamingEvaluator::new(&policies);
    let mut streamed = StreamingEvaluator::new(&policies);
    let mut got = std::collections::BTreeMap::new();
    for (k, r) in (0u32..).zip(&resources) {
        streamed.evaluate_prepared(k, r, ev.prepare(r), &mut |k, i, e| {
            got.insert((k, i), e);
        });
    }
    for (k, r) in (0u32..).zip(&resources) {
        for (i, p) in policies.iter().enumerate() {
            let streamed = got.remove(&(k, i)).unwrap_or(Evaluation::NotApplicable);
            assert_eq!(streamed, p.evaluate(r), "policy {i} on {r}");
        }
    }
}
