//! Local images: `docker save` archives (legacy `<id>/layer.tar` and the Docker 25+ layout
//! with `blobs/sha256/...` plus `manifest.json`), OCI image layouts as a directory or a tar.
//! The outer tar is indexed once by reading its headers (member -> offset, size); each layer
//! is then read in place through a window on the file, never copied out.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::layer::{apply_seekable, Applied, Ctx, LayerName};
use crate::oci::{self, Config, Document, SaveEntry};
use crate::tree::{normalise, FileTree, Selector};
use crate::{ImageError, ImageMeta, LayerInfo, ScanOptions};

/// A byte range of a file, readable and seekable on its own (positioned reads: no shared
/// cursor).
pub(crate) struct Window {
    file: File,
    start: u64,
    len: u64,
    pos: u64,
}

impl Window {
    pub(crate) fn new(file: File, start: u64, len: u64) -> Self {
        Self {
            file,
            start,
            len,
            pos: 0,
        }
    }
}

impl Read for Window {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        let Some(buf) = buf.get_mut(..want) else {
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.file.read_at(buf, self.start + self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file shorter than its archive header says (truncated)",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Window {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let new = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
        };
        let new =
            new.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before start"))?;
        self.pos = new;
        Ok(new)
    }
}

/// Where blobs and metadata files live.
enum Store {
    Tar {
        file: File,
        members: HashMap<String, (u64, u64)>,
    },
    Dir(PathBuf),
}

impl Store {
    fn open_tar(path: &Path, label: &str) -> Result<Self, ImageError> {
        let file = File::open(path).map_err(|e| io_err(label, &e))?;
        let len = file.metadata().map_err(|e| io_err(label, &e))?.len();
        let mut magic = [0u8; 6];
        let n =
            crate::layer::read_up_to(&mut Window::new(clone(&file, label)?, 0, len), &mut magic)
                .map_err(|e| io_err(label, &e))?;
        match crate::layer::detect(magic.get(..n).unwrap_or(&[])) {
            Ok(crate::layer::Compression::None) => {}
            Ok(_) => {
                return Err(ImageError::Format {
                    archive: label.into(),
                    message:
                        "compressed archive: decompress it first (docker save writes a plain tar)"
                            .into(),
                })
            }
            Err(m) => {
                return Err(ImageError::Format {
                    archive: label.into(),
                    message: m.into(),
                })
            }
        }
        let mut members = HashMap::new();
        let mut ar = tar::Archive::new(Window::new(clone(&file, label)?, 0, len));
        let entries = ar.entries_with_seek().map_err(|e| ImageError::Corrupt {
            archive: label.into(),
            member: String::new(),
            message: e.to_string(),
        })?;
        let mut last = String::new();
        for entry in entries {
            let entry = entry.map_err(|e| ImageError::Corrupt {
                archive: label.into(),
                member: if last.is_empty() {
                    "(first member)".into()
                } else {
                    format!("after {last}")
                },
                message: e.to_string(),
            })?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            last.clone_from(&raw);
            if !matches!(
                entry.header().entry_type(),
                tar::EntryType::Regular | tar::EntryType::Continuous
            ) {
                continue;
            }
            let Ok(name) = normalise(&raw) else {
                return Err(ImageError::PathEscape {
                    archive: label.into(),
                    member: raw.clone(),
                    path: raw,
                });
            };
            let size = entry.header().entry_size().unwrap_or(0);
            let start = entry.raw_file_position();
            if start.saturating_add(size) > len {
                return Err(ImageError::Corrupt {
                    archive: label.into(),
                    member: raw,
                    message: format!(
                        "truncated: member needs {size} bytes at offset {start}, archive has {len}"
                    ),
                });
            }
            members.insert(name, (start, size));
        }
        Ok(Self::Tar { file, members })
    }

    fn has(&self, name: &str) -> bool {
        match self {
            Self::Tar { members, .. } => members.contains_key(name),
            Self::Dir(root) => root.join(name).is_file(),
        }
    }

    fn open(&self, name: &str, label: &str) -> Result<(Window, u64), ImageError> {
        let Ok(norm) = normalise(name) else {
            return Err(ImageError::PathEscape {
                archive: label.into(),
                member: name.into(),
                path: name.into(),
            });
        };
        match self {
            Self::Tar { file, members } => {
                let &(start, len) = members.get(&norm).ok_or_else(|| missing(label, name))?;
                Ok((Window::new(clone(file, label)?, start, len), len))
            }
            Self::Dir(root) => {
                let p = root.join(&norm);
                let f = File::open(&p).map_err(|e| match e.kind() {
                    io::ErrorKind::NotFound => missing(label, name),
                    _ => io_err(&p.display().to_string(), &e),
                })?;
                let len = f
                    .metadata()
                    .map_err(|e| io_err(&p.display().to_string(), &e))?
                    .len();
                Ok((Window::new(f, 0, len), len))
            }
        }
    }

