//! The flattened view of a filesystem: metadata for every path (type, link target, the layer
//! that last wrote it) and the bytes of the files a [`Selector`] chose. Layers are applied
//! into it one after another (whiteouts, opaque directories, replacements); symlinks are
//! resolved only inside the root.
//!
//! Invariant: keys are normalised relative paths (`a/b/c`: no leading `/`, no empty, `.` or
//! `..` component); the root itself is never a key.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use rampart_pkg::Package;
use serde::Serialize;

/// Chooses which files' bytes are kept while layers stream by.
pub trait Selector {
    /// Whether the regular file at `path` (normalised, relative) should be kept.
    fn select(&self, path: &str) -> bool;
    /// Whether an executable file should be kept, given at least its first 64 bytes (or the
    /// whole file when shorter). Only called when [`Selector::select`] said no.
    fn select_executable(&self, _path: &str, _header: &[u8]) -> bool {
        false
    }
    /// Files whose packages do not depend on the rest of the filesystem (lockfiles, Go
    /// binaries, jars) can be parsed as soon as they are read, so that only their packages are
    /// kept, not their bytes (a root filesystem holds gigabytes of Go binaries). `None` keeps
    /// the bytes.
    fn parse_now(&self, _path: &str, _bytes: &[u8]) -> Option<Result<Vec<Package>, String>> {
        None
    }
}

/// Keeps every regular file (tests and small images only: memory grows with the image).
#[derive(Debug, Clone, Copy, Default)]
pub struct SelectAll;

impl Selector for SelectAll {
    fn select(&self, _path: &str) -> bool {
        true
    }
}

/// Keeps the files `rampart_pkg` has a parser for.
#[derive(Debug, Clone, Copy, Default)]
pub struct PackageFiles;

impl Selector for PackageFiles {
    fn select(&self, path: &str) -> bool {
        rampart_pkg::select(path).is_some()
    }
    fn select_executable(&self, path: &str, header: &[u8]) -> bool {
        rampart_pkg::select_executable(path, header).is_some()
    }
    fn parse_now(&self, path: &str, bytes: &[u8]) -> Option<Result<Vec<Package>, String>> {
        // OS databases wait for os-release (the distribution decides the ecosystem).
        let parser = match rampart_pkg::select(path) {
            Some(rampart_pkg::Parser::Os(_)) => return None,
            Some(p) => p,
            None => rampart_pkg::select_executable(path, bytes.get(..64).unwrap_or(bytes))?,
        };
        Some(rampart_pkg::parse(parser, path, bytes, None).map_err(|e| e.to_string()))
    }
}

/// What a path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink(Box<str>),
    /// Character or block device, fifo, socket.
    Other,
}

/// The content of a selected file, or why it is absent.
#[derive(Debug, Clone)]
pub(crate) enum Content {
    Bytes(Arc<[u8]>),
    /// Parsed as soon as read ([`Selector::parse_now`]): the packages or the parse error.
    Parsed(Arc<Result<Vec<Package>, String>>),
    /// Selected but not kept: the reason (too large, unreadable, hard link to an unread file).
    Unread(Arc<str>),
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    /// Index of the layer that last wrote this path (0 for a host filesystem).
    pub(crate) layer: u32,
    pub(crate) executable: bool,
    /// `Some` only for selected files.
    pub(crate) content: Option<Content>,
}

/// Why a path cannot be read from the tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum ReadError {
    #[error("{0}: no such file in the image")]
    NotFound(String),
    #[error("{0}: is a directory")]
    IsDir(String),
    #[error("{0}: not a regular file")]
    NotFile(String),
    #[error("{path}: too many levels of symbolic links (more than {limit})")]
    DepthExceeded { path: String, limit: usize },
    #[error("{path}: symbolic link cycle")]
    Cycle { path: String },
    #[error("{0}: file was not selected for reading")]
    NotRetained(String),
    #[error("{path}: {reason}")]
    Unread { path: String, reason: String },
}

/// The flattened filesystem.
#[derive(Debug, Default)]
pub struct FileTree {
    nodes: BTreeMap<Box<str>, Node>,
    retained_bytes: u64,
}

