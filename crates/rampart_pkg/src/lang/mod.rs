//! Language packages: which files of a filesystem are language package manifests, lockfiles,
//! installed-package metadata or binaries with embedded module lists ([`select`],
//! [`select_executable`]), and the parsers that read them ([`parse`]).
//!
//! What each format contributes, and what it deliberately leaves out, is documented in
//! `docs/packages.md` ("Language packages"). In short: only packages with a concrete version
//! are reported (an unpinned `requests>=2` in requirements.txt is not a package, a workspace
//! member or local path dependency is not a registry package); names are kept as the
//! ecosystem writes them, and [`normalize_name`] gives the key advisories are matched on.
//!
//! Invariants: [`select`] runs on every path of an image, so it only looks at the file name
//! and the names of its parent directories (no allocation, no IO). Every parser returns a
//! [`PkgError`] naming the file and, where it can, the line or field; none panics on any
//! input (each has a fuzz target in `fuzz/`).

mod cargo;
mod golang;
mod java;
mod npm;
mod php;
mod python;
mod ruby;

use crate::{Ecosystem, Package, PkgError};

/// Parsers for language packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LangParser {
    /// `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, `*.egg/EGG-INFO/PKG-INFO` and
    /// `*.egg-info` files (an installed Python distribution).
    PythonMetadata,
    /// `requirements.txt`: `==` pins only.
    PythonRequirements,
    /// `poetry.lock`.
    PoetryLock,
    /// `Pipfile.lock`.
    PipfileLock,
    /// `package-lock.json` / `npm-shrinkwrap.json`, lockfile versions 1, 2 and 3.
    NpmPackageLock,
    /// `node_modules/<name>/package.json` and `node_modules/@scope/<name>/package.json`.
    NpmPackageJson,
    /// `yarn.lock`: classic (v1) and berry (YAML, v2+).
    YarnLock,
    /// `pnpm-lock.yaml`: lockfile versions 5, 6 and 9.
    PnpmLock,
    /// `Cargo.lock`, versions 1 to 4.
    CargoLock,
    /// `go.mod`.
    GoMod,
    /// An executable (ELF, Mach-O, PE) that may carry Go build info.
    GoBinary,
    /// `*.jar`, `*.war`, `*.ear` (and Jenkins' `*.hpi`, `*.jpi`), nested archives included.
    JavaArchive,
    /// `Gemfile.lock`.
    GemfileLock,
    /// `composer.lock`.
    ComposerLock,
}

/// The language parser for `path` (root-relative, `/`-separated), if any.
///
/// Lockfiles found under `node_modules/` are ignored: they are a dependency's own
/// development lockfiles, published with it, not what is installed.
pub fn select(path: &str) -> Option<LangParser> {
    let (dir, name) = match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    };
    let parser = match name {
        "METADATA" if dir.ends_with(".dist-info") => LangParser::PythonMetadata,
        "PKG-INFO" if dir.ends_with(".egg-info") || dir.ends_with(".egg/EGG-INFO") => {
            LangParser::PythonMetadata
        }
        "requirements.txt" => LangParser::PythonRequirements,
        "poetry.lock" => LangParser::PoetryLock,
        "Pipfile.lock" => LangParser::PipfileLock,
        "package-lock.json" | "npm-shrinkwrap.json" => LangParser::NpmPackageLock,
        "package.json" if npm::is_package_dir(dir) => return Some(LangParser::NpmPackageJson),
        "yarn.lock" => LangParser::YarnLock,
        "pnpm-lock.yaml" => LangParser::PnpmLock,
        "Cargo.lock" => LangParser::CargoLock,
        "go.mod" => LangParser::GoMod,
        "Gemfile.lock" => LangParser::GemfileLock,
        "composer.lock" => LangParser::ComposerLock,
        _ => {
            let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
            return match ext {
                "egg-info" => Some(LangParser::PythonMetadata),
                "jar" | "war" | "ear" | "hpi" | "jpi" => Some(LangParser::JavaArchive),
                _ => None,
            };
        }
    };
    if is_under_node_modules(dir) {
        return None;
    }
    Some(parser)
}

fn is_under_node_modules(dir: &str) -> bool {
    dir.split('/').any(|segment| segment == "node_modules")
}

/// Whether an executable is worth reading whole: any ELF, Mach-O or PE file may be a Go
/// binary with build info. `header` holds at least the first 64 bytes (or the whole file).
pub fn select_executable(_path: &str, header: &[u8]) -> Option<LangParser> {
    const MAGICS: [&[u8]; 6] = [
        b"\x7fELF",
        b"MZ",
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
    ];
    MAGICS
        .iter()
        .any(|m| header.starts_with(m))
        .then_some(LangParser::GoBinary)
}

/// Parse one language package file. Packages are sorted and deduplicated per file.
pub fn parse(parser: LangParser, path: &str, bytes: &[u8]) -> Result<Vec<Package>, PkgError> {
    let mut packages = match parser {
        LangParser::PythonMetadata => python::metadata(path, bytes)?,
        LangParser::PythonRequirements => python::requirements(path, bytes)?,
        LangParser::PoetryLock => python::poetry_lock(path, bytes)?,
        LangParser::PipfileLock => python::pipfile_lock(path, bytes)?,
        LangParser::NpmPackageLock => npm::package_lock(path, bytes)?,
        LangParser::NpmPackageJson => npm::package_json(path, bytes)?,
        LangParser::YarnLock => npm::yarn_lock(path, bytes)?,
        LangParser::PnpmLock => npm::pnpm_lock(path, bytes)?,
        LangParser::CargoLock => cargo::cargo_lock(path, bytes)?,
        LangParser::GoMod => golang::go_mod(path, bytes)?,
        LangParser::GoBinary => golang::binary(path, bytes)?,
        LangParser::JavaArchive => java::archive(path, bytes)?,
        LangParser::GemfileLock => ruby::gemfile_lock(path, bytes)?,
        LangParser::ComposerLock => php::composer_lock(path, bytes)?,
    };
    packages.sort();
    packages.dedup();
    Ok(packages)
}

