//! `update` against a local HTTP server on 127.0.0.1 serving zips made here.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::common::osv;
use crate::import::write_zip;

/// Serves `routes` (path → body) with HTTP/1.1; 404 for anything else. Records request paths.
fn serve(routes: HashMap<String, Vec<u8>>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split(' ').nth(1).unwrap_or("").to_string();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            seen2.lock().unwrap().push(path.clone());
            match routes.get(&path) {
                Some(body) => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/zip\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(body);
                }
                None => {
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                }
            }
        }
    });
    (format!("http://{addr}"), seen)
}

#[test]
fn update_downloads_each_ecosystem_zip_and_imports_it() {
    let tmp = tempfile::tempdir().unwrap();
    let crates_zip = tmp.path().join("crates.zip");
    let a = std::fs::read(osv("rustsec/crates/RUSTSEC-2020-0071.json")).unwrap();
    let b = std::fs::read(osv("rustsec/crates/RUSTSEC-2016-0001.json")).unwrap();
    write_zip(
        &crates_zip,
        &[
            ("RUSTSEC-2020-0071.json", &a),
            ("RUSTSEC-2016-0001.json", &b),
        ],
    );
    let alpine_zip = tmp.path().join("alpine.zip");
    let c = std::fs::read(osv("schema/osv-linter-testdata/CVE-2018-5407.json")).unwrap();
    write_zip(&alpine_zip, &[("CVE-2018-5407.json", &c)]);
    let routes = HashMap::from([
        (
            "/crates.io/all.zip".to_string(),
            std::fs::read(&crates_zip).unwrap(),
        ),
        (
            "/Alpine/all.zip".to_string(),
            std::fs::read(&alpine_zip).unwrap(),
        ),
    ]);
    let (base, seen) = serve(routes);
    let db_dir = tmp.path().join("db");
    let report = rampart_vulndb::update(&base, &["crates.io", "Alpine"], &db_dir).unwrap();
    assert_eq!(report.import.total, 3);
    assert_eq!(report.downloaded.len(), 2);
    assert_eq!(
        *seen.lock().unwrap(),
        ["/crates.io/all.zip", "/Alpine/all.zip"]
    );
    let db = rampart_vulndb::Database::open(&db_dir).unwrap();
    assert_eq!(db.len(), 3);

    // A missing ecosystem fails with the URL and leaves the database as it was.
    let err = rampart_vulndb::update(&base, &["Red Hat"], &db_dir)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/Red%20Hat/all.zip") && err.contains("404"),
        "{err}"
    );
    assert_eq!(rampart_vulndb::Database::open(&db_dir).unwrap().len(), 3);
}
