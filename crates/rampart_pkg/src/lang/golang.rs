//! Go: `go.mod` and the build info the Go linker embeds in every module-aware binary.
//!
//! Build info starts with the 14-byte magic `\xff Go buildinf:` at a 16-byte aligned offset,
//! then the pointer size (byte 14) and flags (byte 15: bit 0 big-endian, bit 1 inline
//! strings). Go 1.18+ writes the Go version and the module info inline after the 32-byte
//! header, each as a uvarint length and the bytes. Older linkers write two pointers at
//! offset 16 to Go string headers (`ptr`, `len`) elsewhere in the data segment, so they need
//! the executable's address map (read with the `object` crate). Module info is framed by
//! 16-byte sentinels and holds tab-separated lines: `path`, `mod` (main module), `dep`,
//! `=>` (the replacement of the previous `dep`) and `build` settings.

use object::{Object, ObjectSection};

use super::{file_error, line_error, package, utf8};
use crate::{Ecosystem, Package, PkgError};

const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_LEN: usize = 32;
const ALIGN: usize = 16;
/// No real module list is near this; a larger length is corruption.
const MAX_STRING: u64 = 16 << 20;

/// The packages a Go binary was built from: `stdlib` at the toolchain version (advisories
/// for the standard library are filed under `stdlib`), the main module when it has a
/// version (a `(devel)` build has none), and every `dep`, replaced by its `=>` line when
/// there is one (a replacement by a local directory has no version and is skipped).
/// Versions are written as Go writes them (`v1.2.3`; the toolchain `go1.21.5` as `v1.21.5`).
///
/// An executable without build info (not Go, or Go without modules) has no packages.
pub(super) fn binary(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let Some((version, modinfo)) = build_info(path, bytes)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let toolchain = version.split_whitespace().next().unwrap_or("");
    if let Some(v) = toolchain.strip_prefix("go") {
        out.push(package("stdlib", format!("v{v}"), Ecosystem::Go, path));
    }
    let mut last_dep: Option<Package> = None;
    for (i, line) in modinfo.lines().enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let bad = |what: &str| {
            file_error(
                path,
                format!("Go build info line {}: {what}: `{line}`", i + 1),
            )
        };
        match fields.as_slice() {
            ["mod", module, version, ..] if !version.is_empty() && *version != "(devel)" => {
                out.push(package(*module, *version, Ecosystem::Go, path));
            }
            ["mod", _, _, ..] => {}
            ["dep", module, version, ..] => {
                if module.is_empty() || version.is_empty() {
                    return Err(bad("dependency without a path or version"));
                }
                out.extend(last_dep.take());
                last_dep = Some(package(*module, *version, Ecosystem::Go, path));
            }
            ["=>", module, rest @ ..] => {
                let Some(mut dep) = last_dep.take() else {
                    return Err(bad("replacement without a dependency"));
                };
                // A local directory replacement (`=> ./dir (devel)` or `=> ../dir`) is not a
                // published module version.
                let local = module.starts_with("./")
                    || module.starts_with("../")
                    || module.starts_with('/');
                match rest.first() {
                    Some(version) if !local && !version.is_empty() && *version != "(devel)" => {
                        dep.name = (*module).to_owned();
                        dep.version = (*version).to_owned();
                        last_dep = Some(dep);
                    }
                    _ => {}
                }
            }
            ["mod" | "dep", ..] => return Err(bad("too few fields")),
            _ => {}
        }
    }
    out.extend(last_dep);
    Ok(out)
}

/// The Go version and module info strings, if the file has build info.
fn build_info(path: &str, bytes: &[u8]) -> Result<Option<(String, String)>, PkgError> {
    let object = object::File::parse(bytes).ok();
    // Search the build info section when the linker made one (Go 1.13+ ELF and Mach-O);
    // otherwise the whole file (PE, older linkers: the data segment).
    let region = object
        .as_ref()
        .and_then(|o| {
            o.sections()
                .find(|s| matches!(s.name(), Ok(".go.buildinfo" | "__go_buildinfo")))
        })
        .and_then(|s| s.file_range())
        .and_then(|(start, len)| {
            let start = usize::try_from(start).ok()?;
            let end = start.checked_add(usize::try_from(len).ok()?)?;
            bytes.get(start..end)
        })
        .unwrap_or(bytes);
    let finder = memchr::memmem::Finder::new(MAGIC);
    let mut seen_magic = false;
    for at in finder.find_iter(region) {
        if at % ALIGN != 0 {
            continue;
        }
        let Some(header) = region.get(at..at + HEADER_LEN) else {
            break;
        };
        seen_magic = true;
        let (ptr_size, flags) = (header[14], header[15]);
        let strings = if flags & 2 != 0 {
            inline_strings(&region[at + HEADER_LEN..])
        } else {
            let big_endian = flags & 1 != 0;
            object.as_ref().and_then(|o| {
                let version = pointed_string(o, header, 16, ptr_size, big_endian)?;
                let modinfo =
                    pointed_string(o, header, 16 + usize::from(ptr_size), ptr_size, big_endian)?;
                Some((version, modinfo))
            })
        };
        let Some((version, modinfo)) = strings else {
            continue;
        };
        if version.is_empty() {
            continue;
        }
        let version = String::from_utf8_lossy(version).into_owned();
        // The module info is framed by two 16-byte sentinels, the second starting after a
        // newline; without the framing the binary was built without modules.
        let modinfo = if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
            utf8(path, &modinfo[16..modinfo.len() - 16])
                .map_err(|_| file_error(path, "Go build info: module info is not UTF-8"))?
                .to_owned()
        } else {
            String::new()
        };
        return Ok(Some((version, modinfo)));
    }
    if seen_magic {
        return Err(file_error(
            path,
            "Go build info header found but its version and module strings are unreadable",
        ));
    }
    Ok(None)
}

