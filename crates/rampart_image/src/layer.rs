//! One layer tar applied onto the [`FileTree`]: compression detected by magic (gzip, zstd,
//! none), every header read once, file data skipped (by seeking when the layer is an
//! uncompressed seekable window) except for selected files, which are read under a cap.
//! Whiteouts and opaque markers delete from lower layers; hard links copy their target's
//! node; names with `..` are refused.

use std::cell::Cell;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::rc::Rc;
use std::sync::Arc;

use crate::tree::{normalise, normalise_into, Content, FileTree, Kind, Node, Selector};
use crate::{ImageError, Limits};

/// Layer compression, from the first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
}

pub(crate) fn detect(magic: &[u8]) -> Result<Compression, &'static str> {
    if magic.starts_with(&[0x1f, 0x8b]) {
        Ok(Compression::Gzip)
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Ok(Compression::Zstd)
    } else if magic.starts_with(b"BZh") {
        Err("bzip2-compressed layers are not supported")
    } else if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Err("xz-compressed layers are not supported")
    } else {
        Ok(Compression::None)
    }
}

/// Where a layer comes from, for error messages.
#[derive(Debug, Clone)]
pub(crate) struct LayerName {
    /// The archive, directory or registry reference.
    pub(crate) archive: String,
    /// The member / blob within it.
    pub(crate) member: String,
}

/// What every layer of one image is read with: the selector, the caps, and the decompressed
/// byte counter shared across layers.
pub(crate) struct Ctx<'a> {
    pub(crate) selector: &'a dyn Selector,
    pub(crate) limits: &'a Limits,
    pub(crate) total: Rc<Cell<u64>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(selector: &'a dyn Selector, limits: &'a Limits) -> Self {
        Self {
            selector,
            limits,
            total: Rc::default(),
        }
    }
}

/// A reader that counts decompressed bytes and fails once a cap is passed.
struct Capped<R> {
    inner: R,
    layer: u64,
    layer_cap: u64,
    total: Rc<Cell<u64>>,
    total_cap: u64,
    tripped: Rc<Cell<Option<&'static str>>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.layer += n as u64;
        self.total.set(self.total.get() + n as u64);
        if self.layer > self.layer_cap {
            self.tripped.set(Some("decompressed layer size"));
            return Err(io::Error::other("decompressed layer size limit"));
        }
        if self.total.get() > self.total_cap {
            self.tripped.set(Some("decompressed image size"));
            return Err(io::Error::other("decompressed image size limit"));
        }
        Ok(n)
    }
}

/// Summary of one applied layer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Applied {
    pub(crate) entries: u64,
}

/// Apply a layer from a seekable source of `len` bytes. Uncompressed layers skip file data
/// by seeking; compressed ones are decoded as a stream.
pub(crate) fn apply_seekable<R: Read + Seek>(
    tree: &mut FileTree,
    mut src: R,
    len: u64,
    index: u32,
    name: &LayerName,
    ctx: &Ctx<'_>,
) -> Result<Applied, ImageError> {
    let limits = ctx.limits;
    let mut magic = [0u8; 6];
    let got = read_up_to(&mut src, &mut magic).map_err(|e| corrupt(name, "", &e))?;
    src.seek(io::SeekFrom::Start(0))
        .map_err(|e| corrupt(name, "", &e))?;
    match detect(&magic[..got]).map_err(|m| format_err(name, m))? {
        Compression::None => {
            if len > limits.max_layer_bytes {
                return Err(ImageError::Limit {
                    archive: name.archive.clone(),
                    member: name.member.clone(),
                    what: "layer size",
                    limit: limits.max_layer_bytes,
                });
            }
            ctx.total.set(ctx.total.get() + len);
            if ctx.total.get() > limits.max_total_bytes {
                return Err(ImageError::Limit {
                    archive: name.archive.clone(),
                    member: name.member.clone(),
                    what: "image size",
                    limit: limits.max_total_bytes,
                });
            }
            let mut ar = tar::Archive::new(src);
            let entries = ar.entries_with_seek().map_err(|e| corrupt(name, "", &e))?;
            apply_entries(tree, entries, index, name, ctx, &Cell::new(None))
        }
        _ => apply_stream(tree, src, index, name, ctx),
    }
}

