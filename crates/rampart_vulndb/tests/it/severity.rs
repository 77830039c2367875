//! CVSS base scores against published scores (NVD / FIRST calculator examples) and the
//! severity precedence.

use rampart_vulndb::{cvss_base_score, Severity};

#[test]
fn cvss_v3_base_scores() {
    for (vector, score) in [
        // CVE-2021-44228 (log4shell) is 10.0 with S:C; the plain network RCE is 9.8.
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 5.5),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N", 4.7),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
        ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0),
    ] {
        assert_eq!(cvss_base_score(vector), Some(score), "{vector}");
    }
}

#[test]
fn cvss_v4_base_scores() {
    for (vector, score) in [
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            9.3,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
            10.0,
        ),
        (
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            8.5,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
            6.9,
        ),
        // Threat metrics do not change the base score.
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
            9.3,
        ),
    ] {
        assert_eq!(cvss_base_score(vector), Some(score), "{vector}");
    }
    assert_eq!(cvss_base_score("CVSS:4.0/AV:N"), None);
    assert_eq!(
        cvss_base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"),
        None,
        "v2 is not scored"
    );
}

#[test]
fn ratings() {
    assert_eq!(Severity::from_score(9.0), Severity::Critical);
    assert_eq!(Severity::from_score(8.9), Severity::High);
    assert_eq!(Severity::from_score(7.0), Severity::High);
    assert_eq!(Severity::from_score(6.9), Severity::Medium);
    assert_eq!(Severity::from_score(4.0), Severity::Medium);
    assert_eq!(Severity::from_score(3.9), Severity::Low);
    assert_eq!(Severity::from_label("MODERATE"), Some(Severity::Medium));
    assert_eq!(Severity::from_label("unimportant"), None);
}

#[test]
fn distribution_rating_wins_for_os_packages_cvss_for_language_packages() {
    use rampart_pkg::Ecosystem;
    let rec = |id: &str, eco: &str, name: &str| {
        serde_json::json!({
            "id": id, "modified": "2024-01-01T00:00:00Z",
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "database_specific": {"severity": "LOW"},
            "affected": [{
                "package": {"ecosystem": eco, "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9"}]}],
                "ecosystem_specific": {"urgency": "low"}
            }]
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let mut imp = rampart_vulndb::Importer::new();
    imp.add_document(
        "a.json",
        &serde_json::to_vec(&rec("x_T-a", "Debian:12", "zlib")).unwrap(),
    );
    imp.add_document(
        "b.json",
        &serde_json::to_vec(&rec("x_T-b", "PyPI", "zlib")).unwrap(),
    );
    let s = imp.write(dir.path()).unwrap();
    assert_eq!(s.invalid, 0, "{:?}", s.invalid_examples);
    let db = rampart_vulndb::Database::open(dir.path()).unwrap();
    let d = crate::common::distro("debian", "12");
    let f = rampart_vulndb::match_packages(
        &db,
        &[
            crate::common::pkg(Ecosystem::Debian, "zlib", "1"),
            crate::common::pkg(Ecosystem::PyPI, "zlib", "1"),
        ],
        Some(&d),
    );
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].severity, Some(Severity::Low));
    assert_eq!(
        f[0].severity_source.as_ref().unwrap().describe(),
        "debian urgency: low"
    );
    assert_eq!(f[1].severity, Some(Severity::Critical));
    assert_eq!(
        f[1].severity_source.as_ref().unwrap().describe(),
        "CVSS:3.1 9.8"
    );
}

#[test]
fn ubuntu_priority_in_record_severity_wins_over_cvss() {
    use rampart_pkg::Ecosystem;
    let rec = serde_json::json!({
        "id": "UBUNTU-CVE-2024-0001", "modified": "2024-01-01T00:00:00Z",
        "severity": [
            {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
            {"type": "Ubuntu", "score": "medium"}
        ],
        "affected": [{
            "package": {"ecosystem": "Ubuntu:22.04:LTS", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.2-0ubuntu1.15"}]}]
        }]
    });
    let dir = tempfile::tempdir().unwrap();
    let mut imp = rampart_vulndb::Importer::new();
    imp.add_document("u.json", &serde_json::to_vec(&rec).unwrap());
    let s = imp.write(dir.path()).unwrap();
    assert_eq!(s.invalid, 0, "{:?}", s.invalid_examples);
    let db = rampart_vulndb::Database::open(dir.path()).unwrap();
    let mut p = crate::common::pkg(Ecosystem::Ubuntu, "libssl3", "3.0.2-0ubuntu1.14");
    p.source_name = Some("openssl".into());
    let d = crate::common::distro("ubuntu", "22.04");
    let f = rampart_vulndb::match_packages(&db, std::slice::from_ref(&p), Some(&d));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Some(Severity::Medium));
    assert_eq!(
        f[0].severity_source.as_ref().unwrap().describe(),
        "ubuntu priority: medium"
    );
    assert_eq!(f[0].fixed_version.as_deref(), Some("3.0.2-0ubuntu1.15"));
    p.version = "3.0.2-0ubuntu1.15".into();
    assert!(rampart_vulndb::match_packages(&db, &[p], Some(&d)).is_empty());
}
