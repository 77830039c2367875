//! rpm's SQLite backend (`rpmdb.sqlite`, rpm >= 4.16): the `Packages` table
//! (`hnum INTEGER PRIMARY KEY, blob BLOB`) read straight from the file bytes with a minimal
//! read-only walk of SQLite's table B-trees (https://www.sqlite.org/fileformat2.html):
//! `sqlite_schema` on page 1 gives the table's root page; the table's leaf cells give each
//! row's record, whose second column is the header blob.
//!
//! Why not the sqlite library: it reads files, not bytes (`sqlite3_deserialize` aside), and
//! a C build for a two-column table scan. Limits: the main file only — rows still in a
//! `-wal` file that was never checkpointed are not seen (rpm checkpoints when it closes the
//! database). Every page is visited at most once and the payload bytes gathered are
//! bounded by the file size, so a crafted file cannot loop or allocate without bound.

const MAGIC: &[u8; 16] = b"SQLite format 3\0";

pub(super) fn package_blobs(bytes: &[u8]) -> Result<Vec<(u64, Vec<u8>)>, String> {
    let mut db = Db::open(bytes)?;
    let mut root = None;
    db.walk_table(1, &mut |_, record| {
        let cols = record_columns(&record)?;
        if let (Some(Value::Text(b"table")), Some(Value::Text(b"Packages"))) =
            (cols.first(), cols.get(1))
        {
            match cols.get(3) {
                Some(Value::Int(n)) if *n > 0 && *n <= i64::from(u32::MAX) => {
                    root = Some(*n as u32);
                }
                _ => return Err("sqlite_schema: Packages has no valid root page".to_owned()),
            }
        }
        Ok(())
    })?;
    let root = root.ok_or("no Packages table (not an rpm database?)")?;
    let mut blobs = Vec::new();
    db.walk_table(root, &mut |rowid, record| {
        let cols = record_columns(&record)?;
        match cols.get(1) {
            Some(Value::Blob(b)) => {
                blobs.push((rowid as u64, b.to_vec()));
                Ok(())
            }
            _ => Err(format!("Packages row {rowid}: second column is not a blob")),
        }
    })?;
    Ok(blobs)
}

struct Db<'a> {
    bytes: &'a [u8],
    page_size: usize,
    usable: usize,
    visited: Vec<bool>,
    /// Payload bytes still allowed to be gathered (starts at the file size).
    budget: usize,
}

