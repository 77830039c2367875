//! Microsoft's published figures (defender.md §1.3), rebuilt as real resources and recommendations fed
//! through the public API. Expected numbers are Microsoft's, quoted with their source.

use rampart_model::Status::{self, Healthy, NotApplicable, Unhealthy};
use rampart_model::{Control, Recommendation};
use rampart_score::{ControlScore, Score, ScoreBook};

use crate::support::{self, *};

/// A book plus a running resource counter, so tests read as "this resource, this result".
struct Estate {
    book: ScoreBook,
    next_idx: u32,
}

impl Estate {
    fn new(controls: &[Control]) -> Self {
        Self {
            book: ScoreBook::new(controls, Vec::new()).unwrap(),
            next_idx: 0,
        }
    }

    fn resource(&mut self, scope: &str) -> u32 {
        let idx = self.next_idx;
        self.book.add_resource(idx, scope, &[]).unwrap();
        self.next_idx += 1;
        idx
    }

    fn assess(&mut self, idx: u32, recommendation: &Recommendation, status: Status) {
        self.book.record(idx, recommendation, status).unwrap();
    }

    /// `n` new resources in `scope`, each assessed once with `status`.
    fn many(&mut self, scope: &str, n: u32, recommendation: &Recommendation, status: Status) {
        for _ in 0..n {
            let idx = self.resource(scope);
            self.assess(idx, recommendation, status);
        }
    }
}

fn control<'s>(score: &'s Score, id: &str) -> &'s ControlScore {
    score.controls.iter().find(|c| c.id == id).unwrap()
}

