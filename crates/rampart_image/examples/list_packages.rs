//! Lists the packages of an image (`docker save` tar, OCI layout, registry reference) or, with
//! `--root DIR`, of a root filesystem: one `ecosystem<TAB>name<TAB>version` line per package. Used by
//! scripts/bench-image.sh until the CLI's `rampart scan image` is wired.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use rampart_image::{scan_image, scan_root, ImageSource, ScanOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = ScanOptions::default();
    let scan = match args.as_slice() {
        [flag, dir] if flag == "--root" => scan_root(dir.as_ref(), &opts),
        [image] => ImageSource::parse(image).and_then(|src| scan_image(&src, &opts)),
        _ => {
            eprintln!("usage: list_packages IMAGE | --root DIR");
            return ExitCode::from(2);
        }
    };
    match scan {
        Ok(scan) => {
            for p in &scan.packages {
                println!(
                    "{}\t{}\t{}",
                    p.package.ecosystem.osv_name(),
                    p.package.name,
                    p.package.version
                );
            }
            for e in &scan.file_errors {
                eprintln!("{}: {}", e.path, e.message);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
