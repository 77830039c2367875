//! rpm's NDB backend (`Packages.db`, SUSE): a 32-byte header (`RpmP`, version 0, generation,
//! number of 4 KiB slot pages), then the slot pages — 16-byte slots (`Slot`, package index,
//! block offset, block count; the first two slots' room is the header) — then blobs in
//! 16-byte blocks: a 16-byte blob header (`BlbS`, package index, checksum, length) and the
//! header blob. All little-endian. A slot with package index 0 is free.
//!
//! Not checked: the blob's Adler-32 checksum (a damaged blob still has to parse as a
//! header, which is checked).

const SLOT_PAGE: usize = 4096;
const BLOCK: usize = 16;

pub(super) fn package_blobs(bytes: &[u8]) -> Result<Vec<(u64, &[u8])>, String> {
    if bytes.get(0..4) != Some(b"RpmP") {
        return Err("not an rpm NDB database (bad magic)".to_owned());
    }
    let version = le32(bytes, 4)?;
    if version != 0 {
        return Err(format!("NDB version {version} not supported"));
    }
    let slot_pages = le32(bytes, 12)? as usize;
    let slots_end = slot_pages
        .checked_mul(SLOT_PAGE)
        .filter(|&e| e > 0 && e <= bytes.len())
        .ok_or_else(|| format!("{slot_pages} slot pages do not fit in the file"))?;
    let mut blobs = Vec::new();
    for at in (32..slots_end).step_by(16) {
        if bytes.get(at..at + 4) != Some(b"Slot") {
            return Err(format!("slot at offset {at}: bad magic"));
        }
        let pkg = le32(bytes, at + 4)?;
        if pkg == 0 {
            continue;
        }
        let blk_off = le32(bytes, at + 8)? as usize;
        let blk_cnt = le32(bytes, at + 12)? as usize;
        let start = blk_off
            .checked_mul(BLOCK)
            .filter(|&s| s >= slots_end)
            .ok_or_else(|| format!("package {pkg}: block {blk_off} inside the slot pages"))?;
        let area = blk_cnt
            .checked_mul(BLOCK)
            .and_then(|len| bytes.get(start..start.checked_add(len)?))
            .ok_or_else(|| format!("package {pkg}: blocks beyond the end of the file"))?;
        if area.get(0..4) != Some(b"BlbS") {
            return Err(format!("package {pkg}: bad blob magic"));
        }
        if le32(area, 4)? != pkg {
            return Err(format!(
                "package {pkg}: blob belongs to package {}",
                le32(area, 4)?
            ));
        }
        let len = le32(area, 12)? as usize;
        let blob = area
            .get(BLOCK..BLOCK.saturating_add(len))
            .ok_or_else(|| format!("package {pkg}: blob of {len} bytes exceeds its blocks"))?;
        blobs.push((u64::from(pkg), blob));
    }
    Ok(blobs)
}

fn le32(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| format!("offset {at} beyond the data"))
}
