//! Registry pulls end to end: Debian's docker-registry on 127.0.0.1 with htpasswd (Basic)
//! auth, the image pushed by skopeo from a docker-save archive; and the Bearer token flow
//! against a minimal token-protected registry served by the test.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rampart_image::{scan_image, ImageError, ImageSource, RegistryOptions, ScanOptions};

use crate::build::{docker_save_legacy, gzip, oci_files, require};
use crate::crafted::{debian_layers, dpkg_query};

struct Registry(Child);

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads a request's header lines up to the blank one; the `Authorization` value ("" if none).
fn authorization(reader: &mut impl BufRead) -> String {
    let mut auth = String::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("authorization") {
                auth = v.trim().to_owned();
            }
        }
    }
    auth
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn names(scan: &rampart_image::ImageScan) -> BTreeSet<(String, String)> {
    scan.packages
        .iter()
        .map(|p| (p.package.name.clone(), p.package.version.clone()))
        .collect()
}

/// Starts docker-registry on 127.0.0.1:`port`, storing under `dir`/data, with `auth` as its
/// `auth:` section (YAML, indented), and waits (20 s at most) until it listens.
fn start_registry(dir: &Path, port: u16, auth: &str) -> Registry {
    let config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\nauth:\n{auth}",
        dir.join("data").display(),
    );
    std::fs::write(dir.join("config.yml"), config).unwrap();
    let child = Command::new("docker-registry")
        .args(["serve", dir.join("config.yml").to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let registry = Registry(child);
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "registry did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    registry
}

/// `skopeo copy` of a docker-save `archive` to `dest` (`docker://...`) as rampart:s3cret.
fn skopeo_push(archive: &Path, dest: &str) {
    let out = Command::new("skopeo")
        .args([
            "--insecure-policy",
            "copy",
            "--dest-tls-verify=false",
            "--dest-creds",
            "rampart:s3cret",
        ])
        .arg(format!("docker-archive:{}", archive.display()))
        .arg(dest)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn pull_from_docker_registry_with_basic_auth() {
    if !(require("docker-registry") && require("skopeo") && require("htpasswd")) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let htpasswd = Command::new("htpasswd")
        .args(["-Bbn", "rampart", "s3cret"])
        .output()
        .unwrap();
    assert!(htpasswd.status.success());
    std::fs::write(dir.join("htpasswd"), &htpasswd.stdout).unwrap();
    let port = free_port();
    let auth = format!(
        "  htpasswd:\n    realm: rampart-test\n    path: {}\n",
        dir.join("htpasswd").display()
    );
    let _registry = start_registry(dir, port, &auth);

    let l = debian_layers();
    let blobs = vec![l.plain[0].clone(), gzip(&l.plain[1]), l.plain[2].clone()];
    let archive = dir.join("debian.tar");
    std::fs::write(
        &archive,
        docker_save_legacy(&blobs, &l.plain, "rampart/debian:1"),
    )
    .unwrap();
    let dest = format!("docker://127.0.0.1:{port}/rampart/debian:1");
    skopeo_push(&archive, &dest);

    let reference = format!("127.0.0.1:{port}/rampart/debian:1");
    let src = ImageSource::parse(&reference).unwrap();
    let registry = RegistryOptions {
        plain_http: true,
        username: Some("rampart".into()),
        password: Some("s3cret".into()),
        timeout_secs: 60,
    };
    let opts = ScanOptions {
        registry: registry.clone(),
        ..ScanOptions::default()
    };
    let scan = scan_image(&src, &opts).unwrap();
    assert_eq!(names(&scan), dpkg_query("/var/lib/dpkg"));
    assert_eq!(scan.layers.len(), 3);
    assert_eq!(scan.distro.as_ref().map(|d| d.id.as_str()), Some("debian"));
    let digest = scan.manifest_digest.clone().unwrap();

    // By digest: the same image.
    let by_digest =
        ImageSource::parse(&format!("127.0.0.1:{port}/rampart/debian@{digest}")).unwrap();
    let again = scan_image(&by_digest, &opts).unwrap();
    assert_eq!(again.packages, scan.packages);
    assert_eq!(again.config_digest, scan.config_digest);

    // Without credentials, or with wrong ones: a registry error, not an empty inventory.
    let anon = ScanOptions {
        registry: RegistryOptions {
            plain_http: true,
            ..RegistryOptions::default()
        },
        ..ScanOptions::default()
    };
    let e = scan_image(&src, &anon).unwrap_err();
    assert!(
        matches!(e, ImageError::Registry { .. }) && e.to_string().contains("credentials"),
        "{e}"
    );
    let wrong = ScanOptions {
        registry: RegistryOptions {
            password: Some("nope".into()),
            ..registry.clone()
        },
        ..ScanOptions::default()
    };
    let e = scan_image(&src, &wrong).unwrap_err();
    assert!(e.to_string().contains("401"), "{e}");
    // An unknown tag.
    let missing = ImageSource::parse(&format!("127.0.0.1:{port}/rampart/debian:nope")).unwrap();
    let e = scan_image(&missing, &opts).unwrap_err();
    assert!(e.to_string().contains("404"), "{e}");
}

/// A registry that wants a Bearer token from its own token endpoint (Basic credentials
/// there), serving an OCI layout's files; `tamper` corrupts the layer blobs it serves.
fn token_registry(files: Vec<(String, Vec<u8>)>, tamper: bool) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let auth = authorization(&mut reader);
            log2.lock().unwrap().push(format!("{path} [{auth}]"));
            let (status, headers, body): (&str, String, Vec<u8>) = if path.starts_with("/token") {
                if auth == "Basic cmFtcGFydDpzM2NyZXQ=" {
                    ("200 OK", String::new(), br#"{"token":"t0ken"}"#.to_vec())
                } else {
                    (
                        "401 Unauthorized",
                        String::new(),
                        b"bad credentials".to_vec(),
                    )
                }
            } else if auth != "Bearer t0ken" {
                (
                    "401 Unauthorized",
                    format!("WWW-Authenticate: Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"fake\",scope=\"repository:rampart/debian:pull\"\r\n"),
                    Vec::new(),
                )
            } else {
                let rest = path.strip_prefix("/v2/rampart/debian/").unwrap_or("");
                let name = if let Some(r) = rest.strip_prefix("manifests/") {
                    if let Some(hex) = r.strip_prefix("sha256:") {
                        format!("blobs/sha256/{hex}")
                    } else {
                        "index.json".to_owned()
                    }
                } else if let Some(d) = rest.strip_prefix("blobs/sha256:") {
                    format!("blobs/sha256/{d}")
                } else {
                    String::new()
                };
                match files.iter().find(|(n, _)| *n == name) {
                    Some((_, d)) => {
                        let mut d = d.clone();
                        if tamper && d.len() > 10_000 {
                            let last = d.len() - 1;
                            d[last] ^= 1;
                        }
                        let ct = if name == "index.json" {
                            "application/vnd.oci.image.index.v1+json"
                        } else {
                            "application/octet-stream"
                        };
                        ("200 OK", format!("Content-Type: {ct}\r\n"), d)
                    }
                    None => (
                        "404 Not Found",
                        String::new(),
                        b"{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}".to_vec(),
                    ),
                }
            };
            let head = format!(
                "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
            let _ = stream.flush();
            let mut sink = [0u8; 1];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(1)));
            let _ = stream.read(&mut sink);
        }
    });
    (port, log)
}

