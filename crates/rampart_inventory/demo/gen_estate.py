#!/usr/bin/env python3
"""Writes demo/estate.json: the demo Azure estate bundled in `rampart scan --demo`.

Deterministic (uuid5 GUIDs from names, no clock, no randomness): rerun and the file is identical.
The output is what `az graph query -q "<Resources | union ResourceContainers | union
SecurityResources>" -o json` prints: `{"count", "data": [rows], "skip_token", "total_records"}`,
keys sorted, rows as Azure Resource Graph returns them (lower-cased `type`, ARM ids with ARM casing,
real property names). Good and bad resources are chosen against Microsoft cloud security benchmark
policy definitions (shared/data/azure/policy); comments name the policy a property is there for.

Run: python3 crates/rampart_inventory/demo/gen_estate.py > crates/rampart_inventory/demo/estate.json
"""
import json
import sys
import uuid

NS = uuid.UUID("6f1c1a52-3c1e-4c4b-9b1a-2b7e5d0c9a11")


def guid(*parts):
    return str(uuid.uuid5(NS, "/".join(parts)))


TENANT = guid("tenant", "contoso")
SUBS = {
    "contoso-prod": guid("sub", "contoso-prod"),
    "contoso-dev": guid("sub", "contoso-dev"),
    "contoso-shared": guid("sub", "contoso-shared"),
}
rows = []


def arm_id(sub, rg, rtype, name):
    return f"/subscriptions/{SUBS[sub]}/resourceGroups/{rg}/providers/{rtype}/{name}"


def add(sub, rg, rtype, name, props, *, kind="", location="westeurope", tags=None, sku=None,
        identity=None, managed_by="", zones=None, rid=None, plan=None):
    rid = rid or arm_id(sub, rg, rtype, name)
    row = {
        "extendedLocation": None,
        "id": rid,
        "identity": identity,
        "kind": kind,
        "location": location,
        "managedBy": managed_by,
        "name": name.split("/")[-1],
        "plan": plan,
        "properties": props,
        "resourceGroup": rg.lower(),
        "sku": sku,
        "subscriptionId": SUBS[sub],
        "tags": tags if tags is not None else {},
        "tenantId": TENANT,
        "type": rtype.lower(),
        "zones": zones,
    }
    rows.append(row)
    return rid


def tags(env, owner, cc=None, **extra):
    t = {"env": env, "owner": owner}
    if cc is not None:
        t["costcenter"] = cc
    t.update(extra)
    return t


def system_identity(name):
    return {"principalId": guid("principal", name), "tenantId": TENANT, "type": "SystemAssigned"}


def pe_connection(parent_id, rtype, sub, rg, name, status="Approved"):
    pe = arm_id(sub, rg, "Microsoft.Network/privateEndpoints", f"pe-{name}")
    return {
        "id": f"{parent_id}/privateEndpointConnections/pe-{name}.{guid('pec', name)[:8]}",
        "name": f"pe-{name}.{guid('pec', name)[:8]}",
        "properties": {
            "privateEndpoint": {"id": pe},
            "privateLinkServiceConnectionState": {"actionsRequired": "None", "description": "Auto-Approved", "status": status},
            "provisioningState": "Succeeded",
        },
        "type": f"{rtype}/privateEndpointConnections",
    }


def private_endpoint(sub, rg, name, target_id, group, subnet_id):
    add(sub, rg, "Microsoft.Network/privateEndpoints", f"pe-{name}", {
        "customDnsConfigs": [],
        "networkInterfaces": [{"id": arm_id(sub, rg, "Microsoft.Network/networkInterfaces", f"pe-{name}.nic.{guid('penic', name)[:8]}")}],
        "privateLinkServiceConnections": [{
            "id": arm_id(sub, rg, "Microsoft.Network/privateEndpoints", f"pe-{name}") + f"/privateLinkServiceConnections/pe-{name}",
            "name": f"pe-{name}",
            "properties": {"groupIds": [group], "privateLinkServiceConnectionState": {"actionsRequired": "None", "description": "Auto-Approved", "status": "Approved"}, "privateLinkServiceId": target_id, "provisioningState": "Succeeded"},
        }],
        "provisioningState": "Succeeded",
        "subnet": {"id": subnet_id},
    }, tags={"env": "prod"})


# ---------------------------------------------------------------- subscriptions and resource groups
RGS = {
    "contoso-prod": ["rg-web-prod", "rg-data-prod", "rg-network-prod", "rg-aks-prod", "rg-integration-prod", "NetworkWatcherRG"],
    "contoso-dev": ["rg-web-dev", "rg-data-dev", "rg-sandbox-dev"],
    "contoso-shared": ["rg-security-shared", "rg-network-hub", "rg-monitoring-shared", "rg-identity-shared", "NetworkWatcherRG"],
}
for sub, sid in SUBS.items():
    rows.append({
        "extendedLocation": None, "id": f"/subscriptions/{sid}", "identity": None, "kind": "", "location": "",
        "managedBy": "", "name": sub, "plan": None,
        "properties": {
            "managementGroupAncestorsChain": [{"displayName": "Contoso", "name": "contoso"}, {"displayName": "Tenant Root Group", "name": TENANT}],
            "state": "Enabled",
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "EnterpriseAgreement_2014-09-01", "spendingLimit": "Off"},
        },
        "resourceGroup": "", "sku": None, "subscriptionId": sid,
        "tags": {"env": sub.split("-")[1], "owner": "cloud-platform@contoso.com"},
        "tenantId": TENANT, "type": "microsoft.resources/subscriptions", "zones": None,
    })
    for rg in RGS[sub]:
        rows.append({
            "extendedLocation": None, "id": f"/subscriptions/{sid}/resourceGroups/{rg}", "identity": None, "kind": "",
            "location": "westeurope", "managedBy": "", "name": rg, "plan": None,
            "properties": {"provisioningState": "Succeeded"}, "resourceGroup": rg.lower(), "sku": None,
            "subscriptionId": sid, "tags": {} if rg == "NetworkWatcherRG" else {"env": sub.split("-")[1]},
            "tenantId": TENANT, "type": "microsoft.resources/subscriptions/resourcegroups", "zones": None,
        })

# ---------------------------------------------------------------- Defender plans and contacts
# "Azure Defender for ... should be enabled": pricingTier Standard per plan; prod mostly on, dev off.
PLANS = {
    "contoso-prod": {"VirtualMachines": "Standard", "SqlServers": "Standard", "AppServices": "Free", "StorageAccounts": "Standard",
                     "KeyVaults": "Standard", "Arm": "Standard", "Containers": "Standard", "CloudPosture": "Free",
                     "OpenSourceRelationalDatabases": "Free", "Api": "Free", "SqlServerVirtualMachines": "Standard"},
    "contoso-dev": {"VirtualMachines": "Free", "SqlServers": "Free", "AppServices": "Free", "StorageAccounts": "Free",
                    "KeyVaults": "Free", "Arm": "Free", "Containers": "Free", "CloudPosture": "Free",
                    "OpenSourceRelationalDatabases": "Free", "Api": "Free", "SqlServerVirtualMachines": "Free"},
    "contoso-shared": {"VirtualMachines": "Standard", "SqlServers": "Free", "AppServices": "Free", "StorageAccounts": "Standard",
                       "KeyVaults": "Standard", "Arm": "Standard", "Containers": "Free", "CloudPosture": "Standard",
                       "OpenSourceRelationalDatabases": "Free", "Api": "Free", "SqlServerVirtualMachines": "Free"},
}
for sub, plans in PLANS.items():
    for plan, tier in plans.items():
        props = {"freeTrialRemainingTime": "PT0S", "pricingTier": tier}
        if plan == "StorageAccounts" and tier == "Standard":
            # prod has the full Defender for Storage v2 (malware scanning + sensitive data discovery); shared only v2.
            full = sub == "contoso-prod"
            props["subPlan"] = "DefenderForStorageV2"
            props["extensions"] = [
                {"additionalExtensionProperties": {"CapGBPerMonthPerStorageAccount": "5000"}, "isEnabled": "True", "name": "OnUploadMalwareScanning"},
                {"isEnabled": "True" if full else "False", "name": "SensitiveDataDiscovery"},
            ]
        if plan == "VirtualMachines" and tier == "Standard":
            props["subPlan"] = "P2"
        rows.append({
            "extendedLocation": None, "id": f"/subscriptions/{SUBS[sub]}/providers/Microsoft.Security/pricings/{plan}",
            "identity": None, "kind": "", "location": "", "managedBy": "", "name": plan, "plan": None,
            "properties": props, "resourceGroup": "", "sku": None, "subscriptionId": SUBS[sub], "tags": None,
            "tenantId": TENANT, "type": "microsoft.security/pricings", "zones": None,
        })
