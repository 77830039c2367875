//! rampart_sigma's host log line parsers: a syslog line (classic or RFC 3339 header, then
//! the sshd / sudo / su / pam_unix message) and a `journalctl -o json` line. Arbitrary
//! text must give a record or an error, never a panic; a parsed record's fields are
//! substrings of the line or derived values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_sigma::{parse_journald_line, parse_syslog_line, YearHint};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for month in [1, 12] {
        if let Ok(rec) = parse_syslog_line(&text, YearHint { year: 2026, month }) {
            let _ = rec.fields();
        }
    }
    if let Ok(rec) = parse_journald_line(&text) {
        let _ = rec.fields();
    }
});
