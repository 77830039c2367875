//! Builders for test images: layer tars (plain, gzip, zstd), docker-save archives (legacy and
//! Docker 25+ OCI layout), OCI layouts.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

pub(crate) fn data(rel: &str) -> std::path::PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(rel)
}

/// One layer entry.
pub(crate) enum E<'a> {
    Dir(&'a str),
    File(&'a str, &'a [u8]),
    Link(&'a str, &'a str),
    Hard(&'a str, &'a str),
    /// A raw name written into the header as is (`..` included).
    RawFile(&'a [u8], &'a [u8]),
}

pub(crate) fn layer(entries: &[E<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        match e {
            E::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            E::File(p, d) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o644);
                h.set_size(d.len() as u64);
                b.append_data(&mut h, p, *d).unwrap();
            }
            E::Link(p, t) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                b.append_link(&mut h, p, t).unwrap();
            }
            E::Hard(p, t) => {
                h.set_entry_type(tar::EntryType::Link);
                h.set_mode(0o644);
                h.set_size(0);
                b.append_link(&mut h, p, t).unwrap();
            }
            E::RawFile(name, d) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o644);
                h.set_size(d.len() as u64);
                h.as_old_mut().name[..name.len()].copy_from_slice(name);
                h.set_cksum();
                b.append(&h, *d).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

pub(crate) fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

pub(crate) fn zstd(b: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(b, ruzstd::encoding::CompressionLevel::Fastest)
}

pub(crate) fn sha(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

fn config(layers_plain: &[Vec<u8>]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers_plain
        .iter()
        .map(|l| format!("sha256:{}", sha(l)))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "config": {}
    }))
    .unwrap()
}

fn add(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o644);
    h.set_size(data.len() as u64);
    h.set_mtime(0);
    b.append_data(&mut h, name, data).unwrap();
}

/// `docker save` archive, legacy layout (`<n>/layer.tar`). `blobs` are the layer files as
/// stored (possibly compressed), `plain` the uncompressed tars (for diff_ids).
pub(crate) fn docker_save_legacy(blobs: &[Vec<u8>], plain: &[Vec<u8>], tag: &str) -> Vec<u8> {
    let cfg = config(plain);
    let cfg_name = format!("{}.json", sha(&cfg));
    let mut b = tar::Builder::new(Vec::new());
    let mut names = Vec::new();
    for (i, l) in blobs.iter().enumerate() {
        let n = format!("{:064x}/layer.tar", i + 1);
        add(&mut b, &n, l);
        names.push(n);
    }
    add(&mut b, &cfg_name, &cfg);
    let manifest = serde_json::json!([{"Config": cfg_name, "RepoTags": [tag], "Layers": names}]);
    add(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    b.into_inner().unwrap()
}

/// OCI image layout files (name -> bytes): `oci-layout`, `index.json`, blobs. Returns also
/// the manifest digest.
pub(crate) fn oci_files(
    blobs: &[Vec<u8>],
    plain: &[Vec<u8>],
    tag: &str,
    docker25: bool,
) -> (Vec<(String, Vec<u8>)>, String) {
    let cfg = config(plain);
    let mut files = vec![(
        "oci-layout".to_owned(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    )];
    let mut layer_descs = Vec::new();
    let mut names = Vec::new();
    for l in blobs {
        let d = sha(l);
        let mt = if l.starts_with(&[0x1f, 0x8b]) {
            "application/vnd.oci.image.layer.v1.tar+gzip"
        } else if l.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            "application/vnd.oci.image.layer.v1.tar+zstd"
        } else {
            "application/vnd.oci.image.layer.v1.tar"
        };
        layer_descs.push(
            serde_json::json!({"mediaType": mt, "digest": format!("sha256:{d}"), "size": l.len()}),
        );
        names.push(format!("blobs/sha256/{d}"));
        files.push((format!("blobs/sha256/{d}"), l.clone()));
    }
    let cd = sha(&cfg);
    files.push((format!("blobs/sha256/{cd}"), cfg.clone()));
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{cd}"), "size": cfg.len()},
        "layers": layer_descs
    }))
    .unwrap();
    let md = sha(&manifest);
    files.push((format!("blobs/sha256/{md}"), manifest.clone()));
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{md}"), "size": manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag, "io.containerd.image.name": tag}
        }]
    });
    files.push(("index.json".to_owned(), serde_json::to_vec(&index).unwrap()));
    if docker25 {
        let m = serde_json::json!([{"Config": format!("blobs/sha256/{cd}"), "RepoTags": [tag], "Layers": names}]);
        files.push(("manifest.json".to_owned(), serde_json::to_vec(&m).unwrap()));
    }
    (files, format!("sha256:{md}"))
}

pub(crate) fn tar_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (n, d) in files {
        add(&mut b, n, d);
    }
    b.into_inner().unwrap()
}

pub(crate) fn write_dir(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (n, d) in files {
        let p = dir.join(n);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, d).unwrap();
    }
}

/// Fail under CI=true, skip (return false) with a reason otherwise.
pub(crate) fn require(tool: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{tool} is required under CI=true (.ci/run installs it)");
        }
        #[allow(clippy::print_stderr)] // the reason a test is skipped outside CI
        {
            eprintln!("skipping: {tool} not installed");
        }
    }
    found
}
