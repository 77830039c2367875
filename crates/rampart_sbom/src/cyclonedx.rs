//! CycloneDX JSON: writing 1.5 / 1.6 documents from packages, and reading the components of any
//! 1.x JSON document back as packages.
//!
//! Written shape: `metadata.component` is the subject (an image: type `container`; a machine or
//! root file system: type `device`), `metadata.tools.components` names Rampart; `components` holds the
//! distribution (type `operating-system`, as Trivy writes it) and one `library` per package, with its
//! purl, and the facts a purl cannot carry as `rampart:package:*` properties (source package, location),
//! so that reading a Rampart SBOM back gives exactly the packages written.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use rampart_pkg::{Distro, Ecosystem, Package};
use serde_json::{json, Map, Value};

use crate::purl::{package_purl, purl_package, pypi_same, Purl};
use crate::{Sbom, SbomError, SbomFormat, Skipped};

/// The CycloneDX version written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecVersion {
    /// CycloneDX 1.5.
    V1_5,
    /// CycloneDX 1.6.
    V1_6,
}

impl SpecVersion {
    /// `1.5` or `1.6`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_5 => "1.5",
            SpecVersion::V1_6 => "1.6",
        }
    }
}

/// What was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    /// A container image.
    Container,
    /// A machine or a root file system.
    Machine,
}

/// The SBOM's subject: `metadata.component`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// Image reference or host name.
    pub name: String,
    /// Tag or release, when any.
    pub version: Option<String>,
    /// Image or machine.
    pub kind: SubjectKind,
    /// Image digest `sha256:<hex>`, when known (written as the component's SHA-256 hash).
    pub digest: Option<String>,
}

/// How to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// Spec version.
    pub spec: SpecVersion,
    /// `urn:uuid:…` (RFC 4122); omitted when `None` (the caller owns randomness).
    pub serial_number: Option<String>,
    /// `metadata.timestamp`; omitted when `None` (the caller owns the clock).
    pub timestamp: Option<DateTime<Utc>>,
    /// Rampart's version, for `metadata.tools`.
    pub tool_version: String,
}

const PROP_SOURCE_NAME: &str = "rampart:package:source_name";
const PROP_SOURCE_VERSION: &str = "rampart:package:source_version";
const PROP_LOCATION: &str = "rampart:package:location";
const PROP_ECOSYSTEM: &str = "rampart:package:ecosystem";