/// Apply a layer from a stream (registry download, compressed blob).
pub(crate) fn apply_stream<R: Read>(
    tree: &mut FileTree,
    src: R,
    index: u32,
    name: &LayerName,
    ctx: &Ctx<'_>,
) -> Result<Applied, ImageError> {
    let limits = ctx.limits;
    let mut src = BufReader::with_capacity(64 * 1024, src);
    let magic = src.fill_buf().map_err(|e| corrupt(name, "", &e))?;
    let compression = detect(magic).map_err(|m| format_err(name, m))?;
    let decoded: Box<dyn Read + '_> = match compression {
        Compression::None => Box::new(src),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(src)),
        Compression::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new(src)
                .map_err(|e| format_err_owned(name, format!("zstd: {e}")))?,
        ),
    };
    let tripped = Rc::new(Cell::new(None));
    let capped = Capped {
        inner: decoded,
        layer: 0,
        layer_cap: limits.max_layer_bytes,
        total: ctx.total.clone(),
        total_cap: limits.max_total_bytes,
        tripped: tripped.clone(),
    };
    let mut ar = tar::Archive::new(capped);
    let entries = ar.entries().map_err(|e| corrupt(name, "", &e))?;
    let res = apply_entries(tree, entries, index, name, ctx, &tripped);
    if let Some(what) = tripped.get() {
        return Err(ImageError::Limit {
            archive: name.archive.clone(),
            member: name.member.clone(),
            what,
            limit: if what == "decompressed layer size" {
                limits.max_layer_bytes
            } else {
                limits.max_total_bytes
            },
        });
    }
    let applied = res?;
    // Drain what follows the end-of-archive blocks so a digest-checking reader sees every
    // byte; bounded by the caps above.
    let mut rest = ar.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|e| corrupt(name, "", &e))?;
    if let Some(what) = tripped.get() {
        return Err(ImageError::Limit {
            archive: name.archive.clone(),
            member: name.member.clone(),
            what,
            limit: limits.max_layer_bytes.min(limits.max_total_bytes),
        });
    }
    Ok(applied)
}

fn apply_entries<'a, R: Read + 'a>(
    tree: &mut FileTree,
    entries: tar::Entries<'a, R>,
    index: u32,
    name: &LayerName,
    ctx: &Ctx<'_>,
    tripped: &Cell<Option<&'static str>>,
) -> Result<Applied, ImageError> {
    let (selector, limits) = (ctx.selector, ctx.limits);
    let mut applied = Applied::default();
    let mut last = String::new();
    let mut path = String::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| {
            if tripped.get().is_some() {
                format_err(name, "decompression limit")
            } else {
                corrupt_after(name, &last, &e)
            }
        })?;
        applied.entries += 1;
        if applied.entries > limits.max_entries {
            return Err(ImageError::Limit {
                archive: name.archive.clone(),
                member: name.member.clone(),
                what: "entries per layer",
                limit: limits.max_entries,
            });
        }
        // `raw` and `path` are reused buffers: no allocation per entry for unselected files.
        last.clear();
        last.push_str(&String::from_utf8_lossy(&entry.path_bytes()));
        let raw = last.as_str();
        normalise_into(raw, &mut path).map_err(|()| ImageError::PathEscape {
            archive: name.archive.clone(),
            member: name.member.clone(),
            path: raw.to_owned(),
        })?;
        let (parent, base) = match path.rsplit_once('/') {
            Some((p, b)) => (p, b),
            None => ("", path.as_str()),
        };
        if let Some(hidden) = base.strip_prefix(".wh.") {
            if hidden == ".wh..opq" {
                tree.opaque(parent, index);
            } else if !hidden.is_empty() {
                let target = if parent.is_empty() {
                    hidden.to_owned()
                } else {
                    format!("{parent}/{hidden}")
                };
                tree.whiteout(&target, index);
            }
            continue;
        }
        if path.is_empty() {
            continue; // the root directory entry `./`
        }
        let header = entry.header();
        let executable = header.mode().map(|m| m & 0o111 != 0).unwrap_or(false);
        let size = header.entry_size().unwrap_or(0);
        let kind = header.entry_type();
        let node = match kind {
            tar::EntryType::Directory => Node {
                kind: Kind::Dir,
                layer: index,
                executable,
                content: None,
            },
            tar::EntryType::Symlink => {
                let target = link_target(&entry);
                Node {
                    kind: Kind::Symlink(target.into()),
                    layer: index,
                    executable: false,
                    content: None,
                }
            }
            tar::EntryType::Link => {
                let target = link_target(&entry);
                let target = normalise(&target).map_err(|()| ImageError::PathEscape {
                    archive: name.archive.clone(),
                    member: name.member.clone(),
                    path: format!("{raw} (hard link to {target})"),
                })?;
                hard_link(tree, &path, &target, index, selector)
            }
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                let content = read_selected(&mut entry, &path, size, executable, selector, limits)
                    .map_err(|e| corrupt(name, raw, &e))?;
                Node {
                    kind: Kind::File,
                    layer: index,
                    executable,
                    content,
                }
            }
            _ => Node {
                kind: Kind::Other,
                layer: index,
                executable: false,
                content: None,
            },
        };
        if let Some(Content::Bytes(b)) = &node.content {
            if tree.retained_bytes() + b.len() as u64 > limits.max_retained_bytes {
                return Err(ImageError::Limit {
                    archive: name.archive.clone(),
                    member: format!("{} ({raw})", name.member),
                    what: "selected file bytes kept in memory",
                    limit: limits.max_retained_bytes,
                });
            }
        }
        tree.insert(&path, node);
    }
    Ok(applied)
}