#[test]
fn bearer_token_flow_and_digest_verification() {
    let l = debian_layers();
    let blobs = vec![gzip(&l.plain[0]), l.plain[1].clone(), gzip(&l.plain[2])];
    let (files, digest) = oci_files(&blobs, &l.plain, "1", false);
    let (port, log) = token_registry(files.clone(), false);
    let opts = ScanOptions {
        registry: RegistryOptions {
            plain_http: true,
            username: Some("rampart".into()),
            password: Some("s3cret".into()),
            timeout_secs: 30,
        },
        ..ScanOptions::default()
    };
    let src = ImageSource::parse(&format!("127.0.0.1:{port}/rampart/debian:1")).unwrap();
    let scan = scan_image(&src, &opts).unwrap();
    assert_eq!(names(&scan), dpkg_query("/var/lib/dpkg"));
    assert_eq!(scan.manifest_digest.as_deref(), Some(digest.as_str()));
    let log = log.lock().unwrap().clone();
    // One challenge, one token request carrying service and scope, then the token is reused.
    assert_eq!(
        log.iter().filter(|l| l.starts_with("/token")).count(),
        1,
        "{log:#?}"
    );
    assert!(
        log.iter().any(
            |l| l.starts_with("/token?service=fake&scope=repository%3Arampart%2Fdebian%3Apull")
        ),
        "{log:#?}"
    );
    assert_eq!(
        log.iter().filter(|l| l.ends_with("[]")).count(),
        1,
        "{log:#?}"
    );

    let (port, _) = token_registry(files, true);
    let src = ImageSource::parse(&format!("127.0.0.1:{port}/rampart/debian:1")).unwrap();
    let e = scan_image(&src, &opts).unwrap_err();
    assert!(
        matches!(e, ImageError::Digest { .. }) || matches!(e, ImageError::Corrupt { .. }),
        "{e}"
    );
}

