//! Root filesystem walks: packages and distribution from an unpacked root, symlinks never
//! leaving it.

use std::os::unix::fs::symlink;

use rampart_image::{read_root, scan_root, ScanOptions, SelectAll, TargetKind};

use crate::crafted::dpkg_query;

#[test]
fn root_filesystem_packages_equal_dpkg_query() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    std::fs::create_dir_all(root.join("usr/lib")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::copy("/var/lib/dpkg/status", root.join("var/lib/dpkg/status")).unwrap();
    std::fs::copy("/usr/lib/os-release", root.join("usr/lib/os-release")).unwrap();
    symlink("../usr/lib/os-release", root.join("etc/os-release")).unwrap();
    // Links pointing out of the root resolve inside it (to nothing), never to the host's files.
    std::fs::create_dir_all(root.join("opt/app")).unwrap();
    symlink("/etc/hostname", root.join("opt/app/Cargo.lock")).unwrap();
    symlink("../../../../../../etc", root.join("opt/etc")).unwrap();
    std::fs::create_dir_all(root.join("proc/1")).unwrap();
    std::fs::write(
        root.join("proc/1/Cargo.lock"),
        b"never read: proc is skipped",
    )
    .unwrap();

    let scan = scan_root(root, &ScanOptions::default()).unwrap();
    assert_eq!(scan.kind, TargetKind::Host);
    assert_eq!(scan.distro.as_ref().map(|d| d.id.as_str()), Some("debian"));
    let got: std::collections::BTreeSet<(String, String)> = scan
        .packages
        .iter()
        .map(|p| (p.package.name.clone(), p.package.version.clone()))
        .collect();
    assert_eq!(got, dpkg_query("/var/lib/dpkg"));
    assert!(scan.packages.iter().all(|p| p.layer.is_none()));
    assert!(scan.file_errors.is_empty(), "{:?}", scan.file_errors);

    let (tree, _) = read_root(root, &ScanOptions::default(), &SelectAll).unwrap();
    assert_eq!(tree.resolve("opt/etc/passwd", 40).unwrap(), "etc/passwd");
    assert!(tree.read("opt/etc/passwd", 40).is_err());
    assert!(tree.read("opt/app/Cargo.lock", 40).is_err());
    assert!(tree.kind("proc/1").is_none(), "proc is not entered");
}

/// The check: on this machine's `/`, the dpkg packages found are exactly what
/// `dpkg-query -W` lists (other mounts and proc/sys/dev/run are not entered).
#[test]
fn host_root_equals_dpkg_query() {
    let scan = scan_root(std::path::Path::new("/"), &ScanOptions::default()).unwrap();
    let debian: std::collections::BTreeSet<(String, String)> = scan
        .packages
        .iter()
        .filter(|p| p.package.location == "var/lib/dpkg/status")
        .map(|p| (p.package.name.clone(), p.package.version.clone()))
        .collect();
    assert_eq!(debian, dpkg_query("/var/lib/dpkg"));
    assert!(scan.distro.is_some());
}
