//! Resource names and reasons are attacker-controlled (anyone who can create a resource names it).
//! For arbitrary strings, every format must stay well-formed: HTML escaped, CSV round-trips, SARIF
//! and OCSF stay schema-valid, the table carries no control characters.

use std::path::PathBuf;

use proptest::prelude::*;
use rampart_model::Status;
use rampart_report::{render, Format, Report};
use serde_json::Value;

use crate::sample;

fn with_hostile(name: &str, reason: &str) -> Report {
    let mut report = sample::report();
    let reason_id = report.strings.intern(reason);
    for rec in &mut report.recommendations {
        for res in &mut rec.resources {
            if res.status == Status::Unhealthy {
                report.resources[res.resource as usize].name = name.into();
                res.reason = reason_id;
            }
        }
    }
    report.input.errors[0].message = reason.to_owned();
    report
}

fn out(report: &Report, f: Format) -> String {
    let mut buf = Vec::new();
    render(report, f, &mut buf).expect("render");
    String::from_utf8(buf).expect("utf-8")
}

fn validator(rel: &str) -> jsonschema::Validator {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    jsonschema::validator_for(&schema).expect("compile")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn hostile_strings_stay_contained(name in "[ -~\\x00-\\x1f\u{a0}-\u{2fff}]{0,40}", reason in "\\PC{0,60}") {
        let report = with_hostile(&name, &reason);

        let html = out(&report, Format::Html);
        // The same strings without markup characters give the page's own structure; hostile strings
        // must not add a single tag or entity to it. (A bare `contains(name)` cannot tell: the name "<"
        // occurs in every page.)
        let tame = |s: &str| s.replace(['<', '>', '&', '"', '\''], "x");
        let baseline = out(&with_hostile(&tame(&name), &tame(&reason)), Format::Html);
        for markup in ['<', '>'] {
            prop_assert_eq!(
                html.matches(markup).count(),
                baseline.matches(markup).count(),
                "unescaped {:?} in html", markup
            );
        }
        prop_assert!(!html.contains("<script"));

        let csv_text = out(&report, Format::Csv);
        let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
        let names: Vec<String> = rdr
            .records()
            .map(|r| r.expect("csv record")[11].to_owned())
            .collect();
        let guarded = if name.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{name}") } else { name.clone() };
        prop_assert!(names.contains(&guarded));

        let sarif: Value = serde_json::from_str(&out(&report, Format::Sarif)).expect("sarif json");
        prop_assert!(validator("tests/schemas/sarif-schema-2.1.0.json").is_valid(&sarif));

        let ocsf = validator("tests/schemas/ocsf-1.5.0-detection_finding-cloud.schema.json");
        for line in out(&report, Format::Ocsf).lines() {
            let event: Value = serde_json::from_str(line).expect("ocsf line");
            prop_assert!(ocsf.is_valid(&event));
        }

        let table = out(&report, Format::Table);
        prop_assert!(!table.chars().any(|c| c.is_control() && c != '\n'));
        let json = out(&report, Format::Json);
        prop_assert_eq!(&json, &(serde_json::to_string_pretty(&report).expect("serde") + "\n"));
        let back: Report = serde_json::from_str(&json).expect("json");
        prop_assert_eq!(back, report);
    }
}
