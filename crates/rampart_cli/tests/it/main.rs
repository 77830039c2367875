//! End-to-end tests of the `rampart` binary: real processes, real files, exit codes and outputs.

mod detect;
mod ecr;
mod rules;
mod scan;
mod sigma_lint;
mod vuln;

use std::path::Path;
use std::process::{Command, Output};

/// Runs `rampart` with `args` (no terminal, so no progress bar).
pub(crate) fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .env_remove("RAMPART_LOG")
        .output()
        .expect("rampart runs")
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub(crate) fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}
