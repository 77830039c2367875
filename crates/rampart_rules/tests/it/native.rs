//! Native rules: the shared fixture harness (one snapshot per fixture, with the expectation the file
//! name states) and the meta-test tying rules to fixture folders.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_model::{Cause, Status};
use rampart_rules::native::{rules, run_rule, run_rule_with};
use serde_json::Value;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// What a fixture's file name promises.
fn check_expectation(case: &str, results: &[(String, rampart_model::Assessment)]) {
    let statuses: Vec<Status> = results.iter().map(|(_, a)| a.status).collect();
    if case.starts_with("healthy_") {
        assert!(
            !statuses.is_empty() && statuses.iter().all(|s| *s == Status::Healthy),
            "{case}: {results:?}"
        );
    } else if case.starts_with("unhealthy_") {
        assert!(statuses.contains(&Status::Unhealthy), "{case}: {results:?}");
    } else if case.starts_with("not_assessed_") {
        assert!(
            !results.is_empty()
                && results
                    .iter()
                    .all(|(_, a)| a.cause == Some(Cause::NotAssessed) && a.reason.is_some()),
            "{case}: {results:?}"
        );
    } else if case.starts_with("not_applicable_") {
        assert!(
            statuses.iter().all(|s| *s == Status::NotApplicable),
            "{case}: {results:?}"
        );
    } else {
        panic!("{case}: a fixture name starts with healthy_, unhealthy_, not_assessed_ or not_applicable_");
    }
}

#[test]
fn fixtures() {
    insta::glob!("../../fixtures", "*/*.json", |path| {
        let rule_id = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let case = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).expect("fixture readable");
        // A fixture is an array of documents, or `{"params": {...}, "resources": [...]}` to override
        // parameter values as an assignment would.
        let fixture: Value = serde_json::from_str(&text).expect("fixture is JSON");
        let (docs, params) = match fixture {
            Value::Array(docs) => (docs, serde_json::Map::new()),
            Value::Object(mut o) => (
                o.remove("resources")
                    .and_then(|r| r.as_array().cloned())
                    .expect("resources array"),
                o.remove("params")
                    .and_then(|p| p.as_object().cloned())
                    .unwrap_or_default(),
            ),
            _ => panic!("{case}: a fixture is an array or an object"),
        };
        let results = run_rule_with(rule_id, &docs, &params)
            .unwrap_or_else(|| panic!("no native rule {rule_id}"));
        check_expectation(case, &results);
        let rendered: Vec<Value> = results
            .iter()
            .map(|(id, a)| serde_json::json!({ "resource": id.rsplit("/providers/").next(), "assessment": a }))
            .collect();
        insta::assert_json_snapshot!(rendered);
    });
}

#[test]
fn every_rule_has_fixtures_and_every_fixture_folder_a_rule() {
    let ids: BTreeSet<&str> = rules().iter().map(|r| r.meta.id).collect();
    assert_eq!(ids.len(), rules().len(), "duplicate rule id");
    let mut folders = BTreeSet::new();
    for entry in std::fs::read_dir(fixtures_dir()).expect("fixtures dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            ids.contains(name.as_str()),
            "fixtures/{name} has no registered rule"
        );
        let cases: Vec<String> = std::fs::read_dir(entry.path())
            .expect("rule fixtures")
            .map(|e| e.expect("case").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            cases.iter().any(|c| c.starts_with("healthy_")),
            "fixtures/{name}: no healthy case"
        );
        assert!(
            cases.iter().any(|c| c.starts_with("unhealthy_")),
            "fixtures/{name}: no unhealthy case"
        );
        folders.insert(name);
    }
    for id in &ids {
        assert!(
            folders.contains(*id),
            "rule {id} has no fixtures/{id}/ folder"
        );
    }
}

#[test]
fn rule_metadata_is_consistent() {
    let b = super::builtin();
    for rule in rules() {
        let m = rule.meta;
        let (_, rec) = b
            .recommendation(m.recommendation)
            .unwrap_or_else(|| panic!("{}: no recommendation {}", m.id, m.recommendation));
        assert_eq!(
            rec.title, m.title,
            "{}: title differs from the recommendation it evaluates",
            m.id
        );
        assert!(
            m.subject_types
                .iter()
                .chain(m.related_types)
                .all(|t| *t == t.to_ascii_lowercase()),
            "{}",
            m.id
        );
    }
}

#[test]
fn unknown_rule_id_is_none() {
    assert!(run_rule("AZ-NOPE-999", &[]).is_none());
}

