//! Package URLs (<https://github.com/package-url/purl-spec>): building one for a
//! [`Package`](rampart_pkg::Package) of each ecosystem, and parsing one back into the package's
//! ecosystem, name and version.
//!
//! Per ecosystem (type, namespace, name, qualifiers), as the purl spec's type definitions say:
//!
//! | Ecosystem | purl |
//! |---|---|
//! | Debian / Ubuntu | `pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12` (epoch kept in the version, as dpkg writes it) |
//! | Alpine | `pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1` |
//! | rpm | `pkg:rpm/rocky/bash@5.1.8-6.el9?arch=x86_64&distro=rocky-9.3&epoch=1` (epoch as a qualifier) |
//! | PyPI | `pkg:pypi/django@4.2.1` (name lower-cased, `_` → `-`) |
//! | npm | `pkg:npm/%40angular/core@17.0.0` (scope as namespace) |
//! | crates.io | `pkg:cargo/serde@1.0.193` |
//! | Go | `pkg:golang/github.com/gorilla/mux@v1.8.0` |
//! | Maven | `pkg:maven/org.apache.jena/apache-jena@3.12.0` (`groupId:artifactId`) |
//! | RubyGems | `pkg:gem/rails@7.1.2` |
//! | Packagist | `pkg:composer/laravel/framework@10.0.0` |
//!
//! Invariant: every segment is percent-encoded except the purl spec's unreserved characters and
//! `:` (which the spec leaves unencoded); qualifiers are sorted by key; parsing decodes whatever a
//! producer encoded (Trivy leaves `+` unencoded, for instance).

use std::fmt::Write as _;

use rampart_pkg::{Distro, Ecosystem, Package};

use crate::SbomError;

/// A parsed package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// `deb`, `pypi`, ... (lower case).
    pub ty: String,
    /// Namespace segments joined by `/`, decoded; `None` when absent.
    pub namespace: Option<String>,
    /// Name, decoded.
    pub name: String,
    /// Version, decoded.
    pub version: Option<String>,
    /// Qualifiers, decoded, sorted by key.
    pub qualifiers: Vec<(String, String)>,
    /// Subpath, decoded.
    pub subpath: Option<String>,
}

fn encode(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

fn decode(s: &str, what: &str, purl: &str) -> Result<String, SbomError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    SbomError::purl(purl, format!("bad percent-encoding in the {what}"))
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| SbomError::purl(purl, format!("the {what} is not UTF-8")))
}

