//! Images built in the test around this machine's real dpkg database and os-release: the
//! packages found must equal `dpkg-query -W` on that status file, whatever the container
//! format (docker save legacy, Docker 25+ layout, OCI directory and tar) and compression
//! (none, gzip, zstd).

use std::collections::BTreeSet;
use std::process::Command;

use rampart_image::{scan_image, ImageSource, ScanOptions, ScanStatus};

use crate::build::{docker_save_legacy, gzip, layer, oci_files, tar_of, write_dir, zstd, E};

/// `dpkg-query -W` for the status file at `admindir/status`: (package, version).
pub(crate) fn dpkg_query(admindir: &str) -> BTreeSet<(String, String)> {
    let out = Command::new("dpkg-query")
        .args([
            "--admindir",
            admindir,
            "-W",
            "-f",
            "${Package}\t${Version}\n",
        ])
        .output()
        .expect("dpkg-query runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (n, v) = l.split_once('\t').unwrap();
            (n.to_owned(), v.to_owned())
        })
        .collect()
}

pub(crate) struct Layers {
    pub(crate) plain: Vec<Vec<u8>>,
}

/// Three layers: a base with os-release (via the usual symlink) and a decoy status; a second
/// that replaces the status with the real one and whiteouts a file; a third with an opaque
/// directory and a hard link.
pub(crate) fn debian_layers() -> Layers {
    let status = std::fs::read("/var/lib/dpkg/status").unwrap();
    let os_release = std::fs::read("/usr/lib/os-release").unwrap();
    let l1 = layer(&[
        E::Dir("etc/"),
        E::Link("etc/os-release", "../usr/lib/os-release"),
        E::Dir("usr/"),
        E::Dir("usr/lib/"),
        E::File("usr/lib/os-release", &os_release),
        E::Dir("var/"),
        E::Dir("var/lib/"),
        E::Dir("var/lib/dpkg/"),
        E::File(
            "var/lib/dpkg/status",
            b"Package: decoy\nStatus: install ok installed\nVersion: 1\n\n",
        ),
        E::File("var/lib/dpkg/status-old", b"junk"),
        E::Dir("opt/"),
        E::Dir("opt/app/"),
        E::File("opt/app/Cargo.lock", b"garbage that would fail to parse"),
    ]);
    let l2 = layer(&[
        E::File("var/lib/dpkg/status", &status),
        E::File("var/lib/dpkg/.wh.status-old", b""),
    ]);
    let l3 = layer(&[
        E::Dir("opt/app/"),
        E::File("opt/app/.wh..wh..opq", b""),
        E::File("opt/app/readme", b"hello"),
        E::Hard("opt/app/readme2", "opt/app/readme"),
    ]);
    Layers {
        plain: vec![l1, l2, l3],
    }
}

fn check(src: &ImageSource) -> rampart_image::ImageScan {
    let scan = scan_image(src, &ScanOptions::default()).unwrap_or_else(|e| panic!("{src}: {e}"));
    assert_eq!(scan.status, ScanStatus::Completed);
    let want = dpkg_query("/var/lib/dpkg");
    let got: BTreeSet<(String, String)> = scan
        .packages
        .iter()
        .map(|p| (p.package.name.clone(), p.package.version.clone()))
        .collect();
    assert_eq!(got, want, "{src}");
    assert_eq!(scan.packages.len(), want.len(), "{src}: no duplicates");
    assert!(scan
        .packages
        .iter()
        .all(|p| p.layer == Some(1) && p.package.location == "var/lib/dpkg/status"));
    let distro = scan
        .distro
        .clone()
        .expect("os-release read through the etc symlink");
    assert_eq!(distro.id, "debian");
    // The opaque directory hid the unparsable Cargo.lock of layer 0.
    assert!(scan.file_errors.is_empty(), "{:?}", scan.file_errors);
    assert_eq!(scan.layers.len(), 3);
    scan
}

