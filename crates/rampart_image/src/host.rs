//! Walking a root filesystem (the host's `/` or an unpacked root) into a [`FileTree`]:
//! symlinks are recorded, never followed (resolution happens inside the tree, so nothing
//! outside the root is read); other mounts and the pseudo filesystems `proc`, `sys`, `dev`,
//! `run` are not entered unless asked; selected files are read under the per-file cap;
//! unreadable files and directories are reported, not fatal.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;

use crate::tree::{Content, FileTree, Kind, Node, Selector};
use crate::{FileError, FileErrorKind, ImageError, ScanOptions};

const PSEUDO: [&str; 4] = ["proc", "sys", "dev", "run"];

pub(crate) fn walk(
    root: &Path,
    options: &ScanOptions,
    selector: &dyn Selector,
) -> Result<(FileTree, Vec<FileError>), ImageError> {
    let label = root.display().to_string();
    let meta = fs::metadata(root).map_err(|e| ImageError::Io {
        path: label.clone(),
        message: e.to_string(),
    })?;
    if !meta.is_dir() {
        return Err(ImageError::Io {
            path: label,
            message: "not a directory".into(),
        });
    }
    let root_dev = meta.dev();
    let mut tree = FileTree::new();
    let mut errors = Vec::new();
    // Depth-first with an explicit stack of relative directory paths.
    let mut stack: Vec<String> = vec![String::new()];
    while let Some(dir) = stack.pop() {
        let abs = if dir.is_empty() {
            root.to_path_buf()
        } else {
            root.join(&dir)
        };
        let rd = match fs::read_dir(&abs) {
            Ok(rd) => rd,
            Err(e) => {
                errors.push(io_error(&dir, &e));
                continue;
            }
        };
        for ent in rd {
            let ent = match ent {
                Ok(e) => e,
                Err(e) => {
                    errors.push(io_error(&dir, &e));
                    continue;
                }
            };
            let name = ent.file_name();
            let Some(name) = name.to_str() else {
                continue; // non-UTF-8 names are never package databases
            };
            let rel = if dir.is_empty() {
                name.to_owned()
            } else {
                format!("{dir}/{name}")
            };
            let md = match ent.metadata() {
                Ok(m) => m,
                Err(e) => {
                    errors.push(io_error(&rel, &e));
                    continue;
                }
            };
            let ft = md.file_type();
            let node = if ft.is_dir() {
                let skip = !options.host.cross_mounts
                    && ((dir.is_empty() && PSEUDO.contains(&name)) || md.dev() != root_dev);
                if skip {
                    tracing::debug!(path = %rel, "not entering a pseudo or other mounted filesystem");
                } else {
                    stack.push(rel.clone());
                }
                Node {
                    kind: Kind::Dir,
                    layer: 0,
                    executable: false,
                    content: None,
                }
            } else if ft.is_symlink() {
                let target = match fs::read_link(ent.path()) {
                    Ok(t) => t.to_string_lossy().into_owned(),
                    Err(e) => {
                        errors.push(io_error(&rel, &e));
                        continue;
                    }
                };
                Node {
                    kind: Kind::Symlink(target.into()),
                    layer: 0,
                    executable: false,
                    content: None,
                }
            } else if ft.is_file() {
                let executable = md.mode() & 0o111 != 0;
                let content = read_selected(
                    &ent.path(),
                    &rel,
                    md.len(),
                    executable,
                    options,
                    selector,
                    &mut errors,
                );
                Node {
                    kind: Kind::File,
                    layer: 0,
                    executable,
                    content,
                }
            } else {
                Node {
                    kind: Kind::Other,
                    layer: 0,
                    executable: false,
                    content: None,
                }
            };
            if let Some(Content::Bytes(b)) = &node.content {
                if tree.retained_bytes() + b.len() as u64 > options.limits.max_retained_bytes {
                    return Err(ImageError::Limit {
                        archive: label,
                        member: rel,
                        what: "selected file bytes kept in memory",
                        limit: options.limits.max_retained_bytes,
                    });
                }
            }
            tree.insert(&rel, node);
        }
    }
    Ok((tree, errors))
}

fn read_selected(
    path: &Path,
    rel: &str,
    size: u64,
    executable: bool,
    options: &ScanOptions,
    selector: &dyn Selector,
    errors: &mut Vec<FileError>,
) -> Option<Content> {
    let selected = selector.select(rel)
        || (executable && size >= 4 && {
            let mut head = [0u8; 64];
            match fs::File::open(path).and_then(|mut f| crate::layer::read_up_to(&mut f, &mut head))
            {
                Ok(n) => head
                    .get(..n)
                    .is_some_and(|h| selector.select_executable(rel, h)),
                Err(_) => false, // an unreadable executable is not known to hold packages
            }
        });
    if !selected {
        return None;
    }
    let cap = options.limits.max_file_bytes;
    if size > cap {
        return Some(Content::Unread(Arc::from(format!(
            "file too large ({size} bytes, limit {cap})"
        ))));
    }
    let mut bytes = Vec::new();
    match fs::File::open(path).and_then(|f| f.take(cap + 1).read_to_end(&mut bytes)) {
        Ok(_) if bytes.len() as u64 > cap => Some(Content::Unread(Arc::from(format!(
            "file too large (over {cap} bytes)"
        )))),
        Ok(_) => Some(match selector.parse_now(rel, &bytes) {
            Some(parsed) => Content::Parsed(Arc::new(parsed)),
            None => Content::Bytes(Arc::from(bytes)),
        }),
        Err(e) => {
            // Reported here (permission denied: not assessed); not a candidate for parsing.
            errors.push(io_error(rel, &e));
            None
        }
    }
}

fn io_error(path: &str, e: &io::Error) -> FileError {
    FileError {
        path: if path.is_empty() {
            "/".into()
        } else {
            path.to_owned()
        },
        kind: if e.kind() == io::ErrorKind::PermissionDenied {
            FileErrorKind::PermissionDenied
        } else {
            FileErrorKind::Io
        },
        message: e.to_string(),
    }
}
