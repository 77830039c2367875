//! The Azure Resource Graph importer on `az graph query -o json` output.

use std::io::{BufReader, Read, Write};

use flate2::write::GzEncoder;
use flate2::Compression;
use rampart_inventory::{from_reader, open, InputKind, InventoryError};
use serde_json::Value;

use crate::support::{drain, errors, fixture, redact};

#[test]
fn arg_result_object_pages() {
    for page in ["arg_page1.json", "arg_page2.json"] {
        let out = redact(drain(open(&fixture(page)).unwrap()));
        insta::assert_json_snapshot!(page, out);
    }
}

#[test]
fn bare_array_and_arm_cased_types() {
    let out = redact(drain(open(&fixture("arg_bare_array.json")).unwrap()));
    assert_eq!(out["kind"], "Some(ArgArray)");
    // ARM spells the type `Microsoft.Storage/storageAccounts`; the resource type is lower-cased.
    assert_eq!(out["items"][0]["type"], "microsoft.storage/storageaccounts");
    insta::assert_json_snapshot!(out);
}

#[test]
fn arg_rows_as_json_lines() {
    let out = redact(drain(open(&fixture("arg_rows.jsonl")).unwrap()));
    assert_eq!(out["kind"], "Some(ArgJsonLines)");
    assert_eq!(out["records"], 2);
    let page2 = redact(drain(open(&fixture("arg_page2.json")).unwrap()));
    assert_eq!(out["items"], page2["items"]);
}

