//! Language package parsers on fixtures made by the real tools (pip, npm, yarn, pnpm, cargo,
//! the Go linker, jar), checked against what those tools list — recorded beside each
//! fixture, see tests/fixtures/lang/README.md — never against Rampart's own output.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_pkg::lang::{self, LangParser};
use rampart_pkg::{Ecosystem, Package, Parser};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lang");

fn fixture(rel: &str) -> PathBuf {
    Path::new(FIXTURES).join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(rel: &str) -> Value {
    serde_json::from_slice(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every file under `dir`, as a path relative to `dir` (`/`-separated), sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy();
                out.push(rel.replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// What a scan of the tree under `dir` would report: every selected file parsed.
fn scan_tree(dir: &str) -> Vec<Package> {
    let root = fixture(dir);
    let mut out = Vec::new();
    for rel in files(&root) {
        if let Some(parser) = rampart_pkg::select(&rel) {
            let bytes = std::fs::read(root.join(&rel)).unwrap();
            out.extend(rampart_pkg::parse(parser, &rel, &bytes, None).unwrap());
        }
    }
    out
}

/// Parses one fixture with the parser `select` picks for its file name.
fn parse_file(rel: &str) -> Vec<Package> {
    let parser = rampart_pkg::select(rel).unwrap_or_else(|| panic!("{rel} not selected"));
    rampart_pkg::parse(parser, rel, &read(rel), None).unwrap_or_else(|e| panic!("{e}"))
}

fn name_versions(packages: &[Package]) -> BTreeSet<(String, String)> {
    packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

fn pair(name: &str, version: &str) -> (String, String) {
    (name.to_owned(), version.to_owned())
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{key}` in {v}"))
}

// ---------------------------------------------------------------------------------------
// Python

/// `pip list --format json` in the venv the dist-info directories were copied from.
fn pip_list() -> BTreeSet<(String, String)> {
    json("python/pip-list.json")
        .as_array()
        .unwrap()
        .iter()
        .map(|p| pair(str_of(p, "name"), str_of(p, "version")))
        .collect()
}

#[test]
fn dist_info_matches_pip_list() {
    let found = scan_tree("python/site-packages");
    assert!(found.iter().all(|p| p.ecosystem == Ecosystem::PyPI));
    assert_eq!(name_versions(&found), pip_list());
}

#[test]
fn egg_info_matches_importlib_metadata() {
    let want: BTreeSet<_> = json("python/importlib-metadata.json")
        .as_array()
        .unwrap()
        .iter()
        .map(|p| pair(str_of(p, "name"), str_of(p, "version")))
        .collect();
    let mut found = scan_tree("python/dist-packages");
    found.extend(scan_tree("python/python2.7"));
    assert_eq!(name_versions(&found), want);
}

/// `pip freeze` wrote requirements.txt; it lists everything `pip list` does except pip's
/// own tools (pip, setuptools).
#[test]
fn requirements_from_pip_freeze() {
    let mut want = pip_list();
    want.retain(|(name, _)| name != "pip" && name != "setuptools");
    assert_eq!(name_versions(&parse_file("python/requirements.txt")), want);
}

#[test]
fn poetry_and_pipfile_locks() {
    for rel in ["python/poetry/poetry.lock", "python/pipenv/Pipfile.lock"] {
        let Some(dir) = Path::new(rel).parent() else {
            unreachable!()
        };
        let want: BTreeSet<_> =
            std::fs::read_to_string(fixture(&dir.join("expected.txt").to_string_lossy()))
                .unwrap()
                .lines()
                .filter_map(|l| l.split_once("=="))
                .map(|(n, v)| pair(n, v))
                .collect();
        assert!(!want.is_empty());
        assert_eq!(name_versions(&parse_file(rel)), want, "{rel}");
    }
}

// ---------------------------------------------------------------------------------------
// npm

/// `npm ls --all --json --long` of the installed project: every installed package, aliases
/// under their real name.
fn npm_ls() -> BTreeSet<(String, String)> {
    fn walk(deps: &Value, out: &mut BTreeSet<(String, String)>) {
        let Some(deps) = deps.as_object() else {
            return;
        };
        for (key, dep) in deps {
            let name = dep["name"].as_str().unwrap_or(key);
            out.insert(pair(name, str_of(dep, "version")));
            walk(&dep["dependencies"], out);
        }
    }
    let mut out = BTreeSet::new();
    walk(&json("npm/npm-ls-long.json")["dependencies"], &mut out);
    assert_eq!(out.len(), 10);
    out
}

#[test]
fn package_locks_v1_v2_v3_match_npm_ls() {
    for v in ["v1", "v2", "v3"] {
        let rel = format!("npm/{v}/package-lock.json");
        let found = parse_file(&rel);
        assert!(found.iter().all(|p| p.ecosystem == Ecosystem::Npm));
        assert_eq!(name_versions(&found), npm_ls(), "{rel}");
    }
}

#[test]
fn node_modules_match_npm_ls() {
    assert_eq!(name_versions(&scan_tree("npm/installed")), npm_ls());
}

/// yarn classic lists aliases under the alias name, so the same install's `npm ls` is the
/// reference (the resolved versions are identical: `yarn list --json` is recorded beside).
#[test]
fn yarn_classic_matches_npm_ls() {
    assert_eq!(
        name_versions(&parse_file("npm/yarn-v1/yarn.lock")),
        npm_ls()
    );
}

/// `yarn info --all --recursive --json` (yarn 4): `name@npm:version` locators; the
/// workspace itself is not a package.
#[test]
fn yarn_berry_matches_yarn_info() {
    let text = String::from_utf8(read("npm/yarn-berry/yarn-info.json")).unwrap();
    let want: BTreeSet<_> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter_map(|v| {
            let locator = str_of(&v, "value").to_owned();
            let at = locator[1..].find("@npm:")? + 1;
            Some(pair(&locator[..at], &locator[at + 5..]))
        })
        .collect();
    assert_eq!(want.len(), 10);
    assert_eq!(name_versions(&parse_file("npm/yarn-berry/yarn.lock")), want);
}

/// `pnpm ls --depth Infinity --json` from pnpm 7 (lockfile 5.4), 8 (6.0) and 9 (9.0).
#[test]
fn pnpm_locks_match_pnpm_ls() {
    fn walk(deps: &Value, out: &mut BTreeSet<(String, String)>) {
        let Some(deps) = deps.as_object() else {
            return;
        };
        for (key, dep) in deps {
            let name = dep["from"].as_str().unwrap_or(key);
            out.insert(pair(name, str_of(dep, "version")));
            walk(&dep["dependencies"], out);
        }
    }
    for v in ["v5", "v6", "v9"] {
        let ls = json(&format!("npm/pnpm-{v}/pnpm-ls.json"));
        let mut want = BTreeSet::new();
        walk(&ls[0]["dependencies"], &mut want);
        walk(&ls[0]["devDependencies"], &mut want);
        assert_eq!(want.len(), 10, "{v}");
        let rel = format!("npm/pnpm-{v}/pnpm-lock.yaml");
        assert_eq!(name_versions(&parse_file(&rel)), want, "{rel}");
    }
}

// ---------------------------------------------------------------------------------------
// Cargo

/// `cargo metadata` of the project: every package with a source (workspace members have
/// none and are not crates.io releases).
#[test]
fn cargo_locks_match_cargo_metadata() {
    let want: BTreeSet<_> = json("cargo/cargo-metadata.json")
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["source"].is_null())
        .map(|p| pair(str_of(p, "name"), str_of(p, "version")))
        .collect();
    assert_eq!(want.len(), 20);
    for v in ["v3", "v4"] {
        let rel = format!("cargo/{v}/Cargo.lock");
        let found = parse_file(&rel);
        assert!(found.iter().all(|p| p.ecosystem == Ecosystem::CratesIo));
        assert_eq!(name_versions(&found), want, "{rel}");
    }
}

// ---------------------------------------------------------------------------------------
// Go

fn go_binary(rel: &str) -> Vec<Package> {
    let bytes = read(rel);
    let parser = rampart_pkg::select_executable(rel, &bytes[..64])
        .unwrap_or_else(|| panic!("{rel}: not selected as an executable"));
    assert_eq!(parser, Parser::Lang(LangParser::GoBinary));
    rampart_pkg::parse(parser, rel, &bytes, None).unwrap()
}

fn version_of<'a>(packages: &'a [Package], name: &str) -> Option<&'a str> {
    packages
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.version.as_str())
}

/// The `.go.buildinfo` section of the machine's kubectl 1.33 (objcopy): the toolchain,
/// the main module and kustomize as `kubectl version --client -o json` reports them.
#[test]
fn kubectl_build_info_matches_kubectl_version() {
    let found = go_binary("go/kubectl.1.33.buildinfo.elf");
    let version = json("go/kubectl-version.json");
    let go = str_of(&version["clientVersion"], "goVersion");
    assert_eq!(
        version_of(&found, "stdlib"),
        Some(format!("v{}", go.trim_start_matches("go")).as_str())
    );
    assert_eq!(
        version_of(&found, "k8s.io/kubernetes"),
        Some(str_of(&version["clientVersion"], "gitVersion"))
    );
    assert_eq!(
        version_of(&found, "sigs.k8s.io/kustomize/kustomize/v5"),
        Some(str_of(&version, "kustomizeVersion"))
    );
    insta::assert_yaml_snapshot!("go_kubectl", found);
}

/// Pre-1.18 (pointer format) build info laid out by gen-pointer-format.py from the kubectl
/// fixture's own strings, 64-bit little-endian and 32-bit big-endian: the same packages.
#[test]
fn pointer_format_build_info_matches_inline() {
    let inline = name_versions(&go_binary("go/kubectl.1.33.buildinfo.elf"));
    assert!(inline.len() > 80);
    for rel in ["go/pointer-format-le64.elf", "go/pointer-format-be32.elf"] {
        assert_eq!(name_versions(&go_binary(rel)), inline, "{rel}");
    }
}

/// docker's CLI is built without modules (GOPATH mode): only the toolchain, as
/// `docker version` reports it.
#[test]
fn docker_build_info_matches_docker_version() {
    let found = go_binary("go/docker.buildinfo.elf");
    let go = str_of(&json("go/docker-version.json"), "GoVersion").to_owned();
    assert_eq!(
        name_versions(&found),
        BTreeSet::from([pair("stdlib", &format!("v{}", &go[2..]))])
    );
}

/// terraform: a `(devel)` main module (no version: not a package) and nine dependencies
/// replaced by local directories (`=> ./internal/...`: not published modules).
#[test]
fn terraform_build_info_skips_devel_and_local_replacements() {
    let found = go_binary("go/terraform.buildinfo.elf");
    assert!(version_of(&found, "github.com/hashicorp/terraform").is_none());
    assert!(found
        .iter()
        .all(|p| !p.name.starts_with("./") && p.version != "(devel)"));
    assert!(!found.iter().any(|p| p
        .name
        .starts_with("github.com/hashicorp/terraform/internal")));
    insta::assert_yaml_snapshot!("go_terraform", found);
}

#[test]
fn non_go_executables_have_no_packages() {
    let elf = read("go/docker.buildinfo.elf");
    // The same ELF without the build info magic.
    let mut stripped = elf.clone();
    let at = stripped
        .windows(14)
        .position(|w| w == b"\xff Go buildinf:")
        .unwrap();
    stripped[at] = 0;
    let parsed = lang::parse(LangParser::GoBinary, "bin/x", &stripped).unwrap();
    assert!(parsed.is_empty());
    assert_eq!(lang::select_executable("bin/x", b"#!/bin/sh\n"), None);
}

#[test]
fn go_mod_snapshot() {
    insta::assert_yaml_snapshot!("go_mod", parse_file("go/mod/go.mod"));
}

// ---------------------------------------------------------------------------------------
// Java

/// `expected.txt` is written by gen.sh with Python's zipfile (pom.properties, the manifest
/// for jars without one), nested to the same depth cap.
#[test]
fn java_archives_match_zipfile_listing() {
    let want: BTreeSet<(String, String, String)> =
        std::fs::read_to_string(fixture("java/expected.txt"))
            .unwrap()
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
            })
            .collect();
    let mut found = BTreeSet::new();
    for jar in [
        "commons-cli-1.5.0.jar",
        "atinject-jsr330-api-1.0.jar",
        "cdi-api-1.2.jar",
        "thing-2.0.1.jar",
        "app.war",
        "app.ear",
        "nested-deep.jar",
    ] {
        let packages = rampart_pkg::parse(
            rampart_pkg::select(jar).unwrap(),
            jar,
            &read(&format!("java/{jar}")),
            None,
        )
        .unwrap();
        for p in packages {
            assert_eq!(p.ecosystem, Ecosystem::Maven);
            found.insert((p.location, p.name, p.version));
        }
    }
    assert_eq!(found, want);
}

#[test]
fn java_nested_entry_over_the_cap_is_an_error() {
    let err = lang::parse(
        LangParser::JavaArchive,
        "opt/bomb.jar",
        &read("java/bomb.jar"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("opt/bomb.jar: lib/big.jar: larger than"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Ruby, PHP (fixtures written in the tools' formats; no bundler or composer here)

#[test]
fn gemfile_lock_snapshot() {
    insta::assert_yaml_snapshot!("gemfile_lock", parse_file("ruby/Gemfile.lock"));
}

#[test]
fn composer_lock_snapshot() {
    insta::assert_yaml_snapshot!("composer_lock", parse_file("php/composer.lock"));
}

// ---------------------------------------------------------------------------------------
// Bad input

/// Each parser on broken input: an error naming the file and the line or field.
#[test]
fn bad_input_errors_name_file_and_place() {
    let cases: &[(LangParser, &str, &[u8], &str)] = &[
        (
            LangParser::NpmPackageLock,
            "a/package-lock.json",
            b"{\"lockfileVersion\": 3,\n \"packages\": {\"node_modules/x\": {\"version\": 1}}}",
            "a/package-lock.json:2: invalid type: integer `1`",
        ),
        (
            LangParser::NpmPackageLock,
            "a/package-lock.json",
            b"{\"lockfileVersion\": 3, \"packages\": {\"node_modules/x\": {}}}",
            "a/package-lock.json: packages[\"node_modules/x\"]: no `version`",
        ),
        (
            LangParser::NpmPackageJson,
            "node_modules/x/package.json",
            b"{\"name\": \"x\"}",
            "node_modules/x/package.json: no `version` for `x`",
        ),
        (
            LangParser::PnpmLock,
            "pnpm-lock.yaml",
            b"packages:\n  /a@1: {}\n",
            "pnpm-lock.yaml: `lockfileVersion` missing",
        ),
        (
            LangParser::YarnLock,
            "yarn.lock",
            b"__metadata:\n  version: 8\n\"a@npm:1\":\n  version: 1\n",
            "yarn.lock: entry `a@npm:1`: no `resolution`",
        ),
        (
            LangParser::CargoLock,
            "Cargo.lock",
            b"version = 4\n\n[[package]]\nname = \"a\"\n",
            "Cargo.lock:3: missing field `version`",
        ),
        (
            LangParser::PoetryLock,
            "poetry.lock",
            b"[[package]]\nname = \"a\"\nversion = 1\n",
            "poetry.lock:3: invalid type: integer `1`",
        ),
        (
            LangParser::PipfileLock,
            "Pipfile.lock",
            b"{\"default\": {\"a\": {\"version\": \">=1\"}}}",
            "Pipfile.lock: `a`.version `>=1` is not an `==` pin",
        ),
        (
            LangParser::ComposerLock,
            "composer.lock",
            b"{\"packages\": [{\"name\": \"a/b\"}]}",
            "composer.lock:1: missing field `version`",
        ),
        (
            LangParser::GemfileLock,
            "Gemfile.lock",
            b"GEM\n  specs:\n    rack\n",
            "Gemfile.lock:3: spec `rack` is not `name (version)`",
        ),
        (
            LangParser::GoMod,
            "go.mod",
            b"module m\nreplace a =>\n",
            "go.mod:2: replace is not",
        ),
        (
            LangParser::PythonMetadata,
            "x.dist-info/METADATA",
            b"Version: 1\n",
            "x.dist-info/METADATA: no `Name` header",
        ),
        (
            LangParser::JavaArchive,
            "x.jar",
            b"not a zip",
            "x.jar: not a readable zip archive",
        ),
    ];
    for (parser, path, bytes, want) in cases {
        let err = lang::parse(*parser, path, bytes)
            .expect_err(path)
            .to_string();
        assert!(
            err.starts_with(want),
            "{parser:?}: got `{err}`, want `{want}...`"
        );
    }
}

/// Every fixture, truncated and with flipped bytes, gives packages or an error, never a
/// panic (the fuzz targets search further).
#[test]
fn damaged_fixtures_never_panic() {
    let root = fixture("");
    for rel in files(&root) {
        let parser = rampart_pkg::select(&rel)
            .map(|p| match p {
                Parser::Lang(l) => l,
                Parser::Os(_) => unreachable!("{rel}"),
            })
            .or_else(|| rel.ends_with(".elf").then_some(LangParser::GoBinary));
        let Some(parser) = parser else {
            continue;
        };
        let bytes = std::fs::read(root.join(&rel)).unwrap();
        let step = (bytes.len() / 16).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let _ = lang::parse(parser, &rel, &bytes[..cut]);
            let mut flipped = bytes.clone();
            flipped[cut] ^= 0x5a;
            let _ = lang::parse(parser, &rel, &flipped);
        }
    }
}