impl FileTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of paths.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Bytes of selected files currently kept.
    pub fn retained_bytes(&self) -> u64 {
        self.retained_bytes
    }

    /// Every path with its kind, in byte order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Kind)> {
        self.nodes.iter().map(|(k, n)| (&**k, &n.kind))
    }

    /// The kind of `path` without resolving symlinks, if present.
    pub fn kind(&self, path: &str) -> Option<&Kind> {
        self.nodes.get(path).map(|n| &n.kind)
    }

    /// The layer that last wrote `path` (not resolving symlinks).
    pub fn layer_of(&self, path: &str) -> Option<u32> {
        self.nodes.get(path).map(|n| n.layer)
    }

    /// Paths whose bytes were selected (kept or not), in byte order.
    pub fn selected(&self) -> impl Iterator<Item = &str> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.content.is_some())
            .map(|(k, _)| &**k)
    }

    pub(crate) fn nodes(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(k, n)| (&**k, n))
    }

    pub(crate) fn node(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// Insert or replace `path`. A non-directory replacing a directory hides what lower
    /// layers had below it (overlayfs semantics); the same layer's entries are kept.
    pub(crate) fn insert(&mut self, path: &str, node: Node) {
        let layer = node.layer;
        let is_dir = node.kind == Kind::Dir;
        if let Some(Content::Bytes(b)) = &node.content {
            self.retained_bytes += b.len() as u64;
        }
        if let Some(old) = self.nodes.insert(path.into(), node) {
            self.release(&old);
            if old.kind == Kind::Dir && !is_dir {
                self.remove_below(path, layer);
            }
        }
    }

    /// A whiteout `.wh.<name>` in `layer`: `path` and everything below it from lower layers
    /// disappear.
    pub(crate) fn whiteout(&mut self, path: &str, layer: u32) {
        if self.nodes.get(path).is_some_and(|n| n.layer < layer) {
            if let Some(old) = self.nodes.remove(path) {
                self.release(&old);
            }
        }
        self.remove_below(path, layer);
    }

    /// An opaque directory marker in `layer`: lower layers' content below `dir` disappears.
    /// `dir` is empty for the root.
    pub(crate) fn opaque(&mut self, dir: &str, layer: u32) {
        self.remove_below(dir, layer);
    }

    fn remove_below(&mut self, dir: &str, layer: u32) {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let doomed: Vec<Box<str>> = self
            .nodes
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, n)| n.layer < layer)
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            if let Some(old) = self.nodes.remove(&k) {
                self.release(&old);
            }
        }
    }

    fn release(&mut self, old: &Node) {
        if let Some(Content::Bytes(b)) = &old.content {
            self.retained_bytes = self.retained_bytes.saturating_sub(b.len() as u64);
        }
    }

    /// Resolve `path` (any form: leading `/`, `.`, `..` clamped at the root) to the path of a
    /// non-symlink entry, following symlinks in every component, never leaving the root.
    /// `max_depth` bounds the number of links followed.
    pub fn resolve(&self, path: &str, max_depth: usize) -> Result<String, ReadError> {
        // Components still to walk, in reverse order (a stack), and the resolved prefix.
        let mut todo: Vec<String> = Vec::new();
        push_components(&mut todo, path);
        let mut cur: Vec<String> = Vec::new();
        let mut followed = 0usize;
        let mut seen: Vec<String> = Vec::new();
        let mut revisited = false;
        while let Some(comp) = todo.pop() {
            match comp.as_str() {
                "" | "." => continue,
                ".." => {
                    cur.pop();
                    continue;
                }
                _ => {}
            }
            cur.push(comp);
            let here = cur.join("/");
            match self.nodes.get(here.as_str()).map(|n| &n.kind) {
                Some(Kind::Symlink(target)) => {
                    followed += 1;
                    if seen.contains(&here) {
                        revisited = true;
                    } else {
                        seen.push(here);
                    }
                    if followed > max_depth {
                        let path = path.trim_start_matches('/').to_owned();
                        return Err(if revisited {
                            ReadError::Cycle { path }
                        } else {
                            ReadError::DepthExceeded {
                                path,
                                limit: max_depth,
                            }
                        });
                    }
                    cur.pop();
                    if target.starts_with('/') {
                        cur.clear();
                    }
                    push_components(&mut todo, target);
                }
                Some(Kind::Dir) | None => {}
                Some(_) => {
                    if !todo.iter().all(|c| c.is_empty() || c == ".") {
                        // A file used as a directory.
                        return Err(ReadError::NotFound(path.trim_start_matches('/').into()));
                    }
                }
            }
        }
        Ok(cur.join("/"))
    }

    /// The bytes of the selected file at `path`, following symlinks inside the root.
    pub fn read(&self, path: &str, max_depth: usize) -> Result<Arc<[u8]>, ReadError> {
        let real = self.resolve(path, max_depth)?;
        let node = self
            .nodes
            .get(real.as_str())
            .ok_or_else(|| ReadError::NotFound(display(path, &real)))?;
        match (&node.kind, &node.content) {
            (Kind::Dir, _) => Err(ReadError::IsDir(display(path, &real))),
            (Kind::File, Some(Content::Bytes(b))) => Ok(b.clone()),
            (Kind::File, Some(Content::Parsed(_))) => Err(ReadError::Unread {
                path: display(path, &real),
                reason: "parsed as it was read; only its packages were kept".into(),
            }),
            (Kind::File, Some(Content::Unread(reason))) => Err(ReadError::Unread {
                path: display(path, &real),
                reason: reason.to_string(),
            }),
            (Kind::File, None) => Err(ReadError::NotRetained(display(path, &real))),
            _ => Err(ReadError::NotFile(display(path, &real))),
        }
    }
}

