//! Whether a string can be written into JSON as it is: the one test every renderer's string write
//! starts with, shared by the string table (which answers it once per interned string) and the JSON
//! renderer.

/// Whether `s` has a byte JSON must escape (`"`, `\`, or a control character below 0x20). Blocks of
/// 16 bytes are tested without branching per byte (the compiler turns the block into a few vector
/// compares), the rest eight bytes at a time (the classic SWAR "has zero byte" / "has byte less
/// than" formulas). Exact as a yes/no test; a yes only sends the string to serde_json's escaper.
pub(crate) fn needs_escape(s: &[u8]) -> bool {
    let mut blocks = s.chunks_exact(16);
    for block in &mut blocks {
        let mut hit = false;
        for &b in block {
            hit |= (b < 0x20) | (b == b'"') | (b == b'\\');
        }
        if hit {
            return true;
        }
    }
    needs_escape_swar(blocks.remainder())
}

fn needs_escape_swar(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        let x = u64::from_le_bytes(b);
        if x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0
            || has_zero(x ^ (ONES * u64::from(b'"')))
            || has_zero(x ^ (ONES * u64::from(b'\\')))
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

#[cfg(test)]
mod tests {
    use super::needs_escape;

    #[test]
    fn needs_escape_finds_every_escaped_byte_at_every_position() {
        for len in 0..50 {
            let plain = vec![b'a'; len];
            assert!(!needs_escape(&plain), "{len}");
            // Bytes just outside the escaped set must not count.
            let near: Vec<u8> = (0..len)
                .map(|i| [b' ', b'!', b'#', b'[', b']', 0x7f, 0xc3][i % 7])
                .collect();
            assert!(!needs_escape(&near), "{len}");
            for at in 0..len {
                for special in [0u8, 0x1f, b'\n', b'"', b'\\'] {
                    let mut s = plain.clone();
                    s[at] = special;
                    assert!(needs_escape(&s), "{len} {at} {special}");
                }
            }
        }
    }
}
