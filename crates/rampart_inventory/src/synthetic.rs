//! The synthetic inventory generator for benchmarks: a deterministic (per seed) stream of Azure
//! Resource Graph rows with a realistic mix of types (storage, VMs with NICs, NSGs, disks and
//! extensions, virtual networks, key vaults, web apps with their `config/web`, SQL servers and
//! databases, ...), spread over 20 subscriptions and many resource groups, with good and bad
//! properties drawn at random so that the rule pack does real work on every row.
//!
//! Invariant: the output depends only on `(n, seed)`; the PRNG is local (SplitMix64), not `rand`.

use std::collections::VecDeque;
use std::io::{self, Write};

use serde_json::{json, Value};

use crate::snapshot::{SnapshotHeader, SnapshotWriter};

/// SplitMix64: tiny, fast, and good enough to pick properties.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// `true` with probability `p` percent.
    fn chance(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn guid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

const SUBSCRIPTIONS: usize = 20;
const REGIONS: &[&str] = &[
    "westeurope",
    "northeurope",
    "eastus",
    "eastus2",
    "uksouth",
    "swedencentral",
];
const APPS: &[&str] = &[
    "billing",
    "crm",
    "portal",
    "payments",
    "search",
    "identity",
    "hr",
    "analytics",
    "iot",
    "media",
];
const ENVS: &[&str] = &["prod", "dev", "test", "staging"];
const OWNERS: &[&str] = &[
    "alice@contoso.com",
    "bob@contoso.com",
    "platform-team@contoso.com",
    "data@contoso.com",
];

struct Estate {
    tenant: String,
    subscriptions: Vec<String>,
}

/// One resource group's context for a bundle of rows.
struct Ctx<'a> {
    tenant: &'a str,
    sub: &'a str,
    rg: String,
    location: &'a str,
    tags: Value,
    n: u64,
}

impl Ctx<'_> {
    fn id(&self, provider_type: &str, name: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{}/{}",
            self.sub, self.rg, provider_type, name
        )
    }

    /// A row with ARG's columns in the order `az graph query -o json` prints them (sorted).
    fn row(
        &self,
        id: &str,
        name: &str,
        ty: &str,
        kind: &str,
        sku: Value,
        properties: Value,
    ) -> Value {
        json!({
            "extendedLocation": null,
            "id": id,
            "identity": null,
            "kind": kind,
            "location": self.location,
            "managedBy": "",
            "name": name,
            "plan": null,
            "properties": properties,
            "resourceGroup": self.rg,
            "sku": sku,
            "subscriptionId": self.sub,
            "tags": self.tags,
            "tenantId": self.tenant,
            "type": ty,
            "zones": null
        })
    }
}

/// `n` synthetic ARG rows for `seed`.
pub fn synthetic(n: usize, seed: u64) -> impl Iterator<Item = Value> {
    let mut rng = Rng(seed);
    let estate = Estate {
        tenant: rng.guid(),
        subscriptions: (0..SUBSCRIPTIONS).map(|_| rng.guid()).collect(),
    };
    let mut queue: VecDeque<Value> = VecDeque::new();
    let mut counter = 0u64;
    std::iter::from_fn(move || {
        if queue.is_empty() {
            counter += 1;
            bundle(&mut rng, &estate, counter, &mut queue);
        }
        queue.pop_front()
    })
    .take(n)
}

/// Appends one bundle of related rows (e.g. NSG + NIC + disk + VM + extension) to `out`.
fn bundle(rng: &mut Rng, estate: &Estate, n: u64, out: &mut VecDeque<Value>) {
    let sub = &estate.subscriptions[rng.below(SUBSCRIPTIONS as u64) as usize];
    let app = rng.pick(APPS);
    let env = rng.pick(ENVS);
    let rg = format!("rg-{app}-{env}-{:02}", rng.below(8));
    let mut tags = json!({"env": env, "app": app});
    if rng.chance(80) {
        tags["owner"] = json!(rng.pick(OWNERS));
    }
    if rng.chance(60) {
        tags["costcenter"] = json!(1000 + rng.below(40));
    }
    let cx = Ctx {
        tenant: &estate.tenant,
        sub,
        rg,
        location: rng.pick(REGIONS),
        tags,
        n,
    };
    match rng.below(100) {
        0..=21 => storage(rng, &cx, out),
        22..=45 => vm(rng, &cx, out),
        46..=53 => vnet(rng, &cx, out),
        54..=63 => key_vault(rng, &cx, out),
        64..=79 => web_app(rng, &cx, out),
        80..=89 => sql(rng, &cx, out),
        90..=94 => registry(rng, &cx, out),
        _ => redis(rng, &cx, out),
    }
}

