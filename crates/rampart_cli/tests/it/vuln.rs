//! `rampart scan image|host|sbom` and `rampart vulndb` end to end: a `docker save` image and a root file
//! system holding a real Debian 12 dpkg status (../shared/data/pkgdb/dpkg/host-status), a database
//! imported from OSV records written here, and the reports in every format.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{path_str, rampart, stderr, stdout};

const IMAGES: &str = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5";
const MACHINES: &str = "1195afff-c881-495e-9bc5-1486211ae03f";

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(rel)
}

fn dpkg_status() -> Vec<u8> {
    std::fs::read(data("pkgdb/dpkg/host-status")).expect("the shared dpkg status")
}

const OS_RELEASE: &[u8] = b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n";

/// OSV records: one Debian 12 advisory for `openssl` (the source of libssl3, libssl-dev and openssl in
/// the status, installed 3.0.19-1~deb12u2) fixed in a later version; one fixed before the installed
/// version (no finding); one for Debian 11 (another release: no finding).
fn write_osv(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let record = |id: &str, eco: &str, name: &str, fixed: &str| {
        json!({
            "schema_version": "1.6.0",
            "id": id,
            "modified": "2026-01-01T00:00:00Z",
            "aliases": [id.trim_start_matches("DEBIAN-")],
            "summary": format!("{name}: test advisory {id}"),
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
            "affected": [{
                "package": {"ecosystem": eco, "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
            }]
        })
    };
    for (id, eco, name, fixed) in [
        (
            "DEBIAN-CVE-2024-0727",
            "Debian:12",
            "openssl",
            "3.0.20-1~deb12u1",
        ),
        (
            "DEBIAN-CVE-2023-0001",
            "Debian:12",
            "openssl",
            "3.0.11-1~deb12u1",
        ),
        ("DEBIAN-CVE-2024-9999", "Debian:11", "openssl", "9.0.0-1"),
    ] {
        std::fs::write(
            dir.join(format!("{id}.json")),
            serde_json::to_vec(&record(id, eco, name, fixed)).unwrap(),
        )
        .unwrap();
    }
}

fn vulndb(tmp: &Path) -> PathBuf {
    let osv = tmp.join("osv");
    write_osv(&osv);
    let db = tmp.join("db");
    import(&osv, &db);
    db
}

/// `rampart vulndb import OSV --vulndb DB`, which must succeed.
fn import(osv: &Path, db: &Path) {
    let out = rampart(&["vulndb", "import", path_str(osv), "--vulndb", path_str(db)]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
}

/// The JSON report of `rampart scan image IMAGE --vulndb DB` (exit 0).
fn scan_image_json(image: &Path, db: &Path) -> Value {
    run_json(
        &[
            "scan",
            "image",
            path_str(image),
            "--vulndb",
            path_str(db),
            "--format",
            "json",
        ],
        0,
    )
}

/// The JSON of `rampart vulndb status --vulndb DB` (exit 0).
fn status_json(db: &Path) -> Value {
    run_json(
        &[
            "vulndb",
            "status",
            "--vulndb",
            path_str(db),
            "--format",
            "json",
        ],
        0,
    )
}

fn sha(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
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

/// A legacy `docker save` archive of one layer holding os-release and the dpkg status.
fn write_image(path: &Path) {
    let status = dpkg_status();
    let layer = tar_of(&[
        ("etc/os-release", OS_RELEASE),
        ("var/lib/dpkg/status", &status),
    ]);
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{}", sha(&layer))]},
        "config": {}
    }))
    .unwrap();
    let config_name = format!("{}.json", sha(&config));
    let layer_name = format!("{}/layer.tar", sha(&layer));
    let manifest = serde_json::to_vec(&json!([{
        "Config": config_name, "RepoTags": ["example.test/web:1.0"], "Layers": [layer_name]
    }]))
    .unwrap();
    let archive = tar_of(&[
        (&layer_name, &layer),
        (&config_name, &config),
        ("manifest.json", &manifest),
    ]);
    std::fs::write(path, archive).unwrap();
}