/// `(control id, H, U, NA, max, current, percentage, weight)` of one control in one score.
type Expected = (&'static str, u64, u64, u64, u32, f64, f64, u64);

fn assert_controls(score: &Score, expected: &[Expected]) {
    for &(id, healthy, unhealthy, not_applicable, max, current, percentage, weight) in expected {
        let got = control(score, id);
        let summary = (
            got.healthy,
            got.unhealthy,
            got.not_applicable,
            got.max,
            got.current,
            got.percentage,
            got.weight,
        );
        assert_eq!(
            summary,
            (
                healthy,
                unhealthy,
                not_applicable,
                max,
                current,
                percentage,
                weight
            ),
            "control {} ({})",
            got.name,
            id
        );
    }
}

/// `azure-rest-api-specs …/2020-01-01/examples/secureScores/ListSecureScoreControlsForName_builtin_example.json`
/// (per control) and `ListSecureScores_example.json` (same subscription: max 39, current 23.53,
/// percentage 0.6033). The subscription's resources are a plausible estate producing exactly those
/// counts; several resources sit in several controls.
#[test]
fn api_example_subscription() {
    let controls = support::api_example_controls();
    let mut estate = Estate::new(&controls);
    let sub = "20ff7fc3-e762-44dd-bd96-b71116dcdc23";

    let mfa_owner = recommendation("mfa-owner", &[MFA]);
    let external_owner = recommendation("external-owner-accounts", &[ACCESS]);
    let defender_servers = recommendation("defender-for-servers", &[ENHANCED_SECURITY]);
    let system_updates = recommendation("system-updates", &[SYSTEM_UPDATES]);
    let endpoint = recommendation("install-endpoint-protection", &[ENDPOINT]);
    let secure_config = recommendation("machines-configured-securely", &[SECURITY_CONFIGS]);
    let ip_forwarding = recommendation("ip-forwarding-disabled", &[NETWORK]);
    let disk_encryption = recommendation("disk-encryption", &[ENCRYPTION_AT_REST]);
    let secure_transfer = recommendation("storage-secure-transfer", &[ENCRYPT_IN_TRANSIT]);
    let https_only = recommendation("webapp-https-only", &[ENCRYPT_IN_TRANSIT]);
    let kv_logs = recommendation("keyvault-diagnostic-logs", &[AUDITING]);
    let ddos = recommendation("ddos-standard", &[DDOS]);
    let public_access = recommendation("storage-public-access-disallowed", &[BEST_PRACTICES]);

    // The subscription itself.
    let subscription = estate.resource(sub);
    estate.assess(subscription, &mfa_owner, Healthy);
    estate.assess(subscription, &external_owner, Healthy);
    estate.assess(subscription, &defender_servers, Unhealthy);
    // A management-group-like second identity scope resource failing access.
    let role_scope = estate.resource(sub);
    estate.assess(role_scope, &external_owner, Unhealthy);
    // One VM: unpatched, no endpoint protection, misconfigured; IP forwarding off, disks encrypted.
    let vm = estate.resource(sub);
    estate.assess(vm, &system_updates, Unhealthy);
    estate.assess(vm, &endpoint, Unhealthy);
    estate.assess(vm, &secure_config, Unhealthy);
    estate.assess(vm, &ip_forwarding, Healthy);
    estate.assess(vm, &disk_encryption, Healthy);
    // Three storage accounts with secure transfer, which also disallow public access.
    for _ in 0..3 {
        let storage = estate.resource(sub);
        estate.assess(storage, &secure_transfer, Healthy);
        estate.assess(storage, &public_access, Healthy);
    }
    // Three web apps, one reachable over plain HTTP.
    estate.many(sub, 2, &https_only, Healthy);
    estate.many(sub, 1, &https_only, Unhealthy);
    // Five key vaults, four without diagnostic logs.
    estate.many(sub, 1, &kv_logs, Healthy);
    estate.many(sub, 4, &kv_logs, Unhealthy);
    // A virtual network the DDoS recommendation does not apply to.
    estate.many(sub, 1, &ddos, NotApplicable);
    // Four more storage-like resources that pass best practices, and one exempt.
    estate.many(sub, 4, &public_access, Healthy);
    estate.many(sub, 1, &public_access, NotApplicable);

    let report = estate.book.report();
    assert_eq!(report.scopes.len(), 1);
    assert_eq!(report.scopes[0].name, sub);
    let score = &report.scopes[0].score;
    assert_controls(
        score,
        &[
            (DDOS, 0, 0, 1, 0, 0.0, 0.0, 0),
            (MFA, 1, 0, 0, 10, 10.0, 1.0, 1),
            (BEST_PRACTICES, 7, 0, 1, 0, 0.0, 0.0, 7),
            (ENHANCED_SECURITY, 0, 1, 0, 0, 0.0, 0.0, 1),
            (AUDITING, 1, 4, 0, 1, 0.2, 0.2, 5),
            (ACCESS, 1, 1, 0, 4, 2.0, 0.5, 2),
            (SECURITY_CONFIGS, 0, 1, 0, 4, 0.0, 0.0, 1),
            (ENDPOINT, 0, 1, 0, 2, 0.0, 0.0, 1),
            (SYSTEM_UPDATES, 0, 1, 0, 6, 0.0, 0.0, 1),
            (ENCRYPT_IN_TRANSIT, 5, 1, 0, 4, 3.33, 0.8325, 6),
            (NETWORK, 1, 0, 0, 4, 4.0, 1.0, 1),
            (ENCRYPTION_AT_REST, 1, 0, 0, 4, 4.0, 1.0, 1),
        ],
    );
    assert!(
        !control(score, DDOS).counted,
        "a control with only NA resources drops out"
    );
    assert_eq!(control(score, DDOS).definition_max, 2);
    // ListSecureScores_example.json: score {max 39, current 23.53, percentage 0.6033}. The unrounded
    // sum (23.5333…) would give 0.6034: the API sums the rounded control currents.
    assert_eq!(
        (score.max, score.current, score.percentage),
        (39, 23.53, 0.6033)
    );
    assert_eq!(score.percent(), 60.33);
    assert_eq!(score.potential_increase, 15.47);
    // One scope: the overall score is that scope's.
    assert_eq!(&report.overall, score);
}

/// Current Defender docs: "max 6, H+U = 78, H = 4 → 6/78 = 0.0769 → 0.0769 × 4 = 0.31".
#[test]
fn control_with_78_resources_4_healthy() {
    let controls = support::api_example_controls();
    let mut estate = Estate::new(&controls);
    let updates = recommendation("system-updates", &[SYSTEM_UPDATES]);
    estate.many("sub", 4, &updates, Healthy);
    estate.many("sub", 74, &updates, Unhealthy);
    let report = estate.book.report();
    let got = control(&report.overall, SYSTEM_UPDATES);
    assert_eq!(
        (got.max, got.healthy + got.unhealthy, got.current),
        (6, 78, 0.31)
    );
    assert_eq!(format!("{:.4}", got.points_per_resource), "0.0769");
    assert_eq!(got.potential_increase, 5.69);
    assert_eq!(got.percentage, 0.0517); // 0.31 / 6 = 0.051666…
}

/// 2020 docs, "Apply system updates": max 6, 50 resources → 0.12 per resource; 42 healthy → 5.04;
/// 8 unhealthy → potential increase 0.96.
#[test]
fn apply_system_updates_2020() {
    let controls = support::api_example_controls();
    let mut estate = Estate::new(&controls);
    let updates = recommendation("system-updates", &[SYSTEM_UPDATES]);
    let scale_sets = recommendation("system-updates-vmss", &[SYSTEM_UPDATES]);
    estate.many("sub", 30, &updates, Healthy);
    estate.many("sub", 12, &scale_sets, Healthy);
    estate.many("sub", 5, &updates, Unhealthy);
    estate.many("sub", 3, &scale_sets, Unhealthy);
    let report = estate.book.report();
    let got = control(&report.overall, SYSTEM_UPDATES);
    assert_eq!(got.points_per_resource, 0.12);
    assert_eq!((got.healthy, got.unhealthy), (42, 8));
    assert_eq!(
        (got.current, got.potential_increase, got.percentage),
        (5.04, 0.96, 0.84)
    );
    // Only this control is counted: the estate's score is the control's.
    assert_eq!((report.overall.max, report.overall.current), (6, 5.04));
}

/// Multiple subscriptions (defender.md §1.2): H and U are summed per control across subscriptions,
/// so each subscription weighs by its H + U — not an average of per-subscription percentages.
#[test]
fn subscriptions_aggregate_by_resource_counts() {
    let controls = support::api_example_controls();
    let mut estate = Estate::new(&controls);
    let transfer = recommendation("storage-secure-transfer", &[ENCRYPT_IN_TRANSIT]);
    let updates = recommendation("system-updates", &[SYSTEM_UPDATES]);
    estate.many("sub-a", 5, &transfer, Healthy);
    estate.many("sub-a", 1, &transfer, Unhealthy);
    estate.many("sub-b", 1, &transfer, Healthy);
    estate.many("sub-b", 3, &transfer, Unhealthy);
    estate.many("sub-b", 1, &updates, Unhealthy);

    let report = estate.book.report();
    let by_name = |name: &str| &report.scopes.iter().find(|s| s.name == name).unwrap().score;
    assert_eq!(control(by_name("sub-a"), ENCRYPT_IN_TRANSIT).current, 3.33);
    assert_eq!(control(by_name("sub-b"), ENCRYPT_IN_TRANSIT).current, 1.0);
    let overall = control(&report.overall, ENCRYPT_IN_TRANSIT);
    // 4 × (5 + 1) / (6 + 4) = 2.4, the weighted mean (6·3.33… + 4·1) / 10 — not (3.33 + 1) / 2.
    assert_eq!(
        (
            overall.healthy,
            overall.unhealthy,
            overall.weight,
            overall.current
        ),
        (6, 4, 10, 2.4)
    );
    // sub-a: 3.33 / 4; sub-b: 1 / 10; overall: 2.4 / 10.
    assert_eq!(
        (by_name("sub-a").max, by_name("sub-a").percentage),
        (4, 0.8325)
    );
    assert_eq!(
        (by_name("sub-b").max, by_name("sub-b").percentage),
        (10, 0.1)
    );
    assert_eq!(
        (
            report.overall.max,
            report.overall.current,
            report.overall.percentage
        ),
        (10, 2.4, 0.24)
    );
}
