//! Synthetic CloudTrail JSON Lines for the threat-detection benchmark (issue 5): real records
//! from the Stratus Red Team detonations and Panther's test events, replicated with fresh ids,
//! times, source addresses, regions and identities, so that only a small, chosen fraction of
//! the events is an attack the Sigma rules describe.
//!
//! Determinism: the output is a pure function of the templates, `n` and the seed (xorshift64*;
//! no clock, no hash-map order), so two runs with the same arguments write the same bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{Map, Value};

/// The shared data folder (`/work/shared/data` beside the repository), as seen from this crate.
pub fn shared_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// Real CloudTrail records: every record of `logs/stratus-cloudtrail/*.json` (JSON arrays)
/// and every CloudTrail event of `logs/panther-events/aws-cloudtrail.jsonl` (those with an
/// `eventSource`), in file order.
///
/// # Errors
/// A file cannot be read or is not JSON.
pub fn templates(data: &Path) -> Result<Vec<Map<String, Value>>> {
    let mut out = Vec::new();
    let dir = data.join("logs/stratus-cloudtrail");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for f in files {
        let text =
            std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
        let recs: Vec<Value> =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", f.display()))?;
        out.extend(recs.into_iter().filter_map(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        }));
    }
    let panther = data.join("logs/panther-events/aws-cloudtrail.jsonl");
    let text = std::fs::read_to_string(&panther)
        .with_context(|| format!("reading {}", panther.display()))?;
    for (i, line) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(line)
            .with_context(|| format!("{}:{}", panther.display(), i + 1))?;
        if let Value::Object(o) = v {
            if o.contains_key("eventSource") {
                out.push(o);
            }
        }
    }
    Ok(out)
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenConfig {
    pub events: usize,
    pub seed: u64,
    /// Share of events drawn from the templates some rule fires on (the rest from the quiet ones).
    pub hit_fraction: f64,
}

/// xorshift64* (deterministic, no dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        // n is small (template and pool sizes); the modulo bias is irrelevant here.
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Real AWS region names (the Stratus records carry anonymised, non-existent ones).
const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

/// Number of distinct user names and source addresses the events are spread over.
const USERS: u64 = 2000;
const ADDRESSES: u64 = 5000;

/// Writes `cfg.events` CloudTrail records as JSON Lines to `out`. `hits` and `quiet` are the
/// templates some rule fires on and those none does (see [`templates`]; the caller splits
/// them with the engine under test or any other). Each event is a template with a fresh
/// `eventID`/`requestID`, an `eventTime` advancing one second per ten events (from
/// 2024-08-01), a source address out of 5,000 and a region out of eight; quiet events
/// also take the identity (`userIdentity`, with a user name out of 2,000) of another quiet
/// template, so identities and API calls combine freely. Events drawn from `hits` keep their
/// own identity, since rules such as root-account use read it.
///
/// Returns the number of events drawn from `hits`.
///
/// # Errors
/// Writing fails, or `quiet` is empty.
pub fn write_cloudtrail<W: Write>(
    mut out: W,
    cfg: GenConfig,
    hits: &[Map<String, Value>],
    quiet: &[Map<String, Value>],
) -> Result<u64> {
    anyhow::ensure!(!quiet.is_empty(), "no quiet templates");
    let identities: Vec<&Value> = quiet
        .iter()
        .filter_map(|t| t.get("userIdentity"))
        .filter(|u| u.get("type").and_then(Value::as_str) != Some("Root"))
        .collect();
    let mut rng = Rng(cfg.seed.max(1));
    let threshold = (cfg.hit_fraction.clamp(0.0, 1.0) * f64::from(u32::MAX)) as u64;
    let start = 1_722_470_400i64; // 2024-08-01T00:00:00Z
    let mut line = Vec::with_capacity(4096);
    let mut drawn_hits = 0u64;
    for i in 0..cfg.events {
        let roll = rng.next() & u64::from(u32::MAX);
        let from_hits = !hits.is_empty() && roll < threshold;
        let mut r = if from_hits {
            drawn_hits += 1;
            hits[rng.below(hits.len())].clone()
        } else {
            quiet[rng.below(quiet.len())].clone()
        };
        let x = rng.next();
        let y = rng.next();
        let uuid = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            x >> 32,
            (x >> 16) & 0xffff,
            x & 0xfff,
            0x8000 | (y >> 48 & 0x3fff),
            y & 0xffff_ffff_ffff
        );
        r.insert("eventID".into(), Value::String(uuid.clone()));
        if r.contains_key("requestID") {
            r.insert("requestID".into(), Value::String(uuid.to_ascii_uppercase()));
        }
        r.insert(
            "eventTime".into(),
            Value::String(format_time(start + (i / 10) as i64)),
        );
        let a = rng.next() % ADDRESSES;
        r.insert(
            "sourceIPAddress".into(),
            Value::String(format!(
                "{}.{}.{}.{}",
                [198u64, 203, 192, 100][(a % 4) as usize],
                51 + a % 50,
                (a / 50) % 256,
                1 + a % 254
            )),
        );
        r.insert(
            "awsRegion".into(),
            Value::String(REGIONS[rng.below(REGIONS.len())].into()),
        );
        if !from_hits && !identities.is_empty() {
            let mut id = identities[rng.below(identities.len())].clone();
            if let Value::Object(u) = &mut id {
                if u.contains_key("userName") {
                    let name = format!("user{:04}", rng.next() % USERS);
                    if let Some(Value::String(arn)) = u.get_mut("arn") {
                        if let Some((head, _)) = arn.rsplit_once('/') {
                            *arn = format!("{head}/{name}");
                        }
                    }
                    u.insert("userName".into(), Value::String(name));
                }
            }
            r.insert("userIdentity".into(), id);
        }
        line.clear();
        serde_json::to_writer(&mut line, &r)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()?;
    Ok(drawn_hits)
}

/// `YYYY-MM-DDTHH:MM:SSZ` (CloudTrail's form) of Unix time `t` (UTC); chrono, as the Sigma engine
/// and the CLI use, rather than a copy of rampart_policy's day arithmetic. Empty for a time chrono
/// cannot represent (the generator's times are in 2024).
fn format_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::format_time;

    #[test]
    fn times() {
        assert_eq!(format_time(1_722_470_400), "2024-08-01T00:00:00Z");
        assert_eq!(format_time(1_722_470_400 + 86_399), "2024-08-01T23:59:59Z");
        assert_eq!(format_time(951_782_400), "2000-02-29T00:00:00Z");
    }
}
