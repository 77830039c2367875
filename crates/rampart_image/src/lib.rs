//! Container images and root filesystems turned into package inventories.
//!
//! This crate owns reading images — `docker save` archives (legacy and the OCI-in-docker-save
//! layout of Docker 25+), OCI image layouts (directory or tar), registries over the OCI
//! distribution API — and walking root filesystems. Layers are streamed once, in order, into a
//! [`FileTree`] that keeps metadata for every path and the bytes of the files `rampart_pkg`
//! selects; those files are then parsed into packages. Nothing is extracted to disk.
//!
//! Entry points: [`ImageSource::parse`], [`scan_image`], [`scan_root`]; [`read_image`] and
//! [`read_root`] give the flattened [`FileTree`] for any [`Selector`].
//!
//! Safety invariants: member names with `..` are refused; symlinks are resolved only inside
//! the root (`..` clamps at `/`, at most [`Limits::max_symlink_depth`] links); decompressed
//! bytes are capped per layer and per image, selected files per file and in total.

mod archive;
mod host;
mod inventory;
mod layer;
mod oci;
mod reference;
mod registry;
mod tree;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use reference::Reference;
pub use tree::{FileTree, Kind, PackageFiles, ReadError, SelectAll, Selector};

use rampart_pkg::{Distro, Package};

/// Size and depth caps. Every cap exceeded is an error naming the archive and member, except
/// [`Limits::max_file_bytes`], which leaves that one file unread (reported in
/// [`ImageScan::file_errors`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Decompressed bytes of one layer.
    pub max_layer_bytes: u64,
    /// Decompressed bytes of all layers of an image.
    pub max_total_bytes: u64,
    /// One selected file.
    pub max_file_bytes: u64,
    /// Selected files kept in memory at once.
    pub max_retained_bytes: u64,
    /// Entries in one layer tar.
    pub max_entries: u64,
    /// Manifests, indexes, configs, `manifest.json`.
    pub max_json_bytes: u64,
    /// Symbolic links followed while resolving one path.
    pub max_symlink_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        const GIB: u64 = 1024 * 1024 * 1024;
        Self {
            max_layer_bytes: 16 * GIB,
            max_total_bytes: 64 * GIB,
            max_file_bytes: 512 * 1024 * 1024,
            max_retained_bytes: 2 * GIB,
            max_entries: 2_000_000,
            max_json_bytes: 8 * 1024 * 1024,
            max_symlink_depth: 40,
        }
    }
}

/// The platform picked from a multi-platform index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Default for Platform {
    fn default() -> Self {
        Self {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// Registry access.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Speak plain HTTP instead of HTTPS (a local test registry).
    pub plain_http: bool,
    /// Basic credentials, sent on a Basic challenge and to the token service.
    pub username: Option<String>,
    pub password: Option<String>,
    /// Request timeout in seconds (0: none).
    pub timeout_secs: u64,
}

/// Root filesystem walk.
#[derive(Debug, Clone, Default)]
pub struct HostOptions {
    /// Descend into other mounted filesystems and into `proc`, `sys`, `dev`, `run`.
    pub cross_mounts: bool,
}

/// Everything a scan can be told.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub limits: Limits,
    pub platform: Platform,
    /// In an archive or layout holding several images: the tag, `org.opencontainers.image.ref.name`
    /// or manifest digest to scan.
    pub select: Option<String>,
    pub registry: RegistryOptions,
    pub host: HostOptions,
}

/// An image to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    /// A tar file: `docker save` output or an OCI image layout in a tar.
    Archive(PathBuf),
    /// An OCI image layout directory.
    OciDir(PathBuf),
    /// An image in a registry.
    Registry(Reference),
}

