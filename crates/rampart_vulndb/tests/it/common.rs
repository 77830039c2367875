//! Shared helpers: data paths, packages, a database built from real records.

use std::path::{Path, PathBuf};

use rampart_pkg::{Distro, Ecosystem, Package};
use rampart_vulndb::Database;

pub(crate) const OSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv");

pub(crate) fn osv(rel: &str) -> PathBuf {
    Path::new(OSV).join(rel)
}

pub(crate) fn pkg(eco: Ecosystem, name: &str, version: &str) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        ecosystem: eco,
        source_name: None,
        source_version: None,
        arch: None,
        location: "test".into(),
    }
}

pub(crate) fn distro(id: &str, version_id: &str) -> Distro {
    Distro {
        id: id.into(),
        version_id: Some(version_id.into()),
        ..Distro::default()
    }
}

/// Import `paths` into a fresh temporary database and open it.
pub(crate) fn db_from(paths: &[&Path]) -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().expect("tempdir");
    rampart_vulndb::import(paths, dir.path()).expect("import");
    let db = Database::open(dir.path()).expect("open");
    (dir, db)
}

/// Whether the tool must exist (CI) or the test may skip with a reason.
pub(crate) fn require_tool(tool: &str, available: bool) -> bool {
    if available {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{tool} is required under CI=true (.ci/run installs it)");
    }
    // Tests may print the reason they skip (the brief asks for it); only the CLI prints otherwise.
    #[allow(clippy::print_stderr)]
    {
        eprintln!("skipping: {tool} not available (install it, see .ci/run)");
    }
    false
}
