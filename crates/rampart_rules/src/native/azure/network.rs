//! Network analysis shared by the Azure native rules: VM → NIC → subnet / NSG resolution over the
//! resources kept by the runner, and NSG inbound-rule evaluation for traffic from the Internet.
//!
//! NSG semantics (Azure's): rules are evaluated by ascending priority, the first rule matching the
//! traffic decides; default rules (65000+) end in `DenyAllInBound`. Inbound traffic to a NIC passes the
//! subnet's NSG, then the NIC's NSG: it is allowed only if every NSG present allows it. "From the
//! Internet" means a rule whose source is `*`, `Any`, `Internet`, `0.0.0.0/0` or `::/0`; a rule for a
//! narrower source neither opens nor closes the port to the whole Internet, so it is skipped.

use serde_json::Value;

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
    v.pointer(pointer).and_then(Value::as_str)
}

fn array_at<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// One NIC of a VM with what was found about its path.
#[derive(Debug)]
pub(crate) struct NicPath<'a> {
    /// The NIC id.
    pub(crate) id: String,
    /// The NIC document.
    pub(crate) nic: &'a Value,
    /// NSGs in the inbound path (subnet's first, then the NIC's), with their ids.
    pub(crate) nsgs: Vec<(String, &'a Value)>,
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

/// Resolves the NICs of a VM and the NSGs in front of each.
pub(crate) fn vm_nic_paths<'a>(
    vm: &Value,
    related: &'a Related,
) -> Result<Vec<NicPath<'a>>, Unresolved> {
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
            .get(id)
            .ok_or_else(|| Unresolved::MissingNic(id.to_owned()))?;
        paths.push(nic_path(id, nic, related));
    }
    Ok(paths)
}

fn nic_path<'a>(id: &str, nic: &'a Value, related: &'a Related) -> NicPath<'a> {
    let mut nsgs = Vec::new();
    let mut missing = Vec::new();
    let mut public_ip = false;
    let mut seen_subnets: Vec<String> = Vec::new();
    for ipc in array_at(nic, "/properties/ipConfigurations") {
        if ipc
            .pointer("/properties/publicIPAddress")
            .is_some_and(|p| !p.is_null())
        {
            public_ip = true;
        }
        let Some(subnet_id) = str_at(ipc, "/properties/subnet/id") else {
            continue;
        };
        if seen_subnets
            .iter()
            .any(|s| s.eq_ignore_ascii_case(subnet_id))
        {
            continue;
        }
        seen_subnets.push(subnet_id.to_owned());
        match related.get(subnet_id) {
            None => missing.push(format!("subnet {subnet_id}")),
            Some(subnet) => {
                if let Some(nsg_id) = str_at(subnet, "/properties/networkSecurityGroup/id") {
                    match related.get(nsg_id) {
                        Some(nsg) => nsgs.push((nsg_id.to_owned(), nsg)),
                        None => missing.push(format!("network security group {nsg_id}")),
                    }
                }
            }
        }
    }
    if let Some(nsg_id) = str_at(nic, "/properties/networkSecurityGroup/id") {
        match related.get(nsg_id) {
            Some(nsg) => nsgs.push((nsg_id.to_owned(), nsg)),
            None => missing.push(format!("network security group {nsg_id}")),
        }
    }
    NicPath {
        id: id.to_owned(),
        nic,
        nsgs,
        missing,
        public_ip,
    }
}

/// An inbound NSG rule, flattened.
#[derive(Debug)]
struct Rule<'a> {
    name: &'a str,
    allow: bool,
    priority: i64,
    protocol: &'a str,
    sources: Vec<&'a str>,
    ports: Vec<&'a str>,
}