#[test]
fn docker_save_legacy_with_every_compression() {
    let l = debian_layers();
    let tmp = tempfile::tempdir().unwrap();
    let blobs = vec![l.plain[0].clone(), gzip(&l.plain[1]), zstd(&l.plain[2])];
    let p = tmp.path().join("debian.tar");
    std::fs::write(
        &p,
        docker_save_legacy(&blobs, &l.plain, "rampart/debian:test"),
    )
    .unwrap();
    let scan = check(&ImageSource::parse(p.to_str().unwrap()).unwrap());
    assert_eq!(scan.repo_tags, ["rampart/debian:test"]);
    assert!(scan.config_digest.is_some() && scan.manifest_digest.is_none());
    // The JSON form is what the CLI prints: spot-check its shape.
    let v = serde_json::to_value(&scan).unwrap();
    assert_eq!(v["status"]["state"], "completed");
    assert_eq!(v["packages"][0]["location"], "var/lib/dpkg/status");
    assert_eq!(v["packages"][0]["ecosystem"], "Debian");
}

#[test]
fn docker25_layout_oci_dir_and_oci_tar() {
    let l = debian_layers();
    let blobs = vec![gzip(&l.plain[0]), l.plain[1].clone(), zstd(&l.plain[2])];
    let tmp = tempfile::tempdir().unwrap();

    let (files, digest) = oci_files(&blobs, &l.plain, "rampart/debian:25", true);
    let p = tmp.path().join("docker25.tar");
    std::fs::write(&p, tar_of(&files)).unwrap();
    let scan = check(&ImageSource::parse(p.to_str().unwrap()).unwrap());
    assert_eq!(scan.manifest_digest.as_deref(), Some(digest.as_str()));
    assert_eq!(scan.repo_tags, ["rampart/debian:25"]);

    let (files, digest) = oci_files(&blobs, &l.plain, "test", false);
    let p = tmp.path().join("oci.tar");
    std::fs::write(&p, tar_of(&files)).unwrap();
    let scan = check(&ImageSource::parse(&format!("oci-archive:{}", p.display())).unwrap());
    assert_eq!(scan.manifest_digest.as_deref(), Some(digest.as_str()));
    let d = tmp.path().join("layout");
    write_dir(&d, &files);
    let scan = check(&ImageSource::parse(d.to_str().unwrap()).unwrap());
    assert_eq!(scan.repo_tags, ["test"]);
    assert_eq!(scan.platform.as_deref(), Some("linux/amd64"));
}

/// Hard links share their target's content; a selected link to a file that was not read is
/// reported, not silently empty.
#[test]
fn hard_links() {
    let status = std::fs::read("/var/lib/dpkg/status").unwrap();
    let os_release = std::fs::read("/usr/lib/os-release").unwrap();
    let plain = layer(&[
        E::File("usr/lib/os-release", &os_release),
        E::Hard("etc/os-release", "usr/lib/os-release"),
        E::File("backup/status", &status),
        E::Hard("var/lib/dpkg/status", "backup/status"),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("links.tar");
    std::fs::write(
        &p,
        docker_save_legacy(
            std::slice::from_ref(&plain),
            std::slice::from_ref(&plain),
            "links:1",
        ),
    )
    .unwrap();
    let scan = scan_image(&ImageSource::Archive(p.clone()), &ScanOptions::default()).unwrap();
    assert_eq!(scan.distro.map(|d| d.id), Some("debian".to_owned()));
    assert!(scan.packages.is_empty());
    assert_eq!(scan.file_errors.len(), 1, "{:?}", scan.file_errors);
    assert_eq!(scan.file_errors[0].path, "var/lib/dpkg/status");
    assert!(
        scan.file_errors[0]
            .message
            .contains("hard link to backup/status"),
        "{:?}",
        scan.file_errors
    );

    let (_, tree) = rampart_image::read_image(
        &ImageSource::Archive(p),
        &ScanOptions::default(),
        &rampart_image::SelectAll,
    )
    .unwrap();
    assert_eq!(
        &*tree.read("var/lib/dpkg/status", 40).unwrap(),
        status.as_slice()
    );
}
