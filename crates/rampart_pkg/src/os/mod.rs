//! OS package databases — dpkg (`status`, distroless `status.d`), apk (`installed`), rpm
//! (SQLite, Berkeley DB hash and NDB backends, with the rpm header blobs they hold) — and the
//! distribution from os-release. Everything here reads bytes handed over by the caller.
//!
//! Which packages are listed follows the package manager's own listing tool, checked in the
//! tests: dpkg as `dpkg-query -W` (every package whose status is not `not-installed`), rpm as
//! `rpm -qa` (every header in the database, `gpg-pubkey` included), apk as `apk info` (every
//! record of the installed database).

mod apk;
mod dpkg;
mod os_release;
mod rpm;

pub use os_release::os_release;
pub use rpm::rpm_header_package;

use crate::{Distro, Ecosystem, Package, PkgError};

/// Parsers for OS package databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OsParser {
    /// `etc/os-release`, `usr/lib/os-release`: the distribution ([`os_release`]), no packages.
    OsRelease,
    /// `var/lib/dpkg/status`.
    DpkgStatus,
    /// `var/lib/dpkg/status.d/<package>`: distroless images, one file per package.
    DpkgStatusD,
    /// `lib/apk/db/installed`.
    ApkInstalled,
    /// `rpmdb.sqlite` (rpm >= 4.16).
    RpmSqlite,
    /// `Packages` (Berkeley DB hash, rpm < 4.16).
    RpmBdb,
    /// `Packages.db` (NDB, SUSE).
    RpmNdb,
}

impl OsParser {
    /// The largest file this parser accepts, in bytes. The caller may check it before reading
    /// a file; [`parse`] checks it again. Real databases are far smaller (a 2,000-package rpm
    /// SQLite database is about 150 MB; a dpkg status file with 5,000 packages about 10 MB).
    pub fn max_size(self) -> u64 {
        match self {
            Self::OsRelease => 64 * 1024,
            Self::DpkgStatus | Self::ApkInstalled => 256 * 1024 * 1024,
            Self::DpkgStatusD => 16 * 1024 * 1024,
            Self::RpmSqlite | Self::RpmBdb | Self::RpmNdb => 2 * 1024 * 1024 * 1024,
        }
    }
}

/// The OS parser for `path` (root-relative, no leading `/`), if any. Exact path matches
/// only: this runs on every path of an image.
pub fn select(path: &str) -> Option<OsParser> {
    match path {
        "etc/os-release" | "usr/lib/os-release" => Some(OsParser::OsRelease),
        "var/lib/dpkg/status" => Some(OsParser::DpkgStatus),
        "lib/apk/db/installed" => Some(OsParser::ApkInstalled),
        "var/lib/rpm/rpmdb.sqlite" | "usr/lib/sysimage/rpm/rpmdb.sqlite" => {
            Some(OsParser::RpmSqlite)
        }
        "var/lib/rpm/Packages" => Some(OsParser::RpmBdb),
        "var/lib/rpm/Packages.db" | "usr/lib/sysimage/rpm/Packages.db" => Some(OsParser::RpmNdb),
        _ => {
            let name = path.strip_prefix("var/lib/dpkg/status.d/")?;
            // Distroless writes `<package>` and `<package>.md5sums` side by side.
            (!name.is_empty()
                && !name.contains('/')
                && !name.starts_with('.')
                && !name.ends_with(".md5sums"))
            .then_some(OsParser::DpkgStatusD)
        }
    }
}

/// Parse one OS package database file. os-release gives no packages (read it with
/// [`os_release`]). `distro` decides Debian versus Ubuntu for dpkg; without it, dpkg
/// packages are Debian's.
pub fn parse(
    parser: OsParser,
    path: &str,
    bytes: &[u8],
    distro: Option<&Distro>,
) -> Result<Vec<Package>, PkgError> {
    let limit = parser.max_size();
    if bytes.len() as u64 > limit {
        return Err(PkgError::TooLarge {
            path: path.to_owned(),
            size: bytes.len() as u64,
            limit,
        });
    }
    match parser {
        OsParser::OsRelease => Ok(Vec::new()),
        OsParser::DpkgStatus => dpkg::parse(path, bytes, dpkg_ecosystem(distro), false),
        OsParser::DpkgStatusD => dpkg::parse(path, bytes, dpkg_ecosystem(distro), true),
        OsParser::ApkInstalled => apk::parse(path, bytes),
        OsParser::RpmSqlite => rpm::parse_sqlite(path, bytes),
        OsParser::RpmBdb => rpm::parse_bdb(path, bytes),
        OsParser::RpmNdb => rpm::parse_ndb(path, bytes),
    }
}

/// Ubuntu and its derivatives (`ID=ubuntu` or `ubuntu` in `ID_LIKE`) publish advisories as
/// Ubuntu; every other dpkg distribution is matched against Debian's.
fn dpkg_ecosystem(distro: Option<&Distro>) -> Ecosystem {
    match distro {
        Some(d) if d.id == "ubuntu" || d.id_like.iter().any(|l| l == "ubuntu") => Ecosystem::Ubuntu,
        _ => Ecosystem::Debian,
    }
}

fn file_err(path: &str, message: impl Into<String>) -> PkgError {
    PkgError::File {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn line_err(path: &str, line: usize, message: impl Into<String>) -> PkgError {
    PkgError::Line {
        path: path.to_owned(),
        line,
        message: message.into(),
    }
}