/// A root file system with the same files.
fn write_root(root: &Path) {
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    std::fs::write(root.join("etc/os-release"), OS_RELEASE).unwrap();
    std::fs::write(root.join("var/lib/dpkg/status"), dpkg_status()).unwrap();
}

/// Not assessed: NotApplicable in the report, with the cause saying why it does not count.
fn assert_not_assessed(resource: &Value) {
    assert_eq!(resource["status"], "NotApplicable", "{resource}");
    assert_eq!(resource["cause"], "NotAssessed", "{resource}");
}

fn run_json(args: &[&str], code: i32) -> Value {
    let out = rampart(args);
    assert_eq!(out.status.code(), Some(code), "stderr: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("the JSON report parses")
}

/// The recommendation `id` of a JSON report.
fn recommendation<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["recommendations"]
        .as_array()
        .expect("recommendations")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("recommendation {id} in {report}"))
}

/// What a snapshot keeps of a recommendation: counts, and per resource its status, reason and
/// sub-assessments (the resource id holds a temporary path, so only its name's last component).
fn verdict(rec: &Value) -> Value {
    let resources: Vec<Value> = rec["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| {
            json!({
                "type": r["type"],
                "status": r["status"],
                "reason": r["reason"],
                "sub_assessments": r["sub_assessments"],
            })
        })
        .collect();
    json!({
        "id": rec["id"], "title": rec["title"],
        "healthy": rec["healthy"], "unhealthy": rec["unhealthy"], "not_applicable": rec["not_applicable"],
        "resources": resources,
    })
}

