//! Pulling from a registry over the OCI distribution API with a small blocking client
//! (ureq): manifest by tag or digest, index -> platform manifest, config and layer blobs
//! streamed straight into the layer reader while their sha256 is computed and checked.
//! Authentication follows the registry's `WWW-Authenticate` challenge: `Basic` with the
//! configured credentials, or `Bearer` (token from the realm, credentials sent as Basic to it).

use std::io::{self, Read};
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use crate::layer::{apply_stream, Ctx, LayerName};
use crate::oci::{self, Config, Document};
use crate::tree::{FileTree, Selector};
use crate::{ImageError, ImageMeta, LayerInfo, Reference, ScanOptions};

const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

struct Client<'o> {
    agent: ureq::Agent,
    base: String,
    reference: &'o Reference,
    options: &'o ScanOptions,
    authorization: Option<String>,
}

impl<'o> Client<'o> {
    fn new(reference: &'o Reference, options: &'o ScanOptions) -> Self {
        let timeout = match options.registry.timeout_secs {
            0 => None,
            s => Some(Duration::from_secs(s)),
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(timeout)
            .build()
            .into();
        let scheme = if options.registry.plain_http {
            "http"
        } else {
            "https"
        };
        Self {
            agent,
            base: format!(
                "{scheme}://{}/v2/{}",
                reference.api_host(),
                reference.repository
            ),
            reference,
            options,
            authorization: None,
        }
    }

    fn err(&self, message: impl Into<String>) -> ImageError {
        ImageError::Registry {
            registry: self.reference.registry.clone(),
            message: message.into(),
        }
    }

    fn basic(&self) -> Option<String> {
        let user = self.options.registry.username.as_deref()?;
        let pass = self.options.registry.password.as_deref().unwrap_or("");
        Some(format!(
            "Basic {}",
            base64(format!("{user}:{pass}").as_bytes())
        ))
    }

    /// GET with authentication; answers one 401 challenge.
    fn get(
        &mut self,
        path: &str,
        accept: &str,
    ) -> Result<ureq::http::Response<ureq::Body>, ImageError> {
        let url = format!("{}/{path}", self.base);
        for attempt in 0..2 {
            let mut req = self.agent.get(&url).header("Accept", accept);
            if let Some(a) = &self.authorization {
                req = req.header("Authorization", a);
            }
            let resp = req
                .call()
                .map_err(|e| self.err(format!("GET {url}: {e}")))?;
            let status = resp.status().as_u16();
            if status == 401 && attempt == 0 {
                let challenge = resp
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                self.authenticate(&challenge)?;
                continue;
            }
            if !(200..300).contains(&status) {
                let mut body = resp.into_body();
                let text = body
                    .with_config()
                    .limit(4096)
                    .read_to_string()
                    .unwrap_or_default();
                return Err(self.err(format!("GET {url}: HTTP {status} {}", text.trim())));
            }
            return Ok(resp);
        }
        Err(self.err(format!(
            "GET {url}: still unauthorized after authenticating"
        )))
    }

    fn authenticate(&mut self, challenge: &str) -> Result<(), ImageError> {
        let (scheme, params) = parse_challenge(challenge);
        tracing::debug!(registry = %self.reference.registry, scheme = %scheme, "answering authentication challenge");
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => {
                let basic = self.basic().ok_or_else(|| {
                    self.err("the registry asks for credentials (Basic) and none were given")
                })?;
                self.authorization = Some(basic);
                Ok(())
            }
            "bearer" => {
                let realm = params
                    .iter()
                    .find(|(k, _)| k == "realm")
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| self.err("Bearer challenge without realm"))?;
                let mut query = Vec::new();
                for (k, v) in &params {
                    if k == "service" || k == "scope" {
                        query.push(format!("{k}={}", urlencode(v)));
                    }
                }
                if !params.iter().any(|(k, _)| k == "scope") {
                    query.push(format!(
                        "scope={}",
                        urlencode(&format!("repository:{}:pull", self.reference.repository))
                    ));
                }
                let url = if query.is_empty() {
                    realm.clone()
                } else if realm.contains('?') {
                    format!("{realm}&{}", query.join("&"))
                } else {
                    format!("{realm}?{}", query.join("&"))
                };
                let mut req = self.agent.get(&url);
                if let Some(b) = self.basic() {
                    req = req.header("Authorization", b);
                }
                let resp = req
                    .call()
                    .map_err(|e| self.err(format!("token request {url}: {e}")))?;
                let status = resp.status().as_u16();
                let body = resp
                    .into_body()
                    .with_config()
                    .limit(1024 * 1024)
                    .read_to_vec()
                    .map_err(|e| self.err(format!("token request {url}: {e}")))?;
                if status != 200 {
                    return Err(self.err(format!(
                        "token request {url}: HTTP {status} {}",
                        String::from_utf8_lossy(&body).trim()
                    )));
                }
                #[derive(serde::Deserialize)]
                struct Token {
                    token: Option<String>,
                    access_token: Option<String>,
                }
                let t: Token = serde_json::from_slice(&body)
                    .map_err(|e| self.err(format!("token response from {realm}: {e}")))?;
                let token = t
                    .token
                    .or(t.access_token)
                    .ok_or_else(|| self.err(format!("token response from {realm} has no token")))?;
                self.authorization = Some(format!("Bearer {token}"));
                Ok(())
            }
            _ => Err(self.err(format!("unauthorized, unsupported challenge {challenge:?}"))),
        }
    }

    fn small(
        &mut self,
        path: &str,
        accept: &str,
        digest: Option<&str>,
    ) -> Result<(Vec<u8>, Option<String>), ImageError> {
        let resp = self.get(path, accept)?;
        let media_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let limit = self.options.limits.max_json_bytes;
        let bytes = resp
            .into_body()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| self.err(format!("{path}: {e}")))?;
        if let Some(d) = digest {
            oci::verify(&bytes, d, &self.reference.to_string())?;
        }
        Ok((bytes, media_type))
    }
}

