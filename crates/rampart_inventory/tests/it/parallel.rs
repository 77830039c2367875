//! `InventoryReader::parallel` returns exactly what the sequential reader returns, in order.

use rampart_inventory::{from_reader, open, write_synthetic, SyntheticFormat};

use crate::support::fixture;

fn as_strings<
    I: Iterator<Item = Result<rampart_model::Resource, rampart_inventory::InventoryError>>,
>(
    it: I,
) -> Vec<String> {
    it.map(|r| match r {
        Ok(r) => serde_json::to_string(&r).unwrap(),
        Err(e) => format!("error: {e}"),
    })
    .collect()
}

#[test]
fn same_items_errors_order_and_stats() {
    let names = [
        "arg_page1.json",
        "arg_malformed_rows.json",
        "arg_truncated.json",
        "arg_garbage_between.json",
        "arg_rows.jsonl",
        "not_inventory.json",
    ];
    for name in names {
        let mut seq = open(&fixture(name)).unwrap();
        let expected = as_strings(seq.by_ref());
        for workers in [1, 3] {
            let mut par = open(&fixture(name)).unwrap().parallel(workers);
            assert_eq!(
                as_strings(par.by_ref()),
                expected,
                "{name} with {workers} workers"
            );
            assert_eq!(par.stats(), seq.stats(), "{name}");
        }
    }
}

#[test]
fn large_inputs_in_both_forms() {
    for format in [SyntheticFormat::ArgJson, SyntheticFormat::Jsonl] {
        let mut bytes = Vec::new();
        write_synthetic(&mut bytes, 3000, 5, format).unwrap();
        let seq = as_strings(from_reader("s", std::io::Cursor::new(bytes.clone())));
        let par = as_strings(from_reader("s", std::io::Cursor::new(bytes)).parallel(2));
        assert_eq!(seq.len(), 3000);
        assert_eq!(par, seq);
    }
}

#[test]
fn dropping_early_does_not_hang() {
    let mut bytes = Vec::new();
    write_synthetic(&mut bytes, 5000, 1, SyntheticFormat::ArgJson).unwrap();
    let mut par = from_reader("s", std::io::Cursor::new(bytes)).parallel(2);
    assert!(par.next().unwrap().is_ok());
    drop(par);
}

#[test]
fn parallel_map_returns_each_resource_with_its_mapped_value() {
    let names = [
        "arg_page1.json",
        "arg_malformed_rows.json",
        "arg_truncated.json",
        "arg_rows.jsonl",
    ];
    for name in names {
        let mut seq = open(&fixture(name)).unwrap();
        let expected = as_strings(seq.by_ref());
        let map = |r: &mut rampart_model::Resource| r.id.clone();
        std::thread::scope(|scope| {
            let mut par = open(&fixture(name)).unwrap().parallel_map(2, scope, &map);
            let got: Vec<String> = par
                .by_ref()
                .map(|r| match r {
                    Ok((r, id)) => {
                        assert_eq!(id, r.id);
                        serde_json::to_string(&r).unwrap()
                    }
                    Err(e) => format!("error: {e}"),
                })
                .collect();
            assert_eq!(got, expected, "{name}");
            assert_eq!(par.stats(), seq.stats(), "{name}");
        });
    }
}