fn inbound_rules(nsg: &Value) -> Vec<Rule<'_>> {
    let mut rules: Vec<Rule<'_>> = array_at(nsg, "/properties/securityRules")
        .iter()
        .chain(array_at(nsg, "/properties/defaultSecurityRules"))
        .filter_map(|r| {
            let p = r.get("properties")?;
            if !p
                .get("direction")?
                .as_str()?
                .eq_ignore_ascii_case("inbound")
            {
                return None;
            }
            let mut sources: Vec<&str> = p
                .get("sourceAddressPrefix")
                .and_then(Value::as_str)
                .into_iter()
                .collect();
            sources.extend(
                array_at(p, "/sourceAddressPrefixes")
                    .iter()
                    .filter_map(Value::as_str),
            );
            let mut ports: Vec<&str> = p
                .get("destinationPortRange")
                .and_then(Value::as_str)
                .into_iter()
                .collect();
            ports.extend(
                array_at(p, "/destinationPortRanges")
                    .iter()
                    .filter_map(Value::as_str),
            );
            Some(Rule {
                name: r.get("name").and_then(Value::as_str).unwrap_or("(unnamed)"),
                allow: p.get("access")?.as_str()?.eq_ignore_ascii_case("allow"),
                priority: p.get("priority")?.as_i64()?,
                protocol: p.get("protocol").and_then(Value::as_str).unwrap_or("*"),
                sources,
                ports,
            })
        })
        .collect();
    rules.sort_by_key(|r| r.priority);
    rules
}

fn is_internet_source(s: &str) -> bool {
    let s = s.trim();
    s == "*"
        || ["any", "internet", "0.0.0.0/0", "::/0", "0.0.0.0"]
            .iter()
            .any(|x| s.eq_ignore_ascii_case(x))
}

fn covers_port(range: &str, port: u16) -> bool {
    let range = range.trim();
    if range == "*" {
        return true;
    }
    match range.split_once('-') {
        Some((lo, hi)) => match (lo.trim().parse::<u16>(), hi.trim().parse::<u16>()) {
            (Ok(lo), Ok(hi)) => (lo..=hi).contains(&port),
            _ => false,
        },
        None => range.parse::<u16>() == Ok(port),
    }
}

fn tcp(protocol: &str) -> bool {
    protocol == "*" || protocol.eq_ignore_ascii_case("tcp") || protocol.eq_ignore_ascii_case("any")
}

/// The name of the rule that allows TCP `port` from the whole Internet through this NSG, or `None` if
/// the first deciding rule denies it.
pub(crate) fn allows_from_internet(nsg: &Value, port: u16) -> Option<String> {
    for rule in inbound_rules(nsg) {
        let matches = tcp(rule.protocol)
            && rule.sources.iter().any(|s| is_internet_source(s))
            && rule.ports.iter().any(|r| covers_port(r, port));
        if matches {
            return rule.allow.then(|| rule.name.to_owned());
        }
    }
    None
}

/// Whether an NSG security rule can matter to [`allows_from_internet`] or [`internet_allow_rules`]:
/// both only act on inbound rules with a whole-Internet source, so the runner drops the others.
pub(crate) fn may_open_to_internet(rule: &Value) -> bool {
    let Some(p) = rule.get("properties") else {
        return false;
    };
    let inbound = p
        .get("direction")
        .and_then(Value::as_str)
        .is_some_and(|d| d.eq_ignore_ascii_case("inbound"));
    inbound
        && p.get("sourceAddressPrefix")
            .and_then(Value::as_str)
            .into_iter()
            .chain(
                array_at(p, "/sourceAddressPrefixes")
                    .iter()
                    .filter_map(Value::as_str),
            )
            .any(is_internet_source)
}

/// Names of the user rules that allow inbound traffic from the whole Internet on any port.
pub(crate) fn internet_allow_rules(nsg: &Value) -> Vec<String> {
    array_at(nsg, "/properties/securityRules")
        .iter()
        .filter_map(|r| {
            let p = r.get("properties")?;
            let inbound = p
                .get("direction")?
                .as_str()?
                .eq_ignore_ascii_case("inbound");
            let allow = p.get("access")?.as_str()?.eq_ignore_ascii_case("allow");
            let mut sources: Vec<&str> = p
                .get("sourceAddressPrefix")
                .and_then(Value::as_str)
                .into_iter()
                .collect();
            sources.extend(
                array_at(p, "/sourceAddressPrefixes")
                    .iter()
                    .filter_map(Value::as_str),
            );
            let internet = sources.iter().any(|s| is_internet_source(s));
            (inbound && allow && internet).then(|| {
                r.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("(unnamed)")
                    .to_owned()
            })
        })
        .collect()
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
pub(crate) fn open_management_ports(paths: &[NicPath<'_>]) -> (Vec<String>, Vec<String>) {
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