/// Go 1.18+: two uvarint-length-prefixed strings.
fn inline_strings(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (version, rest) = varint_string(data)?;
    let (modinfo, _) = varint_string(rest)?;
    Some((version, modinfo))
}

fn varint_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut len: u64 = 0;
    let mut used = 0;
    for (i, &b) in data.iter().take(10).enumerate() {
        len |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            used = i + 1;
            break;
        }
    }
    if used == 0 || len > MAX_STRING {
        return None;
    }
    let len = usize::try_from(len).ok()?;
    let rest = data.get(used..)?;
    Some((rest.get(..len)?, rest.get(len..)?))
}

/// Before Go 1.18: the header holds a pointer to a Go string header (`ptr`, `len`).
fn pointed_string<'a>(
    object: &object::File<'a>,
    header: &[u8],
    offset: usize,
    ptr_size: u8,
    big_endian: bool,
) -> Option<&'a [u8]> {
    let size = usize::from(ptr_size);
    if size != 4 && size != 8 {
        return None;
    }
    let read_ptr = |b: &[u8]| -> Option<u64> {
        let b = b.get(..size)?;
        let mut v: u64 = 0;
        for i in 0..size {
            let byte = if big_endian { b[i] } else { b[size - 1 - i] };
            v = (v << 8) | u64::from(byte);
        }
        Some(v)
    };
    let string_header = read_at(object, read_ptr(header.get(offset..)?)?, 2 * size as u64)?;
    let data = read_ptr(string_header)?;
    let len = read_ptr(string_header.get(size..)?)?;
    if len > MAX_STRING {
        return None;
    }
    read_at(object, data, len)
}

/// `len` bytes at virtual address `addr`, from the section holding them.
fn read_at<'a>(object: &object::File<'a>, addr: u64, len: u64) -> Option<&'a [u8]> {
    for section in object.sections() {
        let start = section.address();
        let end = start.saturating_add(section.size());
        if addr < start || addr >= end {
            continue;
        }
        let data = section.data().ok()?;
        let from = usize::try_from(addr - start).ok()?;
        let to = from.checked_add(usize::try_from(len).ok()?)?;
        return data.get(from..to);
    }
    None
}

/// `go.mod`: `require` lines and blocks, with `replace` directives applied (a replacement
/// by a module path reports that module at its version; by a local directory, nothing:
/// the code is not a published module version). The main module and the `go` directive are
/// not packages.
pub(super) fn go_mod(path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let text = utf8(path, bytes)?;
    let mut requires: Vec<(String, String)> = Vec::new();
    let mut replaces: Vec<Replace> = Vec::new();
    let mut block: Option<(String, usize)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.find("//").map_or(raw, |c| &raw[..c]).trim();
        if line.is_empty() {
            continue;
        }
        let (verb, args) = match &block {
            Some((verb, _)) => {
                if line == ")" {
                    block = None;
                    continue;
                }
                (verb.as_str(), line)
            }
            None => {
                let (verb, args) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                let args = args.trim();
                if args == "(" {
                    block = Some((verb.to_owned(), line_no));
                    continue;
                }
                if args == "()" {
                    continue;
                }
                (verb, args)
            }
        };
        let tokens: Vec<&str> = args.split_whitespace().map(unquote).collect();
        match verb {
            "require" => match tokens.as_slice() {
                [module, version] => requires.push(((*module).to_owned(), (*version).to_owned())),
                _ => {
                    return Err(line_error(
                        path,
                        line_no,
                        "require needs a module path and a version",
                    ))
                }
            },
            "replace" => {
                let replace = Replace::parse(&tokens).ok_or_else(|| {
                    line_error(
                        path,
                        line_no,
                        "replace is not `old [version] => new [version]`",
                    )
                })?;
                replaces.push(replace);
            }
            _ => {}
        }
    }
    if let Some((verb, at)) = block {
        return Err(line_error(
            path,
            at,
            format!("`{verb} (` block is never closed"),
        ));
    }
    let mut out = Vec::new();
    for (module, version) in requires {
        // A version-specific replacement wins over a path-wide one (as in the go command).
        let replace = replaces
            .iter()
            .find(|r| r.old == module && r.old_version.as_deref() == Some(version.as_str()))
            .or_else(|| {
                replaces
                    .iter()
                    .find(|r| r.old == module && r.old_version.is_none())
            });
        match replace {
            None => out.push(package(module, version, Ecosystem::Go, path)),
            Some(r) => {
                if let Some(v) = &r.new_version {
                    out.push(package(r.new.clone(), v.clone(), Ecosystem::Go, path));
                }
            }
        }
    }
    Ok(out)
}

