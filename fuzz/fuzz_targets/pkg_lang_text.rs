//! Arbitrary bytes as each text/lockfile language parser's input: Python metadata,
//! requirements.txt, poetry.lock, Pipfile.lock, package-lock.json, package.json, yarn.lock
//! (classic and berry), pnpm-lock.yaml, Cargo.lock, go.mod, Gemfile.lock, composer.lock.
//! Properties: no panic, and every error names the file. The first byte picks the parser
//! so each gets mutated inputs of its own; seed with crates/rampart_pkg/tests/fixtures/lang
//! (prefix a byte).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_pkg::lang::{self, LangParser};

const PARSERS: [(LangParser, &str); 12] = [
    (LangParser::PythonMetadata, "x.dist-info/METADATA"),
    (LangParser::PythonRequirements, "requirements.txt"),
    (LangParser::PoetryLock, "poetry.lock"),
    (LangParser::PipfileLock, "Pipfile.lock"),
    (LangParser::NpmPackageLock, "package-lock.json"),
    (LangParser::NpmPackageJson, "node_modules/x/package.json"),
    (LangParser::YarnLock, "yarn.lock"),
    (LangParser::PnpmLock, "pnpm-lock.yaml"),
    (LangParser::CargoLock, "Cargo.lock"),
    (LangParser::GoMod, "go.mod"),
    (LangParser::GemfileLock, "Gemfile.lock"),
    (LangParser::ComposerLock, "composer.lock"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&which, text)) = data.split_first() else { return };
    let (parser, path) = PARSERS[usize::from(which) % PARSERS.len()];
    if let Err(e) = lang::parse(parser, path, text) {
        assert!(e.to_string().starts_with(path));
    }
});
