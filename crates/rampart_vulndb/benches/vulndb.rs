//! Vulnerability database benchmarks: importing ≥100,000 OSV advisories (the real RustSec and
//! PyPA records plus generated ones, the generated ones from a zip as osv.dev ships them) into a
//! fresh database, and matching 5,000 packages against it.
//!
//! `cargo bench -p rampart_vulndb --bench vulndb`

use std::hint::black_box;
use std::io::Write;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use rampart_vulndb::{generate, match_packages_report, Database};

const OSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv");
const GENERATED: usize = 100_000;
const PACKAGES_PER_ECOSYSTEM: u64 = 5_000;

fn write_generated_zip(path: &Path) {
    let f = std::fs::File::create(path).expect("create zip");
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for rec in generate::records(GENERATED, PACKAGES_PER_ECOSYSTEM, 7) {
        let id = rec["id"].as_str().unwrap_or("x").to_string();
        z.start_file(format!("{id}.json"), opts).expect("zip entry");
        z.write_all(&serde_json::to_vec_pretty(&rec).expect("json"))
            .expect("zip write");
    }
    z.finish().expect("zip finish");
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let zip_path = tmp.path().join("all.zip");
    write_generated_zip(&zip_path);
    let rustsec = Path::new(OSV).join("rustsec/crates");
    let pypa = Path::new(OSV).join("pypa/vulns");
    let sources: [&Path; 3] = [&zip_path, &rustsec, &pypa];

    let mut group = c.benchmark_group("vulndb");
    group.sample_size(10);
    let mut n = 0u32;
    group.bench_function("import_103k_advisories", |b| {
        b.iter(|| {
            n += 1;
            let dir = tmp.path().join(format!("db{n}"));
            let stats = rampart_vulndb::import(&sources, &dir).expect("import");
            assert!(stats.total >= 100_000);
            std::fs::remove_dir_all(&dir).ok();
            black_box(stats)
        })
    });

    let db_dir = tmp.path().join("db");
    rampart_vulndb::import(&sources, &db_dir).expect("import");
    group.bench_function("open_database", |b| {
        b.iter(|| black_box(Database::open(&db_dir).expect("open").len()))
    });
    let db = Database::open(&db_dir).expect("open");
    let packages = generate::packages(5_000, PACKAGES_PER_ECOSYSTEM, 7);
    let debian = rampart_pkg::Distro {
        id: "debian".into(),
        version_id: Some("12".into()),
        ..Default::default()
    };
    let report = match_packages_report(&db, &packages, Some(&debian));
    assert!(report.findings.len() > 100, "{}", report.findings.len());
    assert!(
        report.not_assessed.is_empty(),
        "{:?}",
        report.not_assessed.first()
    );
    group.bench_function("match_5000_packages", |b| {
        b.iter(|| black_box(match_packages_report(&db, &packages, Some(&debian))))
    });

    // Real PyPA data, where entries carry long explicit `versions` lists: every project in the
    // database at an old version (most are in some range or list).
    let pypa_dir = tmp.path().join("pypa-db");
    rampart_vulndb::import(&[&pypa], &pypa_dir).expect("import pypa");
    let pypa_db = Database::open(&pypa_dir).expect("open pypa");
    let mut names: Vec<String> = std::fs::read_dir(&pypa)
        .expect("pypa dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    let pypa_packages: Vec<rampart_pkg::Package> = (0..5_000)
        .map(|i| rampart_pkg::Package {
            name: names[i % names.len()].clone(),
            version: ["0.1", "1.0", "2.0.1", "3.2", "10.0"][i % 5].to_string(),
            ecosystem: rampart_pkg::Ecosystem::PyPI,
            source_name: None,
            source_version: None,
            arch: None,
            location: "bench".into(),
        })
        .collect();
    group.bench_function("match_5000_pypa_packages", |b| {
        b.iter(|| black_box(match_packages_report(&pypa_db, &pypa_packages, None)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
