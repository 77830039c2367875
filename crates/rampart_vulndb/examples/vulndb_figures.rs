//! The vulnerability database figures of BENCHMARKS.md in one process, so that
//! `scripts/bench-image.sh` can print them beside `tar -xf` of the same run: importing
//! ≥100,000 OSV advisories (100,000 generated ones in a zip as osv.dev ships them, plus the real
//! RustSec and PyPA records) into a fresh database, and matching 5,000 packages against it.
//! Prints `import_s <median>`, `match_ms <median>` and counts, one per line.
//!
//! `cargo run --release -p rampart_vulndb --example vulndb_figures -- [RUNS]`

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use rampart_vulndb::{generate, match_packages_report, Database};

const OSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv");
const GENERATED: usize = 100_000;
const PACKAGES_PER_ECOSYSTEM: u64 = 5_000;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(3)
        .max(1);
    let tmp = tempfile::tempdir()?;
    let zip_path = tmp.path().join("all.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path)?);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for rec in generate::records(GENERATED, PACKAGES_PER_ECOSYSTEM, 7) {
            let id = rec["id"].as_str().unwrap_or("x").to_string();
            z.start_file(format!("{id}.json"), opts)?;
            z.write_all(&serde_json::to_vec_pretty(&rec)?)?;
        }
        z.finish()?;
    }
    let rustsec = Path::new(OSV).join("rustsec/crates");
    let pypa = Path::new(OSV).join("pypa/vulns");
    let sources: [&Path; 3] = [&zip_path, &rustsec, &pypa];

    let mut import_s = Vec::new();
    let mut imported = 0;
    for i in 0..runs {
        let dir = tmp.path().join(format!("db{i}"));
        let t = Instant::now();
        let stats = rampart_vulndb::import(&sources, &dir)?;
        import_s.push(t.elapsed().as_secs_f64());
        imported = stats.imported;
    }
    let db = Database::open(&tmp.path().join(format!("db{}", runs - 1)))?;
    let packages = generate::packages(5_000, PACKAGES_PER_ECOSYSTEM, 7);
    let debian = rampart_pkg::Distro {
        id: "debian".into(),
        version_id: Some("12".into()),
        ..Default::default()
    };
    let mut match_ms = Vec::new();
    let mut findings = 0;
    let mut not_assessed = 0;
    for _ in 0..runs.max(5) {
        let t = Instant::now();
        let report = match_packages_report(&db, &packages, Some(&debian));
        match_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        findings = report.findings.len();
        not_assessed = report.not_assessed.len();
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "advisories_imported {imported}")?;
    writeln!(out, "import_s {:.2}", median(import_s))?;
    writeln!(out, "packages_matched {}", packages.len())?;
    writeln!(out, "findings {findings}")?;
    writeln!(out, "not_assessed {not_assessed}")?;
    writeln!(out, "match_ms {:.1}", median(match_ms))?;
    Ok(())
}
