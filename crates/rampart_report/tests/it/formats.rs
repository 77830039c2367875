//! Each format rendered from the sample report, snapshotted; plus format-specific invariants.

use rampart_report::{render, render_with, Format, RenderOptions, Report};

use crate::sample;

pub(crate) fn rendered(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    render(report, format, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn json_round_trips_and_snapshots() {
    let report = sample::report();
    let text = rendered(&report, Format::Json);
    let back: Report = serde_json::from_str(&text).expect("parse back");
    assert_eq!(back, report);
    insta::assert_snapshot!("report_json", text);
}

#[test]
fn compact_json_is_one_line() {
    let report = sample::report();
    let mut out = Vec::new();
    let options = RenderOptions {
        compact_json: true,
        ..RenderOptions::default()
    };
    render_with(&report, Format::Json, &options, &mut out).expect("render");
    let text = String::from_utf8(out).expect("utf-8");
    assert_eq!(text.lines().count(), 1);
    assert_eq!(
        serde_json::from_str::<Report>(&text).expect("parse"),
        report
    );
}

#[test]
fn format_names_parse() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>().expect("parse"), f);
    }
    assert!("xml".parse::<Format>().is_err());
}
