//! Network analysis shared by the Azure native rules: VM → NIC → subnet / NSG resolution over the
//! resources kept by the runner, and NSG inbound-rule evaluation for traffic from the Internet.
//!
//! The runner keeps network interfaces, subnets and NSGs only as the typed summaries here ([`Nic`],
//! [`Subnet`], [`Nsg`]), built once when the resource streams by: what the analysis reads, not the
//! ARM document.
//!
//! NSG semantics (Azure's): rules are evaluated by ascending priority, the first rule matching the
//! traffic decides; default rules (65000+) end in `DenyAllInBound`. Inbound traffic to a NIC passes the
//! subnet's NSG, then the NIC's NSG: it is allowed only if every NSG present allows it. "From the
//! Internet" means a rule whose source is `*`, `Any`, `Internet`, `0.0.0.0/0` or `::/0`; a rule for a
//! narrower source neither opens nor closes the port to the whole Internet, so it is skipped.

use crate::native::PointerExt as _;
use serde_json::Value;
use std::sync::Arc;

use super::super::Related;

/// VM resource types the VM rules assess.
pub(crate) const VM_TYPES: &[&str] = &[
    "microsoft.compute/virtualmachines",
    "microsoft.classiccompute/virtualmachines",
];
/// Related types VM network rules need.
pub(crate) const VM_NETWORK_TYPES: &[&str] = &[
    "microsoft.network/networkinterfaces",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/virtualnetworks",
    "microsoft.network/virtualnetworks/subnets",
];

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.at(pointer).and_then(Value::as_str)
}

fn array_at<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.at(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// What the analysis keeps of a network interface.
#[derive(Debug)]
pub(crate) struct Nic {
    /// `properties.networkSecurityGroup.id`.
    nsg: Option<Box<str>>,
    /// `properties.enableIPForwarding == true`.
    pub(crate) ip_forwarding: bool,
    /// Per IP configuration: has a (non-null) public IP address; its subnet id.
    ip_configs: Box<[(bool, Option<Box<str>>)]>,
}

impl Nic {
    pub(crate) fn from_doc(nic: &Value) -> Self {
        Self {
            nsg: str_at(nic, "/properties/networkSecurityGroup/id").map(Box::from),
            ip_forwarding: nic
                .at("/properties/enableIPForwarding")
                .and_then(Value::as_bool)
                == Some(true),
            ip_configs: array_at(nic, "/properties/ipConfigurations")
                .iter()
                .map(|ipc| {
                    (
                        ipc.at("/properties/publicIPAddress")
                            .is_some_and(|p| !p.is_null()),
                        str_at(ipc, "/properties/subnet/id").map(Box::from),
                    )
                })
                .collect(),
        }
    }
}

/// What the analysis keeps of a subnet: its NSG id.
#[derive(Debug)]
pub(crate) struct Subnet {
    nsg: Option<Box<str>>,
}

impl Subnet {
    pub(crate) fn from_doc(subnet: &Value) -> Self {
        Self {
            nsg: str_at(subnet, "/properties/networkSecurityGroup/id").map(Box::from),
        }
    }
}

/// An inbound NSG rule whose source is the whole Internet (the only ones that can decide traffic from
/// the Internet: a narrower source neither opens nor closes a port to it).
#[derive(Debug)]
struct InternetRule {
    name: Box<str>,
    allow: bool,
    /// Protocol is TCP, `*` or `Any`.
    tcp: bool,
    /// Destination port ranges that parse (`*` = every port); others cover no port.
    ports: Box<[(u16, u16)]>,
}

/// What the analysis keeps of a network security group.
#[derive(Debug)]
pub(crate) struct Nsg {
    /// Inbound Internet-source rules (user and default) with an access and a priority, by ascending
    /// priority (stable: user rules before default rules of the same priority, then document order).
    inbound: Box<[InternetRule]>,
    /// Names of the user rules that allow inbound traffic from the whole Internet on any port.
    internet_allow: Box<[Box<str>]>,
}

fn rule_name(r: &Value) -> &str {
    r.get("name").and_then(Value::as_str).unwrap_or("(unnamed)")
}

fn internet_sourced(p: &Value) -> bool {
    p.get("sourceAddressPrefix")
        .and_then(Value::as_str)
        .into_iter()
        .chain(
            array_at(p, "/sourceAddressPrefixes")
                .iter()
                .filter_map(Value::as_str),
        )
        .any(is_internet_source)
}

fn port_range(range: &str) -> Option<(u16, u16)> {
    let range = range.trim();
    if range == "*" {
        return Some((0, u16::MAX));
    }
    match range.split_once('-') {
        Some((lo, hi)) => Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?)),
        None => range.parse().ok().map(|p| (p, p)),
    }
}

