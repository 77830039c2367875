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
fn json_renderer_writes_what_serde_writes() {
    // The renderer writes results by hand for speed; the serde path is the reference.
    let mut report = sample::report();
    // Escapes at every position of an 8-byte chunk and in the tail.
    let tricky: Vec<String> = (0..17)
        .map(|i| format!("{}\"{}\u{1}\\\u{7f}é", "a".repeat(i), "b".repeat(16 - i)))
        .collect();
    for (res, name) in report.resources.iter_mut().zip(&tricky) {
        res.name = name.as_str().into();
    }
    report.recommendations[0].title = tricky[9].clone();
    assert_eq!(
        rendered(&report, Format::Json),
        serde_json::to_string_pretty(&report).expect("serde") + "\n"
    );
    let mut out = Vec::new();
    let compact = RenderOptions {
        compact_json: true,
        ..RenderOptions::default()
    };
    render_with(&report, Format::Json, &compact, &mut out).expect("render");
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        serde_json::to_string(&report).expect("serde") + "\n"
    );
    // An empty report: empty arrays are `[]` in both.
    report.recommendations.clear();
    report.resources.clear();
    report.scopes.clear();
    assert_eq!(
        rendered(&report, Format::Json),
        serde_json::to_string_pretty(&report).expect("serde") + "\n"
    );
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

#[test]
fn table_snapshot() {
    let text = rendered(&sample::report(), Format::Table);
    // The attacker-controlled name never reaches the table; control characters never do either.
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
    insta::assert_snapshot!("report_table", text);
}

#[test]
fn table_with_color_uses_ansi_and_same_text() {
    let report = sample::report();
    let options = RenderOptions {
        color: true,
        ..RenderOptions::default()
    };
    let colored = rampart_report::render_table(&report, &options);
    assert!(colored.contains("\x1b["));
    let stripped = regex_lite_strip(&colored);
    assert_eq!(stripped, rendered(&report, Format::Table));
}

/// Removes `ESC [ ... m` sequences.
fn regex_lite_strip(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn explain_snapshot() {
    let report = sample::report();
    let text = rampart_report::render_explain(&report);
    // Every scope, the aggregate and every group value are explained.
    for s in &report.scopes {
        assert!(text.contains(&s.id), "scope {} missing", s.id);
    }
    assert!(text.contains("Aggregate (all scopes)"));
    assert!(text.contains("Group tag:env = prod"));
    insta::assert_snapshot!("report_explain", text);
}

#[test]
fn csv_has_one_row_per_result_and_guards_formulas() {
    let report = sample::report();
    let text = rendered(&report, Format::Csv);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, rampart_report::CSV_HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    let expected: usize = report
        .recommendations
        .iter()
        .map(|r| r.resources.len())
        .sum();
    assert_eq!(rows.len(), expected);
    // Each row carries its resource's fields, in report order.
    let views: Vec<_> = report
        .recommendations
        .iter()
        .flat_map(|rec| report.results(rec))
        .collect();
    for (row, view) in rows.iter().zip(&views) {
        assert_eq!(row[10].trim_start_matches('\''), view.id);
        assert_eq!(row[15], *view.status.as_str());
        assert_eq!(row[17], *view.reason.unwrap_or(""));
    }
    for row in &rows {
        assert_eq!(row.len(), header.len());
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "unguarded cell {cell:?}"
            );
        }
    }
    insta::assert_snapshot!("report_csv", text);
}

#[test]
fn html_escapes_and_is_self_contained() {
    let text = rendered(&sample::report(), Format::Html);
    assert!(!text.contains("<script"), "raw script tag in html");
    assert!(text.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert!(!text.contains("<b>html</b>"));
    // No external asset or script of any kind.
    for needle in ["src=\"http", "href=\"http", "<link", "@import", "url("] {
        assert!(!text.contains(needle), "external reference {needle}");
    }
    insta::assert_snapshot!("report_html", text);
}

#[test]
fn ocsf_snapshot() {
    let text = rendered(&sample::report(), Format::Ocsf);
    insta::assert_snapshot!("report_ocsf", text);
}

#[test]
fn sarif_snapshot() {
    let text = rendered(&sample::report(), Format::Sarif);
    insta::assert_snapshot!("report_sarif", text);
}

#[test]
fn table_and_explain_neutralise_terminal_escapes() {
    let mut report = sample::report();
    report.recommendations[0].title = "evil\x1b]0;pwned\x07title".to_owned();
    report.controls[0].name = "ctl\x1b[2Jname".to_owned();
    report.scopes[0].name = Some("sub\rname".to_owned());
    let table = rendered(&report, Format::Table);
    let explain = rampart_report::render_explain(&report);
    for text in [&table, &explain] {
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "control character leaked"
        );
    }
    assert!(table.contains("evil\u{FFFD}]0;pwned\u{FFFD}title"));
}

#[test]
fn fingerprints_ignore_resource_id_case() {
    let report = sample::report();
    let mut upper = report.clone();
    for res in &mut upper.resources {
        res.id = res.id.to_uppercase().into();
    }
    let fps = |r: &Report| -> Vec<String> {
        let log: serde_json::Value =
            serde_json::from_str(&rendered(r, Format::Sarif)).expect("json");
        log["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|x| {
                x["partialFingerprints"]["rampartFinding/v1"]
                    .as_str()
                    .expect("fp")
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(fps(&report), fps(&upper));
}

#[test]
fn score_new_rounds_and_handles_zero_max() {
    let s = rampart_report::Score::new(10.0 / 3.0, 4);
    assert_eq!((s.current, s.max, s.percentage), (3.33, 4, 83.25));
    let z = rampart_report::Score::new(0.0, 0);
    assert_eq!(z.percentage, 0.0);
}

#[test]
fn html_caps_listed_resources_per_recommendation() {
    let mut report = sample::report();
    let template = report.owned_results(0)[1].clone();
    report.set_results(
        0,
        (0..250).map(|i| {
            let mut r = template.clone();
            r.id = format!("{}-{i}", template.id);
            r.name = format!("res-{i:03}");
            r
        }),
    );
    let html = rendered(&report, Format::Html);
    assert!(html.contains("res-199"));
    assert!(!html.contains("res-200"));
    assert!(html.contains("... and 50 more"));
}
