//! `rampart scan ecr` end to end: moto's standalone server plays ECR (repositories and images seeded
//! through the SDK), Debian's docker-registry on 127.0.0.1 serves the images (moto does not speak the
//! registry protocol) behind htpasswd with user `AWS` and the password moto's GetAuthorizationToken
//! gives, and `--registry-endpoint` sends the pulls there. The image is a `docker save` of a real
//! Debian 12 dpkg status (../shared/data/pkgdb/dpkg/host-status) pushed by skopeo; the manifest put in
//! moto is the registry's own, byte for byte, under its digest.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rampart_collect::EcrCollector;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{path_str, rampart, stderr};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
/// "Container images should have vulnerability findings resolved" (VULN-001).
const IMAGES: &str = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5";

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The path of `tool` (`moto_server` also in the venv .ci/run fills); under CI=true a missing tool
/// fails the test.
fn find(tool: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache/rampart-venv/bin").join(tool))
        .filter(|p| p.is_file());
    let found = venv.or_else(|| {
        let out = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .ok()?;
        let p = String::from_utf8(out.stdout).ok()?;
        (out.status.success() && !p.trim().is_empty()).then(|| PathBuf::from(p.trim()))
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is required under CI=true (.ci/run installs it)"
        );
        #[allow(clippy::print_stderr)] // the reason a test is skipped outside CI
        {
            eprintln!("skipping: {tool} not installed");
        }
    }
    found
}

fn sha256(b: &[u8]) -> String {
    let hex: String = Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    format!("sha256:{hex}")
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, bytes) in files {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(bytes.len() as u64);
        h.set_mtime(0);
        b.append_data(&mut h, name, *bytes).unwrap();
    }
    b.into_inner().unwrap()
}

const OS_RELEASE: &[u8] = b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n";

/// A legacy `docker save` archive of one layer: os-release and the shared Debian 12 dpkg status.
fn write_image(path: &Path) {
    let status = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/pkgdb/dpkg/host-status"
    ))
    .expect("the shared dpkg status");
    let layer = tar_of(&[
        ("etc/os-release", OS_RELEASE),
        ("var/lib/dpkg/status", &status),
    ]);
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha256(&layer)]},
        "config": {}
    }))
    .unwrap();
    let config_name = format!("{}.json", &sha256(&config)[7..]);
    let layer_name = format!("{}/layer.tar", &sha256(&layer)[7..]);
    let manifest = serde_json::to_vec(&json!([{
        "Config": config_name, "RepoTags": ["web:1.0"], "Layers": [layer_name]
    }]))
    .unwrap();
    let archive = tar_of(&[
        (&layer_name, &layer),
        (&config_name, &config),
        ("manifest.json", &manifest),
    ]);
    std::fs::write(path, archive).unwrap();
}

/// A database of one Debian 12 advisory for `openssl` (installed 3.0.19-1~deb12u2) fixed later.
fn vulndb(tmp: &Path) -> PathBuf {
    let osv = tmp.join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    let record = json!({
        "schema_version": "1.6.0",
        "id": "DEBIAN-CVE-2024-0727",
        "modified": "2026-01-01T00:00:00Z",
        "summary": "openssl: test advisory",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
        "affected": [{
            "package": {"ecosystem": "Debian:12", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.20-1~deb12u1"}]}]
        }]
    });
    std::fs::write(
        osv.join("DEBIAN-CVE-2024-0727.json"),
        serde_json::to_vec(&record).unwrap(),
    )
    .unwrap();
    let db = tmp.join("db");
    let out = rampart(&[
        "vulndb",
        "import",
        path_str(&osv),
        "--vulndb",
        path_str(&db),
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    db
}

/// The SDK environment pointing at moto (the test's own process and `rampart`'s), with empty
/// shared config files in `dir`.
fn sdk_env(moto: u16, dir: &Path) -> Vec<(&'static str, String)> {
    let (config, credentials) = (dir.join("aws-config"), dir.join("aws-credentials"));
    std::fs::write(&config, "").unwrap();
    std::fs::write(&credentials, "").unwrap();
    vec![
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{moto}")),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", REGION.into()),
        ("AWS_MAX_ATTEMPTS", "1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_CONFIG_FILE", path_str(&config).to_owned()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            path_str(&credentials).to_owned(),
        ),
    ]
}

fn recommendation<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["recommendations"]
        .as_array()
        .expect("recommendations")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("recommendation {id} in {report}"))
}