impl Purl {
    /// Parses a package URL.
    ///
    /// # Errors
    /// Not `pkg:`, no type or name, bad percent-encoding.
    pub fn parse(purl: &str) -> Result<Self, SbomError> {
        let rest = purl
            .strip_prefix("pkg:")
            .ok_or_else(|| SbomError::purl(purl, "does not start with `pkg:`"))?;
        let rest = rest.trim_start_matches('/');
        let (rest, subpath) = match rest.split_once('#') {
            Some((r, s)) => (r, Some(decode(s.trim_matches('/'), "subpath", purl)?)),
            None => (rest, None),
        };
        let (rest, qualifiers) = match rest.split_once('?') {
            Some((r, q)) => {
                let mut qs = Vec::new();
                for pair in q.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').ok_or_else(|| {
                        SbomError::purl(purl, format!("qualifier `{pair}` has no `=`"))
                    })?;
                    let v = decode(v, "qualifier value", purl)?;
                    if !v.is_empty() {
                        qs.push((k.to_ascii_lowercase(), v));
                    }
                }
                qs.sort();
                (r, qs)
            }
            None => (rest, Vec::new()),
        };
        let (ty, rest) = rest
            .split_once('/')
            .ok_or_else(|| SbomError::purl(purl, "no type or no name"))?;
        if ty.is_empty() {
            return Err(SbomError::purl(purl, "empty type"));
        }
        let rest = rest.trim_end_matches('/');
        // The version follows the last `@` of the name segment (a namespace may hold `@`, encoded
        // or not: npm scopes).
        let (path, version) = {
            let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
            match rest[last_slash..].rfind('@') {
                Some(at) => (
                    &rest[..last_slash + at],
                    Some(decode(&rest[last_slash + at + 1..], "version", purl)?),
                ),
                None => (rest, None),
            }
        };
        let mut segments: Vec<String> = Vec::new();
        for s in path.split('/').filter(|s| !s.is_empty()) {
            segments.push(decode(s, "name", purl)?);
        }
        let name = segments
            .pop()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| SbomError::purl(purl, "no name"))?;
        let namespace = (!segments.is_empty()).then(|| segments.join("/"));
        Ok(Self {
            ty: ty.to_ascii_lowercase(),
            namespace,
            name,
            version: version.filter(|v| !v.is_empty()),
            qualifiers,
            subpath,
        })
    }

    /// The canonical text.
    #[must_use]
    pub fn to_string_canonical(&self) -> String {
        let mut out = format!("pkg:{}/", self.ty);
        if let Some(ns) = &self.namespace {
            for seg in ns.split('/').filter(|s| !s.is_empty()) {
                encode(seg, &mut out);
                out.push('/');
            }
        }
        encode(&self.name, &mut out);
        if let Some(v) = &self.version {
            out.push('@');
            encode(v, &mut out);
        }
        let mut qs: Vec<&(String, String)> = self
            .qualifiers
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        qs.sort();
        for (i, (k, v)) in qs.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(k);
            out.push('=');
            encode(v, &mut out);
        }
        if let Some(sp) = &self.subpath {
            out.push('#');
            encode(sp, &mut out);
        }
        out
    }

    /// A qualifier's value.
    #[must_use]
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// PEP 503 normalisation, as the purl `pypi` type asks.
fn pypi_normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
        } else {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Whether two PyPI names are the same project.
pub(crate) fn pypi_same(a: &str, b: &str) -> bool {
    pypi_normalize(a) == pypi_normalize(b)
}

/// `debian-12`: the `distro` qualifier of OS packages.
fn distro_qualifier(distro: Option<&Distro>) -> Option<String> {
    let d = distro?;
    if d.id.is_empty() {
        return None;
    }
    Some(match &d.version_id {
        Some(v) => format!("{}-{v}", d.id),
        None => d.id.clone(),
    })
}

/// Splits `group:artifact`, `ns/name` style names at the last `sep`.
fn split_last(name: &str, sep: char) -> (Option<&str>, &str) {
    match name.rfind(sep) {
        Some(i) if i > 0 => (Some(&name[..i]), &name[i + 1..]),
        _ => (None, name),
    }
}

/// The purl of a package (`distro` gives the OS packages' namespace and `distro` qualifier).
#[must_use]
pub fn package_purl(p: &Package, distro: Option<&Distro>) -> Purl {
    let mut qualifiers = Vec::new();
    let os_namespace = |default: &str| {
        distro
            .map(|d| d.id.to_ascii_lowercase())
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    let (ty, namespace, name, version) = match p.ecosystem {
        Ecosystem::Debian | Ecosystem::Ubuntu | Ecosystem::Alpine | Ecosystem::Rpm => {
            if let Some(a) = &p.arch {
                qualifiers.push(("arch".to_owned(), a.clone()));
            }
            if let Some(d) = distro_qualifier(distro) {
                qualifiers.push(("distro".to_owned(), d));
            }
            match p.ecosystem {
                Ecosystem::Debian => (
                    "deb",
                    Some("debian".to_owned()),
                    p.name.clone(),
                    p.version.clone(),
                ),
                Ecosystem::Ubuntu => (
                    "deb",
                    Some("ubuntu".to_owned()),
                    p.name.clone(),
                    p.version.clone(),
                ),
                Ecosystem::Alpine => (
                    "apk",
                    Some("alpine".to_owned()),
                    p.name.clone(),
                    p.version.clone(),
                ),
                _ => {
                    // rpm: `[epoch:]version-release`; the epoch goes to a qualifier.
                    let version = match p.version.split_once(':') {
                        Some((epoch, v))
                            if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) =>
                        {
                            qualifiers.push(("epoch".to_owned(), epoch.to_owned()));
                            v.to_owned()
                        }
                        _ => p.version.clone(),
                    };
                    ("rpm", Some(os_namespace("rpm")), p.name.clone(), version)
                }
            }
        }
        Ecosystem::PyPI => ("pypi", None, pypi_normalize(&p.name), p.version.clone()),
        Ecosystem::Npm => {
            let (ns, name) = if p.name.starts_with('@') {
                split_last(&p.name, '/')
            } else {
                (None, p.name.as_str())
            };
            (
                "npm",
                ns.map(str::to_owned),
                name.to_owned(),
                p.version.clone(),
            )
        }
        Ecosystem::CratesIo => ("cargo", None, p.name.clone(), p.version.clone()),
        Ecosystem::Go => {
            let (ns, name) = split_last(&p.name, '/');
            (
                "golang",
                ns.map(str::to_owned),
                name.to_owned(),
                p.version.clone(),
            )
        }
        Ecosystem::Maven => {
            let (ns, name) = split_last(&p.name, ':');
            (
                "maven",
                ns.map(str::to_owned),
                name.to_owned(),
                p.version.clone(),
            )
        }
        Ecosystem::RubyGems => ("gem", None, p.name.clone(), p.version.clone()),
        Ecosystem::Packagist => {
            let (ns, name) = split_last(&p.name, '/');
            (
                "composer",
                ns.map(str::to_owned),
                name.to_owned(),
                p.version.clone(),
            )
        }
    };
    qualifiers.sort();
    Purl {
        ty: ty.to_owned(),
        namespace,
        name,
        version: (!version.is_empty()).then_some(version),
        qualifiers,
        subpath: None,
    }
}

/// What a purl says about a package: ecosystem, Rampart's name and version, arch. `None` for a purl
/// type Rampart does not match advisories for (`oci`, `generic`, `github`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurlPackage {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// Name as Rampart's parsers write it (`@scope/name`, `group:artifact`, `module/path`).
    pub name: String,
    /// Version (rpm: with the epoch qualifier folded back in as `epoch:`).
    pub version: String,
    /// `arch` qualifier.
    pub arch: Option<String>,
}

