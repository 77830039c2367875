//! Integration tests of rampart_sbom: purls per ecosystem (the purl spec's own examples), CycloneDX
//! output validated against the official CycloneDX 1.5 and 1.6 JSON schemas, the round trip
//! (out → in gives the same packages), real documents in (the CycloneDX specification's test BOMs,
//! the SPDX 2.3 example, a Trivy SPDX SBOM of a real image), and errors that name the field.

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use rampart_pkg::{Distro, Ecosystem, Package};
use rampart_sbom::purl::{package_purl, purl_package, Purl};
use rampart_sbom::{
    read, to_cyclonedx, SbomError, SbomFormat, SpecVersion, Subject, SubjectKind, WriteOptions,
};
use serde_json::Value;

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

fn text(path: &str) -> String {
    std::fs::read_to_string(data(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn pkg(name: &str, version: &str, ecosystem: Ecosystem, arch: Option<&str>) -> Package {
    Package {
        name: name.to_owned(),
        version: version.to_owned(),
        ecosystem,
        source_name: None,
        source_version: None,
        arch: arch.map(str::to_owned),
        location: "var/lib/dpkg/status".to_owned(),
    }
}

fn debian() -> Distro {
    Distro {
        id: "debian".to_owned(),
        id_like: Vec::new(),
        version_id: Some("12".to_owned()),
        codename: Some("bookworm".to_owned()),
        pretty_name: Some("Debian GNU/Linux 12 (bookworm)".to_owned()),
    }
}

/// One package of every ecosystem, with the awkward cases: dpkg epoch, rpm epoch, npm scope, Go
/// module path, Maven coordinates, a PyPI name that the purl normalises, `+` in a name.
fn packages() -> Vec<Package> {
    let mut openssl = pkg(
        "openssl",
        "3.0.11-1~deb12u2",
        Ecosystem::Debian,
        Some("amd64"),
    );
    openssl.source_name = Some("openssl".to_owned());
    let mut gpp = pkg("g++", "4:12.2.0-3", Ecosystem::Debian, Some("amd64"));
    gpp.source_name = Some("gcc-defaults".to_owned());
    gpp.source_version = Some("1.203".to_owned());
    vec![
        openssl,
        gpp,
        pkg("musl", "1.2.4-r2", Ecosystem::Alpine, Some("x86_64")),
        pkg("bash", "1:5.1.8-6.el9", Ecosystem::Rpm, Some("x86_64")),
        pkg("Django_REST.framework", "3.14.0", Ecosystem::PyPI, None),
        pkg("@angular/core", "17.0.0", Ecosystem::Npm, None),
        pkg("lodash", "4.17.21", Ecosystem::Npm, None),
        pkg("serde", "1.0.193", Ecosystem::CratesIo, None),
        pkg("github.com/gorilla/mux", "v1.8.0", Ecosystem::Go, None),
        pkg(
            "org.apache.logging.log4j:log4j-core",
            "2.14.1",
            Ecosystem::Maven,
            None,
        ),
        pkg("rails", "7.1.2", Ecosystem::RubyGems, None),
        pkg("laravel/framework", "10.0.0", Ecosystem::Packagist, None),
    ]
}

fn subject() -> Subject {
    Subject {
        name: "registry.example.com/library/web".to_owned(),
        version: Some("1.0".to_owned()),
        kind: SubjectKind::Container,
        digest: Some(format!("sha256:{}", "ab".repeat(32))),
    }
}

fn options(spec: SpecVersion) -> WriteOptions {
    WriteOptions {
        spec,
        serial_number: Some("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79".to_owned()),
        timestamp: Utc.with_ymd_and_hms(2026, 11, 29, 22, 0, 0).single(),
        tool_version: "0.1.0".to_owned(),
    }
}

/// The official CycloneDX schema of `version`, with its SPDX and JSF sub-schemas served locally.
fn cyclonedx_validator(version: &str) -> jsonschema::Validator {
    struct Local;
    impl jsonschema::Retrieve for Local {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            let name = uri.as_str().rsplit('/').next().unwrap_or_default();
            let name = name.split('#').next().unwrap_or_default();
            let text = std::fs::read_to_string(data(&format!("cyclonedx-schema/{name}")))?;
            Ok(serde_json::from_str(&text)?)
        }
    }
    let schema: Value = serde_json::from_str(&text(&format!(
        "cyclonedx-schema/bom-{version}.SNAPSHOT.schema.json"
    )))
    .expect("schema");
    jsonschema::options()
        .with_retriever(Local)
        .build(&schema)
        .expect("the CycloneDX schema compiles")
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn purls_per_ecosystem() {
    let d = debian();
    let lines: Vec<String> = packages()
        .iter()
        .map(|p| {
            let distro = match p.ecosystem {
                Ecosystem::Alpine => Some(Distro {
                    id: "alpine".to_owned(),
                    version_id: Some("3.19.1".to_owned()),
                    ..Distro::default()
                }),
                Ecosystem::Rpm => Some(Distro {
                    id: "rocky".to_owned(),
                    version_id: Some("9.3".to_owned()),
                    ..Distro::default()
                }),
                _ => Some(d.clone()),
            };
            package_purl(p, distro.as_ref()).to_string_canonical()
        })
        .collect();
    assert_eq!(
        lines,
        [
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
            "pkg:deb/debian/g%2B%2B@4:12.2.0-3?arch=amd64&distro=debian-12",
            "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1",
            "pkg:rpm/rocky/bash@5.1.8-6.el9?arch=x86_64&distro=rocky-9.3&epoch=1",
            "pkg:pypi/django-rest-framework@3.14.0",
            "pkg:npm/%40angular/core@17.0.0",
            "pkg:npm/lodash@4.17.21",
            "pkg:cargo/serde@1.0.193",
            "pkg:golang/github.com/gorilla/mux@v1.8.0",
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
            "pkg:gem/rails@7.1.2",
            "pkg:composer/laravel/framework@10.0.0",
        ]
    );
}

#[test]
fn purl_spec_examples_parse() {
    // Examples from the purl specification's README and type definitions.
    let cases = [
        (
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
            Ecosystem::Debian,
            "curl",
            "7.50.3-1",
        ),
        (
            "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25",
            Ecosystem::Rpm,
            "curl",
            "7.50.3-1.fc25",
        ),
        (
            "pkg:rpm/opensuse/curl@7.56.1-1.1.?arch=i386&distro=opensuse-tumbleweed&epoch=1",
            Ecosystem::Rpm,
            "curl",
            "1:7.56.1-1.1.",
        ),
        (
            "pkg:npm/%40angular/animation@12.3.1",
            Ecosystem::Npm,
            "@angular/animation",
            "12.3.1",
        ),
        ("pkg:npm/foobar@12.3.1", Ecosystem::Npm, "foobar", "12.3.1"),
        (
            "pkg:pypi/django@1.11.1",
            Ecosystem::PyPI,
            "django",
            "1.11.1",
        ),
        (
            "pkg:golang/google.golang.org/genproto#googleapis/api/annotations",
            Ecosystem::Go,
            "",
            "",
        ),
        (
            "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?packaging=sources",
            Ecosystem::Maven,
            "org.apache.xmlgraphics:batik-anim",
            "1.9.1",
        ),
        (
            "pkg:gem/ruby-advisory-db-check@0.12.4",
            Ecosystem::RubyGems,
            "ruby-advisory-db-check",
            "0.12.4",
        ),
        ("pkg:cargo/rand@0.7.2", Ecosystem::CratesIo, "rand", "0.7.2"),
        (
            "pkg:composer/laravel/laravel@5.5.0",
            Ecosystem::Packagist,
            "laravel/laravel",
            "5.5.0",
        ),
        (
            "pkg:apk/alpine/curl@7.83.0-r0?arch=x86",
            Ecosystem::Alpine,
            "curl",
            "7.83.0-r0",
        ),
        (
            "pkg:deb/ubuntu/dpkg@1.19.0.4?arch=amd64",
            Ecosystem::Ubuntu,
            "dpkg",
            "1.19.0.4",
        ),
    ];
    for (text, eco, name, version) in cases {
        let purl = Purl::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        match purl_package(&purl, text) {
            Ok(Some(p)) => {
                assert_eq!(
                    (p.ecosystem, p.name.as_str(), p.version.as_str()),
                    (eco, name, version),
                    "{text}"
                );
            }
            // A purl without a version is not a package Rampart can match.
            Err(e) => assert!(version.is_empty(), "{text}: {e}"),
            Ok(None) => panic!("{text}: not read as a package"),
        }
    }
    assert_eq!(
        purl_package(
            &Purl::parse(
                "pkg:oci/debian@sha256%3A244fd47e07d1?repository_url=docker.io/library/debian"
            )
            .expect("oci"),
            ""
        )
        .expect("ok"),
        None
    );
    for bad in [
        "npm/foo@1",
        "pkg:",
        "pkg:npm",
        "pkg:npm/",
        "pkg:npm/foo%zz@1",
        "pkg:npm/foo@1?x",
    ] {
        assert!(Purl::parse(bad).is_err(), "{bad} parsed");
    }
}

#[test]
fn cyclonedx_output_is_valid_against_the_official_schemas() {
    for (spec, version) in [(SpecVersion::V1_6, "1.6"), (SpecVersion::V1_5, "1.5")] {
        let doc =
            to_cyclonedx(&packages(), Some(&debian()), &subject(), &options(spec)).expect("write");
        let validator = cyclonedx_validator(version);
        assert_eq!(
            errors(&validator, &doc),
            Vec::<String>::new(),
            "CycloneDX {version}"
        );
        assert_eq!(doc["specVersion"], version);
    }
    // A machine subject, no distro, no serial, no timestamp: still valid.
    let machine = Subject {
        name: "web-01".to_owned(),
        version: None,
        kind: SubjectKind::Machine,
        digest: None,
    };
    let mut opts = options(SpecVersion::V1_6);
    opts.serial_number = None;
    opts.timestamp = None;
    let doc = to_cyclonedx(&packages()[5..], None, &machine, &opts).expect("write");
    assert_eq!(
        errors(&cyclonedx_validator("1.6"), &doc),
        Vec::<String>::new()
    );
    let doc = to_cyclonedx(
        &packages(),
        Some(&debian()),
        &subject(),
        &options(SpecVersion::V1_6),
    )
    .expect("write");
    insta::assert_json_snapshot!("cyclonedx_1_6", doc);
}

#[test]
fn the_schema_check_can_fail() {
    // The specification's own invalid documents are rejected and its valid ones accepted, so the
    // validator above is really checking.
    let validator = cyclonedx_validator("1.6");
    for name in [
        "invalid-serialnumber-1.6.json",
        "invalid-component-type-1.6.json",
    ] {
        let doc: Value = serde_json::from_str(&text(&format!("samples/{name}"))).expect("json");
        assert!(!errors(&validator, &doc).is_empty(), "{name} accepted");
    }
    for name in ["valid-bom-1.6.json", "valid-component-identifiers-1.6.json"] {
        let doc: Value = serde_json::from_str(&text(&format!("samples/{name}"))).expect("json");
        assert_eq!(errors(&validator, &doc), Vec::<String>::new(), "{name}");
    }
    let mut doc = to_cyclonedx(
        &packages(),
        Some(&debian()),
        &subject(),
        &options(SpecVersion::V1_6),
    )
    .expect("write");
    doc["components"][1]["type"] = Value::from("not-a-type");
    assert!(!errors(&validator, &doc).is_empty());
}

#[test]
fn round_trip_gives_the_same_packages() {
    let mut expected = packages();
    // The same package found twice in one place is one component.
    let mut input = expected.clone();
    input.push(expected[0].clone());
    let doc = to_cyclonedx(
        &input,
        Some(&debian()),
        &subject(),
        &options(SpecVersion::V1_6),
    )
    .expect("write");
    let text = serde_json::to_string_pretty(&doc).expect("json");
    let sbom = read(&text, "web.cdx.json").expect("read back");
    assert_eq!(sbom.format, SbomFormat::CycloneDx);
    assert_eq!(
        sbom.subject.as_deref(),
        Some("registry.example.com/library/web")
    );
    let distro = sbom.distro.clone().expect("distro");
    assert_eq!(
        (distro.id.as_str(), distro.version_id.as_deref()),
        ("debian", Some("12"))
    );
    let mut got = sbom.packages.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    assert!(sbom.skipped.is_empty(), "{:?}", sbom.skipped);
}

#[test]
fn reads_the_cyclonedx_specifications_example_bom() {
    let sbom = read(&text("samples/valid-bom-1.6.json"), "valid-bom-1.6.json").expect("read");
    let got: Vec<(String, String)> = sbom
        .packages
        .iter()
        .map(|p| {
            (
                format!("{:?}", p.ecosystem),
                format!("{}@{}", p.name, p.version),
            )
        })
        .collect();
    insta::assert_debug_snapshot!("cyclonedx_example", (got, &sbom.skipped, &sbom.subject));
}

#[test]
fn reads_the_spdx_2_3_example_and_a_real_trivy_spdx_sbom() {
    let example = read(
        &text("samples/SPDXJSONExample-v2.3.spdx.json"),
        "example.spdx.json",
    )
    .expect("read");
    assert_eq!(example.format, SbomFormat::Spdx);
    let names: Vec<String> = example
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    assert_eq!(names, ["org.apache.jena:apache-jena@3.12.0"]);
    assert_eq!(example.packages[0].ecosystem, Ecosystem::Maven);
    // The other packages have no purl and are listed as skipped, not dropped silently.
    assert_eq!(example.skipped.len(), 3, "{:?}", example.skipped);

    let trivy = read(
        &text("samples/trivy-fluentd.spdx.json"),
        "trivy-fluentd.spdx.json",
    )
    .expect("read");
    let deb = trivy
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Debian)
        .count();
    let gem = trivy
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::RubyGems)
        .count();
    assert_eq!((deb, gem), (420, 91));
    let d = trivy.distro.clone().expect("distro from the deb purls");
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("debian", Some("10.8"))
    );
    // Trivy leaves `+` unencoded in `g++`; the epoch stays in the dpkg version; sourceInfo gives
    // the source package.
    let gpp = trivy
        .packages
        .iter()
        .find(|p| p.name == "g++")
        .expect("g++");
    assert_eq!(gpp.version, "4:8.3.0-1");
    assert_eq!(gpp.source_name.as_deref(), Some("gcc-defaults"));
    assert_eq!(gpp.source_version.as_deref(), Some("1.181"));
    // The image itself (pkg:oci) and the purl-less OS / application entries are skipped with a reason.
    assert!(
        trivy.skipped.iter().any(|s| s.reason.contains("`oci`")),
        "{:?}",
        trivy.skipped
    );
    assert_eq!(trivy.packages.len() + trivy.skipped.len(), 514);
}

