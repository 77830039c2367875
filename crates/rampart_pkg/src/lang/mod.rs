//! Language package manifests, lockfiles and binaries.

use crate::{Package, PkgError};

/// Parsers for language packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LangParser {
    CargoLock,
}

/// The language parser for `path`, if any.
pub fn select(path: &str) -> Option<LangParser> {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name {
        "Cargo.lock" => Some(LangParser::CargoLock),
        _ => None,
    }
}

/// Whether an executable is worth reading whole (Go binaries).
pub fn select_executable(_path: &str, _header: &[u8]) -> Option<LangParser> {
    None
}

/// Parse one language package file.
pub fn parse(parser: LangParser, path: &str, _bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    match parser {
        LangParser::CargoLock => Err(PkgError::File {
            path: path.to_owned(),
            message: "Cargo.lock parsing not implemented yet".to_owned(),
        }),
    }
}
