//! Package inventory: which files of a root filesystem describe installed packages
//! ([`select`]), and how to read them ([`parse`]). Every parser works on bytes given by the
//! caller (an image layer reader or a host walk in `rampart_image`), so this crate does no
//! IO and the same code serves images, hosts and fuzzing.
//!
//! Paths are relative to the filesystem root, `/`-separated, without a leading `/`
//! (`var/lib/dpkg/status`).

pub mod lang;
mod model;
pub mod os;

pub use model::{Distro, Ecosystem, Package, PkgError};

/// Which parser reads a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Parser {
    Os(os::OsParser),
    Lang(lang::LangParser),
}

/// The parser for the file at `path`, if the file describes packages.
pub fn select(path: &str) -> Option<Parser> {
    os::select(path)
        .map(Parser::Os)
        .or_else(|| lang::select(path).map(Parser::Lang))
}

/// Whether an executable file should be read whole to look for embedded package
/// information (Go build info). `header` is at least the first 64 bytes of the file (or the
/// whole file if shorter).
pub fn select_executable(path: &str, header: &[u8]) -> Option<Parser> {
    lang::select_executable(path, header).map(Parser::Lang)
}

/// Parse one selected file. `distro` is the filesystem's os-release, when known (OS package
/// ecosystems carry the release, e.g. `Debian:12`).
pub fn parse(
    parser: Parser,
    path: &str,
    bytes: &[u8],
    distro: Option<&Distro>,
) -> Result<Vec<Package>, PkgError> {
    match parser {
        Parser::Os(p) => os::parse(p, path, bytes, distro),
        Parser::Lang(p) => lang::parse(p, path, bytes),
    }
}
