//! Import of the real OSV records: counts, schema failures skipped and counted, incremental
//! re-import, zips, withdrawn records.

use std::io::Write;

use rampart_vulndb::{Database, Importer};

use crate::common::osv;

#[test]
fn rustsec_imports_every_record_except_withdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let stats = rampart_vulndb::import(&[&osv("rustsec/crates")], dir.path()).unwrap();
    // README: 1206 records, all valid, 13 withdrawn.
    assert_eq!(stats.documents, 1206);
    assert_eq!(stats.invalid, 0, "{:?}", stats.invalid_examples);
    assert_eq!(stats.withdrawn, 13);
    assert_eq!(stats.imported, 1206 - 13);
    assert_eq!(stats.total, 1206 - 13);
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.len(), 1193);
    assert_eq!(db.meta().ecosystems.get("crates.io"), Some(&1193));

    // Importing the same data again changes nothing.
    let again = rampart_vulndb::import(&[&osv("rustsec/crates")], dir.path()).unwrap();
    assert_eq!(again.imported, 0);
    assert_eq!(again.unchanged, 1193);
    assert_eq!(again.total, 1193);
}

#[test]
fn pypa_yaml_skips_the_seven_schema_failures() {
    let dir = tempfile::tempdir().unwrap();
    let stats = rampart_vulndb::import(&[&osv("pypa/vulns")], dir.path()).unwrap();
    assert_eq!(stats.documents, 2661);
    assert_eq!(stats.invalid, 7);
    let mut bad: Vec<String> = stats
        .invalid_examples
        .iter()
        .map(|(doc, _)| {
            let file = doc.rsplit('/').next().unwrap();
            file.trim_end_matches(".yaml").to_string()
        })
        .collect();
    bad.sort();
    // README: all seven have GIT `fixed` values that are not full commit hashes.
    assert_eq!(
        bad,
        [
            "PYSEC-2017-27",
            "PYSEC-2019-155",
            "PYSEC-2021-371",
            "PYSEC-2021-424",
            "PYSEC-2021-425",
            "PYSEC-2021-436",
            "PYSEC-2023-80"
        ]
    );
    assert!(stats
        .invalid_examples
        .iter()
        .all(|(_, e)| e.contains("schema")));
    assert_eq!(stats.withdrawn, 10);
    assert_eq!(stats.total, 2661 - 7 - 10);
    // 1391 GIT ranges in the data; those in the 7 invalid records are not counted.
    assert!(stats.git_ranges_skipped > 1300 && stats.git_ranges_skipped <= 1391);
}

#[test]
fn linter_testdata_only_the_no_introduced_record_fails_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let stats = rampart_vulndb::import(&[&osv("schema/osv-linter-testdata")], dir.path()).unwrap();
    assert_eq!(stats.documents, 12);
    assert_eq!(stats.invalid, 1);
    assert!(stats.invalid_examples[0]
        .0
        .ends_with("nointroduced-CVE-2023-41045.json"));
    let ghsa = rampart_vulndb::import(&[&osv("schema/ghsa-testdata")], dir.path()).unwrap();
    // The .osv.json outputs validate; the GHSA inputs are not OSV and fail.
    assert_eq!(ghsa.documents, 22);
    assert_eq!(ghsa.invalid, 11);
    assert!(ghsa
        .invalid_examples
        .iter()
        .all(|(d, _)| !d.ends_with(".osv.json")));
}

#[test]
fn zip_import_and_incremental_update_by_modified() {
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("all.zip");
    let a = std::fs::read(osv("rustsec/crates/RUSTSEC-2020-0071.json")).unwrap();
    let b = std::fs::read(osv("rustsec/crates/RUSTSEC-2016-0001.json")).unwrap();
    write_zip(
        &zip_path,
        &[
            ("RUSTSEC-2020-0071.json", &a),
            ("RUSTSEC-2016-0001.json", &b),
            ("notes.txt", b"x"),
        ],
    );
    let db_dir = tmp.path().join("db");
    let s = rampart_vulndb::import(&[&zip_path], &db_dir).unwrap();
    assert_eq!((s.documents, s.imported, s.total), (2, 2, 2));

    // A newer `modified` replaces; an older one is ignored.
    let mut rec: serde_json::Value = serde_json::from_slice(&a).unwrap();
    rec["summary"] = "newer".into();
    rec["modified"] = "2099-01-01T00:00:00Z".into();
    let mut imp = Importer::new();
    imp.add_document("new.json", &serde_json::to_vec(&rec).unwrap());
    let s = imp.write(&db_dir).unwrap();
    assert_eq!((s.imported, s.total), (1, 2));
    rec["summary"] = "older".into();
    rec["modified"] = "2000-01-01T00:00:00Z".into();
    let mut imp = Importer::new();
    imp.add_document("old.json", &serde_json::to_vec(&rec).unwrap());
    let s = imp.write(&db_dir).unwrap();
    assert_eq!((s.imported, s.unchanged, s.total), (0, 1, 2));
    let db = Database::open(&db_dir).unwrap();
    let pkgs = [crate::common::pkg(
        rampart_pkg::Ecosystem::CratesIo,
        "time",
        "0.2.22",
    )];
    let f = rampart_vulndb::match_packages(&db, &pkgs, None);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].summary.as_deref(), Some("newer"));

    // Withdrawing removes it.
    rec["withdrawn"] = "2099-02-01T00:00:00Z".into();
    rec["modified"] = "2099-02-01T00:00:00Z".into();
    let mut imp = Importer::new();
    imp.add_document("withdrawn.json", &serde_json::to_vec(&rec).unwrap());
    let s = imp.write(&db_dir).unwrap();
    assert_eq!((s.withdrawn, s.total), (1, 1));
}

#[test]
fn corrupt_inputs_give_errors_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let bad_zip = tmp.path().join("bad.zip");
    std::fs::write(&bad_zip, b"PK\x03\x04 not really").unwrap();
    let err = rampart_vulndb::import(&[&bad_zip], &tmp.path().join("db")).unwrap_err();
    assert!(err.to_string().contains("bad.zip"), "{err}");

    let db_dir = tmp.path().join("db2");
    std::fs::create_dir_all(&db_dir).unwrap();
    std::fs::write(db_dir.join("advisories.bin"), b"\xff\xff\xff").unwrap();
    let err = Database::open(&db_dir).unwrap_err();
    assert!(err.to_string().contains("advisories.bin"), "{err}");

    let err = Database::open(&tmp.path().join("missing")).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");

    // A document that is not JSON is counted, not fatal.
    let mut imp = Importer::new();
    imp.add_document("x.json", b"{not json");
    assert_eq!(imp.stats().invalid, 1);
}

pub(crate) fn write_zip(path: &std::path::Path, entries: &[(&str, &[u8])]) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        z.start_file(*name, opts).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap();
}
