//! os-release(5): newline-separated `KEY=value` assignments in a shell-compatible subset.
//! Values may be unquoted, double-quoted (backslash escapes `\"`, `\\`, `` \` ``, `\$`) or
//! single-quoted (no escapes); `#` starts a comment line. Lines that are not assignments
//! are ignored, as systemd's parser does.

use super::{file_err, line_err};
use crate::{Distro, PkgError};

/// The distribution described by an os-release file at `path` (for error messages). A file
/// without `ID` describes `linux`, the default os-release(5) gives.
pub fn os_release(path: &str, bytes: &[u8]) -> Result<Distro, PkgError> {
    let limit = super::OsParser::OsRelease.max_size();
    if bytes.len() as u64 > limit {
        return Err(PkgError::TooLarge {
            path: path.to_owned(),
            size: bytes.len() as u64,
            limit,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| file_err(path, format!("not UTF-8: {e}")))?;
    let mut distro = Distro {
        id: "linux".to_owned(),
        ..Distro::default()
    };
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim_end();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let value = unquote(raw).map_err(|m| line_err(path, i + 1, format!("{key}: {m}")))?;
        match key {
            "ID" => distro.id = value,
            "ID_LIKE" => distro.id_like = value.split_whitespace().map(str::to_owned).collect(),
            "VERSION_ID" => distro.version_id = Some(value),
            "VERSION_CODENAME" => distro.codename = Some(value),
            "PRETTY_NAME" => distro.pretty_name = Some(value),
            _ => {}
        }
    }
    Ok(distro)
}

/// The value of a shell assignment's right-hand side.
fn unquote(raw: &str) -> Result<String, &'static str> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => loop {
                match chars.next() {
                    None => return Err("unterminated double quote"),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        None => return Err("unterminated double quote"),
                        Some(e @ ('"' | '\\' | '`' | '$')) => out.push(e),
                        Some(other) => {
                            out.push('\\');
                            out.push(other);
                        }
                    },
                    Some(other) => out.push(other),
                }
            },
            '\'' => loop {
                match chars.next() {
                    None => return Err("unterminated single quote"),
                    Some('\'') => break,
                    Some(other) => out.push(other),
                }
            },
            '\\' => {
                if let Some(e) = chars.next() {
                    out.push(e);
                }
            }
            // An unquoted space ends the value (the rest would be a command in a shell).
            c if c.is_whitespace() => break,
            c => out.push(c),
        }
    }
    Ok(out)
}