/// What `map` changes of a resource (here: freeing its document) is what the consumer receives.
#[test]
fn parallel_map_hands_over_the_resource_as_map_left_it() {
    let mut seq = open(&fixture("arg_page1.json")).unwrap();
    let expected: Vec<(String, bool)> = seq
        .by_ref()
        .map(|r| {
            let r = r.unwrap();
            (r.id, r.native.is_null())
        })
        .collect();
    assert!(expected.iter().all(|(_, null)| !null));
    let map = |r: &mut rampart_model::Resource| {
        std::mem::take(&mut r.native)
            .get("id")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    std::thread::scope(|scope| {
        let par = open(&fixture("arg_page1.json"))
            .unwrap()
            .parallel_map(2, scope, &map);
        let got: Vec<(String, bool)> = par
            .map(|r| {
                let (r, doc_id) = r.unwrap();
                assert_eq!(doc_id.as_deref(), Some(r.id.as_str()));
                (r.id, r.native.is_null())
            })
            .collect();
        assert_eq!(got.len(), expected.len());
        assert!(got.iter().all(|(_, null)| *null));
        assert_eq!(
            got.iter().map(|g| &g.0).collect::<Vec<_>>(),
            expected.iter().map(|e| &e.0).collect::<Vec<_>>()
        );
    });
}

#[test]
fn parallel_map_dropped_early_ends_its_scope() {
    let mut bytes = Vec::new();
    write_synthetic(&mut bytes, 5000, 1, SyntheticFormat::ArgJson).unwrap();
    let map = |r: &mut rampart_model::Resource| r.name.len();
    std::thread::scope(|scope| {
        let mut par = from_reader("s", std::io::Cursor::new(bytes)).parallel_map(2, scope, &map);
        assert!(par.next().unwrap().is_ok());
        drop(par);
    });
}

/// `derive_relationships(false)` (what `rampart scan` uses) changes nothing but the relationships,
/// sequentially and in parallel, and errors are unchanged; snapshot lines keep theirs.
#[test]
fn relationships_off_changes_only_relationships() {
    let cleared = |it: Vec<Result<rampart_model::Resource, rampart_inventory::InventoryError>>| {
        it.into_iter()
            .map(|r| {
                r.map(|mut r| {
                    r.relationships.clear();
                    r
                })
            })
            .collect::<Vec<_>>()
    };
    let demo: Vec<_> = rampart_inventory::demo_estate().collect();
    assert!(demo
        .iter()
        .any(|r| r.as_ref().is_ok_and(|r| !r.relationships.is_empty())));
    let off: Vec<_> = rampart_inventory::demo_estate()
        .derive_relationships(false)
        .collect();
    assert!(off
        .iter()
        .all(|r| r.as_ref().is_ok_and(|r| r.relationships.is_empty())));
    assert_eq!(
        as_strings(off.into_iter()),
        as_strings(cleared(demo).into_iter())
    );
    for name in [
        "arg_page1.json",
        "arg_malformed_rows.json",
        "arg_rows.jsonl",
    ] {
        let on: Vec<_> = open(&fixture(name)).unwrap().collect();
        for workers in [1, 2] {
            let off = open(&fixture(name))
                .unwrap()
                .derive_relationships(false)
                .parallel(workers);
            assert_eq!(
                as_strings(off),
                as_strings(cleared(open(&fixture(name)).unwrap().collect()).into_iter()),
                "{name}"
            );
        }
        assert_eq!(
            as_strings(on.into_iter()),
            as_strings(open(&fixture(name)).unwrap().derive_relationships(true)),
            "{name}"
        );
    }
    // A snapshot's relationships are data, not derived: kept.
    let mut out = Vec::new();
    write_synthetic(&mut out, 50, 7, SyntheticFormat::Jsonl).unwrap();
    let with = as_strings(from_reader("s", std::io::Cursor::new(out.clone())));
    let without =
        as_strings(from_reader("s", std::io::Cursor::new(out)).derive_relationships(false));
    assert_eq!(with, without);
    assert!(with.iter().any(|s| s.contains("\"relationships\"")));
}

/// Slow records at the head of the queue while the other threads have filled the order channel,
/// and a consumer that stalls now and then: the items still come complete and in order, and the
/// consumer parses batches itself while it waits (with one worker, some records are mapped on its
/// thread). A consumer that waited for the reader's lock while a worker held it waiting for room
/// on the order channel would hang here; the watchdog turns that into a failure.
#[test]
fn uneven_speeds_neither_hang_nor_reorder() {
    let mut bytes = Vec::new();
    write_synthetic(&mut bytes, 6000, 3, SyntheticFormat::ArgJson).unwrap();
    let expected: Vec<String> = from_reader("s", std::io::Cursor::new(bytes.clone()))
        .map(|r| r.unwrap().id)
        .collect();
    for workers in [1, 2, 3] {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let input = bytes.clone();
        std::thread::spawn(move || {
            let consumer = std::thread::current().id();
            let seen = std::sync::atomic::AtomicUsize::new(0);
            let map = |_: &mut rampart_model::Resource| {
                if seen
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                    .is_multiple_of(300)
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                std::thread::current().id()
            };
            let (ids, on_consumer) = std::thread::scope(|scope| {
                let par = from_reader("s", std::io::Cursor::new(input))
                    .parallel_map(workers, scope, &map);
                let mut ids = Vec::new();
                let mut on_consumer = 0;
                for (i, item) in par.enumerate() {
                    let (r, thread) = item.unwrap();
                    on_consumer += usize::from(thread == consumer);
                    ids.push(r.id);
                    if i.is_multiple_of(500) {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                }
                (ids, on_consumer)
            });
            let _ = done_tx.send((ids, on_consumer));
        });
        let (ids, on_consumer) = done_rx
            .recv_timeout(std::time::Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("{workers} worker(s): no end after 120 s (a deadlock)"));
        assert_eq!(ids, expected, "{workers} worker(s)");
        if workers == 1 {
            assert!(on_consumer > 0, "the consumer never parsed a batch");
        }
    }
}