#[test]
fn ecr_images_are_discovered_pulled_with_the_ecr_token_and_assessed() {
    let (Some(moto_bin), Some(registry_bin), Some(_), Some(_)) = (
        find("moto_server"),
        find("docker-registry"),
        find("skopeo"),
        find("htpasswd"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // ECR (moto).
    let moto_port = free_port();
    let _moto = Killed(
        Command::new(moto_bin)
            .args(["-H", "127.0.0.1", "-p", &moto_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for(moto_port, "moto_server");
    let env = sdk_env(moto_port, dir);
    // This process seeds moto through the SDK, which reads the environment (one test per process
    // under nextest).
    for (k, v) in &env {
        std::env::set_var(k, v);
    }
    std::env::remove_var("AWS_PROFILE");
    let ecr = EcrCollector::connect(None).unwrap();
    let password = ecr.pull_credentials(None).unwrap().password;

    // The registry: htpasswd user AWS with ECR's password.
    let htpasswd = Command::new("htpasswd")
        .args(["-Bbn", "AWS", &password])
        .output()
        .unwrap();
    assert!(htpasswd.status.success());
    std::fs::write(dir.join("htpasswd"), &htpasswd.stdout).unwrap();
    let reg_port = free_port();
    std::fs::write(
        dir.join("config.yml"),
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{reg_port}\nauth:\n  htpasswd:\n    realm: rampart-test\n    path: {}\n",
            dir.join("data").display(),
            dir.join("htpasswd").display()
        ),
    )
    .unwrap();
    let _registry = Killed(
        Command::new(registry_bin)
            .args(["serve", path_str(&dir.join("config.yml"))])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for(reg_port, "docker-registry");
    let archive = dir.join("web.tar");
    write_image(&archive);
    let creds = format!("AWS:{password}");
    let dest = format!("docker://127.0.0.1:{reg_port}/web:1.0");
    let out = Command::new("skopeo")
        .args(["--insecure-policy", "copy", "--dest-tls-verify=false"])
        .args(["--dest-creds", &creds])
        .arg(format!("docker-archive:{}", archive.display()))
        .arg(&dest)
        .output()
        .unwrap();
    assert!(out.status.success(), "skopeo copy: {}", stderr(&out));
    let out = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false", "--creds", &creds])
        .arg(&dest)
        .output()
        .unwrap();
    assert!(out.status.success(), "skopeo inspect: {}", stderr(&out));
    let manifest = String::from_utf8(out.stdout).unwrap();
    let digest = sha256(manifest.as_bytes());
    let media_type = serde_json::from_str::<Value>(&manifest).unwrap()["mediaType"]
        .as_str()
        .unwrap()
        .to_owned();

    // ECR knows `web` (in the registry) and `gone` (whose manifest the registry does not have).
    let gone_manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(b"{}"), "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha256(b"gone"), "size": 4}],
    })
    .to_string();
    let gone_digest = sha256(gone_manifest.as_bytes());
    for (repo, tag, m, d, mt) in [
        ("web", "1.0", &manifest, &digest, media_type.as_str()),
        (
            "gone",
            "2.0",
            &gone_manifest,
            &gone_digest,
            "application/vnd.oci.image.manifest.v1+json",
        ),
    ] {
        ecr.block_on(
            ecr.client()
                .create_repository()
                .repository_name(repo)
                .send(),
        )
        .unwrap();
        ecr.block_on(
            ecr.client()
                .put_image()
                .repository_name(repo)
                .image_tag(tag)
                .image_manifest(m)
                .image_manifest_media_type(mt)
                .image_digest(d)
                .send(),
        )
        .unwrap();
    }

    let db = vulndb(dir);
    let scan = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rampart"));
        cmd.args(["scan", "ecr", "--vulndb", path_str(&db), "--format", "json"])
            .args([
                "--registry-endpoint",
                &format!("http://127.0.0.1:{reg_port}"),
            ])
            .args(extra)
            .env_remove("RAMPART_LOG")
            .env_remove("RAMPART_ECR_REGISTRY_URL");
        for (k, v) in &env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = scan(&[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rec = recommendation(&report, IMAGES);
    assert_eq!(rec["unhealthy"], 1, "{rec}");
    let resources = rec["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 2, "{rec}");
    let host = format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com");
    let by_id = |id: &str| {
        resources
            .iter()
            .find(|r| r["id"].as_str().is_some_and(|i| i.ends_with(id)))
            .unwrap_or_else(|| panic!("{id} in {rec}"))
    };

    // The pulled image: findings for every binary package of openssl.
    let web = by_id(&format!("{host}/web@{digest}"));
    assert_eq!(web["status"], "Unhealthy", "{web}");
    assert_eq!(web["name"], format!("{host}/web:1.0"));
    let packages: Vec<&str> = web["sub_assessments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["additional_data"]["package_name"].as_str().unwrap())
        .collect();
    assert_eq!(packages, ["libssl-dev", "libssl3", "openssl"]);

    // The image the registry does not have: not assessed with the pull's reason, never healthy.
    let gone = by_id(&format!("{host}/gone@{gone_digest}"));
    assert_eq!(gone["status"], "NotApplicable", "{gone}");
    assert_eq!(gone["cause"], "NotAssessed", "{gone}");
    assert!(
        gone["reason"]
            .as_str()
            .is_some_and(|r| r.contains("not pulled")),
        "{gone}"
    );
    assert!(stderr(&out).contains("not assessed"), "{}", stderr(&out));

    // The resources are AWS's: the account as scope, the region.
    for r in resources {
        assert_eq!(r["type"], "rampart/containerimage", "{r}");
        assert_eq!(r["provider"], "aws", "{r}");
        assert_eq!(r["scope"], ACCOUNT, "{r}");
        assert_eq!(r["region"], REGION, "{r}");
    }

    // --repository narrows the discovery.
    let out = scan(&["--repository", "web"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rec = recommendation(&report, IMAGES);
    assert_eq!(rec["resources"].as_array().unwrap().len(), 1, "{rec}");
    assert_eq!(rec["unhealthy"], 1, "{rec}");
}

#[test]
fn refused_discovery_is_an_error_naming_the_call() {
    let Some(moto_bin) = find("moto_server") else {
        return;
    };
    let port = free_port();
    let _moto = Killed(
        Command::new(moto_bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("INITIAL_NO_AUTH_ACTION_COUNT", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for(port, "moto_server");
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["scan", "ecr", "--format", "json"])
        .envs(sdk_env(port, tmp.path()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ecr:DescribeRepositories: access denied"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}