/// A hard link becomes a copy of its target's node (content shared).
/// The link name of a symlink or hard link entry, lossily decoded; empty when the entry has none.
fn link_target<R: Read>(entry: &tar::Entry<'_, R>) -> String {
    entry
        .link_name_bytes()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn hard_link(
    tree: &FileTree,
    path: &str,
    target: &str,
    index: u32,
    selector: &dyn Selector,
) -> Node {
    match tree.node(target) {
        Some(t) if t.kind == Kind::File => {
            let content = match &t.content {
                Some(c) => Some(c.clone()),
                None if selector.select(path) => Some(Content::Unread(Arc::from(format!(
                    "hard link to {target}, whose content was not read"
                )))),
                None => None,
            };
            Node {
                kind: Kind::File,
                layer: index,
                executable: t.executable,
                content,
            }
        }
        _ => Node {
            kind: Kind::File,
            layer: index,
            executable: false,
            content: selector.select(path).then(|| {
                Content::Unread(Arc::from(format!(
                    "hard link to {target}, which is not a file in the image"
                )))
            }),
        },
    }
}

/// Read a regular file's bytes if selected; `Ok(None)` when not selected (its data is then
/// skipped by the archive iterator).
fn read_selected<R: Read>(
    entry: &mut R,
    path: &str,
    size: u64,
    executable: bool,
    selector: &dyn Selector,
    limits: &Limits,
) -> io::Result<Option<Content>> {
    let mut head = Vec::new();
    let selected = if selector.select(path) {
        true
    } else if executable && size >= 4 {
        let mut buf = [0u8; 64];
        let n = read_up_to(entry, &mut buf)?;
        let Some(h) = buf.get(..n) else {
            return Ok(None);
        };
        if selector.select_executable(path, h) {
            head.extend_from_slice(h);
            true
        } else {
            false
        }
    } else {
        false
    };
    if !selected {
        return Ok(None);
    }
    if size > limits.max_file_bytes {
        return Ok(Some(Content::Unread(Arc::from(format!(
            "file too large ({size} bytes, limit {})",
            limits.max_file_bytes
        )))));
    }
    let mut bytes = head;
    bytes.reserve_exact(
        usize::try_from(size)
            .unwrap_or(0)
            .saturating_sub(bytes.len()),
    );
    entry
        .take(limits.max_file_bytes + 1)
        .read_to_end(&mut bytes)?;
    Ok(Some(match selector.parse_now(path, &bytes) {
        Some(parsed) => Content::Parsed(Arc::new(parsed)),
        None => Content::Bytes(Arc::from(bytes)),
    }))
}

pub(crate) fn read_up_to<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let Some(rest) = buf.get_mut(n..) else { break };
        match r.read(rest) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn corrupt(name: &LayerName, member: &str, e: &io::Error) -> ImageError {
    ImageError::Corrupt {
        archive: name.archive.clone(),
        member: if member.is_empty() {
            name.member.clone()
        } else {
            format!("{} ({member})", name.member)
        },
        message: e.to_string(),
    }
}

fn corrupt_after(name: &LayerName, last: &str, e: &io::Error) -> ImageError {
    let message = if last.is_empty() {
        format!("{e} (at the first entry)")
    } else {
        format!("{e} (after entry {last})")
    };
    ImageError::Corrupt {
        archive: name.archive.clone(),
        member: name.member.clone(),
        message,
    }
}

fn format_err(name: &LayerName, m: &str) -> ImageError {
    format_err_owned(name, m.to_owned())
}

fn format_err_owned(name: &LayerName, message: String) -> ImageError {
    ImageError::Corrupt {
        archive: name.archive.clone(),
        member: name.member.clone(),
        message,
    }
}
