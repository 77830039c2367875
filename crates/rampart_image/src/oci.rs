//! OCI / Docker JSON documents (index, manifest, config, `docker save` manifest.json) and
//! the choice of one image manifest out of an index tree: by `ScanOptions::select`, else the
//! only image, else the one for the wanted platform, else an error listing the choices.

use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;

use crate::{ImageError, Platform};

pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub(crate) const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
const REF_NAME: &str = "org.opencontainers.image.ref.name";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    #[serde(default)]
    pub(crate) media_type: Option<String>,
    pub(crate) digest: String,
    #[serde(default)]
    pub(crate) size: Option<u64>,
    #[serde(default)]
    pub(crate) platform: Option<DescPlatform>,
    #[serde(default)]
    pub(crate) annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DescPlatform {
    #[serde(default)]
    pub(crate) os: String,
    #[serde(default)]
    pub(crate) architecture: String,
    #[serde(default)]
    pub(crate) variant: Option<String>,
}

impl DescPlatform {
    fn render(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{v}", self.os, self.architecture),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// An index, a manifest, or (by content) either: fields of both, all optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document {
    #[serde(default)]
    pub(crate) manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    pub(crate) config: Option<Descriptor>,
    #[serde(default)]
    pub(crate) layers: Option<Vec<Descriptor>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Config {
    #[serde(default)]
    pub(crate) os: Option<String>,
    #[serde(default)]
    pub(crate) architecture: Option<String>,
    #[serde(default)]
    pub(crate) variant: Option<String>,
    #[serde(default)]
    pub(crate) rootfs: Option<RootFs>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RootFs {
    #[serde(default)]
    pub(crate) diff_ids: Vec<String>,
}

impl Config {
    pub(crate) fn platform(&self) -> Option<String> {
        let os = self.os.as_deref()?;
        let arch = self.architecture.as_deref()?;
        Some(match &self.variant {
            Some(v) => format!("{os}/{arch}/{v}"),
            None => format!("{os}/{arch}"),
        })
    }
}

/// One image of a `docker save` manifest.json.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SaveEntry {
    #[serde(rename = "Config")]
    pub(crate) config: String,
    #[serde(rename = "RepoTags", default)]
    pub(crate) repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    pub(crate) layers: Vec<String>,
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    archive: &str,
    member: &str,
) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|e| ImageError::Corrupt {
        archive: archive.to_owned(),
        member: member.to_owned(),
        message: format!("invalid JSON: {e}"),
    })
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// `sha256:<hex>` checked for shape; the hex part.
pub(crate) fn digest_hex<'a>(digest: &'a str, archive: &str) -> Result<&'a str, ImageError> {
    let hex = digest.strip_prefix("sha256:").unwrap_or("");
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(ImageError::Format {
            archive: archive.to_owned(),
            message: format!("unsupported or malformed digest {digest:?} (sha256 only)"),
        })
    }
}

/// Verify `bytes` against `digest`.
pub(crate) fn verify(bytes: &[u8], digest: &str, archive: &str) -> Result<(), ImageError> {
    let want = digest_hex(digest, archive)?;
    let got = sha256_hex(bytes);
    if got.eq_ignore_ascii_case(want) {
        Ok(())
    } else {
        Err(ImageError::Digest {
            archive: archive.to_owned(),
            member: digest.to_owned(),
            expected: digest.to_owned(),
            actual: format!("sha256:{got}"),
        })
    }
}

/// An image manifest reachable from the top index.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) digest: String,
    pub(crate) platform: Option<String>,
    pub(crate) names: Vec<String>,
}

impl Candidate {
    fn label(&self) -> String {
        let mut s = self.digest.clone();
        if let Some(p) = &self.platform {
            s.push_str(&format!(" ({p})"));
        }
        if !self.names.is_empty() {
            s.push_str(&format!(" [{}]", self.names.join(", ")));
        }
        s
    }
}

/// Walk an index tree. `fetch` returns a blob's bytes by digest (verified by the caller).
/// Nested indexes are followed up to depth 8.
pub(crate) fn collect_candidates(
    top: &[Descriptor],
    archive: &str,
    fetch: &mut dyn FnMut(&str) -> Result<Vec<u8>, ImageError>,
) -> Result<Vec<Candidate>, ImageError> {
    let mut out: Vec<Candidate> = Vec::new();
    walk(top, archive, fetch, 0, &[], &mut out)?;
    Ok(out)
}