#[test]
fn kubernetes_rules_see_the_initiative_parameters() {
    // The initiative excludes kube-system; the definition's own default list does too, but the
    // initiative's longer list also has `mdc`.
    let pod = serde_json::json!({"kind": "Pod", "metadata": {"name": "agent", "namespace": "mdc"},
        "spec": {"containers": [{"name": "a", "image": "mcr.microsoft.com/agent:1", "securityContext": {"privileged": true}}]}});
    assert_eq!(run_rule("K8S-012", &[pod]).expect("rule"), Vec::new());
}

/// The registry as a snapshot: a removed or renumbered rule id shows up in review (ids are never
/// reused).
#[test]
fn registry() {
    let lines: Vec<String> = rules()
        .iter()
        .map(|r| {
            format!(
                "{} | {} | {} | {} | needs: {}",
                r.meta.id,
                r.meta.provider,
                r.meta.recommendation,
                r.meta.subject_types.join(","),
                r.meta.related_types.join(",")
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

/// The runner looks related resources up case-insensitively (ARM ids differ in case between the
/// referencing and the referenced document), for ordinary and for very long ids alike.
#[test]
fn related_ids_match_case_insensitively_at_any_length() {
    for name in ["nic1".to_owned(), "n".repeat(600)] {
        for forwarding in [true, false] {
            let nic_id = format!(
                "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/RG-App/providers/Microsoft.Network/networkInterfaces/{name}"
            );
            let docs = vec![
                serde_json::json!({
                    "id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1",
                    "type": "Microsoft.Compute/virtualMachines",
                    "properties": {"networkProfile": {"networkInterfaces": [{"id": nic_id.to_ascii_uppercase()}]}}
                }),
                serde_json::json!({
                    "id": nic_id,
                    "type": "microsoft.network/networkinterfaces",
                    "properties": {"enableIPForwarding": forwarding, "ipConfigurations": []}
                }),
            ];
            let results = run_rule("AZ-NET-004", &docs).expect("rule exists");
            assert_eq!(results.len(), 1, "{results:?}");
            let expected = if forwarding {
                Status::Unhealthy
            } else {
                Status::Healthy
            };
            assert_eq!(results[0].1.status, expected, "{results:?}");
        }
    }
}

/// Just-in-time coverage is looked up case-insensitively across every policy, and a policy exported
/// twice counts as its last version.
#[test]
fn jit_coverage_across_policies_and_replaced_policies() {
    let vm_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1";
    let vm = serde_json::json!({"id": vm_id, "type": "microsoft.compute/virtualmachines", "properties": {}});
    let policy = |name: &str, vms: &[&str]| {
        serde_json::json!({
            "id": format!("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Security/locations/westeurope/jitNetworkAccessPolicies/{name}"),
            "type": "Microsoft.Security/locations/jitNetworkAccessPolicies",
            "properties": {"virtualMachines": vms.iter().map(|id| serde_json::json!({"id": id})).collect::<Vec<_>>()}
        })
    };
    let upper = vm_id.to_ascii_uppercase();
    let covered = vec![
        vm.clone(),
        policy("other", &["/subscriptions/x/vm2"]),
        policy("default", &[upper.as_str()]),
    ];
    let results = run_rule("AZ-NET-008", &covered).expect("rule exists");
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0].1.status, Status::Healthy, "{results:?}");

    // The same policy exported again without the VM: no longer covered (the VM has no network
    // profile, so the verdict falls to "not assessed").
    let replaced = vec![
        vm,
        policy("default", &[upper.as_str()]),
        policy("default", &[]),
    ];
    let results = run_rule("AZ-NET-008", &replaced).expect("rule exists");
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0].1.cause, Some(Cause::NotAssessed), "{results:?}");
}

/// DDoS: only public gateways with a subnet in this very network count (not in a network whose name
/// merely starts the same), matched case-insensitively, listed in stream order.
#[test]
fn ddos_counts_public_gateways_of_this_network_only() {
    let rg = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network";
    let vnet = serde_json::json!({
        "id": format!("{rg}/virtualNetworks/vnet1"),
        "type": "microsoft.network/virtualnetworks",
        "properties": {"enableDdosProtection": false}
    });
    let gateway = |name: &str, subnet: String, public: bool| {
        let frontend = if public {
            serde_json::json!({"properties": {"publicIPAddress": {"id": format!("{rg}/publicIPAddresses/{name}-pip")}}})
        } else {
            serde_json::json!({"properties": {"privateIPAddress": "10.0.0.10"}})
        };
        serde_json::json!({
            "id": format!("{rg}/applicationGateways/{name}"),
            "type": "microsoft.network/applicationgateways",
            "properties": {
                "gatewayIPConfigurations": [{"properties": {"subnet": {"id": subnet}}}],
                "frontendIPConfigurations": [frontend]
            }
        })
    };
    let docs = vec![
        gateway(
            "gw-other",
            format!("{rg}/virtualNetworks/vnet10/subnets/gw"),
            true,
        ),
        gateway(
            "gw-b",
            format!("{rg}/virtualNetworks/VNET1/subnets/gw").to_ascii_uppercase(),
            true,
        ),
        vnet,
        gateway(
            "gw-private",
            format!("{rg}/virtualNetworks/vnet1/subnets/gw"),
            false,
        ),
        gateway(
            "gw-a",
            format!("{rg}/virtualNetworks/vnet1/subnets/gw2"),
            true,
        ),
    ];
    let results = run_rule("AZ-NET-007", &docs).expect("rule exists");
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0].1.status, Status::Unhealthy, "{results:?}");
    let reason = results[0].1.reason.clone().unwrap_or_default();
    assert!(reason.ends_with("gw-b, gw-a"), "{reason}");
}