impl Nsg {
    pub(crate) fn from_doc(nsg: &Value) -> Self {
        let mut inbound: Vec<(i64, InternetRule)> = array_at(nsg, "/properties/securityRules")
            .iter()
            .chain(array_at(nsg, "/properties/defaultSecurityRules"))
            .filter_map(|r| {
                let p = r.get("properties")?;
                if !p
                    .get("direction")?
                    .as_str()?
                    .eq_ignore_ascii_case("inbound")
                    || !internet_sourced(p)
                {
                    return None;
                }
                let allow = p.get("access")?.as_str()?.eq_ignore_ascii_case("allow");
                let priority = p.get("priority")?.as_i64()?;
                let ports = p
                    .get("destinationPortRange")
                    .and_then(Value::as_str)
                    .into_iter()
                    .chain(
                        array_at(p, "/destinationPortRanges")
                            .iter()
                            .filter_map(Value::as_str),
                    )
                    .filter_map(port_range)
                    .collect();
                Some((
                    priority,
                    InternetRule {
                        name: rule_name(r).into(),
                        allow,
                        tcp: tcp(p.get("protocol").and_then(Value::as_str).unwrap_or("*")),
                        ports,
                    },
                ))
            })
            .collect();
        inbound.sort_by_key(|(priority, _)| *priority);
        let internet_allow = array_at(nsg, "/properties/securityRules")
            .iter()
            .filter_map(|r| {
                let p = r.get("properties")?;
                let inbound = p
                    .get("direction")?
                    .as_str()?
                    .eq_ignore_ascii_case("inbound");
                let allow = p.get("access")?.as_str()?.eq_ignore_ascii_case("allow");
                (inbound && allow && internet_sourced(p)).then(|| rule_name(r).into())
            })
            .collect();
        Self {
            inbound: inbound.into_iter().map(|(_, r)| r).collect(),
            internet_allow,
        }
    }
}

/// One NIC of a VM with what was found about its path.
#[derive(Debug)]
pub(crate) struct NicPath {
    /// The NIC id.
    pub(crate) id: String,
    /// The NIC.
    pub(crate) nic: Arc<Nic>,
    /// NSGs in the inbound path (subnet's first, then the NIC's), with their ids.
    pub(crate) nsgs: Vec<(String, Arc<Nsg>)>,
    /// Referenced NSGs / subnets that were not in the inventory.
    pub(crate) missing: Vec<String>,
    /// Whether an IP configuration has a public IP address.
    pub(crate) public_ip: bool,
}

/// Why a VM's network could not be resolved.
#[derive(Debug)]
pub(crate) enum Unresolved {
    /// Classic VM: its network model is not analysed.
    Classic,
    /// No `properties.networkProfile.networkInterfaces`.
    NoNetworkProfile,
    /// A NIC referenced by the VM is not in the inventory.
    MissingNic(String),
}

impl Unresolved {
    pub(crate) fn reason(&self) -> String {
        match self {
            Unresolved::Classic => {
                "classic (ASM) virtual machine: its endpoint ACLs are not analysed".to_owned()
            }
            Unresolved::NoNetworkProfile => {
                "the virtual machine has no networkProfile.networkInterfaces".to_owned()
            }
            Unresolved::MissingNic(id) => format!("network interface {id} is not in the inventory"),
        }
    }
}

/// A VM's NICs with the NSGs in front of each, or why they could not be resolved.
pub(crate) type VmNicPaths = Result<Vec<NicPath>, Unresolved>;

/// Resolves the NICs of a VM and the NSGs in front of each (once per VM while the runner decides
/// its deferred subjects: [`Related::nic_paths_of`]).
pub(crate) fn vm_nic_paths(vm: &Value, related: &Related) -> Arc<VmNicPaths> {
    related.nic_paths_of(str_at(vm, "/id").unwrap_or(""), || {
        resolve_nic_paths(vm, related)
    })
}

fn resolve_nic_paths(vm: &Value, related: &Related) -> VmNicPaths {
    if str_at(vm, "/type")
        .is_some_and(|t| t.eq_ignore_ascii_case("microsoft.classiccompute/virtualmachines"))
    {
        return Err(Unresolved::Classic);
    }
    let refs = array_at(vm, "/properties/networkProfile/networkInterfaces");
    if refs.is_empty() {
        return Err(Unresolved::NoNetworkProfile);
    }
    let mut paths = Vec::new();
    for r in refs {
        let Some(id) = r.get("id").and_then(Value::as_str) else {
            continue;
        };
        let nic = related
            .nic(id)
            .ok_or_else(|| Unresolved::MissingNic(id.to_owned()))?;
        paths.push(nic_path(id, nic, related));
    }
    Ok(paths)
}