impl<'a> Db<'a> {
    fn open(bytes: &'a [u8]) -> Result<Self, String> {
        if bytes.len() < 100 || &bytes[..16] != MAGIC {
            return Err("not an SQLite database (bad magic)".to_owned());
        }
        let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
            1 => 65536,
            n => usize::from(n),
        };
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(format!("invalid SQLite page size {page_size}"));
        }
        let usable = page_size - usize::from(bytes[20]);
        if usable < 480 {
            return Err(format!("invalid SQLite usable page size {usable}"));
        }
        let encoding = u32::from_be_bytes([bytes[56], bytes[57], bytes[58], bytes[59]]);
        if encoding > 1 {
            return Err(format!(
                "SQLite text encoding {encoding} (UTF-16) not supported"
            ));
        }
        let pages = bytes.len() / page_size;
        Ok(Self {
            bytes,
            page_size,
            usable,
            visited: vec![false; pages + 1],
            budget: bytes.len(),
        })
    }

    fn page(&self, n: u32) -> Result<&'a [u8], String> {
        let start = (n as usize)
            .checked_sub(1)
            .and_then(|i| i.checked_mul(self.page_size))
            .ok_or_else(|| format!("page number {n} out of range"))?;
        self.bytes
            .get(start..start + self.page_size)
            .ok_or_else(|| format!("page {n} beyond the end of the file"))
    }

    /// Every row of the table rooted at `root`, in rowid order: `f(rowid, record)`.
    fn walk_table(
        &mut self,
        root: u32,
        f: &mut dyn FnMut(i64, Vec<u8>) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            match self.visited.get_mut(n as usize) {
                Some(v) if !*v => *v = true,
                Some(_) => return Err(format!("page {n} reached twice (corrupt B-tree)")),
                None => return Err(format!("page {n} beyond the end of the file")),
            }
            let page = self.page(n)?;
            let hdr = if n == 1 { 100 } else { 0 };
            let kind = *page.get(hdr).ok_or("short page")?;
            let cells = usize::from(be16(page, hdr + 3)?);
            match kind {
                // Interior table page: children in key order, then the right-most pointer.
                5 => {
                    let mut children = Vec::with_capacity(cells + 1);
                    for i in 0..cells {
                        let at = usize::from(be16(page, hdr + 12 + 2 * i)?);
                        children.push(be32(page, at)?);
                    }
                    children.push(be32(page, hdr + 8)?);
                    stack.extend(children.into_iter().rev());
                }
                13 => {
                    for i in 0..cells {
                        let at = usize::from(be16(page, hdr + 8 + 2 * i)?);
                        let (rowid, record) = self.leaf_cell(page, at)?;
                        f(rowid, record)?;
                    }
                }
                k => return Err(format!("page {n}: type {k} is not a table B-tree page")),
            }
        }
        Ok(())
    }

    /// A table leaf cell's rowid and full payload (following overflow pages).
    fn leaf_cell(&mut self, page: &[u8], at: usize) -> Result<(i64, Vec<u8>), String> {
        let (size, n1) = varint(page, at)?;
        let (rowid, n2) = varint(page, at + n1)?;
        let size = usize::try_from(size).map_err(|_| "payload size overflow")?;
        if size > self.budget {
            return Err(format!(
                "row {rowid}: payload of {size} bytes exceeds the file"
            ));
        }
        self.budget -= size;
        let start = at + n1 + n2;
        let u = self.usable;
        let x = u - 35;
        let local = if size <= x {
            size
        } else {
            let m = ((u - 12) * 32 / 255) - 23;
            let k = m + ((size - m) % (u - 4));
            if k <= x {
                k
            } else {
                m
            }
        };
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(
            page.get(start..start + local)
                .ok_or_else(|| format!("row {rowid}: cell beyond its page"))?,
        );
        if local < size {
            let mut next = be32(page, start + local)?;
            while out.len() < size {
                let p = self.page(next)?;
                let take = (size - out.len()).min(u - 4);
                out.extend_from_slice(p.get(4..4 + take).ok_or("short overflow page")?);
                next = be32(p, 0)?;
                if next == 0 && out.len() < size {
                    return Err(format!("row {rowid}: overflow chain ends early"));
                }
            }
        }
        Ok((rowid as i64, out))
    }
}

enum Value<'a> {
    Null,
    Int(i64),
    Other,
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

/// The columns of a record (header of serial types, then the values).
fn record_columns(record: &[u8]) -> Result<Vec<Value<'_>>, String> {
    let (hsize, n) = varint(record, 0)?;
    let hsize = usize::try_from(hsize).map_err(|_| "record header size overflow")?;
    if hsize > record.len() || hsize < n {
        return Err("record header larger than the record".to_owned());
    }
    let mut cols = Vec::new();
    let mut pos = n;
    let mut body = hsize;
    while pos < hsize {
        let (ty, k) = varint(record, pos)?;
        pos += k;
        let len = match ty {
            0 | 8 | 9 | 10 | 11 => 0,
            1..=4 => ty as usize,
            5 => 6,
            6 | 7 => 8,
            t => ((t - 12) / 2) as usize,
        };
        let v = record
            .get(body..body.checked_add(len).ok_or("record value overflow")?)
            .ok_or("record value beyond the record")?;
        body += len;
        cols.push(match ty {
            0 => Value::Null,
            1..=6 => {
                let mut x: i64 = if v.first().is_some_and(|b| b & 0x80 != 0) {
                    -1
                } else {
                    0
                };
                for b in v {
                    x = (x << 8) | i64::from(*b);
                }
                Value::Int(x)
            }
            8 => Value::Int(0),
            9 => Value::Int(1),
            t if t >= 12 && t % 2 == 0 => Value::Blob(v),
            t if t >= 13 => Value::Text(v),
            _ => Value::Other,
        });
    }
    Ok(cols)
}

/// SQLite's big-endian varint: up to 9 bytes, 7 bits each, the 9th byte whole.
fn varint(b: &[u8], at: usize) -> Result<(u64, usize), String> {
    let mut v: u64 = 0;
    for i in 0..9 {
        let byte = *b.get(at + i).ok_or("varint beyond the data")?;
        if i == 8 {
            return Ok(((v << 8) | u64::from(byte), 9));
        }
        v = (v << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    Err("varint beyond the data".to_owned())
}

fn be16(b: &[u8], at: usize) -> Result<u16, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]))
        .ok_or_else(|| format!("offset {at} beyond the page"))
}

fn be32(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| format!("offset {at} beyond the page"))
}