#[test]
fn bad_input_names_the_field() {
    let cases: [(&str, &str); 9] = [
        ("not json", "invalid JSON at line 1"),
        ("[]", "not a CycloneDX"),
        (r#"{"bomFormat":"SPDX"}"#, "field bomFormat"),
        (r#"{"bomFormat":"CycloneDX","specVersion":"2.0"}"#, "unsupported version `2.0`"),
        (r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":{}}"#, "field components: expected an array"),
        (
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"x","purl":"npm/x@1"}]}"#,
            "field components[0].purl: package URL `npm/x@1`: does not start with `pkg:`",
        ),
        (
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"a","components":[{"name":"b","purl":7}]}]}"#,
            "field components[0].components[0].purl: expected a string",
        ),
        (
            r#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"x","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:pypi/x"}]}]}"#,
            "field packages[0].externalRefs[0].referenceLocator: package URL `pkg:pypi/x`: no version",
        ),
        (r#"{"spdxVersion":"SPDX-3.0"}"#, "unsupported version `SPDX-3.0`"),
    ];
    for (input, expected) in cases {
        let err: SbomError = read(input, "in.json").expect_err(input);
        let msg = err.to_string();
        assert!(
            msg.starts_with("in.json") || msg.contains("in.json"),
            "{msg}"
        );
        assert!(msg.contains(expected), "{input}: {msg}");
    }
    // A bad serial number is refused on output too.
    let mut opts = options(SpecVersion::V1_6);
    opts.serial_number = Some("urn:uuid:NOT-A-UUID".to_owned());
    assert!(to_cyclonedx(&packages(), None, &subject(), &opts).is_err());
}