# "Subscriptions should have a contact email address", "Email notification for high severity alerts".
for sub, email, notify in [("contoso-prod", "secops@contoso.com", True), ("contoso-shared", "secops@contoso.com", False)]:
    rows.append({
        "extendedLocation": None, "id": f"/subscriptions/{SUBS[sub]}/providers/Microsoft.Security/securityContacts/default",
        "identity": None, "kind": "", "location": "", "managedBy": "", "name": "default", "plan": None,
        "properties": {
            "emails": email,
            "isEnabled": True,
            "notificationsByRole": {"roles": ["Owner"], "state": "On" if notify else "Off"},
            "notificationsSources": [{"minimalSeverity": "High" if notify else "Low", "sourceType": "Alert"}],
            "phone": "",
        },
        "resourceGroup": "", "sku": None, "subscriptionId": SUBS[sub], "tags": None, "tenantId": TENANT,
        "type": "microsoft.security/securitycontacts", "zones": None,
    })

# ---------------------------------------------------------------- networking
def nsg(sub, rg, name, rules, t):
    rid = arm_id(sub, rg, "Microsoft.Network/networkSecurityGroups", name)
    sec = []
    for i, (rname, port, source, access) in enumerate(rules):
        sec.append({
            "id": f"{rid}/securityRules/{rname}", "name": rname,
            "properties": {"access": access, "destinationAddressPrefix": "*", "destinationAddressPrefixes": [],
                           "destinationPortRange": port, "destinationPortRanges": [], "direction": "Inbound",
                           "priority": 100 + 10 * i, "protocol": "Tcp", "provisioningState": "Succeeded",
                           "sourceAddressPrefix": source, "sourceAddressPrefixes": [], "sourcePortRange": "*", "sourcePortRanges": []},
            "type": "Microsoft.Network/networkSecurityGroups/securityRules",
        })
    add(sub, rg, "Microsoft.Network/networkSecurityGroups", name, {
        "defaultSecurityRules": [], "networkInterfaces": [], "provisioningState": "Succeeded",
        "resourceGuid": guid("nsg", name), "securityRules": sec, "subnets": [],
    }, tags=t)
    return rid


def nsg_row(rid):
    return next(r for r in rows if r["id"] == rid)


def vnet(sub, rg, name, prefix, subnets, t, location="westeurope"):
    rid = arm_id(sub, rg, "Microsoft.Network/virtualNetworks", name)
    out = []
    for i, (sname, nsg_id) in enumerate(subnets):
        sid = f"{rid}/subnets/{sname}"
        p = {"addressPrefix": prefix.replace("0.0/16", f"{i}.0/24"), "delegations": [],
             "privateEndpointNetworkPolicies": "Disabled", "privateLinkServiceNetworkPolicies": "Enabled", "provisioningState": "Succeeded"}
        if nsg_id:
            p["networkSecurityGroup"] = {"id": nsg_id}
            nsg_row(nsg_id)["properties"]["subnets"].append({"id": sid})
        out.append({"id": sid, "name": sname, "properties": p, "type": "Microsoft.Network/virtualNetworks/subnets"})
    add(sub, rg, "Microsoft.Network/virtualNetworks", name, {
        "addressSpace": {"addressPrefixes": [prefix]}, "enableDdosProtection": False, "provisioningState": "Succeeded",
        "resourceGuid": guid("vnet", name), "subnets": out, "virtualNetworkPeerings": [],
    }, tags=t, location=location)
    return {s["name"]: s["id"] for s in out}


T_PROD_NET = tags("prod", "network-team@contoso.com", "CC-1001")
T_HUB = tags("shared", "network-team@contoso.com", "CC-1000")
T_DEV = tags("dev", "dev-team@contoso.com", "CC-2001")

nsg_web = nsg("contoso-prod", "rg-network-prod", "nsg-web-prod", [("allow-https", "443", "Internet", "Allow"), ("allow-ssh-from-hub", "22", "10.0.0.0/16", "Allow")], T_PROD_NET)
nsg_data = nsg("contoso-prod", "rg-network-prod", "nsg-data-prod", [("allow-sql-from-web", "1433", "10.1.0.0/24", "Allow")], T_PROD_NET)
nsg_mgmt_open = nsg("contoso-prod", "rg-network-prod", "nsg-jump-prod", [("allow-rdp", "3389", "*", "Allow")], T_PROD_NET)
prod_subnets = vnet("contoso-prod", "rg-network-prod", "vnet-prod-weu", "10.1.0.0/16",
                    [("snet-web", nsg_web), ("snet-data", nsg_data), ("snet-aks", None), ("snet-privatelink", None), ("snet-mgmt", nsg_mgmt_open)], T_PROD_NET)
nsg_hub = nsg("contoso-shared", "rg-network-hub", "nsg-hub-mgmt", [("deny-all-inbound", "*", "*", "Deny")], T_HUB)
hub_subnets = vnet("contoso-shared", "rg-network-hub", "vnet-hub-weu", "10.0.0.0/16",
                   [("AzureFirewallSubnet", None), ("GatewaySubnet", None), ("snet-identity", nsg_hub), ("snet-privatelink", None)], T_HUB)
nsg_dev = nsg("contoso-dev", "rg-sandbox-dev", "nsg-dev-open", [("allow-ssh", "22", "*", "Allow"), ("allow-rdp", "3389", "Internet", "Allow"), ("allow-http", "80", "*", "Allow")], T_DEV)
dev_subnets = vnet("contoso-dev", "rg-sandbox-dev", "vnet-dev-weu", "10.2.0.0/16", [("default", None), ("snet-app", nsg_dev)], T_DEV)

# Network Watcher: present in prod and shared (westeurope), missing in dev.
for sub in ("contoso-prod", "contoso-shared"):
    add(sub, "NetworkWatcherRG", "Microsoft.Network/networkWatchers", "NetworkWatcher_westeurope", {"provisioningState": "Succeeded"})

fw_pip = add("contoso-shared", "rg-network-hub", "Microsoft.Network/publicIPAddresses", "pip-fw-hub", {
    "idleTimeoutInMinutes": 4, "ipAddress": "20.31.40.12", "ipTags": [], "provisioningState": "Succeeded",
    "publicIPAddressVersion": "IPv4", "publicIPAllocationMethod": "Static",
    "ipConfiguration": {"id": arm_id("contoso-shared", "rg-network-hub", "Microsoft.Network/azureFirewalls", "afw-hub-weu") + "/azureFirewallIpConfigurations/ipconfig"},
}, tags=T_HUB, sku={"name": "Standard", "tier": "Regional"}, zones=["1", "2", "3"])
add("contoso-shared", "rg-network-hub", "Microsoft.Network/azureFirewalls", "afw-hub-weu", {
    "ipConfigurations": [{"id": arm_id("contoso-shared", "rg-network-hub", "Microsoft.Network/azureFirewalls", "afw-hub-weu") + "/azureFirewallIpConfigurations/ipconfig", "name": "ipconfig",
                          "properties": {"privateIPAddress": "10.0.0.4", "publicIPAddress": {"id": fw_pip}, "subnet": {"id": hub_subnets["AzureFirewallSubnet"]}}}],
    "provisioningState": "Succeeded", "sku": {"name": "AZFW_VNet", "tier": "Standard"}, "threatIntelMode": "Alert",
}, tags=T_HUB, zones=["1", "2", "3"])

