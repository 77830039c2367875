//! Listing packages from a large `docker save` image.
//!
//! `generated`: an image built here — 40,000 files (about 400 MB) in two uncompressed layers
//! around this machine's real dpkg status file — and the same image with gzip layers. With
//! `RAMPART_BENCH_IMAGE=<docker-save.tar>` (scripts/bench-image.sh builds Debian bookworm
//! images with mmdebstrap), that image is measured too, beside `tar -xf` timed by the script.

use std::hint::black_box;
use std::io::Write;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use rampart_image::{scan_image, ImageSource, ScanOptions};

fn layer(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_size(data.len() as u64);
        b.append_data(&mut h, name, data.as_slice())
            .expect("append");
    }
    b.into_inner().expect("tar")
}

fn save(dir: &Path, name: &str, blobs: &[Vec<u8>]) -> std::path::PathBuf {
    let mut b = tar::Builder::new(Vec::new());
    let mut names = Vec::new();
    let mut add = |n: &str, d: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(d.len() as u64);
        b.append_data(&mut h, n, d).expect("append");
    };
    for (i, l) in blobs.iter().enumerate() {
        let n = format!("{:064x}/layer.tar", i + 1);
        add(&n, l);
        names.push(n);
    }
    add("config.json", br#"{"os":"linux","architecture":"amd64"}"#);
    let manifest = serde_json::json!([{"Config": "config.json", "RepoTags": [format!("bench/{name}:1")], "Layers": names}]);
    add(
        "manifest.json",
        &serde_json::to_vec(&manifest).expect("json"),
    );
    let p = dir.join(format!("{name}.tar"));
    std::fs::write(&p, b.into_inner().expect("tar")).expect("write");
    p
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).expect("gzip");
    e.finish().expect("gzip")
}

fn generated(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = std::fs::read("/var/lib/dpkg/status").unwrap_or_default();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut layers = Vec::new();
    for l in 0..2 {
        let mut files = Vec::new();
        for i in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let size = (x % 40_000) as usize;
            files.push((
                format!("usr/share/l{l}/d{}/f{i}.bin", i % 200),
                vec![(x & 0xff) as u8; size],
            ));
        }
        if l == 1 {
            files.push(("var/lib/dpkg/status".to_owned(), status.clone()));
            files.push((
                "etc/os-release".to_owned(),
                b"ID=debian\nVERSION_ID=\"12\"\n".to_vec(),
            ));
        }
        layers.push(layer(&files));
    }
    let plain = save(dir.path(), "plain", &layers);
    let gz = save(
        dir.path(),
        "gzip",
        &layers.iter().map(|l| gzip(l)).collect::<Vec<_>>(),
    );
    let opts = ScanOptions::default();
    let mut g = c.benchmark_group("image");
    g.sample_size(10);
    for (id, path) in [
        ("generated_plain_400MB", &plain),
        ("generated_gzip_400MB", &gz),
    ] {
        let src = ImageSource::Archive(path.clone());
        g.bench_function(id, |b| {
            b.iter(|| {
                let scan = scan_image(&src, &opts).expect("scan");
                assert!(status.is_empty() || !scan.packages.is_empty());
                black_box(scan.packages.len())
            })
        });
    }
    if let Ok(p) = std::env::var("RAMPART_BENCH_IMAGE") {
        let src = ImageSource::Archive(p.into());
        g.bench_function("external", |b| {
            b.iter(|| black_box(scan_image(&src, &opts).expect("scan").packages.len()))
        });
    }
    g.finish();
}

criterion_group!(benches, generated);
criterion_main!(benches);
