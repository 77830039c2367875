//! Hostile and broken archives: truncation and corruption give an error naming the archive
//! and member; decompression bombs hit the caps; `..` names are refused; nothing panics.

use rampart_image::{
    read_image, scan_image, ImageError, ImageSource, Limits, ScanOptions, SelectAll,
};

use crate::build::{docker_save_legacy, gzip, layer, zstd, E};

fn write(bytes: &[u8]) -> (tempfile::TempDir, ImageSource) {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("image.tar");
    std::fs::write(&p, bytes).unwrap();
    let src = ImageSource::Archive(p);
    (tmp, src)
}

fn one_layer(blob: Vec<u8>, plain: Vec<u8>) -> Vec<u8> {
    docker_save_legacy(&[blob], &[plain], "x:1")
}

#[test]
fn truncated_archives_name_archive_and_member() {
    let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let plain = layer(&[
        E::File("a.bin", &big),
        E::File("var/lib/dpkg/status", b"Package: a\n"),
    ]);
    let image = one_layer(plain.clone(), plain.clone());
    // Cut inside the layer member: the outer header promises more than there is.
    for cut in [image.len() / 2, 700, 1500] {
        let (_tmp, src) = write(&image[..cut]);
        let e = read_image(&src, &ScanOptions::default(), &SelectAll).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("image.tar"), "{msg}");
        assert!(
            matches!(e, ImageError::Corrupt { .. } | ImageError::Format { .. }),
            "cut {cut}: {msg}"
        );
    }
    // A gzip layer cut short: the layer member is named.
    let gz = gzip(&plain);
    let cut_gz = gz[..gz.len() / 2].to_vec();
    let (_tmp, src) = write(&one_layer(cut_gz, plain.clone()));
    let e = read_image(&src, &ScanOptions::default(), &SelectAll).unwrap_err();
    let ImageError::Corrupt { member, .. } = &e else {
        panic!("{e}")
    };
    assert!(member.contains("/layer.tar"), "{e}");
    // Garbage in a layer.
    let mut bad = plain.clone();
    bad[100..200].fill(0x41);
    let (_tmp, src) = write(&one_layer(bad, plain));
    let e = read_image(&src, &ScanOptions::default(), &SelectAll).unwrap_err();
    assert!(e.to_string().contains("layer.tar"), "{e}");
}

#[test]
fn decompression_is_capped() {
    // 64 MiB of zeros compresses to ~64 KiB (gzip) and far less (zstd).
    let zeros = vec![0u8; 64 << 20];
    let plain = layer(&[E::File("bomb", &zeros)]);
    let limits = Limits {
        max_layer_bytes: 8 << 20,
        ..Limits::default()
    };
    let opts = ScanOptions {
        limits,
        ..ScanOptions::default()
    };
    for blob in [gzip(&plain), zstd(&plain)] {
        assert!(blob.len() < 1 << 20);
        let (_tmp, src) = write(&one_layer(blob, plain.clone()));
        let e = read_image(&src, &opts, &SelectAll).unwrap_err();
        assert!(
            matches!(&e, ImageError::Limit { what, .. } if what.contains("layer")),
            "{e}"
        );
    }
    // The image-wide cap counts across layers.
    let small = layer(&[E::File("f", &vec![0u8; 3 << 20])]);
    let blobs = vec![gzip(&small), gzip(&small), gzip(&small)];
    let image = docker_save_legacy(
        &blobs,
        &[small.clone(), small.clone(), small.clone()],
        "x:1",
    );
    let limits = Limits {
        max_total_bytes: 8 << 20,
        ..Limits::default()
    };
    let (_tmp, src) = write(&image);
    let e = read_image(
        &src,
        &ScanOptions {
            limits,
            ..ScanOptions::default()
        },
        &SelectAll,
    )
    .unwrap_err();
    assert!(
        matches!(&e, ImageError::Limit { what, .. } if what.contains("image")),
        "{e}"
    );
    // A selected file over the per-file cap is reported, not fatal.
    let plain = layer(&[E::File("var/lib/dpkg/status", &vec![b'x'; 4096])]);
    let (_tmp, src) = write(&one_layer(plain.clone(), plain));
    let limits = Limits {
        max_file_bytes: 1024,
        ..Limits::default()
    };
    let scan = scan_image(
        &src,
        &ScanOptions {
            limits,
            ..ScanOptions::default()
        },
    )
    .unwrap();
    assert_eq!(scan.file_errors.len(), 1, "{:?}", scan.file_errors);
    assert!(scan.file_errors[0].message.contains("too large"));
    assert!(scan.packages.is_empty());
}

#[test]
fn path_escapes_are_refused() {
    for name in [&b"../../etc/passwd"[..], b"a/../../x", b"./.."] {
        let plain = layer(&[E::RawFile(name, b"root:x:0:0")]);
        let (_tmp, src) = write(&one_layer(plain.clone(), plain));
        let e = read_image(&src, &ScanOptions::default(), &SelectAll).unwrap_err();
        assert!(matches!(e, ImageError::PathEscape { .. }), "{e}");
    }
    // Absolute names are taken relative to the root (as Docker does).
    let plain = layer(&[E::RawFile(b"/etc/x", b"1")]);
    let (_tmp, src) = write(&one_layer(plain.clone(), plain));
    let (_, tree) = read_image(&src, &ScanOptions::default(), &SelectAll).unwrap();
    assert_eq!(&*tree.read("etc/x", 40).unwrap(), b"1");
    // A manifest.json pointing outside the archive.
    let plain = layer(&[E::File("a", b"1")]);
    let mut b = tar::Builder::new(Vec::new());
    let m = br#"[{"Config":"c.json","RepoTags":[],"Layers":["../../etc/passwd"]}]"#;
    for (n, d) in [
        ("c.json", &b"{}"[..]),
        ("manifest.json", &m[..]),
        ("l.tar", &plain[..]),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(d.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, n, d).unwrap();
    }
    let (_tmp, src) = write(&b.into_inner().unwrap());
    let e = read_image(&src, &ScanOptions::default(), &SelectAll).unwrap_err();
    assert!(matches!(e, ImageError::PathEscape { .. }), "{e}");
}

#[test]
fn not_an_image() {
    let (_tmp, src) = write(b"hello, this is not a tar archive at all, only text that is long enough to fill a block? no.");
    assert!(read_image(&src, &ScanOptions::default(), &SelectAll).is_err());
    let (_tmp, src) = write(&gzip(b"x"));
    let e = read_image(&src, &ScanOptions::default(), &SelectAll).unwrap_err();
    assert!(e.to_string().contains("decompress it first"), "{e}");
    let e = ImageSource::parse("/nonexistent/image.tar").unwrap_err();
    assert!(matches!(e, ImageError::Io { .. }), "{e}");
}