# ---------------------------------------------------------------- virtual machines
IMAGES = {
    "ubuntu": {"offer": "0001-com-ubuntu-server-jammy", "publisher": "Canonical", "sku": "22_04-lts-gen2", "version": "latest"},
    "win2022": {"offer": "WindowsServer", "publisher": "MicrosoftWindowsServer", "sku": "2022-datacenter-azure-edition", "version": "latest"},
    "win2019": {"offer": "WindowsServer", "publisher": "MicrosoftWindowsServer", "sku": "2019-datacenter-gensecond", "version": "latest"},
    "sql": {"offer": "sql2019-ws2019", "publisher": "MicrosoftSQLServer", "sku": "enterprise", "version": "latest"},
}
MGMT_PORTS = "bc303248-3d14-44c2-96a0-55f5c326b5fe"  # Management ports should be closed on your virtual machines
VULN_ASSESSMENT = "ffff0522-1e88-47fc-8382-2a80ba848f5d"  # A vulnerability assessment solution should be enabled


def assessment(resource_id, sub, rg, name, display, code):
    status = {"code": code}
    if code == "Unhealthy":
        status["cause"] = "OffByPolicy" if name == VULN_ASSESSMENT else ""
    rows.append({
        "extendedLocation": None, "id": f"{resource_id}/providers/Microsoft.Security/assessments/{name}", "identity": None,
        "kind": "", "location": "", "managedBy": "", "name": name, "plan": None,
        "properties": {"displayName": display, "resourceDetails": {"Id": resource_id, "Source": "Azure"}, "status": status},
        "resourceGroup": rg.lower(), "sku": None, "subscriptionId": SUBS[sub], "tags": None, "tenantId": TENANT,
        "type": "microsoft.security/assessments", "zones": None,
    })


def vm(sub, rg, name, image, subnet, t, *, size="Standard_D2s_v5", nic_nsg=None, public_ip=False, password_auth=False,
       host_encryption=False, trusted_launch=False, identity=False, extensions=(), data_disks=0, mgmt_open=False, va=False, zones=None):
    linux = image == "ubuntu"
    vm_id = arm_id(sub, rg, "Microsoft.Compute/virtualMachines", name)
    nic_id = arm_id(sub, rg, "Microsoft.Network/networkInterfaces", f"{name}-nic")
    ipc = {"primary": True, "privateIPAddress": "10.%d.%d.%d" % (len(rows) % 3, len(rows) % 7, 4 + len(rows) % 200),
           "privateIPAddressVersion": "IPv4", "privateIPAllocationMethod": "Dynamic", "provisioningState": "Succeeded", "subnet": {"id": subnet}}
    if public_ip:
        pip = add(sub, rg, "Microsoft.Network/publicIPAddresses", f"{name}-pip", {
            "idleTimeoutInMinutes": 4, "ipAddress": "20.%d.%d.%d" % (50 + len(rows) % 50, len(rows) % 250, 10 + len(rows) % 200),
            "ipConfiguration": {"id": f"{nic_id}/ipConfigurations/ipconfig1"}, "ipTags": [], "provisioningState": "Succeeded",
            "publicIPAddressVersion": "IPv4", "publicIPAllocationMethod": "Static"}, tags=t, sku={"name": "Standard", "tier": "Regional"})
        ipc["publicIPAddress"] = {"id": pip}
    nic_props = {"dnsSettings": {"dnsServers": []}, "enableAcceleratedNetworking": True, "enableIPForwarding": False,
                 "ipConfigurations": [{"id": f"{nic_id}/ipConfigurations/ipconfig1", "name": "ipconfig1", "properties": ipc,
                                       "type": "Microsoft.Network/networkInterfaces/ipConfigurations"}],
                 "nicType": "Standard", "provisioningState": "Succeeded", "virtualMachine": {"id": vm_id}}
    if nic_nsg:
        nic_props["networkSecurityGroup"] = {"id": nic_nsg}
        nsg_row(nic_nsg)["properties"]["networkInterfaces"].append({"id": nic_id})
    add(sub, rg, "Microsoft.Network/networkInterfaces", f"{name}-nic", nic_props, tags=t)
    disks = []
    for i in range(1 + data_disks):
        dname = f"{name}_OsDisk_1_{guid('disk', name)[:8]}" if i == 0 else f"{name}-data-{i:02d}"
        did = add(sub, rg, "Microsoft.Compute/disks", dname, {
            "creationData": {"createOption": "FromImage" if i == 0 else "Empty"}, "diskIOPSReadWrite": 500, "diskSizeGB": 128 if i == 0 else 512,
            "diskState": "Attached", "encryption": {"type": "EncryptionAtRestWithPlatformKey"}, "hyperVGeneration": "V2" if i == 0 else None,
            "networkAccessPolicy": "AllowAll" if sub == "contoso-dev" else "DenyAll", "osType": ("Linux" if linux else "Windows") if i == 0 else None,
            "provisioningState": "Succeeded", "publicNetworkAccess": "Enabled" if sub == "contoso-dev" else "Disabled", "timeCreated": "2024-03-14T10:22:31.5270000+00:00",
        }, tags=t, sku={"name": "Premium_LRS", "tier": "Premium"}, managed_by=vm_id, zones=zones)
        disks.append((dname, did))
    os_profile = {"adminUsername": "azureuser" if linux else "contosoadmin", "allowExtensionOperations": True, "computerName": name, "requireGuestProvisionSignal": True, "secrets": []}
    if linux:
        os_profile["linuxConfiguration"] = {"disablePasswordAuthentication": not password_auth, "patchSettings": {"assessmentMode": "AutomaticByPlatform" if not password_auth else "ImageDefault", "patchMode": "ImageDefault"}, "provisionVMAgent": True}
    else:
        os_profile["windowsConfiguration"] = {"enableAutomaticUpdates": True, "patchSettings": {"assessmentMode": "AutomaticByPlatform" if host_encryption else "ImageDefault", "enableHotpatching": False, "patchMode": "AutomaticByOS"}, "provisionVMAgent": True}
    props = {
        "diagnosticsProfile": {"bootDiagnostics": {"enabled": True}},
        "extended": {"instanceView": {"computerName": name, "osName": "ubuntu" if linux else "Windows Server 2022 Datacenter Azure Edition", "powerState": {"code": "PowerState/running", "displayStatus": "VM running", "level": "Info"}}},
        "hardwareProfile": {"vmSize": size},
        "networkProfile": {"networkInterfaces": [{"id": nic_id, "properties": {"deleteOption": "Delete"}}]},
        "osProfile": os_profile,
        "provisioningState": "Succeeded",
        "storageProfile": {
            "dataDisks": [{"caching": "ReadOnly", "createOption": "Attach", "lun": i, "managedDisk": {"id": did, "storageAccountType": "Premium_LRS"}, "name": dn} for i, (dn, did) in enumerate(disks[1:])],
            "imageReference": IMAGES[image],
            "osDisk": {"caching": "ReadWrite", "createOption": "FromImage", "deleteOption": "Delete", "diskSizeGB": 128,
                       "managedDisk": {"id": disks[0][1], "storageAccountType": "Premium_LRS"}, "name": disks[0][0], "osType": "Linux" if linux else "Windows"},
        },
        "timeCreated": "2024-03-14T10:22:31.5270000+00:00",
        "vmId": guid("vmid", name),
    }
    sec = {}
    if host_encryption:
        sec["encryptionAtHost"] = True  # Virtual machines ... should have encryption at host enabled
    if trusted_launch:
        sec["securityType"] = "TrustedLaunch"  # Secure Boot / vTPM should be enabled
        sec["uefiSettings"] = {"secureBootEnabled": True, "vTpmEnabled": True}
    if sec:
        props["securityProfile"] = sec
    add(sub, rg, "Microsoft.Compute/virtualMachines", name, props, tags=t,
        identity=system_identity(name) if identity else None, zones=zones)
    for ext in extensions:
        publisher, etype, version = {
            "AzurePolicyforLinux": ("Microsoft.GuestConfiguration", "ConfigurationforLinux", "1.26"),
            "AzurePolicyforWindows": ("Microsoft.GuestConfiguration", "ConfigurationforWindows", "1.29"),
            "AzureMonitorLinuxAgent": ("Microsoft.Azure.Monitor", "AzureMonitorLinuxAgent", "1.29"),
            "AzureMonitorWindowsAgent": ("Microsoft.Azure.Monitor", "AzureMonitorWindowsAgent", "1.22"),
            "MDE.Linux": ("Microsoft.Azure.AzureDefenderForServers", "MDE.Linux", "1.0"),
            "MDE.Windows": ("Microsoft.Azure.AzureDefenderForServers", "MDE.Windows", "1.0"),
            "GuestAttestation": ("Microsoft.Azure.Security.LinuxAttestation" if linux else "Microsoft.Azure.Security.WindowsAttestation", "GuestAttestation", "1.0"),
            "DependencyAgentLinux": ("Microsoft.Azure.Monitoring.DependencyAgent", "DependencyAgentLinux", "9.10"),
        }[ext]
        add(sub, rg, "Microsoft.Compute/virtualMachines/extensions", f"{name}/{ext}", {
            "autoUpgradeMinorVersion": True, "enableAutomaticUpgrade": ext.startswith("AzureMonitor"), "provisioningState": "Succeeded",
            "publisher": publisher, "settings": {}, "type": etype, "typeHandlerVersion": version,
        }, rid=f"{vm_id}/extensions/{ext}", tags={})
    assessment(vm_id, sub, rg, MGMT_PORTS, "Management ports should be closed on your virtual machines", "Unhealthy" if mgmt_open else "Healthy")
    if PLANS[sub]["VirtualMachines"] == "Standard":
        assessment(vm_id, sub, rg, VULN_ASSESSMENT, "Machines should have a vulnerability assessment solution", "Healthy" if va else "Unhealthy")
    return vm_id


