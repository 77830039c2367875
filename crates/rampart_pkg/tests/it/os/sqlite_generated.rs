//! The hand-written SQLite reader against SQLite itself: rpm databases written by Python's
//! sqlite3 module (the SQLite library) with every page size, header blobs of sizes sweeping
//! the local/overflow payload thresholds, multi-level B-trees and deleted rows (free pages
//! and freeblocks left in place). The packages read must be exactly the rows that remain.

use super::{have_tool, sorted};
use rampart_pkg::os::{self, OsParser};
use std::process::Command;

/// An rpm header blob: NAME, VERSION, RELEASE, ARCH strings and a BIN tag of `pad` bytes
/// (to vary the blob's size).
fn header(name: &str, pad: usize) -> Vec<u8> {
    let mut data = Vec::new();
    let mut index = Vec::new();
    let mut entry = |tag: u32, ty: u32, bytes: &[u8], data: &mut Vec<u8>| {
        index.extend_from_slice(&tag.to_be_bytes());
        index.extend_from_slice(&ty.to_be_bytes());
        index.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let count = if ty == 7 { bytes.len() as u32 } else { 1 };
        index.extend_from_slice(&count.to_be_bytes());
        data.extend_from_slice(bytes);
    };
    for (tag, value) in [
        (1000, name),
        (1001, "1.0"),
        (1002, "1.el9"),
        (1022, "x86_64"),
    ] {
        let mut s = value.as_bytes().to_vec();
        s.push(0);
        entry(tag, 6, &s, &mut data);
    }
    entry(5000, 7, &vec![0xa5; pad], &mut data);
    let mut blob = Vec::new();
    blob.extend_from_slice(&5u32.to_be_bytes());
    blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
    blob.extend_from_slice(&index);
    blob.extend_from_slice(&data);
    blob
}

const WRITER: &str = r#"
import sqlite3, sys, os
path, page_size, blobs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
db = sqlite3.connect(path)
db.execute(f"PRAGMA page_size = {page_size}")
db.execute("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)")
db.execute("CREATE TABLE 'Name' (key 'TEXT' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL)")
names = sorted(os.listdir(blobs), key=int)
for n in names:
    with open(os.path.join(blobs, n), "rb") as f:
        blob = f.read()
    db.execute("INSERT INTO Packages (blob) VALUES (?)", (blob,))
    db.execute("INSERT INTO Name VALUES (?, ?, 0)", (n, int(n)))
# Delete every seventh package: leaves freeblocks and free pages behind.
db.execute("DELETE FROM Packages WHERE hnum % 7 = 3")
db.commit()
db.close()
"#;

#[test]
fn reads_what_sqlite_wrote() {
    if !have_tool("python3") {
        return;
    }
    for page_size in [512usize, 1024, 4096, 65536] {
        let dir = tempfile::tempdir().unwrap();
        let blobs = dir.path().join("blobs");
        std::fs::create_dir(&blobs).unwrap();
        let usable = page_size;
        // Payload sizes around the table-leaf local limit X = usable - 35 and X + n(usable - 4)
        // (where the spilled remainder makes the local part exactly X), the minimum local size,
        // small ones, and a few spanning many overflow pages.
        let mut pads: Vec<usize> = (0..40).collect();
        let base = header("p", 0).len();
        let x = usable - 35;
        let m = (usable - 12) * 32 / 255 - 23;
        for threshold in [
            x,
            x + (usable - 4),
            x + 2 * (usable - 4),
            m,
            usable - 4,
            2 * usable,
        ] {
            let lo = threshold.saturating_sub(base + 32);
            pads.extend(lo..lo + 64);
        }
        pads.extend([100_000, 300_000, 3 * usable + 7]);
        let mut want = Vec::new();
        for (i, pad) in pads.iter().enumerate() {
            let rowid = i + 1;
            let name = format!("pkg{rowid}-{pad}");
            std::fs::write(blobs.join(rowid.to_string()), header(&name, *pad)).unwrap();
            if rowid % 7 != 3 {
                want.push(format!("{name}\t1.0-1.el9"));
            }
        }
        let db = dir.path().join("rpmdb.sqlite");
        let out = Command::new("python3")
            .args(["-c", WRITER])
            .arg(&db)
            .arg(page_size.to_string())
            .arg(&blobs)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&db).unwrap();
        let pkgs = os::parse(
            OsParser::RpmSqlite,
            "var/lib/rpm/rpmdb.sqlite",
            &bytes,
            None,
        )
        .unwrap_or_else(|e| panic!("page size {page_size}: {e}"));
        let got: Vec<String> = pkgs
            .iter()
            .map(|p| format!("{}\t{}", p.name, p.version))
            .collect();
        assert_eq!(sorted(got), sorted(want), "page size {page_size}");
    }
}