#[test]
fn native_is_the_whole_row_unchanged() {
    let text = std::fs::read_to_string(fixture("arg_page1.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let rows = doc["data"].as_array().unwrap();
    let resources: Vec<_> = open(&fixture("arg_page1.json"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(resources.len(), rows.len());
    for (r, row) in resources.iter().zip(rows) {
        assert_eq!(&r.native, row);
    }
}

#[test]
fn gzip_is_detected_by_magic_bytes() {
    let plain = std::fs::read(fixture("arg_page1.json")).unwrap();
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&plain).unwrap();
    let gz = gz.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // No `.gz` extension on purpose: detection is by content.
    let path = dir.path().join("export.json");
    std::fs::write(&path, &gz).unwrap();
    let from_gz: Vec<_> = open(&path).unwrap().map(Result::unwrap).collect();
    let from_plain: Vec<_> = open(&fixture("arg_page1.json"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(from_gz, from_plain);

    // A corrupt gzip stream is an IO error naming the file, not a panic.
    let mut corrupt = gz.clone();
    let mid = corrupt.len() / 2;
    corrupt[mid..].iter_mut().for_each(|b| *b ^= 0x5a);
    let errs = errors(from_reader(
        "corrupt.json.gz",
        std::io::Cursor::new(corrupt),
    ));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with("corrupt.json.gz"), "{errs:?}");
}

#[test]
fn several_pages_in_one_stream() {
    // `cat page1.json page2.json > all.json`
    let mut all = std::fs::read(fixture("arg_page1.json")).unwrap();
    all.extend(std::fs::read(fixture("arg_page2.json")).unwrap());
    let reader = from_reader("all.json", std::io::Cursor::new(all));
    let ids: Vec<String> = reader.map(|r| r.unwrap().id).collect();
    assert_eq!(ids.len(), 6);
}

#[test]
fn small_read_buffers_give_the_same_result() {
    let file = std::fs::File::open(fixture("arg_page1.json")).unwrap();
    let tiny = from_reader("arg_page1.json", BufReader::with_capacity(7, file));
    let normal = open(&fixture("arg_page1.json")).unwrap();
    let a: Vec<_> = tiny.map(Result::unwrap).collect();
    let b: Vec<_> = normal.map(Result::unwrap).collect();
    assert_eq!(a, b);
}

#[test]
fn malformed_rows_are_skipped_and_counted() {
    let out = redact(drain(open(&fixture("arg_malformed_rows.json")).unwrap()));
    assert_eq!(out["records"], 1);
    assert_eq!(out["skipped"], 5);
    insta::assert_json_snapshot!(out);
}

#[test]
fn fatal_syntax_errors_end_the_read() {
    let mut got = Vec::new();
    for name in [
        "arg_truncated.json",
        "arg_garbage_between.json",
        "not_inventory.json",
    ] {
        let out = redact(drain(open(&fixture(name)).unwrap()));
        got.push((name, out));
    }
    insta::assert_json_snapshot!(got);
}

#[test]
fn io_errors_name_the_file() {
    let err = open(&fixture("does-not-exist.json")).err().unwrap();
    assert!(matches!(err, InventoryError::Io { .. }));
    assert!(err.to_string().contains("does-not-exist.json"), "{err}");
}

#[test]
fn empty_and_odd_inputs_never_panic() {
    let cases: &[&[u8]] = &[
        b"",
        b"   \n ",
        b"[]",
        b"{\"data\": []}",
        b"{\"data\": 5}",
        b"[1, 2]",
        b"[{}]",
        b"{",
        b"[",
        b"\xEF\xBB\xBF[]",
        b"\x1f\x8b",
        b"nul",
        b"{\"rampart_inventory\": 2}\n",
        b"{\"rampart_inventory\": \"x\"}\n",
        b"{\"rampart_inventory\": 1, \"generated_at\": \"t\", \"source\": \"s\"} {}\n",
    ];
    let mut got = Vec::new();
    for case in cases {
        let mut reader = from_reader("case", std::io::Cursor::new(case.to_vec()));
        let items: Vec<String> = reader
            .by_ref()
            .map(|r| r.map_or_else(|e| e.to_string(), |r| format!("ok {}", r.id)))
            .collect();
        got.push((String::from_utf8_lossy(case).into_owned(), items));
    }
    insta::assert_json_snapshot!(got);
}

#[test]
fn reads_a_whole_arg_export_through_read() {
    // `Read` implementors work via a BufReader too (e.g. stdin).
    let mut text = String::new();
    std::fs::File::open(fixture("arg_page2.json"))
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let reader = from_reader("-", BufReader::new(std::io::Cursor::new(text.into_bytes())));
    assert_eq!(reader.filter(Result::is_ok).count(), 2);
    assert_eq!(from_reader("-", &b"[]"[..]).kind(), None);
    let mut r = from_reader("-", &b"[]"[..]);
    assert!(r.next().is_none());
    assert_eq!(r.kind(), Some(InputKind::ArgArray));
}

/// Every truncation and many byte flips of a real export: never a panic, the read always ends,
/// and a truncated export never reads back as complete and clean.
#[test]
fn truncations_and_corruptions_never_panic() {
    let full = std::fs::read(fixture("arg_page2.json")).unwrap();
    let complete: Vec<_> = open(&fixture("arg_page2.json"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for cut in 0..full.len() {
        let reader = from_reader("cut.json", std::io::Cursor::new(full[..cut].to_vec()));
        let items: Vec<_> = reader.collect();
        assert!(items.len() <= cut + 1);
        // Only trailing whitespace may be cut without an error.
        if full[cut..].iter().any(|b| !b.is_ascii_whitespace()) {
            assert!(
                items.iter().any(Result::is_err),
                "cut at {cut} read cleanly"
            );
        } else {
            assert_eq!(
                items.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
                complete
            );
        }
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut bytes = full.clone();
        let at = (state % bytes.len() as u64) as usize;
        bytes[at] = (state >> 32) as u8;
        let n = from_reader("flip.json", std::io::Cursor::new(bytes)).count();
        assert!(n <= full.len() + 1);
    }
}

#[test]
fn crlf_line_endings_and_utf16_input() {
    // `az` on Windows prints CRLF; positions still count lines.
    let text = std::fs::read_to_string(fixture("arg_malformed_rows.json"))
        .unwrap()
        .replace('\n', "\r\n");
    let errs = errors(from_reader(
        "crlf.json",
        std::io::Cursor::new(text.into_bytes()),
    ));
    assert_eq!(errs[0], "crlf.json:29:5: field \"id\": missing");
    let rows = std::fs::read_to_string(fixture("arg_rows.jsonl"))
        .unwrap()
        .replace('\n', "\r\n");
    let ok = from_reader("crlf.jsonl", std::io::Cursor::new(rows.into_bytes()))
        .filter(Result::is_ok)
        .count();
    assert_eq!(ok, 2);

    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain("[]".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let errs = errors(from_reader("ps.json", std::io::Cursor::new(utf16)));
    assert_eq!(errs.len(), 1);
    assert!(errs[0].starts_with("ps.json:1:1: UTF-16 input"), "{errs:?}");
}

/// Invalid UTF-8 inside a row is that row's error, with its line and column, in every record form (ARG array,
/// ARG JSON Lines, snapshot line), and the rows around it are read; the parallel reader says the same.
#[test]
fn invalid_utf8_in_a_row_is_an_error_with_its_position() {
    let row = |name: &str| {
        format!(
            r#"{{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/{name}", "name": "{name}", "type": "microsoft.storage/storageaccounts"}}"#
        )
    };
    let bad = row("b\u{e9}d").replace('\u{e9}', "\u{1}").into_bytes();
    let bad: Vec<u8> = bad.iter().map(|&b| if b == 1 { 0xff } else { b }).collect();
    let join = |open: &str, sep: &str, close: &str| {
        let mut v = open.as_bytes().to_vec();
        v.extend_from_slice(row("a").as_bytes());
        v.extend_from_slice(sep.as_bytes());
        v.extend_from_slice(&bad);
        v.extend_from_slice(sep.as_bytes());
        v.extend_from_slice(row("c").as_bytes());
        v.extend_from_slice(close.as_bytes());
        v
    };
    let snapshot_line = |name: &str| {
        format!(
            r#"{{"provider": "azure", "scope": "s", "type": "t", "id": "i-{name}", "name": "{name}"}}"#
        )
    };
    let mut snapshot =
        b"{\"rampart_inventory\": 1, \"generated_at\": \"t\", \"source\": \"s\"}\n".to_vec();
    snapshot.extend_from_slice(snapshot_line("a").as_bytes());
    snapshot.extend_from_slice(b"\n");
    snapshot.extend_from_slice(
        snapshot_line("b\u{1}d")
            .replace('\u{1}', "\u{e9}")
            .as_bytes(),
    );
    let at = snapshot.iter().position(|&b| b == 0xc3).unwrap();
    snapshot[at] = 0xff;
    snapshot.extend_from_slice(b"\n");
    snapshot.extend_from_slice(snapshot_line("c").as_bytes());
    snapshot.extend_from_slice(b"\n");
    for (form, bytes, line) in [
        ("array", join("[\n", ",\n", "\n]"), 3),
        ("object", join("{\"data\": [\n", ",\n", "\n]}"), 3),
        ("lines", join("", "\n", "\n"), 2),
        ("snapshot", snapshot, 3),
    ] {
        let read = |workers: usize| -> Vec<String> {
            let reader = from_reader("in.json", std::io::Cursor::new(bytes.clone()));
            let items: Box<dyn Iterator<Item = _>> = if workers == 0 {
                Box::new(reader)
            } else {
                Box::new(reader.parallel(workers))
            };
            items
                .map(|r| r.map_or_else(|e| e.to_string(), |r| format!("ok {}", r.name)))
                .collect()
        };
        let got = read(0);
        assert_eq!(got.len(), 3, "{form}: {got:?}");
        assert!(got[0].starts_with("ok a"), "{form}: {got:?}");
        assert!(got[2].starts_with("ok c"), "{form}: {got:?}");
        assert!(
            got[1].starts_with(&format!("in.json:{line}:"))
                && got[1].contains("invalid unicode code point"),
            "{form}: {got:?}"
        );
        assert_eq!(read(2), got, "{form}");
    }
}
