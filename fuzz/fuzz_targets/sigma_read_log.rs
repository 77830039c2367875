//! rampart_sigma::read_log on arbitrary bytes: the first byte picks the format (or the
//! sniffer), the rest is the file (gzip included). Every input must give events, counted
//! bad records or a read error, never a panic; every event is matched against the
//! built-in rules.
#![no_main]

use std::ops::ControlFlow;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rampart_sigma::{builtin_rules, read_log, Catalog, Engine, LogFormat, ReadOptions, YearHint};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let mut b = Engine::builder(Catalog::builtin());
        for (name, text) in builtin_rules() {
            b.add_yaml(text, name);
        }
        b.build()
    })
}

const FORMATS: [Option<LogFormat>; 7] = [
    None,
    Some(LogFormat::CloudTrail),
    Some(LogFormat::AzureDiagnostics),
    Some(LogFormat::GcpAudit),
    Some(LogFormat::KubernetesAudit),
    Some(LogFormat::Syslog),
    Some(LogFormat::Journald),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let format = FORMATS[pick as usize % FORMATS.len()];
    let engine = engine();
    let opts = ReadOptions {
        year_hint: Some(YearHint { year: 2026, month: 6 }),
    };
    let (mut scratch, mut hits) = (Vec::new(), Vec::new());
    let _ = read_log(body, "fuzz", format, engine, &opts, |le| {
        engine.matches(le.source, le.event, &mut scratch, &mut hits);
        ControlFlow::Continue(())
    });
});