/// Owner count: assignments at the subscription (trailing `/` or not), inherited from the root or a
/// management group, one principal counted once whatever its case; an assignment inside the
/// subscription shows it was exported even when it grants no owner.
#[test]
fn owner_count_per_subscription() {
    const OWNER: &str =
        "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    const READER: &str =
        "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7";
    let sub = |id: &str| serde_json::json!({"id": format!("/subscriptions/{id}"), "subscriptionId": id, "type": "microsoft.resources/subscriptions"});
    let ra = |n: u32, scope: &str, role: &str, principal: &str| {
        serde_json::json!({
            "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/{n}", scope.trim_end_matches('/')),
            "type": "microsoft.authorization/roleassignments",
            "properties": {"scope": scope, "roleDefinitionId": role, "principalId": principal}
        })
    };
    let docs = vec![
        sub("AAAA"),
        sub("bbbb"),
        sub("cccc"),
        ra(1, "/subscriptions/aaaa/", OWNER, "p1"),
        ra(
            2,
            "/providers/Microsoft.Management/managementGroups/mg1",
            OWNER,
            "P1",
        ),
        ra(3, "/", OWNER, "p2"),
        ra(4, "/subscriptions/bbbb/resourceGroups/rg1", READER, "p3"),
        ra(5, "/subscriptions/bbbb/resourceGroups/rg1", OWNER, "p4"),
    ];
    let results = run_rule("AZ-IAM-002", &docs).expect("rule exists");
    let reasons: Vec<(Status, Option<String>)> = results
        .iter()
        .map(|(_, a)| (a.status, a.reason.clone()))
        .collect();
    assert_eq!(reasons.len(), 3, "{results:?}");
    // aaaa: p1 (at the subscription and from mg1) and p2 (root) = 2 owners.
    assert_eq!(reasons[0].0, Status::Healthy, "{results:?}");
    // bbbb: exported (assignments in rg1), inherited owners only (p1, p2): a resource-group owner
    // does not own the subscription.
    assert_eq!(reasons[1].0, Status::Healthy, "{results:?}");
    // cccc: nothing of it exported.
    assert_eq!(results[2].1.cause, Some(Cause::NotAssessed), "{results:?}");
    let one_owner = run_rule("AZ-IAM-001", &docs[..5]).expect("rule exists");
    // aaaa: p1 twice (different case) = 1 owner; bbbb, cccc: nothing exported.
    let statuses: Vec<Status> = one_owner.iter().map(|(_, a)| a.status).collect();
    assert_eq!(statuses[0], Status::Unhealthy, "{one_owner:?}");
    assert!(one_owner[1..]
        .iter()
        .all(|(_, a)| a.cause == Some(Cause::NotAssessed)));
    let four = vec![
        sub("aaaa"),
        ra(1, "/subscriptions/aaaa", OWNER, "a"),
        ra(2, "/subscriptions/aaaa", OWNER, "b"),
        ra(3, "/subscriptions/aaaa", OWNER, "c"),
        ra(4, "/", OWNER, "d"),
    ];
    let results = run_rule("AZ-IAM-002", &four).expect("rule exists");
    assert_eq!(results[0].1.status, Status::Unhealthy, "{results:?}");
    assert_eq!(results[0].1.reason.as_deref(), Some("4 owners assigned"));
}

/// `Engine::READS_RELATIONSHIPS` is what `rampart scan` passes to the importer: while it is false, no
/// rule source may read `relationships` (it would see none for Resource Graph input).
#[test]
fn no_rule_reads_relationships_unless_the_engine_says_so() {
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 20, "{files:?}");
    let readers: Vec<&PathBuf> = files
        .iter()
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|text| text.contains(".relationships")))
        .collect();
    assert!(
        rampart_rules::Engine::READS_RELATIONSHIPS || readers.is_empty(),
        "these read Resource::relationships but Engine::READS_RELATIONSHIPS is false: {readers:?}"
    );
}