T_WEB = tags("prod", "web-team@contoso.com", "CC-1002", app="storefront")
vm("contoso-prod", "rg-web-prod", "vm-web-01", "ubuntu", prod_subnets["snet-web"], T_WEB, host_encryption=True, trusted_launch=True, identity=True,
   extensions=("AzurePolicyforLinux", "AzureMonitorLinuxAgent", "MDE.Linux", "GuestAttestation"), va=True, zones=["1"])
vm("contoso-prod", "rg-web-prod", "vm-web-02", "ubuntu", prod_subnets["snet-web"], T_WEB, host_encryption=True, trusted_launch=True, identity=True,
   extensions=("AzurePolicyforLinux", "AzureMonitorLinuxAgent", "MDE.Linux"), va=True, zones=["2"])
vm("contoso-prod", "rg-data-prod", "vm-sql-01", "sql", prod_subnets["snet-data"], tags("prod", "dba@contoso.com", "CC-1003", app="erp"),
   size="Standard_E8s_v5", data_disks=2, identity=True, extensions=("AzureMonitorWindowsAgent", "MDE.Windows"), va=True)
vm("contoso-prod", "rg-network-prod", "vm-jump-01", "win2019", prod_subnets["snet-mgmt"], T_PROD_NET, public_ip=True,
   extensions=("AzureMonitorWindowsAgent",), mgmt_open=True)
vm("contoso-dev", "rg-sandbox-dev", "vm-dev-01", "ubuntu", dev_subnets["snet-app"], T_DEV, public_ip=True, password_auth=True, mgmt_open=True,
   nic_nsg=nsg_dev, size="Standard_B2ms")
vm("contoso-dev", "rg-sandbox-dev", "vm-build-01", "ubuntu", dev_subnets["default"], tags("dev", "dev-team@contoso.com"),
   size="Standard_D4s_v5", data_disks=1, extensions=("AzureMonitorLinuxAgent",))
vm("contoso-dev", "rg-sandbox-dev", "vm-win-test", "win2022", dev_subnets["snet-app"], T_DEV, public_ip=True, mgmt_open=True, trusted_launch=True,
   size="Standard_B2ms")
vm("contoso-shared", "rg-identity-shared", "vm-dc-01", "win2022", hub_subnets["snet-identity"], tags("shared", "identity-team@contoso.com", "CC-1000"),
   host_encryption=True, trusted_launch=True, identity=True, extensions=("AzurePolicyforWindows", "AzureMonitorWindowsAgent", "MDE.Windows", "GuestAttestation"), va=True, zones=["1"])
vm("contoso-shared", "rg-identity-shared", "vm-dc-02", "win2022", hub_subnets["snet-identity"], tags("shared", "identity-team@contoso.com", "CC-1000"),
   trusted_launch=True, identity=True, extensions=("AzureMonitorWindowsAgent", "MDE.Windows"), va=False, zones=["2"])

# ---------------------------------------------------------------- monitoring
law = add("contoso-shared", "rg-monitoring-shared", "Microsoft.OperationalInsights/workspaces", "law-contoso-central", {
    "customerId": guid("law", "central"), "features": {"enableLogAccessUsingOnlyResourcePermissions": True}, "provisioningState": "Succeeded",
    "publicNetworkAccessForIngestion": "Enabled", "publicNetworkAccessForQuery": "Enabled", "retentionInDays": 90, "sku": {"name": "PerGB2018"},
}, tags=tags("shared", "secops@contoso.com", "CC-1000"))


def diagnostic(resource_id, sub, rg, categories, enabled=True):
    rows.append({
        "extendedLocation": None, "id": f"{resource_id}/providers/microsoft.insights/diagnosticSettings/send-to-law",
        "identity": None, "kind": "", "location": "", "managedBy": "", "name": "send-to-law", "plan": None,
        "properties": {
            "logs": [{"category": c, "categoryGroup": None, "enabled": enabled, "retentionPolicy": {"days": 0, "enabled": False}} for c in categories],
            "metrics": [{"category": "AllMetrics", "enabled": True, "retentionPolicy": {"days": 0, "enabled": False}}],
            "workspaceId": law,
        },
        "resourceGroup": rg.lower(), "sku": None, "subscriptionId": SUBS[sub], "tags": None, "tenantId": TENANT,
        "type": "microsoft.insights/diagnosticsettings", "zones": None,
    })


