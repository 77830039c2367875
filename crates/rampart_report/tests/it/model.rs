//! The Report's helpers: Defender's formula in `ControlReport::from_counts` against Microsoft's
//! published worked examples, and the invariant checker.

use rampart_model::{Cause, Status};
use rampart_report::ControlReport;

use crate::sample;

#[test]
fn from_counts_matches_defenders_worked_examples() {
    // (max, H, U, expected current, expected potential, expected percentage) from defender.md §1.3.
    let cases: &[(u32, u64, u64, f64, f64, f64)] = &[
        (6, 4, 74, 0.31, 5.69, 5.17), // current docs: 6/78 per resource × 4 healthy
        (6, 42, 8, 5.04, 0.96, 84.0), // 2020 docs "Apply system updates"
        (4, 5, 1, 3.33, 0.67, 83.25), // API example: Encrypt data in transit
        (1, 1, 4, 0.2, 0.8, 20.0),    // API example: Enable auditing and logging
        (4, 1, 1, 2.0, 2.0, 50.0),    // API example: Manage access and permissions
        (10, 1, 0, 10.0, 0.0, 100.0), // API example: Enable MFA
    ];
    for &(max, h, u, current, potential, pct) in cases {
        let c = ControlReport::from_counts("id", "name", max, h, u, 3);
        assert_eq!(
            (c.current, c.potential_increase, c.percentage),
            (current, potential, pct),
            "{max} {h} {u}"
        );
        assert!(c.counted);
    }
    let na_only = ControlReport::from_counts("id", "DDoS", 2, 0, 0, 5);
    assert!(!na_only.counted);
    assert_eq!(
        (
            na_only.current,
            na_only.potential_increase,
            na_only.percentage
        ),
        (0.0, 0.0, 0.0)
    );
}

#[test]
fn the_sample_report_satisfies_the_invariants() {
    // The sample computes its scores independently of `from_counts`; the checker compares the two.
    assert_eq!(
        sample::report().invariant_violations(),
        Vec::<String>::new()
    );
}

#[test]
fn invariant_violations_are_reported() {
    let mut report = sample::report();
    report.recommendations[0].resources[0].status = Status::NotApplicable; // no cause, stale counts
    report.scopes[0].controls[0].current += 1.0;
    report.score.max += 1;
    let v = report.invariant_violations();
    assert!(v.iter().any(|m| m.contains("counts do not match")), "{v:?}");
    assert!(
        v.iter().any(|m| m.contains("cause must be present")),
        "{v:?}"
    );
    assert!(v.iter().any(|m| m.contains("points disagree")), "{v:?}");
    assert!(v.iter().any(|m| m.contains("score max")), "{v:?}");

    let mut out_of_table = sample::report();
    out_of_table.recommendations[1].resources[0].resource = 999;
    let v = out_of_table.invariant_violations();
    assert!(v.iter().any(|m| m.contains("outside the table")), "{v:?}");

    let mut healthy_with_cause = sample::report();
    healthy_with_cause.recommendations[0].resources[0].cause = Some(Cause::Exempt);
    assert_eq!(healthy_with_cause.invariant_violations().len(), 1);
}

#[test]
fn a_result_entry_is_twelve_bytes() {
    // The budget that keeps 12M results (1M resources) near 150 MB.
    assert_eq!(std::mem::size_of::<rampart_report::ResultEntry>(), 12);
}

#[test]
fn serialised_results_are_the_owned_contract_objects() {
    // Each expanded entry serialises exactly as the owned `ResourceResult` (the pre-compact struct)
    // does, so the `recommendations[].resources[]` bytes are unchanged.
    let report = sample::report();
    let json: serde_json::Value = serde_json::to_value(&report).expect("json");
    for (i, rec) in report.recommendations.iter().enumerate() {
        let owned = serde_json::to_value(report.owned_results(i)).expect("owned");
        assert_eq!(json["recommendations"][i]["resources"], owned, "{}", rec.id);
        let text =
            serde_json::to_string_pretty(&report.results(rec).collect::<Vec<_>>()).expect("views");
        assert_eq!(
            text,
            serde_json::to_string_pretty(&report.owned_results(i)).expect("owned")
        );
    }
}