fn walk(
    descs: &[Descriptor],
    archive: &str,
    fetch: &mut dyn FnMut(&str) -> Result<Vec<u8>, ImageError>,
    depth: usize,
    outer_names: &[String],
    out: &mut Vec<Candidate>,
) -> Result<(), ImageError> {
    if depth > 8 {
        return Err(ImageError::Format {
            archive: archive.to_owned(),
            message: "image indexes nested more than 8 deep".into(),
        });
    }
    for d in descs {
        let mut names = outer_names.to_vec();
        if let Some(n) = d.annotations.get(REF_NAME) {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        let platform = d.platform.as_ref().map(DescPlatform::render);
        let mt = d.media_type.as_deref().unwrap_or("");
        let is_index = if mt == OCI_INDEX || mt == DOCKER_LIST {
            true
        } else if mt == OCI_MANIFEST || mt == DOCKER_MANIFEST {
            false
        } else {
            // Unknown or generic descriptor type: decide by content.
            let bytes = fetch(&d.digest)?;
            let doc: Document = parse_json(&bytes, archive, &d.digest)?;
            doc.manifests.is_some()
        };
        if is_index {
            let bytes = fetch(&d.digest)?;
            let doc: Document = parse_json(&bytes, archive, &d.digest)?;
            let inner = doc.manifests.unwrap_or_default();
            walk(&inner, archive, fetch, depth + 1, &names, out)?;
        } else if let Some(c) = out.iter_mut().find(|c| c.digest == d.digest) {
            for n in names {
                if !c.names.contains(&n) {
                    c.names.push(n);
                }
            }
            if c.platform.is_none() {
                c.platform = platform;
            }
        } else {
            out.push(Candidate {
                digest: d.digest.clone(),
                platform,
                names,
            });
        }
    }
    Ok(())
}

/// Choose one manifest.
pub(crate) fn choose(
    candidates: Vec<Candidate>,
    select: Option<&str>,
    platform: &Platform,
    archive: &str,
) -> Result<Candidate, ImageError> {
    let choices = || candidates.iter().map(Candidate::label).collect::<Vec<_>>();
    if let Some(sel) = select {
        let mut hits: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.digest == sel || c.names.iter().any(|n| n == sel))
            .collect();
        return match hits.len() {
            1 => Ok(hits.remove(0).clone()),
            0 => Err(ImageError::Ambiguous {
                archive: archive.to_owned(),
                message: format!("no image matches {sel:?}"),
                choices: choices(),
            }),
            _ => Err(ImageError::Ambiguous {
                archive: archive.to_owned(),
                message: format!("several images match {sel:?}"),
                choices: choices(),
            }),
        };
    }
    // Attestation manifests (`unknown/unknown`) are not images to scan.
    let images: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.platform.as_deref() != Some("unknown/unknown"))
        .collect();
    if images.len() == 1 {
        if let Some(c) = images.first() {
            return Ok((*c).clone());
        }
    }
    if images.is_empty() {
        return Err(ImageError::Format {
            archive: archive.to_owned(),
            message: "the index lists no image manifest".into(),
        });
    }
    let want = platform.to_string();
    let want_plain = format!("{}/{}", platform.os, platform.architecture);
    let matching: Vec<&&Candidate> = images
        .iter()
        .filter(|c| {
            c.platform.as_deref() == Some(want.as_str())
                || (platform.variant.is_none()
                    && c.platform.as_deref().is_some_and(|p| {
                        p == want_plain || p.starts_with(&format!("{want_plain}/"))
                    }))
        })
        .collect();
    if matching.len() == 1 {
        if let Some(c) = matching.first() {
            return Ok((**c).clone());
        }
    }
    Err(ImageError::Ambiguous {
        archive: archive.to_owned(),
        message: if matching.is_empty() {
            format!("several images and none for platform {want}")
        } else {
            format!("several images for platform {want}")
        },
        choices: choices(),
    })
}

/// Check that a manifest describes a container image, returning config and layers.
pub(crate) fn image_manifest(
    doc: Document,
    archive: &str,
    digest: &str,
) -> Result<(Descriptor, Vec<Descriptor>), ImageError> {
    let (Some(config), Some(layers)) = (doc.config, doc.layers) else {
        return Err(ImageError::Format {
            archive: archive.to_owned(),
            message: format!("{digest}: not an image manifest (no config or layers)"),
        });
    };
    let cmt = config.media_type.as_deref().unwrap_or(OCI_CONFIG);
    if cmt != OCI_CONFIG && cmt != DOCKER_CONFIG {
        return Err(ImageError::Format {
            archive: archive.to_owned(),
            message: format!(
                "{digest}: not a container image (config media type {cmt}): an OCI artifact"
            ),
        });
    }
    Ok((config, layers))
}