impl ImageSource {
    /// `docker-archive:PATH`, `oci-archive:PATH`, `oci:DIR`, `docker://REF`; else an existing
    /// path (a directory must be an OCI layout); else a registry reference
    /// (`[host[:port]/]repo[:tag][@sha256:...]`, Docker Hub by default).
    pub fn parse(s: &str) -> Result<Self, ImageError> {
        if let Some(p) = s
            .strip_prefix("docker-archive:")
            .or_else(|| s.strip_prefix("oci-archive:"))
        {
            return Ok(Self::Archive(p.into()));
        }
        if let Some(p) = s.strip_prefix("oci:") {
            return Ok(Self::OciDir(p.into()));
        }
        if let Some(r) = s.strip_prefix("docker://") {
            return Reference::parse(r).map(Self::Registry);
        }
        let path = Path::new(s);
        if path.is_dir() {
            if path.join("index.json").is_file() {
                return Ok(Self::OciDir(path.into()));
            }
            return Err(ImageError::Format {
                archive: s.into(),
                message: "a directory without index.json is not an OCI image layout (scan a root filesystem with `scan host`)".into(),
            });
        }
        if path.exists() {
            return Ok(Self::Archive(path.into()));
        }
        if s.starts_with('/') || s.starts_with('.') {
            return Err(ImageError::Io {
                path: s.into(),
                message: "no such file or directory".into(),
            });
        }
        Reference::parse(s).map(Self::Registry)
    }
}

impl std::fmt::Display for ImageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Archive(p) | Self::OciDir(p) => write!(f, "{}", p.display()),
            Self::Registry(r) => write!(f, "{r}"),
        }
    }
}

/// Why an image or root could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum ImageError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{archive}: {member}: {message}")]
    Corrupt {
        archive: String,
        member: String,
        message: String,
    },
    #[error("{archive}: {message}")]
    Format { archive: String, message: String },
    #[error("{archive}: {member}: path escapes the image root: {path:?}")]
    PathEscape {
        archive: String,
        member: String,
        path: String,
    },
    #[error("{archive}: {member}: {what} exceeds the limit of {limit}")]
    Limit {
        archive: String,
        member: String,
        what: &'static str,
        limit: u64,
    },
    #[error("{archive}: {message}; choose one of: {}", choices.join(", "))]
    Ambiguous {
        archive: String,
        message: String,
        choices: Vec<String>,
    },
    #[error("{archive}: {member}: digest mismatch: expected {expected}, got {actual}")]
    Digest {
        archive: String,
        member: String,
        expected: String,
        actual: String,
    },
    #[error("invalid image reference {reference:?}: {message}")]
    Reference { reference: String, message: String },
    #[error("registry {registry}: {message}")]
    Registry { registry: String, message: String },
}

/// Image, host or root filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Image,
    Host,
}

/// Outcome of a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ScanStatus {
    Completed,
    Error { message: String },
}

/// One layer as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerInfo {
    /// Blob digest (compressed, as in the manifest) when known.
    pub digest: Option<String>,
    /// Uncompressed digest from the config's `rootfs.diff_ids`, when given.
    pub diff_id: Option<String>,
    pub media_type: Option<String>,
    /// Blob size in bytes.
    pub size: Option<u64>,
    /// Tar entries read.
    pub entries: u64,
}

/// A package and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundPackage {
    #[serde(flatten)]
    pub package: Package,
    /// Index into [`ImageScan::layers`] of the layer that last wrote the file (images only).
    pub layer: Option<u32>,
}

/// Why a selected file gave no packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileErrorKind {
    /// The parser rejected the content.
    Parse,
    /// The file was not read (too large, hard link to an unread file, symlink out of reach).
    Unread,
    /// Permission denied (host scans): not assessed.
    PermissionDenied,
    /// Other IO error while walking a root filesystem.
    Io,
}

/// A non-fatal problem with one file: the scan went on, the file was not assessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileError {
    pub path: String,
    pub kind: FileErrorKind,
    pub message: String,
}

/// The inventory of an image or root filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageScan {
    pub kind: TargetKind,
    /// What was asked for: the reference, archive path or root path.
    pub reference: String,
    pub repo_tags: Vec<String>,
    pub manifest_digest: Option<String>,
    pub config_digest: Option<String>,
    pub platform: Option<String>,
    pub distro: Option<Distro>,
    pub layers: Vec<LayerInfo>,
    pub packages: Vec<FoundPackage>,
    pub file_errors: Vec<FileError>,
    pub status: ScanStatus,
}