# ---------------------------------------------------------------- storage accounts
def storage(sub, rg, name, t, *, https=True, tls="TLS1_2", blob_public=False, default_action="Deny", public="Enabled",
            shared_key=False, cmk=False, private_link_subnet=None, ip_rules=(), kind="StorageV2", sku="Standard_ZRS", location="westeurope"):
    rid = arm_id(sub, rg, "Microsoft.Storage/storageAccounts", name)
    pecs = []
    if private_link_subnet:
        pecs.append(pe_connection(rid, "Microsoft.Storage/storageAccounts", sub, rg, name))
        private_endpoint(sub, rg, name, rid, "blob", private_link_subnet)
    add(sub, rg, "Microsoft.Storage/storageAccounts", name, {
        "accessTier": "Hot",
        "allowBlobPublicAccess": blob_public,  # Storage account public access should be disallowed
        "allowCrossTenantReplication": False,
        "allowSharedKeyAccess": shared_key,  # Storage accounts should prevent shared key access
        "creationTime": "2023-09-02T08:15:11.0612345Z",
        "defaultToOAuthAuthentication": not shared_key,
        "encryption": {
            "keySource": "Microsoft.Keyvault" if cmk else "Microsoft.Storage",  # ... should use customer-managed key for encryption
            "requireInfrastructureEncryption": cmk,
            "services": {"blob": {"enabled": True, "keyType": "Account", "lastEnabledTime": "2023-09-02T08:15:11.1234567Z"},
                         "file": {"enabled": True, "keyType": "Account", "lastEnabledTime": "2023-09-02T08:15:11.1234567Z"}},
            **({"keyvaultproperties": {"keyname": "cmk-storage", "keyvaulturi": "https://kv-contoso-prod.vault.azure.net/"}} if cmk else {}),
        },
        "isHnsEnabled": False,
        "keyCreationTime": {"key1": "2023-09-02T08:15:11.0612345Z", "key2": "2023-09-02T08:15:11.0612345Z"},
        "minimumTlsVersion": tls,
        "networkAcls": {"bypass": "AzureServices", "defaultAction": default_action,  # Storage accounts should restrict network access
                        "ipRules": [{"action": "Allow", "value": ip} for ip in ip_rules], "virtualNetworkRules": []},
        "primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/", "dfs": f"https://{name}.dfs.core.windows.net/",
                             "file": f"https://{name}.file.core.windows.net/", "queue": f"https://{name}.queue.core.windows.net/",
                             "table": f"https://{name}.table.core.windows.net/", "web": f"https://{name}.z6.web.core.windows.net/"},
        "primaryLocation": location,
        "privateEndpointConnections": pecs,
        "provisioningState": "Succeeded",
        "publicNetworkAccess": public,
        "statusOfPrimary": "available",
        "supportsHttpsTrafficOnly": https,  # Secure transfer to storage accounts should be enabled
    }, kind=kind, tags=t, sku={"name": sku, "tier": "Standard"}, location=location)
    # ARG lists the private endpoint connection as its own child resource too (the AuditIfNotExists target).
    for pec in pecs:
        add(sub, rg, "Microsoft.Storage/storageAccounts/privateEndpointConnections", f"{name}/{pec['name']}",
            {"privateEndpoint": pec["properties"]["privateEndpoint"], "privateLinkServiceConnectionState": pec["properties"]["privateLinkServiceConnectionState"], "provisioningState": "Succeeded"},
            rid=pec["id"], location="", tags=None)
    return rid


T_DATA = tags("prod", "data-team@contoso.com", "CC-1003")
storage("contoso-prod", "rg-data-prod", "stcontosoproddata", T_DATA, public="Disabled", cmk=True, private_link_subnet=prod_subnets["snet-privatelink"])
storage("contoso-prod", "rg-data-prod", "stcontosoprodbackup", T_DATA, sku="Standard_GRS", private_link_subnet=prod_subnets["snet-privatelink"])
storage("contoso-prod", "rg-web-prod", "stcontosowebassets", T_WEB, blob_public=True, default_action="Allow", shared_key=True)
storage("contoso-prod", "rg-integration-prod", "stcontosointegration", tags("prod", "integration@contoso.com", "CC-1004"), default_action="Deny", ip_rules=("52.174.10.0/24",), shared_key=True)
storage("contoso-dev", "rg-data-dev", "stcontosodevdata", T_DEV, https=False, tls="TLS1_0", blob_public=True, default_action="Allow", shared_key=True, sku="Standard_LRS")
storage("contoso-dev", "rg-web-dev", "stcontosodevweb", T_DEV, tls="TLS1_1", default_action="Allow", shared_key=True, sku="Standard_LRS")
storage("contoso-dev", "rg-sandbox-dev", "stsandboxscratch01", {"env": "dev"}, default_action="Allow", shared_key=True, sku="Standard_LRS", kind="Storage")
storage("contoso-shared", "rg-monitoring-shared", "stcontosologsarchive", tags("shared", "secops@contoso.com", "CC-1000"), sku="Standard_GRS", public="Disabled", private_link_subnet=hub_subnets["snet-privatelink"])
storage("contoso-shared", "rg-security-shared", "stcontosoflowlogs", tags("shared", "network-team@contoso.com", "CC-1000"), default_action="Deny")
storage("contoso-shared", "rg-identity-shared", "stcontosoidentitycfg", tags("shared", "identity-team@contoso.com"), default_action="Allow", shared_key=True, tls="TLS1_2")


# ---------------------------------------------------------------- key vaults
def key_vault(sub, rg, name, t, *, soft_delete=True, purge=True, rbac=True, default_action="Deny", public="Enabled",
              private_link_subnet=None, ip_rules=(), diag=True):
    rid = arm_id(sub, rg, "Microsoft.KeyVault/vaults", name)
    pecs = []
    if private_link_subnet:
        pecs.append(pe_connection(rid, "Microsoft.KeyVault/vaults", sub, rg, name))
        private_endpoint(sub, rg, name, rid, "vault", private_link_subnet)
    props = {
        "accessPolicies": [] if rbac else [{"objectId": guid("obj", name), "permissions": {"keys": ["all"], "secrets": ["all"], "certificates": ["all"]}, "tenantId": TENANT}],
        "enableRbacAuthorization": rbac,  # Azure Key Vault should use RBAC permission model
        "enableSoftDelete": soft_delete,  # Key vaults should have soft delete enabled
        "enabledForDeployment": False, "enabledForDiskEncryption": False, "enabledForTemplateDeployment": False,
        "networkAcls": {"bypass": "AzureServices", "defaultAction": default_action, "ipRules": [{"value": ip} for ip in ip_rules], "virtualNetworkRules": []},
        "privateEndpointConnections": [{"id": p["id"], "properties": p["properties"]} for p in pecs],
        "provisioningState": "Succeeded",
        "publicNetworkAccess": public,
        "sku": {"family": "A", "name": "standard"},
        "softDeleteRetentionInDays": 90,
        "tenantId": TENANT,
        "vaultUri": f"https://{name}.vault.azure.net/",
    }
    if purge:
        props["enablePurgeProtection"] = True  # Key vaults should have deletion protection enabled
    add(sub, rg, "Microsoft.KeyVault/vaults", name, props, tags=t)
    if diag:
        diagnostic(rid, sub, rg, ["AuditEvent", "AzurePolicyEvaluationDetails"])


key_vault("contoso-prod", "rg-data-prod", "kv-contoso-prod", T_DATA, public="Disabled", private_link_subnet=prod_subnets["snet-privatelink"])
key_vault("contoso-prod", "rg-web-prod", "kv-contoso-web-prod", T_WEB, rbac=False, ip_rules=("20.50.2.0/24",))
key_vault("contoso-dev", "rg-web-dev", "kv-contoso-dev", T_DEV, purge=False, rbac=False, default_action="Allow", diag=False)
key_vault("contoso-dev", "rg-sandbox-dev", "kv-sandbox-tmp", {"env": "dev"}, soft_delete=False, purge=False, rbac=False, default_action="Allow", diag=False)
key_vault("contoso-shared", "rg-security-shared", "kv-contoso-shared", tags("shared", "secops@contoso.com", "CC-1000"), private_link_subnet=hub_subnets["snet-privatelink"], public="Disabled")