fn is_uuid_urn(s: &str) -> bool {
    let Some(u) = s.strip_prefix("urn:uuid:") else {
        return false;
    };
    let groups: Vec<&str> = u.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
            g.len() == n
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

fn property(name: &str, value: &str) -> Value {
    json!({ "name": name, "value": value })
}

/// The CycloneDX document of `packages` found in `subject` (`distro`: what os-release said).
///
/// # Errors
/// A serial number that is not a lower-case `urn:uuid:` (the schema's pattern).
pub fn to_cyclonedx(
    packages: &[Package],
    distro: Option<&Distro>,
    subject: &Subject,
    options: &WriteOptions,
) -> Result<Value, SbomError> {
    let mut doc = Map::new();
    doc.insert("bomFormat".into(), json!("CycloneDX"));
    doc.insert("specVersion".into(), json!(options.spec.as_str()));
    if let Some(serial) = &options.serial_number {
        if !is_uuid_urn(serial) {
            return Err(SbomError::field(
                "(output)",
                "serialNumber",
                format!("`{serial}` is not a lower-case urn:uuid:"),
            ));
        }
        doc.insert("serialNumber".into(), json!(serial));
    }
    doc.insert("version".into(), json!(1));

    let mut metadata = Map::new();
    if let Some(t) = options.timestamp {
        metadata.insert(
            "timestamp".into(),
            json!(t.to_rfc3339_opts(SecondsFormat::Secs, true)),
        );
    }
    metadata.insert(
        "tools".into(),
        json!({ "components": [{ "type": "application", "name": "rampart", "version": options.tool_version }] }),
    );
    let mut component = json!({
        "type": match subject.kind { SubjectKind::Container => "container", SubjectKind::Machine => "device" },
        "bom-ref": "subject",
        "name": subject.name,
    });
    if let Some(v) = &subject.version {
        component["version"] = json!(v);
    }
    if let Some(hex) = subject
        .digest
        .as_deref()
        .and_then(|d| d.strip_prefix("sha256:"))
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        component["hashes"] = json!([{ "alg": "SHA-256", "content": hex.to_ascii_lowercase() }]);
    }
    metadata.insert("component".into(), component);
    doc.insert("metadata".into(), Value::Object(metadata));

    let mut components = Vec::with_capacity(packages.len() + 1);
    if let Some(d) = distro.filter(|d| !d.id.is_empty()) {
        let mut os = json!({ "type": "operating-system", "bom-ref": "os", "name": d.id });
        if let Some(v) = &d.version_id {
            os["version"] = json!(v);
        }
        if let Some(p) = &d.pretty_name {
            os["description"] = json!(p);
        }
        components.push(os);
    }
    let mut refs: HashSet<String> = HashSet::new();
    let mut seen: HashSet<&Package> = HashSet::new();
    for p in packages {
        // Components must be unique (`uniqueItems`): the same package found twice in one place is
        // written once.
        if !seen.insert(p) {
            continue;
        }
        let purl = package_purl(p, distro).to_string_canonical();
        let mut bom_ref = purl.clone();
        let mut n = 1;
        while !refs.insert(bom_ref.clone()) {
            n += 1;
            bom_ref = format!("{purl}|{n}");
        }
        let (group, name) = match p.ecosystem {
            Ecosystem::Npm if p.name.starts_with('@') => split(&p.name, '/'),
            Ecosystem::Go | Ecosystem::Packagist => split(&p.name, '/'),
            Ecosystem::Maven => split(&p.name, ':'),
            _ => (None, p.name.as_str()),
        };
        let mut c = json!({
            "type": "library",
            "bom-ref": bom_ref,
            "name": name,
            "version": p.version,
            "purl": purl,
        });
        if let Some(g) = group {
            c["group"] = json!(g);
        }
        let mut props = vec![property(PROP_ECOSYSTEM, p.ecosystem.osv_name())];
        if let Some(s) = &p.source_name {
            props.push(property(PROP_SOURCE_NAME, s));
        }
        if let Some(s) = &p.source_version {
            props.push(property(PROP_SOURCE_VERSION, s));
        }
        if !p.location.is_empty() {
            props.push(property(PROP_LOCATION, &p.location));
        }
        c["properties"] = Value::from(props);
        components.push(c);
    }
    doc.insert("components".into(), Value::from(components));
    Ok(Value::Object(doc))
}

fn split(name: &str, sep: char) -> (Option<&str>, &str) {
    match name.rfind(sep) {
        Some(i) if i > 0 => (Some(&name[..i]), &name[i + 1..]),
        _ => (None, name),
    }
}

/// The string at `v[key]`: `None` when absent or null, an error naming `path.key` when it is
/// not a string. Shared by the CycloneDX and SPDX readers.
pub(crate) fn str_at<'a>(
    v: &'a Value,
    key: &str,
    path: &str,
    origin: &str,
) -> Result<Option<&'a str>, SbomError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(SbomError::field(
            origin,
            format!("{path}.{key}"),
            "expected a string",
        )),
    }
}