#[test]
fn image_scan_is_unhealthy_with_the_findings_as_sub_assessments() {
    let tmp = tempfile::tempdir().unwrap();
    let db = vulndb(tmp.path());
    let image = tmp.path().join("web.tar");
    write_image(&image);
    let report = scan_image_json(&image, &db);
    let rec = recommendation(&report, IMAGES);
    assert_eq!(rec["unhealthy"], 1);
    let resource = &rec["resources"][0];
    assert_eq!(resource["status"], "Unhealthy");
    assert_eq!(resource["name"], "example.test/web:1.0");
    let subs = resource["sub_assessments"].as_array().unwrap();
    // Every binary package built from openssl, and only the advisory whose fix is newer.
    let packages: Vec<&str> = subs
        .iter()
        .map(|s| s["additional_data"]["package_name"].as_str().unwrap())
        .collect();
    assert_eq!(packages, ["libssl-dev", "libssl3", "openssl"]);
    assert!(subs.iter().all(|s| s["id"] == "DEBIAN-CVE-2024-0727"));
    insta::assert_json_snapshot!("image_unhealthy", verdict(rec));

    // The gate: a High finding fails --fail-on high, not --fail-on critical.
    let out = rampart(&[
        "scan",
        "image",
        path_str(&image),
        "--vulndb",
        path_str(&db),
        "--fail-on",
        "high",
    ]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("gate failed"), "{}", stderr(&out));
    let out = rampart(&[
        "scan",
        "image",
        path_str(&image),
        "--vulndb",
        path_str(&db),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
}

#[test]
fn ignore_rules_make_the_image_healthy_and_show_the_findings_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    let db = vulndb(tmp.path());
    let image = tmp.path().join("web.tar");
    write_image(&image);
    let rules = tmp.path().join("ignore.yaml");
    std::fs::write(
        &rules,
        "rules:\n  - id: CVE-2024-0727\n    reason: not reachable from our service\n",
    )
    .unwrap();
    let report = run_json(
        &[
            "scan",
            "image",
            path_str(&image),
            "--vulndb",
            path_str(&db),
            "--ignore",
            path_str(&rules),
            "--format",
            "json",
            "--fail-on",
            "low",
        ],
        0,
    );
    let rec = recommendation(&report, IMAGES);
    assert_eq!(rec["healthy"], 1);
    assert_eq!(rec["resources"][0]["status"], "Healthy");
    insta::assert_json_snapshot!("image_ignored", verdict(rec));
}

#[test]
fn without_a_database_the_image_is_not_assessed_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let image = tmp.path().join("web.tar");
    write_image(&image);
    let missing = tmp.path().join("no-db");
    let report = scan_image_json(&image, &missing);
    let rec = recommendation(&report, IMAGES);
    assert_eq!(
        (rec["healthy"].as_u64(), rec["unhealthy"].as_u64()),
        (Some(0), Some(0))
    );
    let resource = &rec["resources"][0];
    assert_not_assessed(resource);
    let reason = resource["reason"].as_str().unwrap();
    assert!(reason.contains("no advisory database"), "{reason}");
    assert!(reason.contains("rampart vulndb update"), "{reason}");
    // And a gate never passes on it.
    let out = rampart(&[
        "scan",
        "image",
        path_str(&image),
        "--vulndb",
        path_str(&missing),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));

    // An empty database (every record invalid) is no better.
    let osv = tmp.path().join("bad-osv");
    std::fs::create_dir_all(&osv).unwrap();
    std::fs::write(osv.join("x.json"), br#"{"id": 7}"#).unwrap();
    let empty = tmp.path().join("empty-db");
    import(&osv, &empty);
    let report = scan_image_json(&image, &empty);
    let resource = &recommendation(&report, IMAGES)["resources"][0];
    assert_not_assessed(resource);
    assert!(
        resource["reason"].as_str().unwrap().contains("empty"),
        "{resource}"
    );

    // A database without advisories for the image's release: not assessed, naming the release.
    let other = tmp.path().join("pypi-db");
    import(&data("osv/pypa"), &other);
    let report = scan_image_json(&image, &other);
    let resource = &recommendation(&report, IMAGES)["resources"][0];
    assert_not_assessed(resource);
    assert!(
        resource["reason"]
            .as_str()
            .unwrap()
            .contains("the database has no Debian:12 advisories (765 packages)"),
        "{resource}"
    );
}

#[test]
fn host_scan_of_a_root_file_system_assesses_the_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let db = vulndb(tmp.path());
    let root = tmp.path().join("root");
    write_root(&root);
    let report = run_json(
        &[
            "scan",
            "host",
            path_str(&root),
            "--vulndb",
            path_str(&db),
            "--format",
            "json",
        ],
        0,
    );
    let rec = recommendation(&report, MACHINES);
    assert_eq!(rec["unhealthy"], 1);
    let resource = &rec["resources"][0];
    assert_eq!(resource["type"], "rampart/machine");
    let canonical = std::fs::canonicalize(&root).unwrap();
    assert_eq!(resource["name"], canonical.display().to_string());
    insta::assert_json_snapshot!("host_unhealthy", verdict(rec));
    // The image recommendation does not apply to a machine.
    assert!(report["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != IMAGES || r["resources"].as_array().is_none_or(Vec::is_empty)));
}

#[test]
fn cyclonedx_output_lists_the_packages_and_reads_back_as_an_sbom_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let db = vulndb(tmp.path());
    let image = tmp.path().join("web.tar");
    write_image(&image);
    let sbom = tmp.path().join("web.cdx.json");
    // No database needed to write an SBOM.
    let out = rampart(&[
        "scan",
        "image",
        path_str(&image),
        "--format",
        "cyclonedx",
        "--output",
        path_str(&sbom),
        "--vulndb",
        path_str(&tmp.path().join("none")),
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let doc: Value = serde_json::from_slice(&std::fs::read(&sbom).unwrap()).unwrap();
    assert_eq!(doc["bomFormat"], "CycloneDX");
    assert_eq!(doc["specVersion"], "1.6");
    let expected: std::collections::BTreeSet<String> = String::from_utf8(dpkg_status())
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("Package: ").map(str::to_owned))
        .collect();
    let listed: std::collections::BTreeSet<String> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "library")
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(expected.len(), 765);
    assert_eq!(listed, expected);

    // The SBOM scanned: the same findings as the image.
    let report = run_json(
        &[
            "scan",
            "sbom",
            path_str(&sbom),
            "--vulndb",
            path_str(&db),
            "--format",
            "json",
        ],
        0,
    );
    let rec = recommendation(&report, IMAGES);
    let subs = rec["resources"][0]["sub_assessments"].as_array().unwrap();
    let packages: Vec<&str> = subs
        .iter()
        .map(|s| s["additional_data"]["package_name"].as_str().unwrap())
        .collect();
    assert_eq!(packages, ["libssl-dev", "libssl3", "openssl"]);
}

fn schema(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rampart_report/tests/schemas")
        .join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn assert_valid(schema: &Value, instance: &Value, what: &str) {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is invalid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_and_ocsf_of_an_image_scan_validate_and_carry_the_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let db = vulndb(tmp.path());
    let image = tmp.path().join("web.tar");
    write_image(&image);
    let render = |format: &str| -> String {
        let out = rampart(&[
            "scan",
            "image",
            path_str(&image),
            "--vulndb",
            path_str(&db),
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
        stdout(&out)
    };
    let sarif: Value = serde_json::from_str(&render("sarif")).unwrap();
    assert_valid(&schema("sarif-schema-2.1.0.json"), &sarif, "SARIF log");
    let text = sarif.to_string();
    assert!(
        text.contains("DEBIAN-CVE-2024-0727"),
        "SARIF names the advisory"
    );
    assert!(text.contains("libssl3"), "SARIF names the package");

    let ocsf_text = render("ocsf");
    let ocsf_schema = schema("ocsf-1.5.0-detection_finding-cloud.schema.json");
    let findings: Vec<Value> = match serde_json::from_str::<Value>(&ocsf_text) {
        Ok(Value::Array(a)) => a,
        Ok(v) => vec![v],
        Err(_) => ocsf_text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("OCSF JSON line"))
            .collect(),
    };
    assert!(!findings.is_empty());
    for f in &findings {
        assert_valid(&ocsf_schema, f, "OCSF finding");
    }
    assert!(
        ocsf_text.contains("DEBIAN-CVE-2024-0727"),
        "OCSF names the advisory"
    );
}

#[test]
fn vulndb_import_counts_the_shared_osv_records_and_status_lists_them() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let rustsec = data("osv/rustsec");
    let pypa = data("osv/pypa");
    let report = run_json(
        &[
            "vulndb",
            "import",
            path_str(&rustsec),
            path_str(&pypa),
            "--vulndb",
            path_str(&db),
            "--format",
            "json",
        ],
        0,
    );
    // Expected counts from the files themselves: every record file is a document; `withdrawn` records
    // are skipped; the 7 PYSEC records osv/README.md lists fail the schema.
    let mut files = Vec::new();
    collect(&rustsec.join("crates"), "json", &mut files);
    collect(&pypa.join("vulns"), "yaml", &mut files);
    let withdrawn = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            text.contains("\"withdrawn\"") || text.lines().any(|l| l.starts_with("withdrawn:"))
        })
        .count();
    let stats = &report["import"];
    assert_eq!(stats["documents"].as_u64().unwrap() as usize, files.len());
    assert_eq!(stats["invalid"], 7);
    assert_eq!(stats["withdrawn"].as_u64().unwrap() as usize, withdrawn);
    assert_eq!(
        stats["imported"].as_u64().unwrap() as usize,
        files.len() - 7 - withdrawn
    );
    assert_eq!(stats["total"], stats["imported"]);
    // The example paths without the checkout's location.
    let mut redacted = stats.clone();
    for example in redacted["invalid_examples"].as_array_mut().unwrap() {
        let path = example[0].as_str().unwrap();
        let at = path.find("shared/data/").expect("a shared data path");
        example[0] = json!(path[at..].to_owned());
    }
    insta::assert_json_snapshot!("vulndb_import_shared_osv", redacted);

    let status = status_json(&db);
    assert_eq!(status["advisories"], stats["total"]);
    let per_eco: u64 = status["ecosystems"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(per_eco, stats["total"].as_u64().unwrap());

    // A second import of the same records changes nothing.
    let again = run_json(
        &[
            "vulndb",
            "import",
            path_str(&rustsec),
            "--vulndb",
            path_str(&db),
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(again["import"]["imported"], 0);
    assert_eq!(again["import"]["total"], stats["total"]);

    // Status of a missing database is an error naming the remedy.
    let out = rampart(&[
        "vulndb",
        "status",
        "--vulndb",
        path_str(&tmp.path().join("none")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("rampart vulndb import"),
        "{}",
        stderr(&out)
    );
}

fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

#[test]
fn the_database_directory_defaults_to_rampart_vulndb_then_xdg_data_home() {
    let tmp = tempfile::tempdir().unwrap();
    let osv = tmp.path().join("osv");
    write_osv(&osv);
    let run = |env: &[(&str, &Path)], args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"));
        cmd.args(args)
            .env_remove("RAMPART_LOG")
            .env_remove("RAMPART_VULNDB")
            .env_remove("XDG_DATA_HOME");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let xdg = tmp.path().join("xdg");
    let out = run(
        &[("XDG_DATA_HOME", &xdg)],
        &["vulndb", "import", path_str(&osv)],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(xdg.join("rampart/vulndb/meta.json").is_file());
    let explicit = tmp.path().join("explicit");
    let out = run(
        &[("XDG_DATA_HOME", &xdg), ("RAMPART_VULNDB", &explicit)],
        &["vulndb", "import", path_str(&osv)],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(explicit.join("meta.json").is_file());
}

#[test]
fn a_corrupt_archive_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.tar");
    std::fs::write(&bad, b"this is not a tar archive at all, just text").unwrap();
    let out = rampart(&["scan", "image", path_str(&bad)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.tar"), "{}", stderr(&out));
}

#[test]
fn the_inventory_form_of_scan_still_takes_files() {
    // `scan` with inputs and no subcommand is the inventory scan; `scan image` is not an input file.
    let out = rampart(&["scan", "--demo", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let out = rampart(&["scan", "image"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("REF|PATH"), "{}", stderr(&out));
}

/// Whether `tool` is installed; under CI=true a missing tool fails the test (.ci/run installs it).
fn require(tool: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
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

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
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
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

struct Registry(std::process::Child);

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Debian's docker-registry on 127.0.0.1 with htpasswd auth, the image pushed by skopeo; `rampart scan
/// image REF` pulls it with --username/--password-env, then with docker's config.json auths.
#[test]
fn registry_image_with_credentials_from_flags_and_docker_config() {
    if !(require("docker-registry") && require("skopeo") && require("htpasswd")) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let db = vulndb(dir);
    let htpasswd = std::process::Command::new("htpasswd")
        .args(["-Bbn", "rampart", "s3cret"])
        .output()
        .unwrap();
    assert!(htpasswd.status.success());
    std::fs::write(dir.join("htpasswd"), &htpasswd.stdout).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\nauth:\n  htpasswd:\n    realm: rampart-test\n    path: {}\n",
        dir.join("data").display(),
        dir.join("htpasswd").display()
    );
    std::fs::write(dir.join("config.yml"), config).unwrap();
    let child = std::process::Command::new("docker-registry")
        .args(["serve", path_str(&dir.join("config.yml"))])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _registry = Registry(child);
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed().as_secs() < 20, "registry did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let image = dir.join("web.tar");
    write_image(&image);
    let out = std::process::Command::new("skopeo")
        .args([
            "--insecure-policy",
            "copy",
            "--dest-tls-verify=false",
            "--dest-creds",
            "rampart:s3cret",
        ])
        .arg(format!("docker-archive:{}", image.display()))
        .arg(format!("docker://127.0.0.1:{port}/rampart/web:1.0"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let reference = format!("127.0.0.1:{port}/rampart/web:1.0");
    let scan = |extra: &[&str], env: &[(&str, String)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"));
        cmd.args([
            "scan",
            "image",
            &reference,
            "--plain-http",
            "--vulndb",
            path_str(&db),
            "--format",
            "json",
        ])
        .args(extra)
        .env_remove("RAMPART_LOG")
        .env("DOCKER_CONFIG", dir.join("no-docker-config"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let check = |out: &std::process::Output| {
        assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let rec = recommendation(&report, IMAGES);
        let resource = &rec["resources"][0];
        assert_eq!(resource["status"], "Unhealthy", "{resource}");
        let id = resource["id"].as_str().unwrap();
        assert!(
            id.starts_with(&format!("127.0.0.1:{port}/rampart/web@sha256:")),
            "{id}"
        );
        assert_eq!(resource["sub_assessments"].as_array().unwrap().len(), 3);
    };
    check(&scan(
        &[
            "--username",
            "rampart",
            "--password-env",
            "RAMPART_TEST_REGISTRY_PASSWORD",
        ],
        &[("RAMPART_TEST_REGISTRY_PASSWORD", "s3cret".to_owned())],
    ));

    let docker_config = dir.join("docker");
    std::fs::create_dir_all(&docker_config).unwrap();
    std::fs::write(
        docker_config.join("config.json"),
        serde_json::to_vec(
            &json!({"auths": {format!("127.0.0.1:{port}"): {"auth": base64(b"rampart:s3cret")}}}),
        )
        .unwrap(),
    )
    .unwrap();
    check(&scan(
        &[],
        &[("DOCKER_CONFIG", path_str(&docker_config).to_owned())],
    ));

    // Without credentials: a registry error naming the registry, not an empty inventory.
    let out = scan(&[], &[]);
    assert_eq!(out.status.code(), Some(2), "stdout: {}", stdout(&out));
    assert!(
        stderr(&out).contains(&format!("127.0.0.1:{port}")),
        "{}",
        stderr(&out)
    );
}

/// Serves `zip` at `/Debian/all.zip` on 127.0.0.1 (404 for anything else) and records the paths asked.
fn osv_server(zip: Vec<u8>) -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = asked.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap() == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
            log.lock().unwrap().push(path.clone());
            let (status, body): (&str, &[u8]) = if path == "/Debian/all.zip" {
                ("200 OK", &zip)
            } else {
                ("404 Not Found", b"not found")
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(body);
        }
    });
    (port, asked)
}

#[test]
fn vulndb_update_downloads_the_ecosystem_zips_and_imports_them() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let osv = tmp.path().join("osv");
    write_osv(&osv);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut names: Vec<_> = std::fs::read_dir(&osv)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in &names {
        zip.start_file(path.file_name().unwrap().to_str().unwrap(), options)
            .unwrap();
        zip.write_all(&std::fs::read(path).unwrap()).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let (port, asked) = osv_server(bytes.clone());
    let url = format!("http://127.0.0.1:{port}");
    let db = tmp.path().join("db");
    let report = run_json(
        &[
            "vulndb",
            "update",
            "--url",
            &url,
            "--ecosystem",
            "Debian",
            "--vulndb",
            path_str(&db),
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(
        report["downloaded"],
        json!([{"ecosystem": "Debian", "bytes": bytes.len()}])
    );
    assert_eq!(report["import"]["documents"], 3);
    assert_eq!(report["import"]["imported"], 3);
    assert_eq!(*asked.lock().unwrap(), ["/Debian/all.zip"]);
    let status = status_json(&db);
    assert_eq!(
        status["ecosystems"],
        json!({"Debian:11": 1, "Debian:12": 2})
    );

    // A failed download fails the update, names the URL, and leaves the database as it was.
    let out = rampart(&[
        "vulndb",
        "update",
        "--url",
        &url,
        "--ecosystem",
        "Debian",
        "--ecosystem",
        "PyPI",
        "--vulndb",
        path_str(&db),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/PyPI/all.zip"), "{}", stderr(&out));
    let after = status_json(&db);
    assert_eq!(after, status);
}

/// Real OCI layouts and docker-save archives from ../shared/data/images hold no package database: not
/// assessed ("no packages found"), never healthy.
#[test]
fn shared_images_without_packages_are_not_assessed() {
    let tmp = tempfile::tempdir().unwrap();
    let db = vulndb(tmp.path());
    for image in [
        "images/oci-layout/test_index_one_image",
        "images/layerscanning/symlink-attack.tar",
    ] {
        let path = data(image);
        let report = run_json(
            &[
                "scan",
                "image",
                path_str(&path),
                "--vulndb",
                path_str(&db),
                "--format",
                "json",
            ],
            0,
        );
        let resource = &recommendation(&report, IMAGES)["resources"][0];
        assert_not_assessed(resource);
        assert!(
            resource["reason"]
                .as_str()
                .unwrap()
                .contains("no packages found"),
            "{image}: {resource}"
        );
    }
}