# ---------------------------------------------------------------- SQL
def sql_server(sub, rg, name, t, *, public="Enabled", tls="1.2", aad_only=False, aad_admin=True, auditing=True, defender=True,
               private_link_subnet=None, databases=("appdb",), tde=True):
    rid = arm_id(sub, rg, "Microsoft.Sql/servers", name)
    pecs = []
    if private_link_subnet:
        pecs.append(pe_connection(rid, "Microsoft.Sql/servers", sub, rg, name))
        private_endpoint(sub, rg, name, rid, "sqlServer", private_link_subnet)
    props = {
        "administratorLogin": "sqladmin",
        "fullyQualifiedDomainName": f"{name}.database.windows.net",
        "minimalTlsVersion": tls,  # Azure SQL Database should be running TLS version 1.2 or newer
        "privateEndpointConnections": [{"id": p["id"], "properties": p["properties"]} for p in pecs],
        "publicNetworkAccess": public,  # Public network access on Azure SQL Database should be disabled
        "restrictOutboundNetworkAccess": "Disabled",
        "state": "Ready",
        "version": "12.0",
    }
    if aad_admin:
        props["administrators"] = {"administratorType": "ActiveDirectory", "azureADOnlyAuthentication": aad_only, "login": "sql-admins",
                                   "principalType": "Group", "sid": guid("sqladmins", name), "tenantId": TENANT}
    add(sub, rg, "Microsoft.Sql/servers", name, props, kind="v12.0", tags=t, identity=system_identity(name) if aad_only else None)
    if aad_admin:
        add(sub, rg, "Microsoft.Sql/servers/administrators", f"{name}/ActiveDirectory", {
            "administratorType": "ActiveDirectory", "azureADOnlyAuthentication": aad_only, "login": "sql-admins", "sid": guid("sqladmins", name), "tenantId": TENANT,
        }, rid=f"{rid}/administrators/ActiveDirectory", location="", tags=None)
    add(sub, rg, "Microsoft.Sql/servers/auditingSettings", f"{name}/default", {
        "auditActionsAndGroups": ["SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP", "FAILED_DATABASE_AUTHENTICATION_GROUP", "BATCH_COMPLETED_GROUP"],
        "isAzureMonitorTargetEnabled": auditing, "retentionDays": 0, "state": "Enabled" if auditing else "Disabled",
    }, rid=f"{rid}/auditingSettings/default", location="", tags=None)
    add(sub, rg, "Microsoft.Sql/servers/securityAlertPolicies", f"{name}/Default", {
        "creationTime": "2024-01-10T12:00:00Z", "disabledAlerts": [""], "emailAccountAdmins": False, "emailAddresses": [""],
        "retentionDays": 0, "state": "Enabled" if defender else "Disabled",
    }, rid=f"{rid}/securityAlertPolicies/Default", location="", tags=None)
    for db in databases:
        dbid = f"{rid}/databases/{db}"
        add(sub, rg, "Microsoft.Sql/servers/databases", f"{name}/{db}", {
            "catalogCollation": "SQL_Latin1_General_CP1_CI_AS", "collation": "SQL_Latin1_General_CP1_CI_AS", "currentServiceObjectiveName": "GP_Gen5_2",
            "databaseId": guid("db", name, db), "maxSizeBytes": 34359738368, "readScale": "Disabled", "requestedBackupStorageRedundancy": "Geo",
            "status": "Online", "zoneRedundant": False,
        }, rid=dbid, kind="v12.0,user,vcore", tags=t, sku={"capacity": 2, "family": "Gen5", "name": "GP_Gen5", "tier": "GeneralPurpose"})
        add(sub, rg, "Microsoft.Sql/servers/databases/transparentDataEncryption", f"{name}/{db}/current",
            {"state": "Enabled" if tde else "Disabled"}, rid=f"{dbid}/transparentDataEncryption/current", location="", tags=None)


sql_server("contoso-prod", "rg-data-prod", "sql-contoso-prod", T_DATA, public="Disabled", aad_only=True, private_link_subnet=prod_subnets["snet-privatelink"], databases=("orders", "customers"))
sql_server("contoso-prod", "rg-integration-prod", "sql-contoso-reporting", tags("prod", "bi@contoso.com", "CC-1005"), tls="1.1", databases=("reporting",))
sql_server("contoso-dev", "rg-data-dev", "sql-contoso-dev", T_DEV, tls="1.0", aad_admin=False, auditing=False, defender=False, databases=("orders", "scratch"), tde=False)


# ---------------------------------------------------------------- App Service
def plan(sub, rg, name, t, linux=True):
    return add(sub, rg, "Microsoft.Web/serverFarms", name, {
        "maximumNumberOfWorkers": 10, "numberOfSites": 3, "provisioningState": "Succeeded", "reserved": linux, "status": "Ready", "zoneRedundant": False,
    }, kind="linux" if linux else "app", tags=t, sku={"capacity": 1, "family": "Pv3", "name": "P1v3", "size": "P1v3", "tier": "PremiumV3"})


def site(sub, rg, name, farm, t, *, function=False, https=True, tls="1.2", ftps="FtpsOnly", client_cert=False, http2=True,
         remote_debug=False, cors=(), identity=True, public="Enabled", diag=False):
    rid = arm_id(sub, rg, "Microsoft.Web/sites", name)
    kind = "functionapp,linux" if function else "app,linux"
    add(sub, rg, "Microsoft.Web/sites", name, {
        "availabilityState": "Normal", "clientAffinityEnabled": False,
        "clientCertEnabled": client_cert,  # ... should have Client Certificates (Incoming client certificates) enabled
        "clientCertMode": "Required", "containerSize": 1536 if function else 0, "defaultHostName": f"{name}.azurewebsites.net",
        "enabled": True, "enabledHostNames": [f"{name}.azurewebsites.net", f"{name}.scm.azurewebsites.net"],
        "httpsOnly": https,  # App Service apps / Function apps should only be accessible over HTTPS
        "hostNameSslStates": [{"hostType": "Standard", "name": f"{name}.azurewebsites.net", "sslState": "Disabled"}],
        "publicNetworkAccess": public, "redundancyMode": "None", "reserved": True, "serverFarmId": farm,
        "siteConfig": {"functionAppScaleLimit": 0, "linuxFxVersion": "PYTHON|3.11" if function else "DOTNETCORE|8.0", "minimumElasticInstanceCount": 0, "numberOfWorkers": 1},
        "state": "Running", "usageState": "Normal",
    }, kind=kind, tags=t, identity=system_identity(name) if identity else None)
    # ARG's config/web child: what the AuditIfNotExists policies read (ftpsState, minTlsVersion, ...).
    add(sub, rg, "Microsoft.Web/sites/config", f"{name}/web", {
        "alwaysOn": True,
        "cors": {"allowedOrigins": list(cors), "supportCredentials": False},  # ... should not have CORS configured to allow every resource
        "ftpsState": ftps,  # ... should require FTPS only
        "http20Enabled": http2,
        "linuxFxVersion": "PYTHON|3.11" if function else "DOTNETCORE|8.0",
        "managedServiceIdentityId": (hash_id := int(guid("msi", name)[:6], 16)) if identity else None,  # ... should use managed identity
        "minTlsVersion": tls,  # ... should use the latest TLS version
        "remoteDebuggingEnabled": remote_debug,  # ... should have remote debugging turned off
        "remoteDebuggingVersion": "VS2022",
        "scmMinTlsVersion": "1.2",
        "xManagedServiceIdentityId": None,
    }, rid=f"{rid}/config/web", location="westeurope", tags=None)
    if diag:
        diagnostic(rid, sub, rg, ["AppServiceHTTPLogs", "AppServiceConsoleLogs", "AppServiceAppLogs", "AppServiceAuditLogs"])