fn enabled(b: bool) -> &'static str {
    if b {
        "Enabled"
    } else {
        "Disabled"
    }
}

fn storage(rng: &mut Rng, cx: &Ctx<'_>, out: &mut VecDeque<Value>) {
    let name = format!("st{}{:06}", cx.sub.get(..4).unwrap_or("0000"), cx.n);
    let id = cx.id("Microsoft.Storage/storageAccounts", &name);
    let private = rng.chance(30);
    let mut props = json!({
        "accessTier": "Hot",
        "allowBlobPublicAccess": rng.chance(30),
        "allowCrossTenantReplication": rng.chance(20),
        "allowSharedKeyAccess": rng.chance(60),
        "creationTime": "2023-04-11T09:12:44.1234567Z",
        "encryption": {
            "keySource": if rng.chance(15) { "Microsoft.Keyvault" } else { "Microsoft.Storage" },
            "requireInfrastructureEncryption": rng.chance(25),
            "services": {"blob": {"enabled": true, "keyType": "Account"}, "file": {"enabled": true, "keyType": "Account"}}
        },
        "minimumTlsVersion": rng.pick(&["TLS1_2", "TLS1_2", "TLS1_2", "TLS1_0", "TLS1_1"]),
        "networkAcls": {
            "bypass": "AzureServices",
            "defaultAction": if private || rng.chance(30) { "Deny" } else { "Allow" },
            "ipRules": [],
            "virtualNetworkRules": []
        },
        "primaryEndpoints": {"blob": format!("https://{name}.blob.core.windows.net/")},
        "privateEndpointConnections": [],
        "provisioningState": "Succeeded",
        "publicNetworkAccess": enabled(!private),
        "supportsHttpsTrafficOnly": rng.chance(85)
    });
    if private {
        let pe = cx.id("Microsoft.Network/privateEndpoints", &format!("pe-{name}"));
        props["privateEndpointConnections"] = json!([{
            "id": format!("{id}/privateEndpointConnections/{name}.pe"),
            "name": format!("{name}.pe"),
            "properties": {
                "privateEndpoint": {"id": pe},
                "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto-Approved", "actionRequired": "None"},
                "provisioningState": "Succeeded"
            },
            "type": "Microsoft.Storage/storageAccounts/privateEndpointConnections"
        }]);
    }
    let sku = json!({"name": rng.pick(&["Standard_LRS", "Standard_GRS", "Standard_ZRS"]), "tier": "Standard"});
    out.push_back(cx.row(
        &id,
        &name,
        "microsoft.storage/storageaccounts",
        "StorageV2",
        sku,
        props,
    ));
}

fn nsg(rng: &mut Rng, cx: &Ctx<'_>, name: &str, attached: &[String]) -> Value {
    let id = cx.id("Microsoft.Network/networkSecurityGroups", name);
    let mut rules = Vec::new();
    for (i, port) in ["22", "3389", "443"].iter().enumerate() {
        if rng.chance(40) {
            let source = if rng.chance(50) { "*" } else { "10.0.0.0/8" };
            rules.push(json!({
                "id": format!("{id}/securityRules/allow-{port}"),
                "name": format!("allow-{port}"),
                "properties": {
                    "access": "Allow",
                    "destinationAddressPrefix": "*",
                    "destinationPortRange": port,
                    "direction": "Inbound",
                    "priority": 100 + i * 10,
                    "protocol": "Tcp",
                    "provisioningState": "Succeeded",
                    "sourceAddressPrefix": source,
                    "sourcePortRange": "*"
                },
                "type": "Microsoft.Network/networkSecurityGroups/securityRules"
            }));
        }
    }
    let nics: Vec<Value> = attached.iter().map(|a| json!({"id": a})).collect();
    let props = json!({
        "defaultSecurityRules": [],
        "networkInterfaces": nics,
        "provisioningState": "Succeeded",
        "resourceGuid": rng.guid(),
        "securityRules": rules
    });
    cx.row(
        &id,
        name,
        "microsoft.network/networksecuritygroups",
        "",
        Value::Null,
        props,
    )
}

