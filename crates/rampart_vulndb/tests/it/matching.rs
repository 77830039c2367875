//! Matching real advisories: RustSec (SEMVER), PyPA (ECOSYSTEM + versions), Alpine releases and
//! source packages, Go, not-assessed packages.

use rampart_pkg::Ecosystem;
use rampart_vulndb::{match_packages, match_packages_report};

use crate::common::{db_from, distro, osv, pkg};

#[test]
fn rustsec_time_range_and_fixed_version() {
    let (_d, db) = db_from(&[&osv("rustsec/crates")]);
    let hit = |v: &str| {
        match_packages(&db, &[pkg(Ecosystem::CratesIo, "time", v)], None)
            .into_iter()
            .filter(|f| f.advisory_id == "RUSTSEC-2020-0071")
            .collect::<Vec<_>>()
    };
    // introduced 0.2.7-0, fixed 0.2.23; 0.1.x affected; 0.2.0 .. 0.2.6 releases fixed.
    let f = hit("0.2.22");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].fixed_version.as_deref(), Some("0.2.23"));
    assert_eq!(f[0].aliases, ["CVE-2020-26235", "GHSA-wcg3-cvx6-7396"]);
    assert!(hit("0.2.23").is_empty());
    assert!(hit("0.3.0").is_empty());
    assert!(hit("0.2.6").is_empty());
    assert_eq!(hit("0.2.7").len(), 1);
    let f = hit("0.1.44");
    assert_eq!(f[0].fixed_version.as_deref(), Some("0.2.0"));
    insta::assert_yaml_snapshot!("rustsec_time_0_2_22", hit("0.2.22"));
}

#[test]
fn pypi_names_are_normalised_and_ranges_hold() {
    let (_d, db) = db_from(&[&osv("pypa/vulns/accesscontrol")]);
    let ids = |name: &str, v: &str| {
        let mut ids: Vec<String> = match_packages(&db, &[pkg(Ecosystem::PyPI, name, v)], None)
            .into_iter()
            .map(|f| f.advisory_id)
            .collect();
        ids.dedup();
        ids
    };
    // PYSEC-2021-335: ECOSYSTEM 4.0..4.3 and 5.0..5.2.
    assert!(ids("AccessControl", "4.2").contains(&"PYSEC-2021-335".to_string()));
    assert!(
        ids("access_control", "4.2").is_empty(),
        "different project name"
    );
    assert!(ids("Access.Control", "5.1").is_empty());
    assert!(ids("accesscontrol", "5.1").contains(&"PYSEC-2021-335".to_string()));
    assert!(!ids("accesscontrol", "4.3").contains(&"PYSEC-2021-335".to_string()));
    assert!(!ids("accesscontrol", "5.2").contains(&"PYSEC-2021-335".to_string()));
    assert!(!ids("accesscontrol", "3.9").contains(&"PYSEC-2021-335".to_string()));
}

#[test]
fn alpine_uses_release_and_origin() {
    let (_d, db) = db_from(&[&osv("schema/osv-linter-testdata/CVE-2018-5407.json")]);
    let mut libssl = pkg(Ecosystem::Alpine, "libssl1.0", "1.0.2p-r0");
    libssl.source_name = Some("openssl".into());
    let d38 = distro("alpine", "3.8.1");
    let f = match_packages(&db, std::slice::from_ref(&libssl), Some(&d38));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].advisory_id, "CVE-2018-5407");
    assert_eq!(f[0].package, "libssl1.0");
    assert_eq!(f[0].advisory_package, "openssl");
    assert_eq!(f[0].fixed_version.as_deref(), Some("1.0.2q-r0"));
    libssl.version = "1.0.2q-r0".into();
    assert!(match_packages(&db, std::slice::from_ref(&libssl), Some(&d38)).is_empty());
    // A release the database has nothing for: not assessed, not clean.
    libssl.version = "1.0.2p-r0".into();
    let r = match_packages_report(
        &db,
        std::slice::from_ref(&libssl),
        Some(&distro("alpine", "3.19.0")),
    );
    assert!(r.findings.is_empty());
    assert_eq!(r.not_assessed.len(), 1);
    assert!(
        r.not_assessed[0].reason.contains("Alpine:3.19"),
        "{}",
        r.not_assessed[0].reason
    );
    // No distribution at all.
    let r = match_packages_report(&db, std::slice::from_ref(&libssl), None);
    assert_eq!(r.not_assessed.len(), 1);
}