#[test]
fn the_inventory_lists_every_resource_once_in_input_order() {
    let report = sample::report();
    let json: serde_json::Value = serde_json::to_value(&report).expect("json");
    let inventory = json["resources"].as_array().expect("resources array");
    assert_eq!(inventory.len(), 7);
    assert_eq!(inventory[0]["name"], "stwebprod01");
    assert_eq!(inventory[6]["type"], "AWS::S3::Bucket");
    assert!(inventory[6].get("resource_group").is_none());
    // The results point into it: every result's id is in the inventory.
    for rec in &report.recommendations {
        for res in report.results(rec) {
            assert!(inventory.iter().any(|r| r["id"] == res.id), "{}", res.id);
        }
    }
}

#[test]
fn a_report_without_the_inventory_still_reads() {
    // Reports written before the top-level `resources` array: the table is rebuilt from the results.
    let report = sample::report();
    let mut json: serde_json::Value = serde_json::to_value(&report).expect("json");
    json.as_object_mut().expect("object").remove("resources");
    let back: rampart_report::Report = serde_json::from_value(json.clone()).expect("read");
    let mut again = serde_json::to_value(&back).expect("json");
    let rebuilt = again
        .as_object_mut()
        .expect("object")
        .remove("resources")
        .expect("inventory written");
    assert_eq!(again, json);
    // Only resources that have a result are known; each once.
    let ids: Vec<&str> = rebuilt
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len());
    assert!(!ids.is_empty());
}

#[test]
fn equality_ignores_string_table_numbering() {
    let report = sample::report();
    let mut renumbered = report.clone();
    // A fresh table numbering strings in another order gives an equal report.
    let mut strings = rampart_report::StringTable::new();
    strings.intern("unrelated string first");
    let old = std::mem::replace(&mut renumbered.strings, strings);
    for res in &mut renumbered.resources {
        for id in [
            &mut res.resource_type,
            &mut res.scope,
            &mut res.region,
            &mut res.resource_group,
        ] {
            *id = renumbered.strings.intern_opt(old.get(*id));
        }
    }
    for rec in &mut renumbered.recommendations {
        for e in &mut rec.resources {
            e.reason = renumbered.strings.intern_opt(old.get(e.reason));
        }
    }
    assert_eq!(renumbered, report);
    renumbered.resources[0].name = "changed".into();
    assert_ne!(renumbered, report);
}

#[test]
fn the_inventory_may_come_first_and_may_list_duplicates() {
    // Another producer may write `resources` before `recommendations`, and a resource read twice is
    // listed twice: both read back to the same JSON.
    let mut report = sample::report();
    let first = report.resource(0).expect("a resource");
    let (id, name, ty, scope, provider) = (
        first.id.to_owned(),
        first.name.to_owned(),
        first.resource_type.to_owned(),
        first.scope.to_owned(),
        first.provider,
    );
    let (region, group) = (
        first.region.map(str::to_owned),
        first.resource_group.map(str::to_owned),
    );
    report.add_resource(rampart_report::ResourceView {
        id: &id,
        name: &name,
        resource_type: &ty,
        scope: &scope,
        provider,
        region: region.as_deref(),
        resource_group: group.as_deref(),
    });
    let json: serde_json::Value = serde_json::to_value(&report).expect("json");
    let mut rest = json.clone();
    let inventory = rest
        .as_object_mut()
        .expect("object")
        .remove("resources")
        .expect("inventory");
    let rest = serde_json::to_string(&rest).expect("text");
    let text = format!("{{\"resources\":{inventory},{}", &rest[1..]);
    assert!(text.starts_with("{\"resources\""));
    let back: rampart_report::Report = serde_json::from_str(&text).expect("read");
    assert_eq!(back.resources.len(), report.resources.len());
    assert_eq!(back, report);
    let back: rampart_report::Report =
        serde_json::from_value(json).expect("read in contract order");
    assert_eq!(back, report);
}

#[test]
fn a_report_missing_a_required_member_is_rejected_with_its_name() {
    let mut json: serde_json::Value = serde_json::to_value(sample::report()).expect("json");
    json["recommendations"][0]
        .as_object_mut()
        .expect("object")
        .remove("severity");
    let err = serde_json::from_value::<rampart_report::Report>(json.clone())
        .expect_err("missing severity");
    assert!(err.to_string().contains("severity"), "{err}");
    let mut json: serde_json::Value = serde_json::to_value(sample::report()).expect("json");
    json.as_object_mut().expect("object").remove("score");
    let err = serde_json::from_value::<rampart_report::Report>(json).expect_err("missing score");
    assert!(err.to_string().contains("score"), "{err}");
}