fn vm(rng: &mut Rng, cx: &Ctx<'_>, out: &mut VecDeque<Value>) {
    let linux = rng.chance(60);
    let name = format!("vm-{}-{:06}", if linux { "lnx" } else { "win" }, cx.n);
    let vm_id = cx.id("Microsoft.Compute/virtualMachines", &name);
    let nic_name = format!("{name}-nic");
    let nic_id = cx.id("Microsoft.Network/networkInterfaces", &nic_name);
    let nsg_name = format!("{name}-nsg");
    let nsg_id = cx.id("Microsoft.Network/networkSecurityGroups", &nsg_name);
    let disk_name = format!("{name}_OsDisk_1");
    let disk_id = cx.id("Microsoft.Compute/disks", &disk_name);
    let subnet = format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/virtualNetworks/vnet-{}/subnets/default",
        cx.sub, cx.rg, cx.rg
    );
    let with_nsg = rng.chance(70);
    if with_nsg {
        out.push_back(nsg(rng, cx, &nsg_name, std::slice::from_ref(&nic_id)));
    }
    let public_ip = rng
        .chance(35)
        .then(|| cx.id("Microsoft.Network/publicIPAddresses", &format!("{name}-ip")));
    if let Some(pip) = &public_ip {
        let props = json!({
            "ipAddress": format!("20.{}.{}.{}", rng.below(255), rng.below(255), rng.below(255)),
            "ipConfiguration": {"id": format!("{nic_id}/ipConfigurations/ipconfig1")},
            "publicIPAddressVersion": "IPv4",
            "publicIPAllocationMethod": "Static",
            "provisioningState": "Succeeded"
        });
        out.push_back(cx.row(
            pip,
            &format!("{name}-ip"),
            "microsoft.network/publicipaddresses",
            "",
            json!({"name": "Standard", "tier": "Regional"}),
            props,
        ));
    }
    let mut ipc = json!({"privateIPAddress": format!("10.0.{}.{}", rng.below(255), 4 + rng.below(250)), "privateIPAllocationMethod": "Dynamic", "subnet": {"id": subnet}, "primary": true});
    if let Some(pip) = &public_ip {
        ipc["publicIPAddress"] = json!({"id": pip});
    }
    let mut nic_props = json!({
        "enableAcceleratedNetworking": rng.chance(50),
        "enableIPForwarding": rng.chance(5),
        "ipConfigurations": [{"id": format!("{nic_id}/ipConfigurations/ipconfig1"), "name": "ipconfig1", "properties": ipc}],
        "provisioningState": "Succeeded",
        "virtualMachine": {"id": vm_id}
    });
    if with_nsg {
        nic_props["networkSecurityGroup"] = json!({"id": nsg_id});
    }
    out.push_back(cx.row(
        &nic_id,
        &nic_name,
        "microsoft.network/networkinterfaces",
        "",
        Value::Null,
        nic_props,
    ));
    let encrypted_host = rng.chance(30);
    let disk_props = json!({
        "diskSizeGB": 128,
        "diskState": "Attached",
        "encryption": {"type": if rng.chance(20) { "EncryptionAtRestWithCustomerKey" } else { "EncryptionAtRestWithPlatformKey" }},
        "networkAccessPolicy": rng.pick(&["AllowAll", "DenyAll", "AllowPrivate"]),
        "osType": if linux { "Linux" } else { "Windows" },
        "provisioningState": "Succeeded",
        "publicNetworkAccess": enabled(rng.chance(50))
    });
    let mut disk = cx.row(
        &disk_id,
        &disk_name,
        "microsoft.compute/disks",
        "",
        json!({"name": "Premium_LRS", "tier": "Premium"}),
        disk_props,
    );
    disk["managedBy"] = json!(vm_id);
    out.push_back(disk);
    let os_profile = if linux {
        json!({"adminUsername": "azureuser", "computerName": name, "linuxConfiguration": {"disablePasswordAuthentication": rng.chance(70), "provisionVMAgent": true}})
    } else {
        json!({"adminUsername": "azureadmin", "computerName": name, "windowsConfiguration": {"enableAutomaticUpdates": rng.chance(80), "provisionVMAgent": true}})
    };
    let vm_props = json!({
        "hardwareProfile": {"vmSize": rng.pick(&["Standard_D2s_v5", "Standard_B2ms", "Standard_E4s_v5"])},
        "networkProfile": {"networkInterfaces": [{"id": nic_id}]},
        "osProfile": os_profile,
        "provisioningState": "Succeeded",
        "securityProfile": {"encryptionAtHost": encrypted_host},
        "storageProfile": {
            "dataDisks": [],
            "imageReference": if linux {
                json!({"offer": "0001-com-ubuntu-server-jammy", "publisher": "Canonical", "sku": "22_04-lts-gen2", "version": "latest"})
            } else {
                json!({"offer": "WindowsServer", "publisher": "MicrosoftWindowsServer", "sku": "2022-datacenter-azure-edition", "version": "latest"})
            },
            "osDisk": {"caching": "ReadWrite", "createOption": "FromImage", "managedDisk": {"id": disk_id, "storageAccountType": "Premium_LRS"}, "name": disk_name, "osType": if linux { "Linux" } else { "Windows" }}
        },
        "vmId": rng.guid()
    });
    let mut vm_row = cx.row(
        &vm_id,
        &name,
        "microsoft.compute/virtualmachines",
        "",
        Value::Null,
        vm_props,
    );
    if rng.chance(40) {
        vm_row["identity"] =
            json!({"principalId": rng.guid(), "tenantId": cx.tenant, "type": "SystemAssigned"});
    }
    out.push_back(vm_row);
    if rng.chance(60) {
        let (ext, publisher, ty) = if linux {
            (
                "AzureMonitorLinuxAgent",
                "Microsoft.Azure.Monitor",
                "AzureMonitorLinuxAgent",
            )
        } else {
            (
                "AzureMonitorWindowsAgent",
                "Microsoft.Azure.Monitor",
                "AzureMonitorWindowsAgent",
            )
        };
        let ext_id = format!("{vm_id}/extensions/{ext}");
        let props = json!({"autoUpgradeMinorVersion": true, "provisioningState": "Succeeded", "publisher": publisher, "type": ty, "typeHandlerVersion": "1.0"});
        out.push_back(cx.row(
            &ext_id,
            ext,
            "microsoft.compute/virtualmachines/extensions",
            "",
            Value::Null,
            props,
        ));
    }
}

