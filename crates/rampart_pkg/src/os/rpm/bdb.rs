//! rpm's Berkeley DB backend (`Packages`, rpm < 4.16): a Berkeley DB hash database whose
//! keys are header numbers and whose values are header blobs. Read as rpm's read-only
//! `bdb_ro` backend does, without the library: page 0 is the hash metadata page (magic
//! 0x061561, page size, last page number); every hash page (types 2 and 13) holds key/value
//! item pairs; a value is either on the page (`H_KEYDATA`) or in a chain of overflow pages
//! (`H_OFFPAGE`). Byte order is the writing host's, told by the magic. Header number 0
//! is rpm's bookkeeping record, not a package.
//!
//! Databases with page checksums or encryption (never written by rpm) are refused.

const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER: usize = 26;

const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;

const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

pub(super) fn package_blobs(bytes: &[u8]) -> Result<Vec<(u64, Vec<u8>)>, String> {
    let magic_bytes: [u8; 4] = bytes
        .get(12..16)
        .and_then(|s| s.try_into().ok())
        .ok_or("not a Berkeley DB file (shorter than its metadata page)")?;
    let le = if u32::from_le_bytes(magic_bytes) == HASH_MAGIC {
        true
    } else if u32::from_be_bytes(magic_bytes) == HASH_MAGIC {
        false
    } else {
        return Err("not a Berkeley DB hash database (bad magic)".to_owned());
    };
    let r = Reader { b: bytes, le };
    let page_size = r.u32(20)? as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("invalid Berkeley DB page size {page_size}"));
    }
    if r.u8(24)? != 0 {
        return Err("encrypted Berkeley DB not supported".to_owned());
    }
    if r.u8(25)? != P_HASHMETA {
        return Err("page 0 is not a hash metadata page".to_owned());
    }
    if r.u8(26)? & 1 != 0 {
        return Err("Berkeley DB with page checksums not supported".to_owned());
    }
    let last_page = r.u32(32)? as usize;
    let pages = bytes.len() / page_size;
    if last_page >= pages {
        return Err(format!(
            "last page {last_page} beyond the end of the file ({pages} pages of {page_size} bytes)"
        ));
    }
    let mut budget = bytes.len();
    let mut blobs = Vec::new();
    for n in 1..=last_page {
        let page = &bytes[n * page_size..(n + 1) * page_size];
        let p = Reader { b: page, le };
        let kind = p.u8(25)?;
        if kind != P_HASH && kind != P_HASH_UNSORTED {
            continue;
        }
        let entries = usize::from(p.u16(20)?);
        if entries % 2 != 0 {
            return Err(format!("page {n}: odd number of hash items ({entries})"));
        }
        let offset = |i: usize| -> Result<usize, String> {
            let off = usize::from(p.u16(PAGE_HEADER + 2 * i)?);
            if off < PAGE_HEADER || off >= page_size {
                return Err(format!(
                    "page {n}: item {i} at offset {off} outside the page"
                ));
            }
            Ok(off)
        };
        // Items are packed from the end of the page down: item i ends where item i-1 starts.
        let item = |i: usize| -> Result<&[u8], String> {
            let start = offset(i)?;
            let end = if i == 0 { page_size } else { offset(i - 1)? };
            page.get(start..end)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| format!("page {n}: item {i} overlaps the previous one"))
        };
        for pair in 0..entries / 2 {
            let key = item(2 * pair)?;
            let value = item(2 * pair + 1)?;
            if key[0] != H_KEYDATA || key.len() != 5 {
                return Err(format!(
                    "page {n}: key {pair} is not a 4-byte header number"
                ));
            }
            let num = Reader { b: key, le }.u32(1)?;
            if num == 0 {
                continue;
            }
            let blob = match value[0] {
                H_KEYDATA => value[1..].to_vec(),
                H_OFFPAGE => {
                    let v = Reader { b: value, le };
                    let first = v.u32(4)? as usize;
                    let len = v.u32(8)? as usize;
                    if len > budget {
                        return Err(format!("header #{num}: {len} bytes exceed the file"));
                    }
                    budget -= len;
                    overflow(bytes, le, page_size, last_page, first, len)
                        .map_err(|m| format!("header #{num}: {m}"))?
                }
                t => return Err(format!("page {n}: header #{num} has item type {t}")),
            };
            blobs.push((u64::from(num), blob));
        }
    }
    Ok(blobs)
}

/// The `len` bytes stored in the overflow chain starting at page `first`.
fn overflow(
    bytes: &[u8],
    le: bool,
    page_size: usize,
    last_page: usize,
    first: usize,
    len: usize,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(len);
    let mut n = first;
    // Each page adds at least one byte, so a chain longer than the value is a loop.
    for _ in 0..=len {
        if n == 0 || n > last_page {
            return Err(format!("overflow page {n} out of range"));
        }
        let page = &bytes[n * page_size..(n + 1) * page_size];
        let p = Reader { b: page, le };
        if p.u8(25)? != P_OVERFLOW {
            return Err(format!("page {n} is not an overflow page"));
        }
        // On overflow pages the "high free offset" field holds the bytes used.
        let used = usize::from(p.u16(22)?);
        let chunk = page
            .get(PAGE_HEADER..PAGE_HEADER + used)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| format!("overflow page {n}: {used} bytes do not fit"))?;
        out.extend_from_slice(chunk);
        if out.len() > len {
            return Err(format!("overflow chain longer than its {len} bytes"));
        }
        n = p.u32(16)? as usize;
        if n == 0 {
            return if out.len() == len {
                Ok(out)
            } else {
                Err(format!("overflow chain holds {} of {len} bytes", out.len()))
            };
        }
    }
    Err("overflow chain loops".to_owned())
}

struct Reader<'a> {
    b: &'a [u8],
    le: bool,
}

impl Reader<'_> {
    fn u8(&self, at: usize) -> Result<u8, String> {
        self.b
            .get(at)
            .copied()
            .ok_or_else(|| format!("offset {at} beyond the data"))
    }

    fn u16(&self, at: usize) -> Result<u16, String> {
        let s: [u8; 2] = self
            .b
            .get(at..at + 2)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| format!("offset {at} beyond the data"))?;
        Ok(if self.le {
            u16::from_le_bytes(s)
        } else {
            u16::from_be_bytes(s)
        })
    }

    fn u32(&self, at: usize) -> Result<u32, String> {
        let s: [u8; 4] = self
            .b
            .get(at..at + 4)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| format!("offset {at} beyond the data"))?;
        Ok(if self.le {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    }
}