impl ImageScan {
    /// A scan that failed before producing an inventory (status `error`).
    pub fn failed(kind: TargetKind, reference: &str, error: &ImageError) -> Self {
        Self {
            kind,
            reference: reference.to_owned(),
            repo_tags: Vec::new(),
            manifest_digest: None,
            config_digest: None,
            platform: None,
            distro: None,
            layers: Vec::new(),
            packages: Vec::new(),
            file_errors: Vec::new(),
            status: ScanStatus::Error {
                message: error.to_string(),
            },
        }
    }
}

/// What is known about an image besides its files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImageMeta {
    pub repo_tags: Vec<String>,
    pub manifest_digest: Option<String>,
    pub config_digest: Option<String>,
    pub platform: Option<String>,
    pub layers: Vec<LayerInfo>,
}

/// Read an image's layers into a flattened tree, keeping the files `selector` picks.
pub fn read_image(
    source: &ImageSource,
    options: &ScanOptions,
    selector: &dyn Selector,
) -> Result<(ImageMeta, FileTree), ImageError> {
    match source {
        ImageSource::Archive(p) => archive::read_archive(p, options, selector),
        ImageSource::OciDir(p) => archive::read_oci_dir(p, options, selector),
        ImageSource::Registry(r) => registry::read_registry(r, options, selector),
    }
}

/// Apply one layer tar (plain, gzip or zstd, detected by magic) from a stream onto an empty
/// tree. `name` labels errors. The fuzz target drives the layer reader through this.
pub fn read_layer(
    reader: impl std::io::Read,
    name: &str,
    options: &ScanOptions,
    selector: &dyn Selector,
) -> Result<FileTree, ImageError> {
    let mut tree = FileTree::new();
    let layer_name = layer::LayerName {
        archive: name.to_owned(),
        member: "layer".to_owned(),
    };
    let ctx = layer::Ctx::new(selector, &options.limits);
    layer::apply_stream(&mut tree, reader, 0, &layer_name, &ctx)?;
    Ok(tree)
}

/// List the packages of an image.
pub fn scan_image(source: &ImageSource, options: &ScanOptions) -> Result<ImageScan, ImageError> {
    let (meta, tree) = read_image(source, options, &PackageFiles)?;
    let inv = inventory::inventory(&tree, options.limits.max_symlink_depth, true);
    Ok(ImageScan {
        kind: TargetKind::Image,
        reference: source.to_string(),
        repo_tags: meta.repo_tags,
        manifest_digest: meta.manifest_digest,
        config_digest: meta.config_digest,
        platform: meta.platform,
        distro: inv.distro,
        layers: meta.layers,
        packages: inv.packages,
        file_errors: inv.file_errors,
        status: ScanStatus::Completed,
    })
}

/// Walk a root filesystem into a flattened tree. Unreadable files and directories are
/// returned as [`FileError`]s.
pub fn read_root(
    root: &Path,
    options: &ScanOptions,
    selector: &dyn Selector,
) -> Result<(FileTree, Vec<FileError>), ImageError> {
    host::walk(root, options, selector)
}

/// List the packages installed under a root filesystem (`/` for the host).
pub fn scan_root(root: &Path, options: &ScanOptions) -> Result<ImageScan, ImageError> {
    let (tree, mut errors) = host::walk(root, options, &PackageFiles)?;
    let mut inv = inventory::inventory(&tree, options.limits.max_symlink_depth, false);
    errors.append(&mut inv.file_errors);
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(ImageScan {
        kind: TargetKind::Host,
        reference: root.display().to_string(),
        repo_tags: Vec::new(),
        manifest_digest: None,
        config_digest: None,
        platform: None,
        distro: inv.distro,
        layers: Vec::new(),
        packages: inv.packages,
        file_errors: errors,
        status: ScanStatus::Completed,
    })
}