struct Replace {
    old: String,
    old_version: Option<String>,
    new: String,
    new_version: Option<String>,
}

impl Replace {
    fn parse(tokens: &[&str]) -> Option<Self> {
        let arrow = tokens.iter().position(|t| *t == "=>")?;
        let (left, right) = (&tokens[..arrow], &tokens[arrow + 1..]);
        let (old, old_version) = match left {
            [m] => (m, None),
            [m, v] => (m, Some((*v).to_owned())),
            _ => return None,
        };
        let (new, new_version) = match right {
            [m] => (m, None),
            [m, v] => (m, Some((*v).to_owned())),
            _ => return None,
        };
        Some(Self {
            old: (*old).to_owned(),
            old_version,
            new: (*new).to_owned(),
            new_version,
        })
    }
}

fn unquote(token: &str) -> &str {
    token
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .or_else(|| token.strip_prefix('`').and_then(|t| t.strip_suffix('`')))
        .unwrap_or(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(packages: &[Package]) -> Vec<String> {
        packages
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect()
    }

    #[test]
    fn go_mod_requires_and_replaces() {
        let text = "module example.com/app // main\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.7\n\
                    require (\n\tgithub.com/a/b v1.0.0 // indirect\n\t\"github.com/c/d\" v2.0.0+incompatible\n\
                    \tgithub.com/e/f v1.1.0\n\tgithub.com/g/h v0.1.0\n)\n\
                    replace github.com/a/b => github.com/fork/b v1.0.1\n\
                    replace (\n\tgithub.com/e/f v1.1.0 => ../f\n\tgithub.com/g/h v0.0.9 => github.com/x/h v9.0.0\n)\n\
                    exclude github.com/z/z v1.0.0\n";
        let got = go_mod("go.mod", text.as_bytes()).unwrap();
        assert_eq!(
            names(&got),
            [
                "golang.org/x/text@v0.3.7",
                "github.com/fork/b@v1.0.1",
                "github.com/c/d@v2.0.0+incompatible",
                "github.com/g/h@v0.1.0",
            ]
        );
    }

    #[test]
    fn go_mod_errors_name_the_line() {
        let e = go_mod("go.mod", b"module m\nrequire (\n  a v1\n").unwrap_err();
        assert_eq!(e.to_string(), "go.mod:2: `require (` block is never closed");
        let e = go_mod("go.mod", b"module m\nrequire a\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "go.mod:2: require needs a module path and a version"
        );
    }

    /// A pre-1.18 (pointer format) header with no executable around it cannot be resolved:
    /// that is an error, not "no packages".
    #[test]
    fn pointer_format_without_an_executable_is_an_error() {
        let mut blob = vec![0u8; 64];
        blob[..14].copy_from_slice(MAGIC);
        blob[14] = 8;
        let e = binary("bin/x", &blob).unwrap_err();
        assert!(e.to_string().contains("unreadable"), "{e}");
    }

    #[test]
    fn inline_format_blob() {
        let modinfo = "0123456789abcdefpath\texample.com/cmd\nmod\texample.com\tv1.2.3\th1:x=\n\
                       dep\tgolang.org/x/sys\tv0.1.0\th1:y=\ndep\tgithub.com/a/b\tv1.0.0\n\
                       =>\tgithub.com/fork/b\tv1.0.1\th1:z=\ndep\tgithub.com/l/l\tv1.0.0\n=>\t../l\t\t\n\
                       build\t-compiler=gc\n\n0123456789abcdef";
        let mut blob = vec![0u8; 32];
        blob[..14].copy_from_slice(MAGIC);
        blob[14] = 8;
        blob[15] = 2;
        for s in ["go1.21.5", modinfo] {
            let mut len = s.len();
            while len >= 0x80 {
                blob.push((len as u8) | 0x80);
                len >>= 7;
            }
            blob.push(len as u8);
            blob.extend_from_slice(s.as_bytes());
        }
        let got = binary("bin/x", &blob).unwrap();
        assert_eq!(
            names(&got),
            [
                "stdlib@v1.21.5",
                "example.com@v1.2.3",
                "golang.org/x/sys@v0.1.0",
                "github.com/fork/b@v1.0.1",
            ]
        );
    }
}
