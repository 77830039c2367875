//! A deterministic generator of synthetic, schema-valid OSV records and matching package lists,
//! for benchmarks (importing ≥100,000 advisories, matching 5,000 packages). Same seed, same
//! output; no randomness crate (a 64-bit xorshift is enough for spread).

use rampart_pkg::{Ecosystem, Package};
use serde_json::{json, Value};

/// The ecosystems generated records cycle through: (OSV ecosystem, package ecosystem).
const ECOSYSTEMS: [(&str, Ecosystem); 8] = [
    ("PyPI", Ecosystem::PyPI),
    ("npm", Ecosystem::Npm),
    ("crates.io", Ecosystem::CratesIo),
    ("Go", Ecosystem::Go),
    ("Maven", Ecosystem::Maven),
    ("RubyGems", Ecosystem::RubyGems),
    ("Debian:12", Ecosystem::Debian),
    ("Alpine:v3.19", Ecosystem::Alpine),
];

const CVSS: [&str; 4] = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
];

/// Deterministic xorshift64*.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Package names used by generated records: `pkgNNNN` per ecosystem (`pkgNNNN` for Maven is
/// `org.example:pkgNNNN`, for Go `example.com/pkgNNNN`).
pub fn package_name(eco: Ecosystem, n: u64) -> String {
    match eco {
        Ecosystem::Maven => format!("org.example:pkg{n}"),
        Ecosystem::Go => format!("example.com/pkg{n}"),
        _ => format!("pkg{n}"),
    }
}

fn version(eco: Ecosystem, major: u64, minor: u64, patch: u64) -> String {
    match eco {
        Ecosystem::Debian => format!("{major}.{minor}.{patch}-1"),
        Ecosystem::Alpine => format!("{major}.{minor}.{patch}-r0"),
        _ => format!("{major}.{minor}.{patch}"),
    }
}

/// `count` OSV records (JSON values) with ids `x_GEN-<seed>-<n>` (OSV's prefix for private ids), spread over 8 ecosystems and
/// `packages_per_ecosystem` package names each; each has one ECOSYSTEM (or SEMVER) range with
/// an introduced and a fixed version, a CVSS vector, and sometimes a second range.
pub fn records(count: usize, packages_per_ecosystem: u64, seed: u64) -> Vec<Value> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|i| {
            let (osv_eco, eco) = ECOSYSTEMS[i % ECOSYSTEMS.len()];
            let pkg = package_name(eco, rng.below(packages_per_ecosystem));
            let major = rng.below(5);
            let minor = rng.below(10);
            let range_type = if matches!(eco, Ecosystem::CratesIo | Ecosystem::Npm | Ecosystem::Go) {
                "SEMVER"
            } else {
                "ECOSYSTEM"
            };
            let mut events = vec![
                json!({"introduced": version(eco, major, minor, 0)}),
                json!({"fixed": version(eco, major, minor, 1 + rng.below(9))}),
            ];
            if rng.below(3) == 0 {
                events.push(json!({"introduced": version(eco, major + 1, 0, 0)}));
                events.push(json!({"fixed": version(eco, major + 1, 0, 1 + rng.below(5))}));
            }
            let cvss = CVSS[rng.below(CVSS.len() as u64) as usize];
            json!({
                "schema_version": "1.6.0",
                "id": format!("x_GEN-{seed}-{i}"),
                "modified": "2026-01-01T00:00:00Z",
                "published": "2026-01-01T00:00:00Z",
                "aliases": [format!("CVE-2099-{}", 10000 + i)],
                "summary": format!("synthetic advisory {i} for {pkg}"),
                "severity": [{"type": if cvss.starts_with("CVSS:4") {"CVSS_V4"} else {"CVSS_V3"}, "score": cvss}],
                "affected": [{
                    "package": {"ecosystem": osv_eco, "name": pkg},
                    "ranges": [{"type": range_type, "events": events}],
                }],
            })
        })
        .collect()
}

/// `count` installed packages over the same names and version space as [`records`], in the
/// language ecosystems and Debian (one host has one distribution: match them with Debian 12);
/// a few percent fall inside some generated range, as on real hosts.
pub fn packages(count: usize, packages_per_ecosystem: u64, seed: u64) -> Vec<Package> {
    let mut rng = Rng::new(seed ^ 0xABCD);
    let ecosystems: Vec<Ecosystem> = ECOSYSTEMS
        .iter()
        .map(|(_, e)| *e)
        .filter(|e| *e != Ecosystem::Alpine)
        .collect();
    (0..count)
        .map(|i| {
            let eco = ecosystems[i % ecosystems.len()];
            Package {
                name: package_name(eco, rng.below(packages_per_ecosystem)),
                version: version(eco, rng.below(5), rng.below(10), rng.below(6)),
                ecosystem: eco,
                source_name: None,
                source_version: None,
                arch: None,
                location: "generated".into(),
            }
        })
        .collect()
}