fn vnet(rng: &mut Rng, cx: &Ctx<'_>, out: &mut VecDeque<Value>) {
    let name = format!("vnet-{}", cx.rg);
    let id = cx.id("Microsoft.Network/virtualNetworks", &name);
    let nsg_name = format!("nsg-{}-{:06}", cx.rg, cx.n);
    let nsg_id = cx.id("Microsoft.Network/networkSecurityGroups", &nsg_name);
    let mut subnets = Vec::new();
    let mut protected = Vec::new();
    for (i, sn) in ["default", "app", "data"].iter().enumerate() {
        let sid = format!("{id}/subnets/{sn}");
        let mut p = json!({"addressPrefix": format!("10.{}.{i}.0/24", cx.n % 250), "privateEndpointNetworkPolicies": "Disabled", "provisioningState": "Succeeded"});
        if rng.chance(60) {
            p["networkSecurityGroup"] = json!({"id": nsg_id});
            protected.push(sid.clone());
        }
        subnets.push(json!({"id": sid, "name": sn, "properties": p, "type": "Microsoft.Network/virtualNetworks/subnets"}));
    }
    let mut nsg_row = nsg(rng, cx, &nsg_name, &[]);
    nsg_row["properties"]["subnets"] = protected.iter().map(|s| json!({"id": s})).collect();
    out.push_back(nsg_row);
    let props = json!({
        "addressSpace": {"addressPrefixes": [format!("10.{}.0.0/16", cx.n % 250)]},
        "enableDdosProtection": rng.chance(10),
        "provisioningState": "Succeeded",
        "subnets": subnets,
        "virtualNetworkPeerings": []
    });
    out.push_back(cx.row(
        &id,
        &name,
        "microsoft.network/virtualnetworks",
        "",
        Value::Null,
        props,
    ));
}

