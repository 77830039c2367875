//! The Rampart snapshot format: write, read back, errors.

use rampart_inventory::{from_reader, open, InputKind, SnapshotHeader, SnapshotWriter};

use crate::support::{drain, fixture};

fn header() -> SnapshotHeader {
    let mut h = SnapshotHeader::new("arg:arg_page1.json", Some(rampart_model::Provider::Azure));
    h.generated_at = "2026-01-02T03:04:05Z".to_owned();
    h.generator = Some("rampart test".to_owned());
    h
}

fn write_snapshot(resources: &[rampart_model::Resource]) -> Vec<u8> {
    let mut w = SnapshotWriter::new(Vec::new(), &header()).unwrap();
    for r in resources {
        w.write(r).unwrap();
    }
    assert_eq!(w.written(), resources.len() as u64);
    w.finish().unwrap()
}

#[test]
fn round_trip_through_a_snapshot() {
    let resources: Vec<_> = open(&fixture("arg_page1.json"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let bytes = write_snapshot(&resources);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.starts_with("{\"rampart_inventory\":1,"), "{text}");
    assert_eq!(text.lines().count(), resources.len() + 1);
    let mut reader = from_reader("snap.jsonl", std::io::Cursor::new(bytes));
    let back: Vec<_> = reader.by_ref().map(Result::unwrap).collect();
    assert_eq!(back, resources);
    assert_eq!(reader.kind(), Some(InputKind::Snapshot));
    assert_eq!(reader.header(), Some(&header()));
}

#[test]
fn bad_lines_name_line_and_field_and_reading_continues() {
    let resources: Vec<_> = open(&fixture("arg_page2.json"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let good = String::from_utf8(write_snapshot(&resources)).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    // line 4: missing id; line 5: wrong type of a tag; line 6: not JSON; line 7: blank; line 8: good.
    let mut v: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    v.as_object_mut().unwrap().remove("id");
    lines.push(v.to_string());
    let mut v: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    v["tags"]["env"] = serde_json::json!(5);
    lines.push(v.to_string());
    lines.push("{\"provider\": \"azure\", oops}".to_owned());
    lines.push(String::new());
    lines.push(lines[2].clone());
    let text = lines.join("\n") + "\n";
    let out = drain(from_reader(
        "inventory.jsonl",
        std::io::Cursor::new(text.into_bytes()),
    ));
    assert_eq!(out["records"], 3);
    assert_eq!(out["skipped"], 3);
    insta::assert_json_snapshot!(out["items"].as_array().unwrap().iter().filter(|i| i.get("error").is_some()).collect::<Vec<_>>(), @r#"
    [
      {
        "error": "inventory.jsonl:4: field \"id\": missing"
      },
      {
        "error": "inventory.jsonl:5: field \"tags.env\": invalid type: integer `5`, expected a string"
      },
      {
        "error": "inventory.jsonl:6:23: invalid JSON: key must be a string"
      }
    ]
    "#);
}

#[test]
fn concatenated_snapshots_and_unknown_versions() {
    let resources: Vec<_> = open(&fixture("arg_page2.json"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut both = write_snapshot(&resources);
    both.extend(write_snapshot(&resources));
    let read: Vec<_> = from_reader("both.jsonl", std::io::Cursor::new(both))
        .map(Result::unwrap)
        .collect();
    assert_eq!(read.len(), 4);

    let v2 = b"{\"rampart_inventory\":2,\"generated_at\":\"t\",\"source\":\"s\"}\n".to_vec();
    let errs: Vec<String> = from_reader("v2.jsonl", std::io::Cursor::new(v2))
        .map(|r| r.unwrap_err().to_string())
        .collect();
    assert_eq!(
        errs,
        ["v2.jsonl:1: unsupported snapshot version 2 (this build reads version 1)"]
    );
}
