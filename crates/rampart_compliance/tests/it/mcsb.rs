//! The embedded MCSB v1 file against the shared data it is generated from (scripts/gen_mcsb.py).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rampart_compliance::Standard;

const GROUP_PREFIX: &str = "Azure_Security_Benchmark_v3.0_";

fn shared_azure() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/azure");
    path.is_dir().then_some(path)
}

fn mcsb() -> Standard {
    Standard::builtin("mcsb_v1").unwrap()
}

#[test]
fn mcsb_has_every_control_with_its_recommendations() {
    let standard = mcsb();
    assert_eq!(standard.controls.len(), 86);
    let with_recs = standard
        .controls
        .iter()
        .filter(|c| !c.recommendations.is_empty())
        .count();
    assert_eq!(with_recs, 43);
    let ns1 = &standard.controls[0];
    assert_eq!(
        (ns1.id.as_str(), ns1.title.as_str()),
        ("NS-1", "Establish network segmentation boundaries")
    );
    let dp3 = standard.controls.iter().find(|c| c.id == "DP-3").unwrap();
    assert!(dp3
        .recommendations
        .iter()
        .any(|r| r == "404c3081-a854-4457-ae30-26a93ef643f9"));
    assert!(standard
        .attribution
        .as_deref()
        .unwrap()
        .contains("CC BY 4.0"));
}

/// The committed `data/mcsb_v1.toml` says exactly what the shared data says: the controls of the MCSB
/// CSV files with their titles, and for each the policy definitions the initiative groups under it.
#[test]
fn mcsb_file_matches_shared_data() {
    let Some(azure) = shared_azure() else {
        eprintln!("skipped: ../shared/data/azure is absent; the check runs where it exists (CI)");
        return;
    };
    let initiative: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(azure.join("policy/AzureSecurityCenter.json")).unwrap(),
    )
    .unwrap();
    let mut expected_recs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for reference in initiative["properties"]["policyDefinitions"]
        .as_array()
        .unwrap()
    {
        let guid = reference["policyDefinitionId"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_ascii_lowercase();
        for group in reference["groupNames"].as_array().into_iter().flatten() {
            let control = group.as_str().unwrap().strip_prefix(GROUP_PREFIX).unwrap();
            expected_recs
                .entry(control.to_owned())
                .or_default()
                .insert(guid.clone());
        }
    }

    let mut expected_titles = BTreeMap::new();
    for entry in std::fs::read_dir(azure.join("mcsb")).unwrap() {
        let path = entry.unwrap().path();
        let is_domain =
            path.extension().is_some_and(|e| e == "csv") && !path.ends_with("Readme.csv");
        if !is_domain {
            continue;
        }
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let headers = reader.headers().unwrap().clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim_start_matches('\u{feff}') == name)
                .unwrap()
        };
        let (id_col, title_col) = (column("ID"), column("Recommendation"));
        for record in reader.records() {
            let record = record.unwrap();
            let id = record[id_col].trim();
            if !id.is_empty() {
                let title = record[title_col]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                expected_titles.insert(id.to_owned(), title);
            }
        }
    }

    let standard = mcsb();
    let actual_titles: BTreeMap<_, _> = standard
        .controls
        .iter()
        .map(|c| (c.id.clone(), c.title.clone()))
        .collect();
    assert_eq!(
        actual_titles, expected_titles,
        "control ids or titles differ; run scripts/gen_mcsb.py"
    );
    let actual_recs: BTreeMap<String, BTreeSet<String>> = standard
        .controls
        .iter()
        .filter(|c| !c.recommendations.is_empty())
        .map(|c| (c.id.clone(), c.recommendations.iter().cloned().collect()))
        .collect();
    assert_eq!(
        actual_recs, expected_recs,
        "control → recommendation mapping differs; run scripts/gen_mcsb.py"
    );
}