/// Reads a CycloneDX JSON document (any 1.x): the packages of its components (nested ones
/// included), the distribution of its `operating-system` component, and its subject's name.
pub(crate) fn read(doc: &Value, origin: &str) -> Result<Sbom, SbomError> {
    match doc.get("specVersion") {
        Some(Value::String(v)) if v.starts_with("1.") => {}
        Some(Value::String(v)) => {
            return Err(SbomError::UnsupportedVersion {
                origin: origin.to_owned(),
                field: "specVersion",
                version: v.clone(),
                supported: "CycloneDX 1.x",
            })
        }
        Some(_) => return Err(SbomError::field(origin, "specVersion", "expected a string")),
        None => return Err(SbomError::field(origin, "specVersion", "missing")),
    }
    let subject = match doc.pointer("/metadata/component") {
        Some(c) => str_at(c, "name", "metadata.component", origin)?.map(str::to_owned),
        None => None,
    };
    let mut sbom = Sbom {
        format: SbomFormat::CycloneDx,
        subject,
        distro: None,
        packages: Vec::new(),
        skipped: Vec::new(),
    };
    let mut stack: Vec<(String, &Value)> = Vec::new();
    match doc.get("components") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, c) in items.iter().enumerate().rev() {
                stack.push((format!("components[{i}]"), c));
            }
        }
        Some(_) => return Err(SbomError::field(origin, "components", "expected an array")),
    }
    // Depth-first, in document order; nesting is bounded by the document (no recursion).
    while let Some((path, c)) = stack.pop() {
        if !c.is_object() {
            return Err(SbomError::field(origin, path, "expected an object"));
        }
        match c.get("components") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, sub) in items.iter().enumerate().rev() {
                    stack.push((format!("{path}.components[{i}]"), sub));
                }
            }
            Some(_) => {
                return Err(SbomError::field(
                    origin,
                    format!("{path}.components"),
                    "expected an array",
                ))
            }
        }
        let ty = str_at(c, "type", &path, origin)?.unwrap_or("");
        let name = str_at(c, "name", &path, origin)?;
        if ty == "operating-system" {
            if sbom.distro.is_none() {
                if let Some(id) = name.filter(|n| !n.is_empty()) {
                    sbom.distro = Some(Distro {
                        id: id.to_ascii_lowercase(),
                        version_id: str_at(c, "version", &path, origin)?.map(str::to_owned),
                        pretty_name: str_at(c, "description", &path, origin)?.map(str::to_owned),
                        ..Distro::default()
                    });
                }
            }
            continue;
        }
        let Some(text) = str_at(c, "purl", &path, origin)? else {
            sbom.skipped.push(Skipped {
                what: format!("{path} ({})", name.unwrap_or("unnamed")),
                reason: "no purl".to_owned(),
            });
            continue;
        };
        let purl = Purl::parse(text)
            .map_err(|e| SbomError::field(origin, format!("{path}.purl"), e.to_string()))?;
        let Some(pp) = purl_package(&purl, text)
            .map_err(|e| SbomError::field(origin, format!("{path}.purl"), e.to_string()))?
        else {
            sbom.skipped.push(Skipped {
                what: format!("{path} ({text})"),
                reason: format!(
                    "purl type `{}` is not a package ecosystem Rampart matches",
                    purl.ty
                ),
            });
            continue;
        };
        let props = properties(c, &path, origin)?;
        let prop = |k: &str| props.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        // The purl normalises PyPI names; the component keeps the name as written.
        let pkg_name = match (pp.ecosystem, name) {
            (Ecosystem::PyPI, Some(n)) if pypi_same(n, &pp.name) => n.to_owned(),
            _ => pp.name,
        };
        sbom.packages.push(Package {
            name: pkg_name,
            version: pp.version,
            ecosystem: pp.ecosystem,
            source_name: prop(PROP_SOURCE_NAME),
            source_version: prop(PROP_SOURCE_VERSION),
            arch: pp.arch,
            location: prop(PROP_LOCATION).unwrap_or_else(|| origin.to_owned()),
        });
        if sbom.distro.is_none() {
            sbom.distro = distro_of(&purl);
        }
    }
    Ok(sbom)
}

fn properties(c: &Value, path: &str, origin: &str) -> Result<Vec<(String, String)>, SbomError> {
    let Some(list) = c.get("properties") else {
        return Ok(Vec::new());
    };
    let Some(list) = list.as_array() else {
        return Err(SbomError::field(
            origin,
            format!("{path}.properties"),
            "expected an array",
        ));
    };
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let at = format!("{path}.properties[{i}]");
        if let (Some(n), Some(v)) = (
            str_at(p, "name", &at, origin)?,
            str_at(p, "value", &at, origin)?,
        ) {
            out.push((n.to_owned(), v.to_owned()));
        }
    }
    Ok(out)
}

/// The distribution an OS package's `distro` qualifier names (`debian-12`, Trivy's `debian-10.8`).
pub(crate) fn distro_of(purl: &Purl) -> Option<Distro> {
    if !matches!(purl.ty.as_str(), "deb" | "apk" | "rpm") {
        return None;
    }
    let q = purl.qualifier("distro")?;
    let (id, version) = match q.split_once('-') {
        Some((id, v)) if !id.is_empty() => (id.to_owned(), Some(v.to_owned())),
        _ => (
            purl.namespace.clone().unwrap_or_default(),
            Some(q.to_owned()),
        ),
    };
    (!id.is_empty()).then(|| Distro {
        id: id.to_ascii_lowercase(),
        version_id: version.filter(|v| !v.is_empty()),
        ..Distro::default()
    })
}