farm_prod = plan("contoso-prod", "rg-web-prod", "asp-contoso-prod", T_WEB)
farm_int = plan("contoso-prod", "rg-integration-prod", "asp-contoso-integration", tags("prod", "integration@contoso.com", "CC-1004"))
farm_dev = plan("contoso-dev", "rg-web-dev", "asp-contoso-dev", T_DEV)
site("contoso-prod", "rg-web-prod", "app-contoso-storefront", farm_prod, T_WEB, client_cert=True, diag=True)
site("contoso-prod", "rg-web-prod", "app-contoso-api", farm_prod, T_WEB, ftps="Disabled", diag=True, cors=("https://www.contoso.com",))
site("contoso-prod", "rg-web-prod", "app-contoso-admin", farm_prod, T_WEB, tls="1.1", ftps="AllAllowed", http2=False, identity=False)
site("contoso-prod", "rg-integration-prod", "func-contoso-orders", farm_int, tags("prod", "integration@contoso.com", "CC-1004"), function=True, ftps="Disabled")
site("contoso-prod", "rg-integration-prod", "func-contoso-webhooks", farm_int, tags("prod", "integration@contoso.com", "CC-1004"), function=True, https=False, cors=("*",), identity=False)
site("contoso-dev", "rg-web-dev", "app-contoso-storefront-dev", farm_dev, T_DEV, https=False, tls="1.0", ftps="AllAllowed", remote_debug=True, cors=("*",), identity=False, http2=False)
site("contoso-dev", "rg-web-dev", "app-contoso-api-dev", farm_dev, T_DEV, ftps="AllAllowed", remote_debug=True, identity=False)
site("contoso-dev", "rg-web-dev", "func-contoso-dev-jobs", farm_dev, T_DEV, function=True, tls="1.2", ftps="FtpsOnly", identity=True)

# ---------------------------------------------------------------- containers
T_AKS = tags("prod", "platform-team@contoso.com", "CC-1006")


def aks(sub, rg, name, t, *, rbac=True, policy=True, defender=True, private=False, authorized_ranges=(), subnet=None, local_accounts=False):
    add(sub, rg, "Microsoft.ContainerService/managedClusters", name, {
        "aadProfile": {"enableAzureRBAC": rbac, "managed": True, "tenantID": TENANT} if rbac else None,
        "addonProfiles": {"azurepolicy": {"enabled": policy, "config": None}, "omsagent": {"enabled": True, "config": {"logAnalyticsWorkspaceResourceID": law}}},
        "agentPoolProfiles": [{"count": 3, "enableAutoScaling": True, "maxCount": 6, "minCount": 3, "mode": "System", "name": "system", "osType": "Linux",
                               "orchestratorVersion": "1.29.4", "type": "VirtualMachineScaleSets", "vmSize": "Standard_D4s_v5", **({"vnetSubnetID": subnet} if subnet else {})}],
        "apiServerAccessProfile": {"authorizedIPRanges": list(authorized_ranges), "enablePrivateCluster": private},
        "disableLocalAccounts": not local_accounts,
        "dnsPrefix": name, "enableRBAC": rbac,  # Role-Based Access Control (RBAC) should be used on Kubernetes Services
        "kubernetesVersion": "1.29.4", "networkProfile": {"networkPlugin": "azure", "networkPolicy": "calico" if policy else None, "outboundType": "loadBalancer"},
        "nodeResourceGroup": f"MC_{rg}_{name}_westeurope", "powerState": {"code": "Running"}, "provisioningState": "Succeeded",
        "securityProfile": {"defender": {"logAnalyticsWorkspaceResourceId": law, "securityMonitoring": {"enabled": True}}} if defender else {},
    }, tags=t, identity=system_identity(name), sku={"name": "Base", "tier": "Standard"})


aks("contoso-prod", "rg-aks-prod", "aks-contoso-prod", T_AKS, private=True, subnet=prod_subnets["snet-aks"])
aks("contoso-dev", "rg-sandbox-dev", "aks-contoso-dev", T_DEV, rbac=False, policy=False, defender=False, local_accounts=True)


def acr(sub, rg, name, t, *, admin=False, public="Enabled", default_action="Allow", private_link_subnet=None, sku="Premium"):
    rid = arm_id(sub, rg, "Microsoft.ContainerRegistry/registries", name)
    pecs = []
    if private_link_subnet:
        pecs.append(pe_connection(rid, "Microsoft.ContainerRegistry/registries", sub, rg, name))
        private_endpoint(sub, rg, name, rid, "registry", private_link_subnet)
    add(sub, rg, "Microsoft.ContainerRegistry/registries", name, {
        "adminUserEnabled": admin, "anonymousPullEnabled": False, "dataEndpointEnabled": False,
        "encryption": {"status": "disabled"}, "loginServer": f"{name}.azurecr.io",
        "networkRuleBypassOptions": "AzureServices",
        "networkRuleSet": {"defaultAction": default_action, "ipRules": []} if sku == "Premium" else None,
        "policies": {"quarantinePolicy": {"status": "disabled"}, "retentionPolicy": {"days": 7, "status": "disabled"}, "trustPolicy": {"status": "disabled", "type": "Notary"}},
        "privateEndpointConnections": [{"id": p["id"], "properties": p["properties"]} for p in pecs],
        "provisioningState": "Succeeded", "publicNetworkAccess": public, "zoneRedundancy": "Disabled",
    }, tags=t, sku={"name": sku, "tier": sku})


acr("contoso-prod", "rg-aks-prod", "acrcontosoprod", T_AKS, public="Disabled", default_action="Deny", private_link_subnet=prod_subnets["snet-privatelink"])
acr("contoso-dev", "rg-sandbox-dev", "acrcontosodev", T_DEV, admin=True, sku="Basic")

# ---------------------------------------------------------------- data services
add("contoso-prod", "rg-data-prod", "Microsoft.DocumentDB/databaseAccounts", "cosmos-contoso-prod", {
    "backupPolicy": {"periodicModeProperties": {"backupIntervalInMinutes": 240, "backupRetentionIntervalInHours": 8}, "type": "Periodic"},
    "capabilities": [], "consistencyPolicy": {"defaultConsistencyLevel": "Session"}, "databaseAccountOfferType": "Standard",
    "disableKeyBasedMetadataWriteAccess": True, "disableLocalAuth": True, "documentEndpoint": "https://cosmos-contoso-prod.documents.azure.com:443/",
    "enableAutomaticFailover": True, "ipRules": [], "isVirtualNetworkFilterEnabled": True, "keyVaultKeyUri": "https://kv-contoso-prod.vault.azure.net/keys/cmk-cosmos",
    "locations": [{"failoverPriority": 0, "locationName": "West Europe"}], "minimalTlsVersion": "Tls12",
    "privateEndpointConnections": [], "provisioningState": "Succeeded", "publicNetworkAccess": "Disabled",
    "virtualNetworkRules": [{"id": prod_subnets["snet-data"], "ignoreMissingVNetServiceEndpoint": False}],
}, kind="GlobalDocumentDB", tags=T_DATA, identity=system_identity("cosmos-contoso-prod"))
add("contoso-dev", "rg-data-dev", "Microsoft.DocumentDB/databaseAccounts", "cosmos-contoso-dev", {
    "capabilities": [{"name": "EnableServerless"}], "consistencyPolicy": {"defaultConsistencyLevel": "Session"}, "databaseAccountOfferType": "Standard",
    "disableLocalAuth": False, "documentEndpoint": "https://cosmos-contoso-dev.documents.azure.com:443/", "ipRules": [], "isVirtualNetworkFilterEnabled": False,
    "locations": [{"failoverPriority": 0, "locationName": "West Europe"}], "minimalTlsVersion": "Tls", "privateEndpointConnections": [],
    "provisioningState": "Succeeded", "publicNetworkAccess": "Enabled", "virtualNetworkRules": [],
}, kind="GlobalDocumentDB", tags=T_DEV)