/// An index with two platforms: linux/amd64 is chosen by default, another by option; the
/// arm64 image here has only the base layer (the decoy status).
#[test]
fn multi_platform_index_from_registry() {
    let l = debian_layers();
    let blobs = vec![gzip(&l.plain[0]), l.plain[1].clone(), gzip(&l.plain[2])];
    let (mut files, amd64) = oci_files(&blobs, &l.plain, "1", false);
    let manifest_of = |files: &[(String, Vec<u8>)], digest: &str| -> serde_json::Value {
        let name = format!("blobs/sha256/{}", digest.trim_start_matches("sha256:"));
        serde_json::from_slice(&files.iter().find(|(n, _)| *n == name).unwrap().1).unwrap()
    };
    let mut arm = manifest_of(&files, &amd64);
    arm["layers"] = serde_json::json!([arm["layers"][0].clone()]);
    let arm = serde_json::to_vec(&arm).unwrap();
    let arm_digest = crate::build::sha(&arm);
    files.push((format!("blobs/sha256/{arm_digest}"), arm.clone()));
    let amd_len = files
        .iter()
        .find(|(n, _)| n.ends_with(amd64.trim_start_matches("sha256:")))
        .unwrap()
        .1
        .len();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{arm_digest}"), "size": arm.len(),
             "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": amd64, "size": amd_len,
             "platform": {"os": "linux", "architecture": "amd64"}}
        ]
    });
    files.retain(|(n, _)| n != "index.json");
    files.push(("index.json".to_owned(), serde_json::to_vec(&index).unwrap()));
    let (port, _) = token_registry(files, false);
    let registry = RegistryOptions {
        plain_http: true,
        username: Some("rampart".into()),
        password: Some("s3cret".into()),
        timeout_secs: 30,
    };
    let src = ImageSource::parse(&format!("127.0.0.1:{port}/rampart/debian:1")).unwrap();
    let opts = ScanOptions {
        registry: registry.clone(),
        ..ScanOptions::default()
    };
    let scan = scan_image(&src, &opts).unwrap();
    assert_eq!(scan.manifest_digest.as_deref(), Some(amd64.as_str()));
    assert_eq!(names(&scan), dpkg_query("/var/lib/dpkg"));

    let arm_opts = ScanOptions {
        registry,
        platform: rampart_image::Platform {
            os: "linux".into(),
            architecture: "arm64".into(),
            variant: None,
        },
        ..ScanOptions::default()
    };
    let scan = scan_image(&src, &arm_opts).unwrap();
    assert_eq!(scan.manifest_digest, Some(format!("sha256:{arm_digest}")));
    assert_eq!(
        names(&scan),
        BTreeSet::from([("decoy".to_owned(), "1".to_owned())])
    );
    assert_eq!(scan.layers.len(), 1);
}

fn b64(data: &[u8], url: bool) -> String {
    let t: &[u8; 64] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(t[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else if !url {
                out.push('=');
            }
        }
    }
    out
}