fn key_vault(rng: &mut Rng, cx: &Ctx<'_>, out: &mut VecDeque<Value>) {
    let name = format!("kv-{}-{:06}", cx.rg.get(3..9).unwrap_or("x"), cx.n);
    let id = cx.id("Microsoft.KeyVault/vaults", &name);
    let public = rng.chance(60);
    let props = json!({
        "enablePurgeProtection": if rng.chance(50) { json!(true) } else { Value::Null },
        "enableRbacAuthorization": rng.chance(50),
        "enableSoftDelete": rng.chance(90),
        "enabledForDeployment": false,
        "networkAcls": {"bypass": "AzureServices", "defaultAction": if public && rng.chance(50) { "Allow" } else { "Deny" }, "ipRules": [], "virtualNetworkRules": []},
        "provisioningState": "Succeeded",
        "publicNetworkAccess": enabled(public),
        "sku": {"family": "A", "name": "standard"},
        "softDeleteRetentionInDays": 90,
        "tenantId": cx.tenant,
        "vaultUri": format!("https://{name}.vault.azure.net/")
    });
    out.push_back(cx.row(
        &id,
        &name,
        "microsoft.keyvault/vaults",
        "",
        Value::Null,
        props,
    ));
}

fn web_app(rng: &mut Rng, cx: &Ctx<'_>, out: &mut VecDeque<Value>) {
    let function = rng.chance(35);
    let name = format!(
        "{}-{}-{:06}",
        if function { "func" } else { "app" },
        cx.rg.get(3..9).unwrap_or("x"),
        cx.n
    );
    let id = cx.id("Microsoft.Web/sites", &name);
    let plan = cx.id("Microsoft.Web/serverfarms", &format!("asp-{}", cx.rg));
    let kind = if function {
        "functionapp,linux"
    } else {
        rng.pick(&["app", "app,linux"])
    };
    let props = json!({
        "clientCertEnabled": rng.chance(30),
        "clientCertMode": "Required",
        "defaultHostName": format!("{name}.azurewebsites.net"),
        "enabled": true,
        "httpsOnly": rng.chance(70),
        "publicNetworkAccess": enabled(rng.chance(80)),
        "serverFarmId": plan,
        "siteConfig": {"numberOfWorkers": 1},
        "state": "Running"
    });
    let mut row = cx.row(&id, &name, "microsoft.web/sites", kind, Value::Null, props);
    if rng.chance(50) {
        row["identity"] =
            json!({"principalId": rng.guid(), "tenantId": cx.tenant, "type": "SystemAssigned"});
    }
    out.push_back(row);
    let cors = if rng.chance(15) {
        json!({"allowedOrigins": ["*"]})
    } else {
        json!({"allowedOrigins": []})
    };
    let config = json!({
        "cors": cors,
        "ftpsState": rng.pick(&["AllAllowed", "FtpsOnly", "Disabled"]),
        "http20Enabled": rng.chance(50),
        "managedServiceIdentityId": if rng.chance(50) { json!(rng.below(100_000)) } else { Value::Null },
        "minTlsVersion": rng.pick(&["1.2", "1.2", "1.0", "1.1"]),
        "remoteDebuggingEnabled": rng.chance(15),
        "scmMinTlsVersion": "1.2"
    });
    out.push_back(cx.row(
        &format!("{id}/config/web"),
        "web",
        "microsoft.web/sites/config",
        "",
        Value::Null,
        config,
    ));
}

fn sql(rng: &mut Rng, cx: &Ctx<'_>, out: &mut VecDeque<Value>) {
    let name = format!("sql-{}-{:06}", cx.rg.get(3..9).unwrap_or("x"), cx.n);
    let id = cx.id("Microsoft.Sql/servers", &name);
    let props = json!({
        "administratorLogin": "sqladmin",
        "administrators": {"administratorType": "ActiveDirectory", "azureADOnlyAuthentication": rng.chance(40), "login": "dba-group", "principalType": "Group", "sid": rng.guid(), "tenantId": cx.tenant},
        "fullyQualifiedDomainName": format!("{name}.database.windows.net"),
        "minimalTlsVersion": rng.pick(&["1.2", "1.2", "1.0", "1.1"]),
        "publicNetworkAccess": enabled(rng.chance(60)),
        "state": "Ready",
        "version": "12.0"
    });
    out.push_back(cx.row(
        &id,
        &name,
        "microsoft.sql/servers",
        "v12.0",
        Value::Null,
        props,
    ));
    let audit = json!({"isAzureMonitorTargetEnabled": true, "retentionDays": 90, "state": enabled(rng.chance(60))});
    out.push_back(cx.row(
        &format!("{id}/auditingSettings/default"),
        "default",
        "microsoft.sql/servers/auditingsettings",
        "",
        Value::Null,
        audit,
    ));
    let db = format!("{id}/databases/appdb");
    let db_props = json!({"collation": "SQL_Latin1_General_CP1_CI_AS", "maxSizeBytes": 268_435_456_000u64, "status": "Online", "zoneRedundant": rng.chance(30)});
    out.push_back(cx.row(
        &db,
        "appdb",
        "microsoft.sql/servers/databases",
        "v12.0,user",
        json!({"name": "GP_Gen5", "tier": "GeneralPurpose", "capacity": 2}),
        db_props,
    ));
}