fn nic_path(id: &str, nic: &Arc<Nic>, related: &Related) -> NicPath {
    let mut nsgs = Vec::new();
    let mut missing = Vec::new();
    let mut public_ip = false;
    let mut seen_subnets: Vec<&str> = Vec::new();
    for (has_public_ip, subnet_id) in nic.ip_configs.iter() {
        if *has_public_ip {
            public_ip = true;
        }
        let Some(subnet_id) = subnet_id.as_deref() else {
            continue;
        };
        if seen_subnets
            .iter()
            .any(|s| s.eq_ignore_ascii_case(subnet_id))
        {
            continue;
        }
        seen_subnets.push(subnet_id);
        match related.subnet(subnet_id) {
            None => missing.push(format!("subnet {subnet_id}")),
            Some(subnet) => {
                if let Some(nsg_id) = subnet.nsg.as_deref() {
                    match related.nsg(nsg_id) {
                        Some(nsg) => nsgs.push((nsg_id.to_owned(), Arc::clone(nsg))),
                        None => missing.push(format!("network security group {nsg_id}")),
                    }
                }
            }
        }
    }
    if let Some(nsg_id) = nic.nsg.as_deref() {
        match related.nsg(nsg_id) {
            Some(nsg) => nsgs.push((nsg_id.to_owned(), Arc::clone(nsg))),
            None => missing.push(format!("network security group {nsg_id}")),
        }
    }
    NicPath {
        id: id.to_owned(),
        nic: Arc::clone(nic),
        nsgs,
        missing,
        public_ip,
    }
}

fn is_internet_source(s: &str) -> bool {
    let s = s.trim();
    s == "*"
        || ["any", "internet", "0.0.0.0/0", "::/0", "0.0.0.0"]
            .iter()
            .any(|x| s.eq_ignore_ascii_case(x))
}

fn tcp(protocol: &str) -> bool {
    protocol == "*" || protocol.eq_ignore_ascii_case("tcp") || protocol.eq_ignore_ascii_case("any")
}

/// The name of the rule that allows TCP `port` from the whole Internet through this NSG, or `None` if
/// the first deciding rule denies it.
pub(crate) fn allows_from_internet(nsg: &Nsg, port: u16) -> Option<String> {
    for rule in nsg.inbound.iter() {
        let matches = rule.tcp
            && rule
                .ports
                .iter()
                .any(|(lo, hi)| (*lo..=*hi).contains(&port));
        if matches {
            return rule.allow.then(|| rule.name.to_string());
        }
    }
    None
}

/// Names of the user rules that allow inbound traffic from the whole Internet on any port.
pub(crate) fn internet_allow_rules(nsg: &Nsg) -> &[Box<str>] {
    &nsg.internet_allow
}

/// The last segment of an ARM id, for short messages.
pub(crate) fn short(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// Remote management ports Defender checks: SSH, RDP, WinRM (HTTP, HTTPS).
pub(crate) const MANAGEMENT_PORTS: [u16; 4] = [22, 3389, 5985, 5986];

/// The management ports of a VM's NICs open to the whole Internet (with what opens them), and the
/// inventory gaps that left a port undecided. A NIC with no NSG at all is open only if it has a public
/// IP address; otherwise a port is open when every NSG in the path allows it.
pub(crate) fn open_management_ports(paths: &[NicPath]) -> (Vec<String>, Vec<String>) {
    let mut open = Vec::new();
    let mut unknown = Vec::new();
    for path in paths {
        for port in MANAGEMENT_PORTS {
            if path.nsgs.is_empty() {
                if !path.missing.is_empty() {
                    unknown.push(path.missing.join(", "));
                } else if path.public_ip {
                    open.push(format!(
                        "{port} (NIC {} has a public IP and no NSG)",
                        short(&path.id)
                    ));
                }
                continue;
            }
            let verdicts: Vec<Option<String>> = path
                .nsgs
                .iter()
                .map(|(_, nsg)| allows_from_internet(nsg, port))
                .collect();
            if verdicts.iter().any(Option::is_none) {
                continue; // a known NSG closes it
            }
            if !path.missing.is_empty() {
                unknown.push(path.missing.join(", "));
                continue;
            }
            let by: Vec<String> = path
                .nsgs
                .iter()
                .zip(&verdicts)
                .map(|((id, _), rule)| {
                    format!("{}/{}", short(id), rule.as_deref().unwrap_or_default())
                })
                .collect();
            open.push(format!(
                "{port} (allowed from the Internet by {})",
                by.join(" and ")
            ));
        }
    }
    (open, unknown)
}
