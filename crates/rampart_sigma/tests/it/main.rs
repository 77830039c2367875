//! Integration tests of rampart_sigma.

mod builtin;
mod corpus;
mod correlation;
mod differential;
mod e2e;
mod host_detections;
mod lint;
mod reader;
mod readers;
mod scanner;
mod semantics;

use std::path::PathBuf;

/// `<repo>/../shared/data`.
pub(crate) fn shared_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// Every `.yml` file under `dir`, sorted, as (path relative to `dir`, text).
pub(crate) fn rule_files(dir: &std::path::Path) -> Vec<(String, String)> {
    fn walk(d: &std::path::Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).expect("read rules dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap_or(&p).display().to_string();
            (rel, std::fs::read_to_string(&p).expect("read rule"))
        })
        .collect()
}