fn registry(rng: &mut Rng, cx: &Ctx<'_>, out: &mut VecDeque<Value>) {
    let name = format!(
        "acr{}{:06}",
        cx.rg.get(3..9).unwrap_or("x").replace('-', ""),
        cx.n
    );
    let id = cx.id("Microsoft.ContainerRegistry/registries", &name);
    let props = json!({
        "adminUserEnabled": rng.chance(40),
        "anonymousPullEnabled": rng.chance(10),
        "loginServer": format!("{name}.azurecr.io"),
        "networkRuleSet": {"defaultAction": if rng.chance(40) { "Deny" } else { "Allow" }, "ipRules": []},
        "provisioningState": "Succeeded",
        "publicNetworkAccess": enabled(rng.chance(70))
    });
    out.push_back(cx.row(
        &id,
        &name,
        "microsoft.containerregistry/registries",
        "",
        json!({"name": "Premium", "tier": "Premium"}),
        props,
    ));
}

fn redis(rng: &mut Rng, cx: &Ctx<'_>, out: &mut VecDeque<Value>) {
    let name = format!("redis-{}-{:06}", cx.rg.get(3..9).unwrap_or("x"), cx.n);
    let id = cx.id("Microsoft.Cache/Redis", &name);
    let props = json!({
        "enableNonSslPort": rng.chance(25),
        "hostName": format!("{name}.redis.cache.windows.net"),
        "minimumTlsVersion": rng.pick(&["1.2", "1.0"]),
        "provisioningState": "Succeeded",
        "publicNetworkAccess": enabled(rng.chance(60)),
        "redisVersion": "6.0",
        "sku": {"capacity": 1, "family": "C", "name": "Standard"}
    });
    out.push_back(cx.row(&id, &name, "microsoft.cache/redis", "", Value::Null, props));
}

/// The file form [`write_synthetic`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntheticFormat {
    /// An ARG result object, `{"count": n, "data": [rows]}`, one row per line.
    ArgJson,
    /// A Rampart snapshot (header + one resource per line).
    Jsonl,
}

/// Writes `n` synthetic resources for `seed` in `format`. Streams: memory does not grow with `n`.
pub fn write_synthetic(
    w: impl Write,
    n: usize,
    seed: u64,
    format: SyntheticFormat,
) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(256 * 1024, w);
    match format {
        SyntheticFormat::ArgJson => {
            write!(w, "{{\"count\": {n}, \"data\": [")?;
            for (i, row) in synthetic(n, seed).enumerate() {
                w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
                serde_json::to_writer(&mut w, &row)?;
            }
            writeln!(w, "\n], \"skip_token\": null, \"total_records\": {n}}}")?;
        }
        SyntheticFormat::Jsonl => {
            let mut header = SnapshotHeader::new(
                format!("synthetic:n={n},seed={seed}"),
                Some(rampart_model::Provider::Azure),
            );
            // Deterministic output for a seed: no wall-clock time in the header.
            header.generated_at = "1970-01-01T00:00:00Z".to_owned();
            let mut sw = SnapshotWriter::new(&mut w, &header)?;
            for row in synthetic(n, seed) {
                let r =
                    crate::arg::row_to_resource(row, crate::reader::Derive::ALL).map_err(|e| {
                        io::Error::other(format!("synthetic row: field {}: {}", e.field, e.problem))
                    })?;
                sw.write(&r)?;
            }
            sw.finish()?;
        }
    }
    w.flush()
}
