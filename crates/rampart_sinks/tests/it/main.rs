//! Integration tests of the sinks against real receivers on 127.0.0.1.

mod common;
mod config;
mod delivery;
mod email;
mod payloads;
mod retry;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rampart_sinks::{Config, Dispatcher, ManualClock};

/// Starts a dispatcher from TOML text, resolving `*_env` secrets from `env`.
pub(crate) fn start(
    toml: &str,
    state: &Path,
    clock: &ManualClock,
    env: &[(&str, &str)],
) -> Dispatcher {
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let mut c = Config::from_toml_str(toml, "test.toml").unwrap();
    c.resolve_secrets("test.toml", |v| env.get(v).cloned())
        .unwrap();
    Dispatcher::start(c, state, Arc::new(clock.clone()), "test.toml").unwrap()
}

/// A deadline `secs` from now.
pub(crate) fn in_secs(secs: u64) -> std::time::Instant {
    std::time::Instant::now() + std::time::Duration::from_secs(secs)
}