/// A token issuer for docker-registry's `auth.token`: RS256 JWTs signed by openssl with a
/// self-signed certificate (sent as `x5c`, trusted through `rootcertbundle`), granting pull and
/// push to holders of the Basic credentials rampart:s3cret.
fn token_issuer(dir: &std::path::Path, service: &str) -> (u16, Arc<Mutex<u32>>) {
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=rampart-issuer",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let der = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&cert)
        .output()
        .unwrap()
        .stdout;
    let x5c = b64(&der, false);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let issued = Arc::new(Mutex::new(0u32));
    let issued2 = issued.clone();
    let service = service.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let auth = authorization(&mut reader);
            let body = if auth == "Basic cmFtcGFydDpzM2NyZXQ=" {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [x5c]});
                let claims = serde_json::json!({
                    "iss": "rampart-issuer", "sub": "rampart", "aud": service,
                    "exp": now + 600, "nbf": now - 60, "iat": now, "jti": format!("{now}-{}", *issued2.lock().unwrap()),
                    "access": [{"type": "repository", "name": "rampart/debian", "actions": ["pull", "push"]}]
                });
                let signing_input = format!(
                    "{}.{}",
                    b64(&serde_json::to_vec(&header).unwrap(), true),
                    b64(&serde_json::to_vec(&claims).unwrap(), true)
                );
                let mut child = Command::new("openssl")
                    .args(["dgst", "-sha256", "-sign"])
                    .arg(&key)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(signing_input.as_bytes())
                    .unwrap();
                let sig = child.wait_with_output().unwrap().stdout;
                *issued2.lock().unwrap() += 1;
                Some(format!(
                    "{{\"token\":\"{signing_input}.{}\"}}",
                    b64(&sig, true)
                ))
            } else {
                None
            };
            let (status, body) = match body {
                Some(b) => ("200 OK", b),
                None => ("401 Unauthorized", String::from("{}")),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    (port, issued)
}

/// docker-registry with token authentication: skopeo pushes and rampart pulls through the
/// Bearer flow, both getting their tokens from the issuer above.
#[test]
fn pull_from_docker_registry_with_token_auth() {
    if !(require("docker-registry") && require("skopeo") && require("openssl")) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (issuer, issued) = token_issuer(dir, "rampart-test");
    let port = free_port();
    let auth = format!(
        "  token:\n    realm: http://127.0.0.1:{issuer}/token\n    service: rampart-test\n    issuer: rampart-issuer\n    rootcertbundle: {}\n",
        dir.join("cert.pem").display()
    );
    let _registry = start_registry(dir, port, &auth);
    let l = debian_layers();
    let archive = dir.join("debian.tar");
    std::fs::write(
        &archive,
        docker_save_legacy(&l.plain, &l.plain, "rampart/debian:1"),
    )
    .unwrap();
    skopeo_push(
        &archive,
        &format!("docker://127.0.0.1:{port}/rampart/debian:1"),
    );
    let before = *issued.lock().unwrap();

    let src = ImageSource::parse(&format!("127.0.0.1:{port}/rampart/debian:1")).unwrap();
    let opts = ScanOptions {
        registry: RegistryOptions {
            plain_http: true,
            username: Some("rampart".into()),
            password: Some("s3cret".into()),
            timeout_secs: 60,
        },
        ..ScanOptions::default()
    };
    let scan = scan_image(&src, &opts).unwrap();
    assert_eq!(names(&scan), dpkg_query("/var/lib/dpkg"));
    assert_eq!(
        *issued.lock().unwrap(),
        before + 1,
        "one token for the whole pull"
    );
    // Wrong credentials: the issuer refuses, and the error says where.
    let wrong = ScanOptions {
        registry: RegistryOptions {
            password: Some("nope".into()),
            ..opts.registry.clone()
        },
        ..ScanOptions::default()
    };
    let e = scan_image(&src, &wrong).unwrap_err();
    assert!(
        e.to_string().contains("token request") && e.to_string().contains("401"),
        "{e}"
    );
}
