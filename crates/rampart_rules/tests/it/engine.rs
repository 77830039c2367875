//! The engine end to end on a handful of ARG-shaped resources: policy-backed and native
//! recommendations, deferred decisions, non-Azure resources ignored by policies.

use rampart_model::{Provider, Resource, Status};
use rampart_rules::Engine;
use serde_json::{json, Value};

const SUB: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers";

fn azure(native: Value) -> Resource {
    Resource {
        provider: Provider::Azure,
        scope: "00000000-0000-0000-0000-000000000001".to_owned(),
        region: native
            .get("location")
            .and_then(Value::as_str)
            .map(str::to_owned),
        resource_group: Some("rg-app".to_owned()),
        resource_type: native["type"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase(),
        id: native["id"].as_str().unwrap_or_default().to_owned(),
        name: native["name"].as_str().unwrap_or_default().to_owned(),
        tags: Default::default(),
        native,
        relationships: Vec::new(),
    }
}

fn estate() -> Vec<Resource> {
    vec![
        azure(json!({
            "id": format!("{SUB}/Microsoft.Storage/storageAccounts/stplain"), "name": "stplain",
            "type": "microsoft.storage/storageaccounts", "kind": "StorageV2", "location": "westeurope",
            "sku": {"name": "Standard_LRS", "tier": "Standard"},
            "properties": {"supportsHttpsTrafficOnly": false, "minimumTlsVersion": "TLS1_0", "allowBlobPublicAccess": true,
                            "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": []}}
        })),
        azure(json!({
            "id": format!("{SUB}/Microsoft.Storage/storageAccounts/sthardened"), "name": "sthardened",
            "type": "microsoft.storage/storageaccounts", "kind": "StorageV2", "location": "westeurope",
            "sku": {"name": "Standard_GRS", "tier": "Standard"},
            "properties": {"supportsHttpsTrafficOnly": true, "minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": false,
                            "allowSharedKeyAccess": false, "publicNetworkAccess": "Disabled",
                            "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": []}}
        })),
        // The VM arrives before its NIC and NSG: native rules must defer.
        azure(json!({
            "id": format!("{SUB}/Microsoft.Compute/virtualMachines/vm-web"), "name": "vm-web",
            "type": "microsoft.compute/virtualmachines", "location": "westeurope",
            "properties": {"hardwareProfile": {"vmSize": "Standard_B2s"},
                            "storageProfile": {"osDisk": {"osType": "Linux"}},
                            "networkProfile": {"networkInterfaces": [{"id": format!("{SUB}/Microsoft.Network/networkInterfaces/vm-web-nic")}]}}
        })),
        azure(json!({
            "id": format!("{SUB}/Microsoft.Network/networkInterfaces/vm-web-nic"), "name": "vm-web-nic",
            "type": "microsoft.network/networkinterfaces", "location": "westeurope",
            "properties": {"enableIPForwarding": false,
                            "networkSecurityGroup": {"id": format!("{SUB}/Microsoft.Network/networkSecurityGroups/nsg-web")},
                            "ipConfigurations": [{"name": "ipconfig1", "properties": {
                                "subnet": {"id": format!("{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/default")},
                                "publicIPAddress": {"id": format!("{SUB}/Microsoft.Network/publicIPAddresses/vm-web-pip")}}}]}
        })),
        azure(json!({
            "id": format!("{SUB}/Microsoft.Network/networkSecurityGroups/nsg-web"), "name": "nsg-web",
            "type": "microsoft.network/networksecuritygroups", "location": "westeurope",
            "properties": {"securityRules": [{"name": "allow-ssh", "properties": {"access": "Allow", "direction": "Inbound", "priority": 100,
                "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "22"}}]}
        })),
        azure(json!({
            "id": format!("{SUB}/Microsoft.Network/virtualNetworks/vnet1"), "name": "vnet1",
            "type": "microsoft.network/virtualnetworks", "location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                            "subnets": [{"id": format!("{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/default"), "name": "default",
                                         "properties": {"addressPrefix": "10.0.0.0/24"}}]}
        })),
        Resource {
            provider: Provider::Kubernetes,
            scope: "aks-prod".to_owned(),
            region: None,
            resource_group: None,
            resource_type: "Pod".to_owned(),
            id: "aks-prod/shop/Pod/web".to_owned(),
            name: "web".to_owned(),
            tags: Default::default(),
            native: json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
                           "spec": {"automountServiceAccountToken": false, "containers": [{"name": "app",
                             "image": "myregistry.azurecr.io/shop/web:1.4.2",
                             "securityContext": {"privileged": true, "runAsNonRoot": true, "runAsGroup": 1000, "readOnlyRootFilesystem": true},
                             "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}}),
            relationships: Vec::new(),
        },
        Resource {
            provider: Provider::Aws,
            scope: "123456789012".to_owned(),
            region: Some("eu-west-1".to_owned()),
            resource_group: None,
            resource_type: "AWS::S3::Bucket".to_owned(),
            id: "arn:aws:s3:::logs".to_owned(),
            name: "logs".to_owned(),
            tags: Default::default(),
            native: json!({"type": "microsoft.storage/storageaccounts", "id": "arn:aws:s3:::logs"}),
            relationships: Vec::new(),
        },
    ]
}

fn run() -> Vec<(u32, usize, rampart_model::Assessment)> {
    let b = super::builtin();
    let resources = estate();
    let mut out = Vec::new();
    let mut engine = Engine::new(b);
    for (key, r) in (0u32..).zip(&resources) {
        engine.evaluate(key, r, &mut |k, i, a| out.push((k, i, a)));
    }
    engine.finish(&mut |k, i, a| out.push((k, i, a)));
    out
}

#[test]
fn end_to_end() {
    let b = super::builtin();
    let resources = estate();
    let mut out = run();
    out.sort_by(|x, y| {
        (x.0, &b.recommendations()[x.1].title).cmp(&(y.0, &b.recommendations()[y.1].title))
    });
    // Each (resource, recommendation) is emitted at most once.
    let mut pairs: Vec<(u32, usize)> = out.iter().map(|(k, i, _)| (*k, *i)).collect();
    pairs.dedup();
    assert_eq!(
        pairs.len(),
        out.len(),
        "a recommendation was emitted twice for one resource"
    );
    // Policies never run on non-Azure resources, even one that looks like a storage account.
    assert!(out.iter().all(|(k, _, _)| *k != 7));
    // Reasons are shown for native rules only: the policy engine's wording belongs to its own tests.
    let lines: Vec<String> = out
        .iter()
        .map(|(k, i, a)| {
            let native = matches!(
                b.info(*i).map(|x| &x.evaluator),
                Some(rampart_rules::Evaluator::Native { .. })
            );
            format!(
                "{} | {} | {}{}{}",
                resources[*k as usize].name,
                b.recommendations()[*i].title,
                a.status.as_str(),
                a.cause
                    .map(|c| format!("/{}", c.as_str()))
                    .unwrap_or_default(),
                a.reason
                    .as_ref()
                    .filter(|_| native)
                    .map(|r| format!(" | {r}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn secure_transfer_and_native_management_ports() {
    let b = super::builtin();
    let out = run();
    let status = |key: u32, rec_id: &str| {
        let (i, _) = b.recommendation(rec_id).expect("recommendation");
        out.iter()
            .find(|(k, r, _)| *k == key && *r == i)
            .map(|(_, _, a)| a.status)
    };
    // "Secure transfer to storage accounts should be enabled" (Audit policy).
    assert_eq!(
        status(0, "404c3081-a854-4457-ae30-26a93ef643f9"),
        Some(Status::Unhealthy)
    );
    assert_eq!(
        status(1, "404c3081-a854-4457-ae30-26a93ef643f9"),
        Some(Status::Healthy)
    );
    // "Management ports should be closed on your virtual machines": native rule, not "not assessed".
    assert_eq!(
        status(2, "22730e10-96f6-4aac-ad84-9383d35b5917"),
        Some(Status::Unhealthy)
    );
    // Internet-facing VM with an NSG on its NIC.
    assert_eq!(
        status(2, "f6de0be7-9a8a-4b8a-b349-43cf02d22f7c"),
        Some(Status::Healthy)
    );
    // JIT (native rule AZ-NET-008): ports are open but the estate holds no JIT policy → not assessed.
    let jit = status(2, "b0f33259-77d7-4c9e-aac6-3aabcfae693c");
    assert_eq!(jit, Some(Status::NotApplicable));
    // Kubernetes data plane: the privileged pod is flagged by the native rule for the initiative's
    // "Kubernetes cluster should not allow privileged containers" reference.
    assert_eq!(
        status(6, "95edb821-ddaf-4404-9732-666045e056b4"),
        Some(Status::Unhealthy)
    );
    assert_eq!(
        status(6, "df49d893-a74c-421d-bc95-c663042e5b80"),
        Some(Status::Healthy)
    );
}

/// A Kubernetes data-plane recommendation judges the objects it is given natively, and still reports the
/// cluster itself as not assessed (its data plane is what Azure Policy would read), never leaves it out.
#[test]
fn kubernetes_data_plane_cluster_not_assessed_beside_native_pod_verdicts() {
    let b = super::builtin();
    let (no_privileged, _) = b
        .recommendation("95edb821-ddaf-4404-9732-666045e056b4")
        .expect("Kubernetes cluster should not allow privileged containers");
    let cluster = azure(json!({
        "id": format!("{SUB}/Microsoft.ContainerService/managedClusters/aks1"), "name": "aks1",
        "type": "microsoft.containerservice/managedclusters", "location": "westeurope",
        "properties": {"kubernetesVersion": "1.30.3", "enableRBAC": true}
    }));
    let pod = Resource {
        provider: Provider::Kubernetes,
        scope: "aks1".to_owned(),
        region: None,
        resource_group: None,
        resource_type: "pod".to_owned(),
        id: "aks1/shop/pod/web".to_owned(),
        name: "web".to_owned(),
        tags: Default::default(),
        native: json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "securityContext": {"privileged": true}}]}
        }),
        relationships: Vec::new(),
    };
    let mut out = Vec::new();
    let mut engine = Engine::new(b);
    engine.evaluate(0, &cluster, &mut |k, i, a| out.push((k, i, a)));
    engine.evaluate(1, &pod, &mut |k, i, a| out.push((k, i, a)));
    engine.finish(&mut |k, i, a| out.push((k, i, a)));
    let verdicts: Vec<_> = out.iter().filter(|(_, i, _)| *i == no_privileged).collect();
    assert_eq!(verdicts.len(), 2, "{verdicts:?}");
    let cluster_verdict = &verdicts
        .iter()
        .find(|(k, _, _)| *k == 0)
        .expect("cluster assessed")
        .2;
    assert_eq!(cluster_verdict.status, Status::NotApplicable);
    assert_eq!(
        cluster_verdict.cause,
        Some(rampart_model::Cause::NotAssessed)
    );
    assert!(
        cluster_verdict
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("Kubernetes"),
        "{cluster_verdict:?}"
    );
    let pod_verdict = &verdicts
        .iter()
        .find(|(k, _, _)| *k == 1)
        .expect("pod assessed")
        .2;
    assert_eq!(pod_verdict.status, Status::Unhealthy, "{pod_verdict:?}");
}

/// The prepared path (policy and native-rule work done beforehand, as the scan does it on its parse
/// threads, which then free the documents) emits exactly what `evaluate` emits, in the same order,
/// deferred decisions included.
#[test]
fn prepared_evaluation_emits_the_same_in_the_same_order() {
    let b = super::builtin();
    let mut resources = estate();
    let expected = run();
    let mut engine = Engine::new(b);
    let preparer = engine.preparer();
    let prepared: Vec<_> = resources.iter_mut().map(|r| preparer.prepare(r)).collect();
    // Only the built-in policies of storage accounts and SQL servers call `resourceGroup()`
    // (their Databricks exclusions): every other document was freed, so what follows cannot have
    // read it.
    let rg_types = ["microsoft.storage/storageaccounts", "microsoft.sql/servers"];
    for r in &resources {
        let kept = !r.native.is_null();
        assert_eq!(
            kept,
            rg_types.contains(&r.resource_type.as_str()),
            "{}",
            r.id
        );
    }
    assert!(resources.iter().any(|r| r.native.is_null()));
    let mut out = Vec::new();
    for ((key, r), p) in (0u32..).zip(&resources).zip(prepared) {
        engine.evaluate_prepared(key, r, p, &mut |k, i, a| out.push((k, i, a)));
    }
    engine.finish(&mut |k, i, a| out.push((k, i, a)));
    assert!(expected.len() > resources.len(), "{expected:?}");
    assert_eq!(out, expected);
}