/// sha256 of everything read through it.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    len: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(b) = buf.get(..n) {
            self.hash.update(b);
        }
        self.len += n as u64;
        Ok(n)
    }
}

pub(crate) fn read_registry(
    reference: &Reference,
    options: &ScanOptions,
    selector: &dyn Selector,
) -> Result<(ImageMeta, FileTree), ImageError> {
    let label = reference.to_string();
    let mut client = Client::new(reference, options);
    let top_ref = reference.manifest_ref().to_owned();
    let (bytes, _) = client.small(
        &format!("manifests/{top_ref}"),
        MANIFEST_ACCEPT,
        reference.digest.as_deref(),
    )?;
    let top_digest = format!("sha256:{}", oci::sha256_hex(&bytes));
    let doc: Document = oci::parse_json(&bytes, &label, &format!("manifest {top_ref}"))?;
    let (manifest_digest, doc) = if let Some(list) = doc.manifests {
        let mut fetch = |d: &str| {
            client
                .small(&format!("manifests/{d}"), MANIFEST_ACCEPT, Some(d))
                .map(|(b, _)| b)
        };
        let candidates = oci::collect_candidates(&list, &label, &mut fetch)?;
        let chosen = oci::choose(
            candidates,
            options.select.as_deref(),
            &options.platform,
            &label,
        )?;
        let (b, _) = client.small(
            &format!("manifests/{}", chosen.digest),
            MANIFEST_ACCEPT,
            Some(&chosen.digest),
        )?;
        let d: Document = oci::parse_json(&b, &label, &chosen.digest)?;
        (chosen.digest, d)
    } else {
        (top_digest, doc)
    };
    let (config_desc, layers) = oci::image_manifest(doc, &label, &manifest_digest)?;
    oci::digest_hex(&config_desc.digest, &label)?;
    let (config_bytes, _) = client.small(
        &format!("blobs/{}", config_desc.digest),
        "*/*",
        Some(&config_desc.digest),
    )?;
    let config: Config = oci::parse_json(&config_bytes, &label, &config_desc.digest)?;
    let diff_ids = config.rootfs.clone().unwrap_or_default().diff_ids;
    let mut meta = ImageMeta {
        repo_tags: reference
            .tag
            .iter()
            .map(|t| format!("{}/{}:{t}", reference.registry, reference.repository))
            .collect(),
        manifest_digest: Some(manifest_digest),
        config_digest: Some(config_desc.digest.clone()),
        platform: config.platform(),
        layers: Vec::new(),
    };
    let mut tree = FileTree::new();
    let ctx = Ctx::new(selector, &options.limits);
    for (i, desc) in layers.iter().enumerate() {
        let want = oci::digest_hex(&desc.digest, &label)?.to_ascii_lowercase();
        let resp = client.get(&format!("blobs/{}", desc.digest), "*/*")?;
        let mut hashing = Hashing {
            inner: resp.into_body().into_reader(),
            hash: Sha256::new(),
            len: 0,
        };
        let name = LayerName {
            archive: label.clone(),
            member: desc.digest.clone(),
        };
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        let applied = apply_stream(&mut tree, &mut hashing, index, &name, &ctx)?;
        tracing::debug!(reference = %label, layer = i, digest = %desc.digest, entries = applied.entries, "layer pulled");
        // Whatever the decoder left unread still counts for the digest.
        io::copy(&mut hashing, &mut io::sink()).map_err(|e| ImageError::Corrupt {
            archive: label.clone(),
            member: desc.digest.clone(),
            message: e.to_string(),
        })?;
        let got = oci::hex(&hashing.hash.finalize());
        if got != want {
            return Err(ImageError::Digest {
                archive: label.clone(),
                member: desc.digest.clone(),
                expected: desc.digest.clone(),
                actual: format!("sha256:{got}"),
            });
        }
        meta.layers.push(LayerInfo {
            digest: Some(desc.digest.clone()),
            diff_id: diff_ids.get(i).cloned(),
            media_type: desc.media_type.clone(),
            size: Some(hashing.len),
            entries: applied.entries,
        });
    }
    Ok((meta, tree))
}

/// `Bearer realm="...",service="...",scope="..."` -> (scheme, params).
pub(crate) fn parse_challenge(h: &str) -> (String, Vec<(String, String)>) {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut params = Vec::new();
    let mut s = rest.trim();
    while !s.is_empty() {
        let Some((k, after)) = s.split_once('=') else {
            break;
        };
        let k = k.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (v, next) = if let Some(q) = after.strip_prefix('"') {
            let mut val = String::new();
            let mut chars = q.char_indices();
            let mut end = q.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            val.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    _ => val.push(c),
                }
            }
            (val, q.get(end..).unwrap_or(""))
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (
                after.get(..end).unwrap_or("").trim().to_owned(),
                after.get(end..).unwrap_or(""),
            )
        };
        params.push((k, v));
        s = next.trim_start().trim_start_matches(',').trim_start();
    }
    (scheme.to_owned(), params)
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_and_base64() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[2],
            ("scope".into(), "repository:library/debian:pull".into())
        );
        let (s, p) = parse_challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!((s.as_str(), p[0].1.as_str()), ("Basic", "Registry Realm"));
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
