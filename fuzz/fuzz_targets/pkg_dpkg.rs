//! Arbitrary bytes as a dpkg `status` file, a distroless `status.d` entry and an os-release
//! file. Properties: no panic; an error names the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_pkg::os::{self, OsParser};

fuzz_target!(|data: &[u8]| {
    let distro = os::os_release("etc/os-release", data).ok();
    for (parser, path) in [
        (OsParser::DpkgStatus, "var/lib/dpkg/status"),
        (OsParser::DpkgStatusD, "var/lib/dpkg/status.d/foo"),
    ] {
        if let Err(e) = os::parse(parser, path, data, distro.as_ref()) {
            assert!(e.to_string().starts_with(path));
        }
    }
});