#[test]
fn go_semver_and_last_affected() {
    let (_d, db) = db_from(&[&osv("schema/osv-linter-testdata/GO-2020-0001.json")]);
    let go = |v: &str| {
        match_packages(
            &db,
            &[pkg(Ecosystem::Go, "github.com/gin-gonic/gin", v)],
            None,
        )
    };
    assert_eq!(go("v1.5.0").len(), 1);
    assert_eq!(go("1.5.0")[0].fixed_version.as_deref(), Some("1.6.0"));
    assert_eq!(go("v0.0.0-20190101000000-abcdefabcdef").len(), 1);
    assert!(go("v1.6.0").is_empty());
    assert!(go("v1.6.0+incompatible").is_empty());
}

#[test]
fn osv_range_semantics_on_synthetic_records() {
    use rampart_vulndb::Importer;
    let record = serde_json::json!({
        "id": "x_TEST-1", "modified": "2024-01-01T00:00:00Z",
        "affected": [{
            "package": {"ecosystem": "Debian:12", "name": "openssl"},
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"last_affected": "1.2"}]},
                {"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.1"}, {"introduced": "3.0~rc1"}]},
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"limit": "0.5"}]},
                {"type": "GIT", "repo": "https://example.com/x", "events": [{"introduced": "0"}, {"fixed": "0123456789012345678901234567890123456789"}]}
            ],
            "versions": ["1.9.9"]
        }]
    });
    let dir = tempfile::tempdir().unwrap();
    let mut imp = Importer::new();
    imp.add_document("t.json", &serde_json::to_vec(&record).unwrap());
    let s = imp.write(dir.path()).unwrap();
    assert_eq!(s.invalid, 0, "{:?}", s.invalid_examples);
    assert_eq!(s.git_ranges_skipped, 1);
    let db = rampart_vulndb::Database::open(dir.path()).unwrap();
    let d = distro("debian", "12");
    let check = |v: &str| {
        let mut p = pkg(Ecosystem::Debian, "libssl3", v);
        p.source_name = Some("openssl".into());
        match_packages(&db, &[p], Some(&d))
            .first()
            .map(|f| f.fixed_version.clone())
    };
    assert_eq!(
        check("0.9"),
        None,
        "below introduced 1.0 and not below limit 0.5"
    );
    assert_eq!(check("0.4"), Some(None), "introduced 0 with limit 0.5");
    assert_eq!(check("1.0"), Some(None));
    assert_eq!(check("1.2"), Some(None), "last_affected is inclusive");
    assert_eq!(check("1.2-1"), None);
    assert_eq!(check("1.9.9"), Some(None), "explicit versions list");
    assert_eq!(check("2.0.5"), Some(Some("2.1".into())));
    assert_eq!(check("2.1"), None, "fixed is exclusive");
    assert_eq!(check("3.0~beta"), None, "dpkg: ~beta < ~rc1");
    assert_eq!(check("3.0~rc1"), Some(None));
    assert_eq!(
        check("9:0.1"),
        Some(None),
        "epoch 9 is above every range start"
    );
    // The binary package's own version is not what Debian advisories key by.
    let mut p = pkg(Ecosystem::Debian, "libssl3", "2.1");
    p.source_name = Some("openssl".into());
    p.source_version = Some("2.0.5".into());
    assert_eq!(match_packages(&db, &[p], Some(&d)).len(), 1);
}