fn display(asked: &str, real: &str) -> String {
    let asked = asked.trim_start_matches('/');
    if asked == real {
        real.to_owned()
    } else {
        format!("{asked} (-> {real})")
    }
}

fn push_components(stack: &mut Vec<String>, path: &str) {
    for c in path.split('/').rev() {
        if !c.is_empty() && c != "." {
            stack.push(c.to_owned());
        }
    }
}

/// Normalise an archive member name to a tree key: strips `./` and leading `/`, drops empty
/// and `.` components. `Err` when a `..` component would leave the root (or any `..` at all:
/// layer tars never need one, and accepting them invites escapes).
pub(crate) fn normalise(name: &str) -> Result<String, ()> {
    let mut out = String::with_capacity(name.len());
    normalise_into(name, &mut out)?;
    Ok(out)
}

/// [`normalise`] into a reused buffer (no allocation per archive entry once it has grown).
pub(crate) fn normalise_into(name: &str, out: &mut String) -> Result<(), ()> {
    out.clear();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(()),
            _ => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(c);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(layer: u32, b: &[u8]) -> Node {
        Node {
            kind: Kind::File,
            layer,
            executable: false,
            content: Some(Content::Bytes(Arc::from(b))),
        }
    }
    fn link(layer: u32, t: &str) -> Node {
        Node {
            kind: Kind::Symlink(t.into()),
            layer,
            executable: false,
            content: None,
        }
    }
    fn dir(layer: u32) -> Node {
        Node {
            kind: Kind::Dir,
            layer,
            executable: false,
            content: None,
        }
    }

    #[test]
    fn resolution_stays_in_root() {
        let mut t = FileTree::new();
        t.insert("etc", dir(0));
        t.insert("usr", dir(0));
        t.insert("usr/lib", dir(0));
        t.insert("usr/lib/os-release", file(0, b"ID=debian\n"));
        t.insert("etc/os-release", link(0, "../usr/lib/os-release"));
        t.insert("lib", link(0, "usr/lib"));
        t.insert("up", link(0, "../../../../usr/lib/os-release"));
        t.insert("abs", link(0, "/../../lib/os-release"));
        for p in [
            "etc/os-release",
            "/lib/os-release",
            "up",
            "abs",
            "lib/../lib/os-release",
        ] {
            assert_eq!(&*t.read(p, 40).unwrap(), b"ID=debian\n", "{p}");
        }
        t.insert("loop", link(0, "loop"));
        assert!(matches!(t.read("loop", 40), Err(ReadError::Cycle { .. })));
        assert_eq!(normalise("./a//b/"), Ok("a/b".into()));
        assert_eq!(normalise("a/../../etc"), Err(()));
    }

    #[test]
    fn whiteouts_only_hit_lower_layers() {
        let mut t = FileTree::new();
        t.insert("a", dir(0));
        t.insert("a/x", file(0, b"x"));
        t.insert("a-b", file(0, b"y"));
        t.insert("a/y", file(1, b"y"));
        t.opaque("a", 1);
        assert!(t.node("a/x").is_none());
        assert!(t.node("a/y").is_some());
        assert!(t.node("a-b").is_some());
        t.whiteout("a", 2);
        assert!(t.node("a").is_none() && t.node("a/y").is_none());
        assert_eq!(t.retained_bytes(), 1);
    }
}
