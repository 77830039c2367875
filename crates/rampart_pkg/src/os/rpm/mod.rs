//! rpm's package database: three storage backends that each hold one header blob per
//! installed package, and the header blob format itself.
//!
//! A header blob (as stored in the database, without the lead/magic of a package file) is
//! `il` (u32 BE, number of index entries), `dl` (u32 BE, data length), `il` 16-byte entries
//! (tag, type, offset, count; BE) and `dl` bytes of data. Entries after the immutable
//! region ("dribble" entries) replace region entries with the same tag, as rpm's
//! `headerImport` does; here the last entry for a tag wins.

mod bdb;
mod ndb;
mod sqlite;

use super::file_err;
use crate::{Ecosystem, Package, PkgError};

/// rpm's limits (`HEADER_TAGS_MAX`, `HEADER_DATA_MAX`).
const MAX_TAGS: u32 = 0xffff;
const MAX_DATA: u32 = 0x0fff_ffff;

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_I18NSTRING: u32 = 9;

pub(super) fn parse_sqlite(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let blobs = sqlite::package_blobs(bytes).map_err(|m| file_err(path, m))?;
    packages(path, blobs)
}

pub(super) fn parse_bdb(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let blobs = bdb::package_blobs(bytes).map_err(|m| file_err(path, m))?;
    packages(path, blobs)
}

pub(super) fn parse_ndb(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let blobs = ndb::package_blobs(bytes).map_err(|m| file_err(path, m))?;
    packages(path, blobs)
}

/// Header blobs keyed by the database's header number (for error messages).
fn packages<B: AsRef<[u8]>>(path: &str, blobs: Vec<(u64, B)>) -> Result<Vec<Package>, PkgError> {
    blobs
        .iter()
        .map(|(num, blob)| {
            header_package(blob.as_ref(), path)
                .map_err(|m| file_err(path, format!("header #{num}: {m}")))
        })
        .collect()
}

/// The package described by one rpm header blob (as a database stores it). `path` is the
/// package's location. Public for fuzzing and for callers holding a blob.
pub fn rpm_header_package(path: &str, blob: &[u8]) -> Result<Package, PkgError> {
    header_package(blob, path).map_err(|m| file_err(path, m))
}

fn header_package(blob: &[u8], path: &str) -> Result<Package, String> {
    let h = Header::parse(blob)?;
    let name = h.string(TAG_NAME)?.ok_or("no NAME tag")?;
    let version = h.string(TAG_VERSION)?.ok_or("no VERSION tag")?;
    let release = h.string(TAG_RELEASE)?.ok_or("no RELEASE tag")?;
    let epoch = h.int32(TAG_EPOCH)?;
    let arch = h.string(TAG_ARCH)?;
    let sourcerpm = h.string(TAG_SOURCERPM)?;
    let vr = format!("{version}-{release}");
    let full = match epoch {
        Some(e) => format!("{e}:{vr}"),
        None => vr.clone(),
    };
    let (source_name, source_version) = match sourcerpm.and_then(split_source_rpm) {
        Some((sname, sver)) => (
            (sname != name).then(|| sname.to_owned()),
            (sver != vr).then(|| sver.to_owned()),
        ),
        None => (None, None),
    };
    Ok(Package {
        name: name.to_owned(),
        version: full,
        ecosystem: Ecosystem::Rpm,
        source_name,
        source_version,
        arch: arch.map(str::to_owned),
        location: path.to_owned(),
    })
}

/// `bash-5.1-2.el9.src.rpm` -> (`bash`, `5.1-2.el9`).
fn split_source_rpm(s: &str) -> Option<(&str, &str)> {
    let stem = s
        .strip_suffix(".src.rpm")
        .or_else(|| s.strip_suffix(".nosrc.rpm"))?;
    let (rest, _release) = stem.rsplit_once('-')?;
    let (name, _version) = rest.rsplit_once('-')?;
    Some((name, &stem[name.len() + 1..]))
}

struct Header<'a> {
    index: &'a [u8],
    data: &'a [u8],
}

impl<'a> Header<'a> {
    fn parse(blob: &'a [u8]) -> Result<Self, String> {
        let il = be32(blob, 0).ok_or("header shorter than 8 bytes")?;
        let dl = be32(blob, 4).ok_or("header shorter than 8 bytes")?;
        if il == 0 || il > MAX_TAGS {
            return Err(format!("{il} index entries (1..={MAX_TAGS} allowed)"));
        }
        if dl > MAX_DATA {
            return Err(format!("{dl} data bytes (at most {MAX_DATA})"));
        }
        let index_len = il as usize * 16;
        let index = blob
            .get(8..8 + index_len)
            .ok_or_else(|| format!("{il} index entries do not fit in {} bytes", blob.len()))?;
        let data = blob
            .get(8 + index_len..8 + index_len + dl as usize)
            .ok_or_else(|| format!("{dl} data bytes do not fit in {} bytes", blob.len()))?;
        Ok(Self { index, data })
    }

    /// The last index entry for `tag`: (type, offset, count).
    fn entry(&self, tag: u32) -> Option<(u32, usize, u32)> {
        self.index
            .chunks_exact(16)
            .rev()
            .filter(|e| be32(e, 0) == Some(tag))
            .find_map(|e| Some((be32(e, 4)?, be32(e, 8)? as usize, be32(e, 12)?)))
    }

    fn string(&self, tag: u32) -> Result<Option<&'a str>, String> {
        let Some((ty, offset, _count)) = self.entry(tag) else {
            return Ok(None);
        };
        if ty != TYPE_STRING && ty != TYPE_I18NSTRING {
            return Err(format!("tag {tag}: type {ty}, expected a string"));
        }
        let rest = self
            .data
            .get(offset..)
            .ok_or_else(|| format!("tag {tag}: offset {offset} outside the data"))?;
        let end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| format!("tag {tag}: string not terminated"))?;
        std::str::from_utf8(&rest[..end])
            .map(Some)
            .map_err(|e| format!("tag {tag}: not UTF-8: {e}"))
    }

    fn int32(&self, tag: u32) -> Result<Option<u32>, String> {
        let Some((ty, offset, count)) = self.entry(tag) else {
            return Ok(None);
        };
        if ty != TYPE_INT32 || count == 0 {
            return Err(format!(
                "tag {tag}: type {ty} count {count}, expected int32"
            ));
        }
        be32(self.data, offset)
            .map(Some)
            .ok_or_else(|| format!("tag {tag}: offset {offset} outside the data"))
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(s.try_into().ok()?))
}
