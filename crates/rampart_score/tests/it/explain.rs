//! Snapshot of the full breakdown (`rampart score explain`) of a small two-subscription estate.

use rampart_model::Recommendation;
use rampart_model::Status::{self, Healthy, NotApplicable, Unhealthy};
use rampart_score::{Grouping, ScoreBook};

use crate::support::{self, *};

/// `(index, scope, env tag, region, assessments)`.
type Row<'r> = (
    u32,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Vec<(&'r Recommendation, Status)>,
);

fn small_estate() -> rampart_score::ScoreReport {
    let groupings = vec![Grouping::Tag("env".to_owned()), Grouping::Region];
    let mut book = ScoreBook::new(&support::api_example_controls(), groupings).unwrap();
    let transfer = recommendation("storage-secure-transfer", &[ENCRYPT_IN_TRANSIT]);
    let public_network = recommendation("storage-restrict-network", &[NETWORK]);
    let updates = recommendation("system-updates", &[SYSTEM_UPDATES]);
    let agent = recommendation("endpoint-protection", &[ENDPOINT, SECURITY_CONFIGS]);
    let mfa = recommendation("mfa-owner", &[MFA]);
    let ddos = recommendation("ddos-standard", &[DDOS]);

    let resources: [Row<'_>; 7] = [
        (0, "sub-prod", None, None, vec![(&mfa, Healthy)]),
        (
            1,
            "sub-prod",
            Some("prod"),
            Some("westeurope"),
            vec![(&transfer, Healthy), (&public_network, Unhealthy)],
        ),
        (
            2,
            "sub-prod",
            Some("prod"),
            Some("westeurope"),
            vec![(&transfer, Healthy), (&public_network, Healthy)],
        ),
        (
            3,
            "sub-prod",
            Some("prod"),
            Some("northeurope"),
            vec![(&updates, Unhealthy), (&agent, Healthy)],
        ),
        (4, "sub-dev", None, None, vec![(&mfa, Unhealthy)]),
        (
            5,
            "sub-dev",
            Some("dev"),
            Some("westeurope"),
            vec![(&transfer, Unhealthy), (&public_network, NotApplicable)],
        ),
        (
            6,
            "sub-dev",
            Some("dev"),
            Some("westeurope"),
            vec![
                (&updates, Healthy),
                (&agent, Unhealthy),
                (&ddos, NotApplicable),
            ],
        ),
    ];
    for (idx, scope, env, region, assessments) in &resources {
        book.add_resource(*idx, scope, &[*env, *region]).unwrap();
        for (rec, status) in assessments {
            book.record(*idx, rec, *status).unwrap();
        }
    }
    book.report()
}

#[test]
fn explain_text_of_a_small_estate() {
    insta::assert_snapshot!(small_estate().explain());
}

#[test]
fn report_json_of_a_small_estate() {
    let report = small_estate();
    // Only the overall and one scope in full: the rest is covered by the text snapshot.
    insta::assert_json_snapshot!(serde_json::json!({
        "overall": report.overall,
        "scope": report.scopes[0],
        "groupings": report.groups.iter().map(|g| &g.grouping).collect::<Vec<_>>(),
    }));
}
