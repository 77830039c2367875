//! rampart_sbom owns Rampart's software bills of materials: CycloneDX 1.5 / 1.6 JSON out (from the
//! packages `rampart_pkg` found, the distribution and the scanned subject), and CycloneDX or SPDX 2.x
//! JSON in (packages from their package URLs), so that an SBOM made elsewhere can be matched against
//! advisories like a scanned image. Package URLs follow the purl spec per ecosystem ([`purl`]).
//!
//! Pure: text and values in, values out; no IO. Bad input is an [`SbomError`] naming the document
//! and the field (`components[3].purl`), never a panic; components or packages Rampart cannot
//! match (no purl, a purl type such as `oci` or `generic`) are listed in [`Sbom::skipped`], not
//! silently dropped.

mod cyclonedx;
mod error;
pub mod purl;
mod spdx;

use rampart_pkg::{Distro, Package};
use serde_json::Value;

pub use cyclonedx::{to_cyclonedx, SpecVersion, Subject, SubjectKind, WriteOptions};
pub use error::SbomError;

/// Largest SBOM document read (a real image SBOM is a few MB).
pub const MAX_SBOM_BYTES: usize = 256 << 20;

/// The format of a document read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SbomFormat {
    /// CycloneDX JSON.
    CycloneDx,
    /// SPDX 2.x JSON.
    Spdx,
}

/// Something in a document that did not become a package, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where (`components[2] (name)`).
    pub what: String,
    /// Why.
    pub reason: String,
}

/// What an SBOM document says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    /// CycloneDX or SPDX.
    pub format: SbomFormat,
    /// The subject's name (`metadata.component.name`, the SPDX document `name`).
    pub subject: Option<String>,
    /// The distribution (an `operating-system` component, else an OS package purl's `distro`).
    pub distro: Option<Distro>,
    /// The packages, in document order; `location` is the `rampart:package:location` property
    /// when present, else `origin`.
    pub packages: Vec<Package>,
    /// Entries that are not packages Rampart matches.
    pub skipped: Vec<Skipped>,
}

/// Reads a CycloneDX or SPDX JSON document (detected from `bomFormat` / `spdxVersion`). `origin`
/// names it in errors.
///
/// # Errors
/// Not JSON, neither format, an unsupported version, a field of the wrong type, a malformed purl,
/// or larger than [`MAX_SBOM_BYTES`].
pub fn read(text: &str, origin: &str) -> Result<Sbom, SbomError> {
    if text.len() > MAX_SBOM_BYTES {
        return Err(SbomError::TooLarge {
            origin: origin.to_owned(),
            size: text.len(),
            limit: MAX_SBOM_BYTES,
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc: Value = serde_json::from_str(text).map_err(|e| SbomError::Json {
        origin: origin.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    read_value(&doc, origin)
}

/// [`read`] on a parsed document.
///
/// # Errors
/// As [`read`], except the JSON and size errors.
pub fn read_value(doc: &Value, origin: &str) -> Result<Sbom, SbomError> {
    if !doc.is_object() {
        return Err(SbomError::UnknownFormat {
            origin: origin.to_owned(),
        });
    }
    if let Some(f) = doc.get("bomFormat") {
        if f.as_str() != Some("CycloneDX") {
            return Err(SbomError::field(
                origin,
                "bomFormat",
                "expected \"CycloneDX\"",
            ));
        }
        return cyclonedx::read(doc, origin);
    }
    if doc.get("spdxVersion").is_some() {
        return spdx::read(doc, origin);
    }
    Err(SbomError::UnknownFormat {
        origin: origin.to_owned(),
    })
}