/// The name advisories are matched on: two names that the ecosystem's registry treats as the
/// same project give the same key. Apply it to both the package and the advisory side.
///
/// - PyPI: PEP 503 (`Foo.Bar_baz` -> `foo-bar-baz`: lowercase, runs of `-`, `_`, `.` become
///   one `-`).
/// - crates.io: lowercase, `_` as `-` (crates.io refuses names differing only so).
/// - Packagist: lowercase (Composer package names are case-insensitive).
/// - npm, Go, Maven, RubyGems and the OS ecosystems: unchanged (their registries are
///   case-sensitive, or names are already canonical).
pub fn normalize_name(ecosystem: Ecosystem, name: &str) -> String {
    match ecosystem {
        Ecosystem::PyPI => {
            let mut out = String::with_capacity(name.len());
            let mut in_separator_run = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !in_separator_run {
                        out.push('-');
                    }
                    in_separator_run = true;
                } else {
                    out.extend(c.to_lowercase());
                    in_separator_run = false;
                }
            }
            out
        }
        Ecosystem::CratesIo => name.to_ascii_lowercase().replace('_', "-"),
        Ecosystem::Packagist => name.to_lowercase(),
        Ecosystem::Npm
        | Ecosystem::Go
        | Ecosystem::Maven
        | Ecosystem::RubyGems
        | Ecosystem::Debian
        | Ecosystem::Ubuntu
        | Ecosystem::Alpine
        | Ecosystem::Rpm => name.to_owned(),
    }
}

/// A language package found in `location`.
fn package(
    name: impl Into<String>,
    version: impl Into<String>,
    ecosystem: Ecosystem,
    location: &str,
) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        ecosystem,
        source_name: None,
        source_version: None,
        arch: None,
        location: location.to_owned(),
    }
}

fn file_error(path: &str, message: impl Into<String>) -> PkgError {
    PkgError::File {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn line_error(path: &str, line: usize, message: impl Into<String>) -> PkgError {
    PkgError::Line {
        path: path.to_owned(),
        line,
        message: message.into(),
    }
}

fn utf8<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, PkgError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        line_error(path, line, "not UTF-8")
    })
}

/// JSON errors carry the line, and serde's message names the field (`missing field
/// `version``, `invalid type ... for `packages``).
fn json_error(path: &str, e: &serde_json::Error) -> PkgError {
    line_error(path, e.line(), e.to_string())
}

fn toml_error(path: &str, text: &str, e: &toml::de::Error) -> PkgError {
    let message = e.message().to_owned();
    match e.span() {
        Some(span) => {
            let end = span.start.min(text.len());
            let line = text
                .as_bytes()
                .get(..end)
                .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
                + 1;
            line_error(path, line, message)
        }
        None => file_error(path, message),
    }
}

fn yaml_error(path: &str, e: &serde_yaml::Error) -> PkgError {
    match e.location() {
        Some(loc) => line_error(path, loc.line(), e.to_string()),
        None => file_error(path, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection() {
        use LangParser::*;
        let cases = [
            (
                "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
                Some(PythonMetadata),
            ),
            (
                "usr/lib/python3/dist-packages/foo.egg-info/PKG-INFO",
                Some(PythonMetadata),
            ),
            (
                "usr/lib/python3/dist-packages/foo-1.0.egg-info",
                Some(PythonMetadata),
            ),
            (
                "x/foo-1.0-py3.9.egg/EGG-INFO/PKG-INFO",
                Some(PythonMetadata),
            ),
            ("usr/lib/python3/METADATA", None),
            ("app/requirements.txt", Some(PythonRequirements)),
            ("app/node_modules/a/package.json", Some(NpmPackageJson)),
            ("node_modules/@s/a/package.json", Some(NpmPackageJson)),
            (
                "node_modules/a/node_modules/b/package.json",
                Some(NpmPackageJson),
            ),
            ("node_modules/a/lib/package.json", None),
            ("node_modules/@s/a/lib/package.json", None),
            ("app/package.json", None),
            ("app/package-lock.json", Some(NpmPackageLock)),
            ("app/node_modules/a/yarn.lock", None),
            ("node_modules/a/package-lock.json", None),
            ("srv/node_modules_old/yarn.lock", Some(YarnLock)),
            ("yarn.lock", Some(YarnLock)),
            ("opt/app.war", Some(JavaArchive)),
            ("opt/app.jar.sha1", None),
            ("src/go.mod", Some(GoMod)),
            ("Cargo.lock", Some(CargoLock)),
        ];
        for (path, want) in cases {
            assert_eq!(select(path), want, "{path}");
        }
    }

    #[test]
    fn normalized_names() {
        assert_eq!(
            normalize_name(Ecosystem::PyPI, "Foo.Bar__baz-Q"),
            "foo-bar-baz-q"
        );
        assert_eq!(
            normalize_name(Ecosystem::PyPI, "zope.interface"),
            "zope-interface"
        );
        assert_eq!(
            normalize_name(Ecosystem::CratesIo, "Serde_JSON"),
            "serde-json"
        );
        assert_eq!(
            normalize_name(Ecosystem::Packagist, "Symfony/Yaml"),
            "symfony/yaml"
        );
        assert_eq!(normalize_name(Ecosystem::Npm, "@Types/Node"), "@Types/Node");
    }
}