/// Reads a parsed purl as a package.
///
/// # Errors
/// A supported type without a version.
pub fn purl_package(purl: &Purl, text: &str) -> Result<Option<PurlPackage>, SbomError> {
    let ns = purl.namespace.as_deref();
    let joined = |sep: char| match ns {
        Some(ns) => format!("{ns}{sep}{}", purl.name),
        None => purl.name.clone(),
    };
    let (ecosystem, name) = match purl.ty.as_str() {
        "deb" => match ns.map(str::to_ascii_lowercase).as_deref() {
            Some("ubuntu") => (Ecosystem::Ubuntu, purl.name.clone()),
            _ => (Ecosystem::Debian, purl.name.clone()),
        },
        "apk" => (Ecosystem::Alpine, purl.name.clone()),
        "rpm" => (Ecosystem::Rpm, purl.name.clone()),
        "pypi" => (Ecosystem::PyPI, purl.name.clone()),
        "npm" => (Ecosystem::Npm, joined('/')),
        "cargo" => (Ecosystem::CratesIo, purl.name.clone()),
        "golang" => (Ecosystem::Go, joined('/')),
        "maven" => (Ecosystem::Maven, joined(':')),
        "gem" => (Ecosystem::RubyGems, purl.name.clone()),
        "composer" => (Ecosystem::Packagist, joined('/')),
        _ => return Ok(None),
    };
    let mut version = purl
        .version
        .clone()
        .ok_or_else(|| SbomError::purl(text, "no version"))?;
    if ecosystem == Ecosystem::Rpm {
        if let Some(epoch) = purl.qualifier("epoch") {
            if !version.contains(':') {
                version = format!("{epoch}:{version}");
            }
        }
    }
    Ok(Some(PurlPackage {
        ecosystem,
        name,
        version,
        arch: purl.qualifier("arch").map(str::to_owned),
    }))
}
