//! OS package databases: dpkg, apk, rpm; and os-release.

use crate::{Distro, Package, PkgError};

/// Parsers for OS package databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OsParser {
    OsRelease,
}

/// The OS parser for `path`, if any.
pub fn select(path: &str) -> Option<OsParser> {
    match path {
        "etc/os-release" | "usr/lib/os-release" => Some(OsParser::OsRelease),
        _ => None,
    }
}

/// Parse one OS package database file.
pub fn parse(
    parser: OsParser,
    path: &str,
    _bytes: &[u8],
    _distro: Option<&Distro>,
) -> Result<Vec<Package>, PkgError> {
    match parser {
        // os-release describes the distribution, not packages; see `os::os_release` (to come).
        OsParser::OsRelease => {
            let _ = path;
            Ok(Vec::new())
        }
    }
}