for sub, rg, name, t, non_ssl, public, tls in [("contoso-prod", "rg-web-prod", "redis-contoso-sessions", T_WEB, False, "Disabled", "1.2"),
                                               ("contoso-dev", "rg-web-dev", "redis-contoso-dev", T_DEV, True, "Enabled", "1.0")]:
    add(sub, rg, "Microsoft.Cache/Redis", name, {
        "enableNonSslPort": non_ssl,  # Only secure connections to your Azure Cache for Redis should be enabled
        "hostName": f"{name}.redis.cache.windows.net", "minimumTlsVersion": tls, "port": 6379, "sslPort": 6380,
        "privateEndpointConnections": [], "provisioningState": "Succeeded", "publicNetworkAccess": public, "redisVersion": "6.0",
        "sku": {"capacity": 1, "family": "C", "name": "Standard"},
    }, tags=t)

for sub, rg, name, t, local_auth_disabled, public, diag in [("contoso-prod", "rg-integration-prod", "evhns-contoso-telemetry", tags("prod", "integration@contoso.com", "CC-1004"), True, "Disabled", True),
                                                            ("contoso-dev", "rg-data-dev", "evhns-contoso-dev", T_DEV, False, "Enabled", False)]:
    rid = add(sub, rg, "Microsoft.EventHub/namespaces", name, {
        "disableLocalAuth": local_auth_disabled, "isAutoInflateEnabled": False, "kafkaEnabled": True, "maximumThroughputUnits": 0, "minimumTlsVersion": "1.2",
        "provisioningState": "Succeeded", "publicNetworkAccess": public, "serviceBusEndpoint": f"https://{name}.servicebus.windows.net:443/", "status": "Active", "zoneRedundant": True,
    }, tags=t, sku={"capacity": 1, "name": "Standard", "tier": "Standard"})
    if diag:
        diagnostic(rid, sub, rg, ["ArchiveLogs", "OperationalLogs", "AutoScaleLogs", "KafkaCoordinatorLogs"])
for sub, rg, name, t, local_auth_disabled, public, diag in [("contoso-prod", "rg-integration-prod", "sb-contoso-orders", tags("prod", "integration@contoso.com", "CC-1004"), True, "Enabled", False),
                                                            ("contoso-dev", "rg-data-dev", "sb-contoso-dev", T_DEV, False, "Enabled", False)]:
    add(sub, rg, "Microsoft.ServiceBus/namespaces", name, {
        "disableLocalAuth": local_auth_disabled, "minimumTlsVersion": "1.2", "provisioningState": "Succeeded", "publicNetworkAccess": public,
        "serviceBusEndpoint": f"https://{name}.servicebus.windows.net:443/", "status": "Active", "zoneRedundant": False,
    }, tags=t, sku={"name": "Standard", "tier": "Standard"})

add("contoso-prod", "rg-integration-prod", "Microsoft.ApiManagement/service", "apim-contoso-prod", {
    "apiVersionConstraint": {"minApiVersion": "2019-12-01"}, "customProperties": {
        "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10": "False",
        "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11": "False"},
    "disableGateway": False, "gatewayUrl": "https://apim-contoso-prod.azure-api.net", "platformVersion": "stv1",  # ... platform version should be stv2
    "provisioningState": "Succeeded", "publicIPAddresses": ["20.76.1.10"], "publicNetworkAccess": "Enabled",
    "publisherEmail": "api@contoso.com", "publisherName": "Contoso", "virtualNetworkType": "None",
}, tags=tags("prod", "integration@contoso.com", "CC-1004"), sku={"capacity": 1, "name": "Developer"}, identity=system_identity("apim-contoso-prod"))


def flexible(sub, rg, rtype, name, t, *, public="Enabled", aad=True, password=True, geo_backup=False, atp=True, version="16"):
    rid = arm_id(sub, rg, rtype, name)
    props = {
        "availabilityZone": "1", "backup": {"backupRetentionDays": 7, "geoRedundantBackup": "Enabled" if geo_backup else "Disabled"},
        "fullyQualifiedDomainName": f"{name}.{'postgres' if 'PostgreSQL' in rtype else 'mysql'}.database.azure.com",
        "highAvailability": {"mode": "Disabled"}, "network": {"publicNetworkAccess": public},
        "state": "Ready", "storage": {"autoGrow": "Enabled", "storageSizeGB": 128}, "version": version,
    }
    if "PostgreSQL" in rtype:
        props["authConfig"] = {"activeDirectoryAuth": "Enabled" if aad else "Disabled", "passwordAuth": "Enabled" if password else "Disabled", "tenantId": TENANT}
    add(sub, rg, rtype, name, props, tags=t, sku={"name": "Standard_D2ds_v4", "tier": "GeneralPurpose"})
    add(sub, rg, f"{rtype}/advancedThreatProtectionSettings", f"{name}/Default", {"creationTime": "2024-02-01T00:00:00Z", "state": "Enabled" if atp else "Disabled"},
        rid=f"{rid}/advancedThreatProtectionSettings/Default", location="", tags=None)
    return rid


flexible("contoso-prod", "rg-data-prod", "Microsoft.DBforPostgreSQL/flexibleServers", "psql-contoso-prod", T_DATA, public="Disabled", password=False, geo_backup=True)
flexible("contoso-dev", "rg-data-dev", "Microsoft.DBforPostgreSQL/flexibleServers", "psql-contoso-dev", T_DEV, aad=False, atp=False)
mysql = flexible("contoso-prod", "rg-web-prod", "Microsoft.DBforMySQL/flexibleServers", "mysql-contoso-cms", T_WEB, atp=False, version="8.0.21")
add("contoso-prod", "rg-web-prod", "Microsoft.DBforMySQL/flexibleServers/configurations", "mysql-contoso-cms/aad_auth_only", {
    "allowedValues": "ON,OFF", "dataType": "Enumeration", "defaultValue": "OFF", "source": "system-default", "value": "OFF",
}, rid=f"{mysql}/configurations/aad_auth_only", location="", tags=None)

for sub, rg, name, t, kind, local_auth_disabled, public, cmk in [
    ("contoso-prod", "rg-integration-prod", "oai-contoso-prod", tags("prod", "ai-team@contoso.com", "CC-1007"), "OpenAI", True, "Disabled", False),
    ("contoso-dev", "rg-sandbox-dev", "cog-contoso-dev", T_DEV, "CognitiveServices", False, "Enabled", False),
]:
    add(sub, rg, "Microsoft.CognitiveServices/accounts", name, {
        "customSubDomainName": name, "disableLocalAuth": local_auth_disabled,  # Azure AI Services resources should have key access disabled
        "endpoint": f"https://{name}.cognitiveservices.azure.com/", "networkAcls": {"defaultAction": "Deny" if public == "Disabled" else "Allow", "ipRules": [], "virtualNetworkRules": []},
        "privateEndpointConnections": [], "provisioningState": "Succeeded", "publicNetworkAccess": public,
        **({"encryption": {"keySource": "Microsoft.KeyVault"}} if cmk else {}),
    }, kind=kind, tags=t, sku={"name": "S0"}, identity=system_identity(name))


out = {"count": len(rows), "data": rows, "skip_token": None, "total_records": len(rows)}
sys.stdout.write(json.dumps(out, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
