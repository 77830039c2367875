//! The JSON renderer's parallel path: big arrays cut into chunks rendered on worker threads and
//! written in order must give exactly the single-threaded bytes, which are serde's. Tiny chunks make a
//! small report span many of them, so chunk boundaries fall everywhere: inside a recommendation's
//! results, on results with sub-assessments, beside empty arrays, across the top-level `resources`.

use std::io::{self, Write};

use rampart_model::{Cause, Provider, Status};
use rampart_report::{render_json_chunked, RenderOptions, Report, ResourceResult};

use crate::findings::report_with_findings;

/// Strings needing every kind of escape, at every offset of an 8-byte word and in the tail.
fn hostile(i: usize) -> String {
    format!(
        "{}\"{}\u{1}\\\n\u{1f}é\u{2028}{}",
        "a".repeat(i % 17),
        "b".repeat(16 - i % 17),
        "<\t/>".repeat(i % 3)
    )
}

/// The findings report (sample plus a container-image recommendation with sub-assessments) with
/// `extra` more results on each recommendation: hostile ids, names, types, scopes, regions, resource
/// groups and reasons, every status and cause,
/// a copy of a result with findings every 13th; then an empty recommendation in the middle.
fn big_report(extra: usize) -> Report {
    let mut report = report_with_findings();
    let with_findings = report
        .recommendations
        .iter()
        .enumerate()
        .find_map(|(i, _)| {
            report
                .owned_results(i)
                .into_iter()
                .find(|r| !r.sub_assessments.is_empty())
        })
        .expect("a result with findings");
    for rec in 0..report.recommendations.len() {
        let mut results = report.owned_results(rec);
        for i in 0..extra {
            let (status, cause) = match i % 4 {
                0 => (Status::Healthy, None),
                1 => (Status::Unhealthy, None),
                2 => (Status::NotApplicable, Some(Cause::Exempt)),
                _ => (Status::NotApplicable, Some(Cause::NotAssessed)),
            };
            let mut result = if i % 13 == 0 {
                with_findings.clone()
            } else {
                ResourceResult {
                    id: if i % 11 == 0 {
                        format!(
                            "/subscriptions/s/resourceGroups/rg/providers/x/y/{}",
                            hostile(i)
                        )
                    } else {
                        format!("/subscriptions/s/resourceGroups/rg/providers/x/y/r{i}")
                    },
                    name: if i % 2 == 0 {
                        hostile(i)
                    } else {
                        format!("plain-{i}")
                    },
                    // Interned strings (type, scope, region) hostile too: the string table answers
                    // their escape test once.
                    resource_type: if i % 10 == 0 {
                        hostile(i + 1)
                    } else {
                        "microsoft.compute/virtualmachines".to_owned()
                    },
                    scope: if i % 9 == 0 {
                        hostile(i + 2)
                    } else {
                        "s".to_owned()
                    },
                    provider: Provider::Azure,
                    region: (i % 5 != 0).then(|| {
                        if i % 3 == 0 {
                            hostile(i + 4)
                        } else {
                            "westeurope".to_owned()
                        }
                    }),
                    resource_group: (i % 7 != 0).then(|| format!("rg-{}", hostile(i + 3))),
                    status,
                    cause,
                    reason: None,
                    sub_assessments: Vec::new(),
                }
            };
            result.status = status;
            result.cause = cause;
            result.reason = match i % 3 {
                0 => None,
                1 => Some(hostile(i + 5)),
                _ => Some(format!("reason {i}")),
            };
            results.push(result);
        }
        report.set_results(rec, results);
    }
    let mut empty = report.recommendations[0].clone();
    empty.id = "empty".to_owned();
    empty.title = hostile(4);
    empty.resources.clear();
    empty.sub_assessments.clear();
    empty.recount();
    report.recommendations.insert(2, empty);
    report
}

fn render(report: &Report, compact: bool, chunk: usize, threads: usize) -> String {
    let options = RenderOptions {
        compact_json: compact,
        ..RenderOptions::default()
    };
    let mut out = Vec::new();
    render_json_chunked(report, &options, chunk, threads, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8")
}

/// The renderer at every chunk size and thread count against serde, pretty and compact.
fn assert_all_paths_match_serde(report: &Report) {
    let pretty = serde_json::to_string_pretty(report).expect("serde") + "\n";
    let compact = serde_json::to_string(report).expect("serde") + "\n";
    for chunk in [1, 2, 3, 7, 64, 1000, 1 << 20] {
        for threads in [0, 1, 2, 3, 8] {
            assert!(
                render(report, false, chunk, threads) == pretty,
                "pretty, chunk {chunk}, {threads} threads"
            );
            assert!(
                render(report, true, chunk, threads) == compact,
                "compact, chunk {chunk}, {threads} threads"
            );
        }
    }
}

#[test]
fn parallel_json_is_serdes_bytes_at_every_chunk_size() {
    let report = big_report(300);
    let results: usize = report
        .recommendations
        .iter()
        .map(|r| r.resources.len())
        .sum();
    assert!(results > 1500 && report.resources.len() > 250);
    assert!(report
        .recommendations
        .iter()
        .any(|r| r.resources.is_empty()));
    assert!(report
        .recommendations
        .iter()
        .any(|r| r.sub_assessments.len() > 10));
    assert_all_paths_match_serde(&report);
}

#[test]
fn parallel_json_keeps_empty_arrays() {
    // No resources but results (a hand-built report: results render with empty strings), so the
    // parallel path meets an empty top-level `resources` after the chunked recommendations.
    let mut report = big_report(20);
    report.resources.clear();
    assert_all_paths_match_serde(&report);
    // Nothing at all: the single-threaded path whatever the knobs.
    report.recommendations.clear();
    report.scopes.clear();
    assert_all_paths_match_serde(&report);
}

/// Accepts `left` bytes, then fails.
struct FailAfter {
    left: usize,
}

impl Write for FailAfter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("disk full"));
        }
        let n = buf.len().min(self.left);
        self.left -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn parallel_json_reports_a_write_error_without_hanging() {
    let report = big_report(300);
    let full = render(&report, false, 5, 1).len();
    for left in [0, 100, 70_000, full / 2, full - 1] {
        for threads in [0, 1, 2, 4] {
            let err = render_json_chunked(
                &report,
                &RenderOptions::default(),
                5,
                threads,
                &mut FailAfter { left },
            )
            .expect_err("a failing writer fails the render");
            assert!(err.to_string().contains("disk full"), "{err}");
        }
    }
}
