//! SPDX 2.x JSON (2.2 and 2.3 share the JSON shape Rampart reads): every package with a
//! `PACKAGE-MANAGER` (2.3: `PACKAGE_MANAGER`) external reference of type `purl` becomes a package;
//! the others are listed as skipped with the reason.
//!
//! The source package comes from `sourceInfo` when it has Trivy's form (`built package from: NAME
//! VERSION`); the distribution from an OS package purl's `distro` qualifier.

use rampart_pkg::{Ecosystem, Package};
use serde_json::Value;

use crate::cyclonedx::{distro_of, str_at};
use crate::purl::{purl_package, pypi_same, Purl};
use crate::{Sbom, SbomError, SbomFormat, Skipped};

/// Reads an SPDX 2.x JSON document.
pub(crate) fn read(doc: &Value, origin: &str) -> Result<Sbom, SbomError> {
    match doc.get("spdxVersion") {
        Some(Value::String(v)) if v.starts_with("SPDX-2.") => {}
        Some(Value::String(v)) => {
            return Err(SbomError::UnsupportedVersion {
                origin: origin.to_owned(),
                field: "spdxVersion",
                version: v.clone(),
                supported: "SPDX-2.x JSON",
            })
        }
        _ => return Err(SbomError::field(origin, "spdxVersion", "expected a string")),
    }
    let mut sbom = Sbom {
        format: SbomFormat::Spdx,
        subject: str_at(doc, "name", "", origin)?.map(str::to_owned),
        distro: None,
        packages: Vec::new(),
        skipped: Vec::new(),
    };
    let packages = match doc.get("packages") {
        None | Some(Value::Null) => return Ok(sbom),
        Some(Value::Array(p)) => p,
        Some(_) => return Err(SbomError::field(origin, "packages", "expected an array")),
    };
    for (i, p) in packages.iter().enumerate() {
        let path = format!("packages[{i}]");
        if !p.is_object() {
            return Err(SbomError::field(origin, path, "expected an object"));
        }
        let name = str_at(p, "name", &path, origin)?;
        let refs = match p.get("externalRefs") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(r)) => r.as_slice(),
            Some(_) => {
                return Err(SbomError::field(
                    origin,
                    format!("{path}.externalRefs"),
                    "expected an array",
                ))
            }
        };
        let mut purl_text = None;
        for (j, r) in refs.iter().enumerate() {
            let at = format!("{path}.externalRefs[{j}]");
            let category = str_at(r, "referenceCategory", &at, origin)?.unwrap_or("");
            let ty = str_at(r, "referenceType", &at, origin)?.unwrap_or("");
            if ty == "purl" && matches!(category, "PACKAGE-MANAGER" | "PACKAGE_MANAGER") {
                let loc = str_at(r, "referenceLocator", &at, origin)?.ok_or_else(|| {
                    SbomError::field(origin, format!("{at}.referenceLocator"), "missing")
                })?;
                purl_text = Some((at, loc));
                break;
            }
        }
        let Some((at, text)) = purl_text else {
            sbom.skipped.push(Skipped {
                what: format!("{path} ({})", name.unwrap_or("unnamed")),
                reason: "no purl external reference".to_owned(),
            });
            continue;
        };
        let field = format!("{at}.referenceLocator");
        let purl =
            Purl::parse(text).map_err(|e| SbomError::field(origin, &field, e.to_string()))?;
        let Some(pp) = purl_package(&purl, text)
            .map_err(|e| SbomError::field(origin, &field, e.to_string()))?
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
        let (source_name, source_version) = match str_at(p, "sourceInfo", &path, origin)?
            .and_then(|s| s.strip_prefix("built package from: "))
        {
            Some(rest) => match rest.split_once(' ') {
                Some((n, v)) => (Some(n.to_owned()), Some(v.to_owned())),
                None => (Some(rest.to_owned()), None),
            },
            None => (None, None),
        };
        let pkg_name = match (pp.ecosystem, name) {
            (Ecosystem::PyPI, Some(n)) if pypi_same(n, &pp.name) => n.to_owned(),
            _ => pp.name,
        };
        sbom.packages.push(Package {
            name: pkg_name,
            version: pp.version,
            ecosystem: pp.ecosystem,
            source_name,
            source_version,
            arch: pp.arch,
            location: origin.to_owned(),
        });
        if sbom.distro.is_none() {
            sbom.distro = distro_of(&purl);
        }
    }
    Ok(sbom)
}
