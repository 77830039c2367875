//! Every image in shared/data/images: the flattened view (CONTENTS.txt and README state what
//! each image holds), symlink resolution, whiteouts, OCI layouts.

use rampart_image::{
    read_image, FileTree, ImageError, ImageSource, Kind, Limits, ReadError, ScanOptions, SelectAll,
};

use crate::build::{data, tar_of};

fn open(rel: &str, opts: &ScanOptions) -> Result<(rampart_image::ImageMeta, FileTree), ImageError> {
    let src = ImageSource::parse(data(rel).to_str().unwrap()).unwrap();
    read_image(&src, opts, &SelectAll)
}

/// Regular files of the final view with their content, and symlinks with their target.
fn view(tree: &FileTree) -> Vec<String> {
    tree.entries()
        .filter_map(|(p, k)| match k {
            Kind::File => {
                let b = tree.read(p, 40).unwrap();
                Some(if b.len() <= 64 {
                    format!("{p} = {:?}", String::from_utf8_lossy(&b))
                } else {
                    format!("{p} ({} bytes)", b.len())
                })
            }
            Kind::Symlink(t) => Some(format!("{p} -> {t}")),
            _ => None,
        })
        .collect()
}

#[test]
fn flattened_views_match_contents_txt() {
    let cases: &[(&str, &[&str])] = &[
        (
            "images/layerscanning/single-file.tar",
            &[r#"foo.txt = "foo\n""#],
        ),
        (
            "images/layerscanning/basic.tar",
            &[
                "larger-sample.txt (6800 bytes)",
                r#"sample.txt = "sample text file\n""#,
            ],
        ),
        (
            "images/layerscanning/two-files.tar",
            &[r#"bar.txt = "bar""#, r#"foo.txt = "foo""#],
        ),
        (
            "images/layerscanning/multiple-files.tar",
            &[
                r#"dir1/bar.txt = "bar\n""#,
                r#"dir1/baz.txt = "baz\n""#,
                r#"foo.txt = "foo\n""#,
            ],
        ),
        (
            "images/layerscanning/overwrite-file.tar",
            &[r#"sample.txt = "overwritten sample text file\n""#],
        ),
        (
            "images/ggcr-mutate/whiteout_image.tar",
            &[r#"bar.txt = "bar\n""#],
        ),
        (
            "images/ggcr-mutate/whiteout_dir.tar",
            &[r#"a/baz = """#, r#"b/bar = """#],
        ),
        (
            "images/ggcr-mutate/overwritten_file.tar",
            &[r#"bar.txt = "bar\n""#, "foo.txt -> bar.txt"],
        ),
    ];
    for (rel, want) in cases {
        let (_, tree) = open(rel, &ScanOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(view(&tree), *want, "{rel}");
    }
    // Reading through the replacing symlink gives the new content.
    let (meta, tree) = open(
        "images/ggcr-mutate/overwritten_file.tar",
        &ScanOptions::default(),
    )
    .unwrap();
    assert_eq!(&*tree.read("foo.txt", 40).unwrap(), b"bar\n");
    assert_eq!(meta.layers.len(), 3);
    assert_eq!(meta.repo_tags, ["bazel/pkg/v1/mutate:overwritten_file"]);
    assert_eq!(tree.layer_of("bar.txt"), Some(1));
}

#[test]
fn metadata_of_a_docker_save_archive() {
    let (meta, _) = open("images/layerscanning/basic.tar", &ScanOptions::default()).unwrap();
    insta_like(&meta);
}

fn insta_like(meta: &rampart_image::ImageMeta) {
    assert_eq!(meta.repo_tags, ["basic:latest"]);
    // The config member is named by its digest: the computed digest must agree.
    assert_eq!(
        meta.config_digest.as_deref(),
        Some("sha256:cef24537555496e574fe14473659452c20e6ae3b03bdecf5f9a76d1afe14fd1a")
    );
    assert_eq!(meta.layers.len(), 2);
    assert_eq!(meta.layers[0].entries, 1);
    assert!(meta.layers.iter().all(|l| l
        .diff_id
        .as_deref()
        .is_some_and(|d| d.starts_with("sha256:"))));
}

#[test]
fn symlinks_resolve_inside_the_root() {
    let (_, tree) = open(
        "images/layerscanning/symlink-basic.tar",
        &ScanOptions::default(),
    )
    .unwrap();
    for p in [
        "absolute-symlink.txt",
        "relative-symlink.txt",
        "relative-dot-symlink.txt",
        "chain-symlink.txt",
    ] {
        assert_eq!(
            &*tree.read(&format!("dir1/{p}"), 40).unwrap(),
            b"sample text\n",
            "{p}"
        );
    }

    let (_, tree) = open(
        "images/layerscanning/symlink-dangling.tar",
        &ScanOptions::default(),
    )
    .unwrap();
    for p in [
        "dir1/absolute-symlink.txt",
        "dir1/chain-symlink.txt",
        "dir2/dir3/absolute-chain-symlink.txt",
        "dir2/dir3/relative-subfolder-symlink.txt",
    ] {
        let e = tree.read(p, 40).unwrap_err();
        assert!(matches!(e, ReadError::NotFound(_)), "{p}: {e}");
    }

    // `../../secret.txt` and `/../secret.txt` clamp at the root: `secret.txt` in the image,
    // which does not exist. Nothing outside is ever consulted.
    let (_, tree) = open(
        "images/layerscanning/symlink-attack.tar",
        &ScanOptions::default(),
    )
    .unwrap();
    for p in [
        "dir1/attack-symlink.txt",
        "dir1/attack-symlink-absolute.txt",
    ] {
        assert_eq!(tree.resolve(p, 40).unwrap(), "secret.txt");
        assert!(matches!(tree.read(p, 40), Err(ReadError::NotFound(_))));
    }

    let (_, tree) = open(
        "images/layerscanning/symlink-cycle.tar",
        &ScanOptions::default(),
    )
    .unwrap();
    let e = tree.read("dir1/sample.txt", 40).unwrap_err();
    assert!(matches!(e, ReadError::Cycle { .. }), "{e}");

    // Upstream's limit of 6 links fails the chain of 7; our default of 40 follows it.
    let (_, tree) = open(
        "images/layerscanning/symlink-depth-exceeded.tar",
        &ScanOptions::default(),
    )
    .unwrap();
    let e = tree.read("dir1/symlink7.txt", 6).unwrap_err();
    assert_eq!(
        e,
        ReadError::DepthExceeded {
            path: "dir1/symlink7.txt".into(),
            limit: 6
        }
    );
    assert_eq!(
        &*tree
            .read("dir1/symlink7.txt", Limits::default().max_symlink_depth)
            .unwrap(),
        b"sample text\n"
    );
    assert_eq!(
        &*tree.read("dir1/symlink6.txt", 6).unwrap(),
        b"sample text\n"
    );
}

#[test]
fn empty_tar_is_not_an_image() {
    let e = open("images/layerscanning/empty.tar", &ScanOptions::default()).unwrap_err();
    assert!(matches!(e, ImageError::Format { .. }), "{e}");
    assert!(e.to_string().contains("empty.tar"), "{e}");
}

#[test]
fn oci_layouts() {
    let opts = ScanOptions::default();
    let (meta, tree) = open("images/oci-layout/test_index_one_image", &opts).unwrap();
    assert_eq!(view(&tree), [r#"test = "test\n""#]);
    assert_eq!(
        meta.manifest_digest.as_deref(),
        Some("sha256:98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46")
    );
    assert_eq!(meta.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(
        meta.layers[0].media_type.as_deref(),
        Some("application/vnd.oci.image.layer.v1.tar+gzip")
    );

    // Four entries (a manifest, a generic descriptor, a nested index and a Docker manifest
    // list) reach two distinct manifests without platforms: ambiguous, with the choices.
    let e = open("images/oci-layout/test_index", &opts).unwrap_err();
    let ImageError::Ambiguous { choices, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(choices.len(), 2, "{e}");
    assert!(
        choices[0].starts_with("sha256:eebff607") && choices[0].contains("[1, 3, 4]"),
        "{e}"
    );
    assert!(
        choices[1].starts_with("sha256:32589985") && choices[1].contains("[2]"),
        "{e}"
    );
    for (sel, files) in [
        ("1", ["bar", "foo"]),
        ("4", ["bar", "foo"]),
        ("2", ["bat", "baz"]),
    ] {
        let o = ScanOptions {
            select: Some(sel.into()),
            ..ScanOptions::default()
        };
        let (_, tree) = open("images/oci-layout/test_index", &o).unwrap();
        let got: Vec<&str> = tree
            .entries()
            .filter(|(_, k)| **k == Kind::File)
            .map(|(p, _)| p)
            .collect();
        assert_eq!(got, files, "select {sel}");
    }
    // Without entry 2, every path leads to the same manifest; the unreferenced blob is ignored.
    let (meta, _) = open("images/oci-layout/test_gc_index", &opts).unwrap();
    assert_eq!(meta.repo_tags, ["1", "3", "4"]);

    // A Helm chart is an OCI artifact, not a container image.
    let e = open("images/oci-layout/test_index_media_type", &opts).unwrap_err();
    assert!(e.to_string().contains("not a container image"), "{e}");
    // The only manifest's blob is missing.
    let e = open("images/oci-layout/test_gc_image_unknown_mediatype", &opts).unwrap_err();
    assert!(
        e.to_string().contains("blobs/sha256/32589985") && e.to_string().contains("missing"),
        "{e}"
    );
}

/// The same layout packed in a tar reads the same.
#[test]
fn oci_layout_in_a_tar() {
    let dir = data("images/oci-layout/test_index_one_image");
    let mut files = Vec::new();
    for rel in ["oci-layout", "index.json"] {
        files.push((rel.to_owned(), std::fs::read(dir.join(rel)).unwrap()));
    }
    for e in std::fs::read_dir(dir.join("blobs/sha256")).unwrap() {
        let e = e.unwrap();
        files.push((
            format!("blobs/sha256/{}", e.file_name().to_str().unwrap()),
            std::fs::read(e.path()).unwrap(),
        ));
    }
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("layout.tar");
    std::fs::write(&p, tar_of(&files)).unwrap();
    let (_, a) = read_image(
        &ImageSource::parse(p.to_str().unwrap()).unwrap(),
        &ScanOptions::default(),
        &SelectAll,
    )
    .unwrap();
    let (_, b) = open(
        "images/oci-layout/test_index_one_image",
        &ScanOptions::default(),
    )
    .unwrap();
    assert_eq!(view(&a), view(&b));
}

/// The scan output (what the CLI serialises) for images without packages: identity, layers,
/// status. Packages and errors are empty: these fixtures hold no package database.
#[test]
fn scan_output_shape() {
    for rel in [
        "images/ggcr-mutate/whiteout_dir.tar",
        "images/oci-layout/test_index_one_image",
    ] {
        let src = ImageSource::parse(data(rel).to_str().unwrap()).unwrap();
        let mut scan = rampart_image::scan_image(&src, &ScanOptions::default()).unwrap();
        scan.reference = rel.to_owned(); // the absolute path differs per checkout
        let name = rel.rsplit('/').next().unwrap().replace('.', "_");
        insta::assert_json_snapshot!(name, scan);
    }
}

#[test]
fn source_forms() {
    let tar = data("images/layerscanning/basic.tar");
    let t = tar.to_str().unwrap();
    assert_eq!(
        ImageSource::parse(t).unwrap(),
        ImageSource::Archive(tar.clone())
    );
    assert_eq!(
        ImageSource::parse(&format!("docker-archive:{t}")).unwrap(),
        ImageSource::Archive(tar.clone())
    );
    let dir = data("images/oci-layout/test_index");
    assert_eq!(
        ImageSource::parse(dir.to_str().unwrap()).unwrap(),
        ImageSource::OciDir(dir.clone())
    );
    let ImageSource::Registry(r) = ImageSource::parse("docker://debian:12").unwrap() else {
        panic!()
    };
    assert_eq!(r.to_string(), "docker.io/library/debian:12");
    let ImageSource::Registry(r) = ImageSource::parse("ghcr.io/org/app:1.2").unwrap() else {
        panic!()
    };
    assert_eq!(
        (r.api_host(), r.repository.as_str()),
        ("ghcr.io", "org/app")
    );
    // A directory that is not an OCI layout is a root filesystem, not an image.
    let e = ImageSource::parse(data("images").to_str().unwrap()).unwrap_err();
    assert!(e.to_string().contains("scan host"), "{e}");
    // A failed scan still serialises, with its reason.
    let err = ImageSource::parse("/nonexistent.tar").unwrap_err();
    let failed = rampart_image::ImageScan::failed(
        rampart_image::TargetKind::Image,
        "/nonexistent.tar",
        &err,
    );
    let v = serde_json::to_value(&failed).unwrap();
    assert_eq!(v["status"]["state"], "error");
    assert!(v["status"]["message"]
        .as_str()
        .unwrap()
        .contains("/nonexistent.tar"));
}
