//! From a flattened tree to packages: the distribution from os-release first (OS parsers
//! need it), then every selected file through its `rampart_pkg` parser. Parse failures are
//! reported per file and never stop the scan.

use rampart_pkg::{Distro, Parser};

use crate::tree::{Content, FileTree, Kind, ReadError};
use crate::{FileError, FileErrorKind, FoundPackage};

pub(crate) struct Inventory {
    pub(crate) distro: Option<Distro>,
    pub(crate) packages: Vec<FoundPackage>,
    pub(crate) file_errors: Vec<FileError>,
}

const OS_RELEASE: [&str; 2] = ["etc/os-release", "usr/lib/os-release"];

pub(crate) fn inventory(tree: &FileTree, max_depth: usize, layered: bool) -> Inventory {
    let mut file_errors = Vec::new();
    let mut distro = None;
    // os-release(5): /etc/os-release wins over /usr/lib/os-release.
    for path in OS_RELEASE {
        match tree.read(path, max_depth) {
            Ok(bytes) => match rampart_pkg::os::os_release(path, &bytes) {
                Ok(d) => {
                    distro = Some(d);
                    break;
                }
                Err(e) => file_errors.push(FileError {
                    path: path.to_owned(),
                    kind: FileErrorKind::Parse,
                    message: without_path(path, &e.to_string()),
                }),
            },
            Err(ReadError::NotFound(_)) => {}
            Err(e) => file_errors.push(read_error(path, &e)),
        }
    }

    let mut packages = Vec::new();
    // Selected files, and symlinks at OS database paths (`etc/os-release` style aliases; OS
    // files are kept as bytes). A symlink to a language file is listed at its target.
    let candidates = tree.nodes().filter(|(path, node)| {
        node.content.is_some()
            || (matches!(node.kind, Kind::Symlink(_))
                && matches!(rampart_pkg::select(path), Some(Parser::Os(_))))
    });
    for (path, node) in candidates {
        if let Some(Content::Parsed(parsed)) = &node.content {
            match &**parsed {
                Ok(found) => {
                    let layer = layered.then_some(node.layer);
                    packages.extend(found.iter().map(|package| FoundPackage {
                        package: package.clone(),
                        layer,
                    }));
                }
                Err(message) => file_errors.push(FileError {
                    path: path.to_owned(),
                    kind: FileErrorKind::Parse,
                    message: without_path(path, message),
                }),
            }
            continue;
        }
        let bytes = match tree.read(path, max_depth) {
            Ok(b) => b,
            Err(ReadError::NotFound(_)) if matches!(node.kind, Kind::Symlink(_)) => continue,
            Err(e) => {
                file_errors.push(read_error(path, &e));
                continue;
            }
        };
        let parser = match rampart_pkg::select(path) {
            Some(p) => p,
            None => {
                let head = bytes.get(..64).unwrap_or(&bytes);
                match rampart_pkg::select_executable(path, head) {
                    Some(p) => p,
                    None => continue,
                }
            }
        };
        if matches!(parser, Parser::Os(rampart_pkg::os::OsParser::OsRelease)) {
            continue;
        }
        match rampart_pkg::parse(parser, path, &bytes, distro.as_ref()) {
            Ok(found) => {
                let layer = layered.then_some(node.layer);
                packages.extend(
                    found
                        .into_iter()
                        .map(|package| FoundPackage { package, layer }),
                );
            }
            Err(e) => file_errors.push(FileError {
                path: path.to_owned(),
                kind: FileErrorKind::Parse,
                message: without_path(path, &e.to_string()),
            }),
        }
    }
    packages.sort_by(|a, b| a.package.cmp(&b.package));
    Inventory {
        distro,
        packages,
        file_errors,
    }
}

fn read_error(path: &str, e: &ReadError) -> FileError {
    FileError {
        path: path.to_owned(),
        kind: FileErrorKind::Unread,
        message: without_path(path, &e.to_string()),
    }
}

/// Parser and read errors start with the path, which [`FileError::path`] already holds.
fn without_path(path: &str, message: &str) -> String {
    message
        .strip_prefix(path)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(message)
        .to_owned()
}