    fn read_small(&self, name: &str, label: &str, cap: u64) -> Result<Vec<u8>, ImageError> {
        let (mut w, len) = self.open(name, label)?;
        if len > cap {
            return Err(ImageError::Limit {
                archive: label.into(),
                member: name.into(),
                what: "metadata file size",
                limit: cap,
            });
        }
        let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        w.read_to_end(&mut buf).map_err(|e| ImageError::Corrupt {
            archive: label.into(),
            member: name.into(),
            message: e.to_string(),
        })?;
        Ok(buf)
    }

    fn blob_name(digest: &str, label: &str) -> Result<String, ImageError> {
        let hex = oci::digest_hex(digest, label)?;
        Ok(format!("blobs/sha256/{hex}"))
    }

    /// A metadata blob, digest-verified.
    fn blob(&self, digest: &str, label: &str, cap: u64) -> Result<Vec<u8>, ImageError> {
        let name = Self::blob_name(digest, label)?;
        let bytes = self.read_small(&name, label, cap)?;
        oci::verify(&bytes, digest, label)?;
        Ok(bytes)
    }
}

fn clone(file: &File, label: &str) -> Result<File, ImageError> {
    file.try_clone().map_err(|e| io_err(label, &e))
}

fn io_err(path: &str, e: &io::Error) -> ImageError {
    ImageError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn missing(label: &str, name: &str) -> ImageError {
    ImageError::Corrupt {
        archive: label.into(),
        member: name.into(),
        message: "missing from the image".into(),
    }
}

pub(crate) fn read_archive(
    path: &Path,
    options: &ScanOptions,
    selector: &dyn Selector,
) -> Result<(ImageMeta, FileTree), ImageError> {
    let label = path.display().to_string();
    let store = Store::open_tar(path, &label)?;
    if store.has("manifest.json") {
        read_docker_save(&store, &label, options, selector)
    } else if store.has("index.json") {
        read_oci(&store, &label, options, selector)
    } else {
        Err(ImageError::Format {
            archive: label,
            message: "neither a docker save archive (no manifest.json) nor an OCI image layout (no index.json)".into(),
        })
    }
}

pub(crate) fn read_oci_dir(
    path: &Path,
    options: &ScanOptions,
    selector: &dyn Selector,
) -> Result<(ImageMeta, FileTree), ImageError> {
    let label = path.display().to_string();
    let store = Store::Dir(path.into());
    read_oci(&store, &label, options, selector)
}

fn read_docker_save(
    store: &Store,
    label: &str,
    options: &ScanOptions,
    selector: &dyn Selector,
) -> Result<(ImageMeta, FileTree), ImageError> {
    let limits = &options.limits;
    let bytes = store.read_small("manifest.json", label, limits.max_json_bytes)?;
    let entries: Vec<SaveEntry> = oci::parse_json(&bytes, label, "manifest.json")?;
    let entry = pick_save_entry(entries, options.select.as_deref(), label)?;
    let config_bytes = store.read_small(&entry.config, label, limits.max_json_bytes)?;
    let config: Config = oci::parse_json(&config_bytes, label, &entry.config)?;
    let config_digest = format!("sha256:{}", oci::sha256_hex(&config_bytes));
    // Docker 25+ writes an OCI index beside manifest.json: the manifest digest comes from it.
    let manifest_digest = if store.has("index.json") {
        store
            .read_small("index.json", label, limits.max_json_bytes)
            .ok()
            .and_then(|b| serde_json::from_slice::<Document>(&b).ok())
            .and_then(|d| d.manifests)
            .and_then(|m| match m.as_slice() {
                [only] => Some(only.digest.clone()),
                _ => None,
            })
    } else {
        None
    };
    let diff_ids = config.rootfs.clone().unwrap_or_default().diff_ids;
    let mut meta = ImageMeta {
        repo_tags: entry.repo_tags.clone().unwrap_or_default(),
        manifest_digest,
        config_digest: Some(config_digest),
        platform: config.platform(),
        layers: Vec::new(),
    };
    let mut tree = FileTree::new();
    let ctx = Ctx::new(selector, limits);
    for (i, member) in entry.layers.iter().enumerate() {
        let (window, len) = store.open(member, label)?;
        let applied = apply_layer(&mut tree, window, len, i, label, member, &ctx)?;
        let digest = member
            .strip_prefix("blobs/sha256/")
            .map(|h| format!("sha256:{h}"));
        meta.layers.push(LayerInfo {
            digest,
            diff_id: diff_ids.get(i).cloned(),
            media_type: None,
            size: Some(len),
            entries: applied.entries,
        });
    }
    Ok((meta, tree))
}

/// Applies layer `i` (archive member `member`) onto `tree`; shared by the docker-save and OCI
/// layout readers.
fn apply_layer(
    tree: &mut FileTree,
    window: Window,
    len: u64,
    i: usize,
    label: &str,
    member: &str,
    ctx: &Ctx<'_>,
) -> Result<Applied, ImageError> {
    let name = LayerName {
        archive: label.to_owned(),
        member: member.to_owned(),
    };
    let index = u32::try_from(i).unwrap_or(u32::MAX);
    let applied = apply_seekable(tree, window, len, index, &name, ctx)?;
    tracing::debug!(archive = label, layer = i, member = %name.member, entries = applied.entries, "layer applied");
    Ok(applied)
}

fn pick_save_entry(
    mut entries: Vec<SaveEntry>,
    select: Option<&str>,
    label: &str,
) -> Result<SaveEntry, ImageError> {
    let choices = |es: &[SaveEntry]| {
        es.iter()
            .map(|e| match &e.repo_tags {
                Some(t) if !t.is_empty() => t.join(" "),
                _ => e.config.clone(),
            })
            .collect::<Vec<_>>()
    };
    if let Some(sel) = select {
        let pos = entries
            .iter()
            .position(|e| e.config.contains(sel) || e.repo_tags.iter().flatten().any(|t| t == sel));
        return match pos {
            Some(p) => Ok(entries.swap_remove(p)),
            None => Err(ImageError::Ambiguous {
                archive: label.into(),
                message: format!("no image matches {sel:?}"),
                choices: choices(&entries),
            }),
        };
    }
    match entries.len() {
        1 => Ok(entries.swap_remove(0)),
        0 => Err(ImageError::Format {
            archive: label.into(),
            message: "manifest.json lists no image".into(),
        }),
        _ => Err(ImageError::Ambiguous {
            archive: label.into(),
            message: "the archive holds several images".into(),
            choices: choices(&entries),
        }),
    }
}

fn read_oci(
    store: &Store,
    label: &str,
    options: &ScanOptions,
    selector: &dyn Selector,
) -> Result<(ImageMeta, FileTree), ImageError> {
    let limits = &options.limits;
    let bytes = store.read_small("index.json", label, limits.max_json_bytes)?;
    let index: Document = oci::parse_json(&bytes, label, "index.json")?;
    let top = index.manifests.unwrap_or_default();
    let mut fetch = |d: &str| store.blob(d, label, limits.max_json_bytes);
    let candidates = oci::collect_candidates(&top, label, &mut fetch)?;
    let chosen = oci::choose(
        candidates,
        options.select.as_deref(),
        &options.platform,
        label,
    )?;
    let manifest_bytes = store.blob(&chosen.digest, label, limits.max_json_bytes)?;
    let doc: Document = oci::parse_json(&manifest_bytes, label, &chosen.digest)?;
    let (config_desc, layers) = oci::image_manifest(doc, label, &chosen.digest)?;
    let config_bytes = store.blob(&config_desc.digest, label, limits.max_json_bytes)?;
    let config: Config = oci::parse_json(&config_bytes, label, &config_desc.digest)?;
    let diff_ids = config.rootfs.clone().unwrap_or_default().diff_ids;
    let mut meta = ImageMeta {
        repo_tags: chosen.names.clone(),
        manifest_digest: Some(chosen.digest.clone()),
        config_digest: Some(config_desc.digest.clone()),
        platform: config.platform().or(chosen.platform.clone()),
        layers: Vec::new(),
    };
    let mut tree = FileTree::new();
    let ctx = Ctx::new(selector, limits);
    for (i, desc) in layers.iter().enumerate() {
        let member = Store::blob_name(&desc.digest, label)?;
        let (window, len) = store.open(&member, label)?;
        if let Some(size) = desc.size {
            if size != len {
                return Err(ImageError::Corrupt {
                    archive: label.into(),
                    member,
                    message: format!("blob is {len} bytes, the manifest says {size}"),
                });
            }
        }
        let applied = apply_layer(&mut tree, window, len, i, label, &member, &ctx)?;
        meta.layers.push(LayerInfo {
            digest: Some(desc.digest.clone()),
            diff_id: diff_ids.get(i).cloned(),
            media_type: desc.media_type.clone(),
            size: Some(len),
            entries: applied.entries,
        });
    }
    Ok((meta, tree))
}
