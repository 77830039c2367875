//! The `rampart` binary: parses the command line, runs the façade, renders and prints. The only crate that prints.
//!
//! Exit codes: 0 done, 1 a gate (`--fail-under`, `--fail-on`; for `detect`, an alert at `--fail-on`; for
//! `rules lint`, an error) failed, 2 bad input or usage.

mod cli;
mod detect_cmd;
mod ecr_cmd;
mod image_cmd;
mod progress;
mod rules_cmd;
mod scan_cmd;
mod vulndb_cmd;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

// A scan allocates and frees many small JSON nodes, on several threads when parsing runs beside evaluation;
// mimalloc is markedly faster than glibc's allocator at both (BENCHMARKS.md). It replaces `malloc` and
// `free` for the whole process (the crate's `override` feature), and Rust allocates through `System`,
// which calls plain `malloc` for ordinary alignments: the crate's own `MiMalloc` calls
// `mi_malloc_aligned` for every allocation, a longer path (-1.1% instructions on a 20k scan).
#[global_allocator]
static GLOBAL: std::alloc::System = std::alloc::System;
// Linked for its `malloc` (nothing else of it is used).
use mimalloc as _;

/// The process exit codes, documented in the README.
pub(crate) mod exit {
    pub(crate) const OK: u8 = 0;
    pub(crate) const GATE_FAILED: u8 = 1;
    pub(crate) const BAD_INPUT: u8 = 2;
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    init_tracing(args.verbose);
    let result = match args.command {
        cli::Command::Scan(scan) => match &scan.target {
            Some(target) => image_cmd::run(target),
            None => scan_cmd::run(&scan.inventory),
        },
        cli::Command::Vulndb(cmd) => vulndb_cmd::run(&cmd),
        cli::Command::Score(cli::ScoreCommand::Explain(scan)) => scan_cmd::explain(&scan),
        cli::Command::Rules(cmd) => rules_cmd::run(&cmd),
        cli::Command::Detect(args) => detect_cmd::run(&args),
        cli::Command::Suppress(cli::SuppressCommand::Simulate {
            rules,
            alerts,
            format,
        }) => detect_cmd::simulate(&rules, &alerts, format),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::from(exit::OK);
            }
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            ExitCode::from(exit::BAD_INPUT)
        }
    }
}

/// A warning or a per-input error on stderr (the run goes on).
/// An XDG base directory: `$VAR` when set to an absolute path (the XDG spec ignores relative
/// values), else `$HOME/<home_default>`; `None` without either.
pub(crate) fn xdg_dir(var: &str, home_default: &str) -> Option<std::path::PathBuf> {
    let get = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    match get(var).filter(|d| std::path::Path::new(d).is_absolute()) {
        Some(dir) => Some(dir.into()),
        None => get("HOME").map(|home| std::path::PathBuf::from(home).join(home_default)),
    }
}

pub(crate) fn warn(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// Renders to `path`, or to standard output when there is none, through a buffer that is flushed
/// (a write error names the file). Shared by every command that writes a report.
pub(crate) fn write_output(
    path: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match path {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            render(&mut out)?;
            out.flush()
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            render(&mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}
