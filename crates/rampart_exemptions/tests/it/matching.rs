//! Matching: each selector kind, recommendation ids, file order, expiry boundaries, the assessment.

use rampart_exemptions::Exemptions;
use rampart_model::{Cause, ExemptionCategory, Status};

use crate::{at, azure, fixture};

const STORAGE_REC: &str = "404c3081-a854-4457-ae30-26a93ef643f9";
const OTHER_REC: &str = "22730e10-96f6-4aac-ad84-9383d35b5917";
const SANDBOX_SUB: &str = "11111111-1111-1111-1111-111111111111";
const PROD_SUB: &str = "22222222-2222-2222-2222-222222222222";

fn load(text: &str) -> Exemptions {
    Exemptions::from_yaml(text, "test.yaml").unwrap()
}

fn one(selector: &str, recommendations: &str, expires: Option<&str>) -> Exemptions {
    let expires = expires
        .map(|e| format!("    expires: {e}\n"))
        .unwrap_or_default();
    load(&format!(
        "version: 1\nexemptions:\n  - name: x\n    category: waiver\n    reason: why\n{expires}    recommendations: {recommendations}\n    resources: {selector}\n"
    ))
}

/// (selector, resource id, tags, expected) — one row per selector behaviour.
type SelectorCase<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], bool);

#[test]
fn each_selector_kind_matches_as_documented() {
    let legacy = format!("/subscriptions/{PROD_SUB}/resourceGroups/Legacy-RG/providers/Microsoft.Storage/storageAccounts/old");
    let other = format!("/subscriptions/{PROD_SUB}/resourceGroups/app-rg/providers/Microsoft.Storage/storageAccounts/new");
    let sandbox = format!("/subscriptions/{SANDBOX_SUB}/resourceGroups/app-rg/providers/Microsoft.Storage/storageAccounts/s");
    let cases: &[SelectorCase<'_>] = &[
        // ids: glob, case-insensitive, `*` crosses `/`
        (
            r#"{ ids: ["/subscriptions/*/resourceGroups/legacy-rg/*"] }"#,
            &legacy,
            &[],
            true,
        ),
        (
            r#"{ ids: ["/subscriptions/*/resourceGroups/legacy-rg/*"] }"#,
            &other,
            &[],
            false,
        ),
        (r#"{ ids: ["*/STORAGEACCOUNTS/OLD"] }"#, &legacy, &[], true),
        (r#"{ ids: ["*/storageaccounts/ol?"] }"#, &legacy, &[], true),
        (r#"{ ids: ["*/storageaccounts/o"] }"#, &legacy, &[], false),
        (r#"{ ids: ["nope", "*"] }"#, &other, &[], true),
        // scopes
        (
            &format!(r#"{{ scopes: ["{SANDBOX_SUB}"] }}"#),
            &sandbox,
            &[],
            true,
        ),
        (
            &format!(r#"{{ scopes: ["{SANDBOX_SUB}"] }}"#),
            &other,
            &[],
            false,
        ),
        (r#"{ scopes: ["11111111-*"] }"#, &sandbox, &[], true),
        // resource groups: case-insensitive
        (r#"{ resource_groups: ["LEGACY-rg"] }"#, &legacy, &[], true),
        (r#"{ resource_groups: ["legacy-*"] }"#, &other, &[], false),
        // tags: key case-insensitive, value case-sensitive glob, every tag required
        (
            r#"{ tags: { env: sandbox } }"#,
            &other,
            &[("Env", "sandbox")],
            true,
        ),
        (
            r#"{ tags: { env: sandbox } }"#,
            &other,
            &[("env", "Sandbox")],
            false,
        ),
        (r#"{ tags: { env: sandbox } }"#, &other, &[], false),
        (
            r#"{ tags: { env: "*" } }"#,
            &other,
            &[("env", "prod")],
            true,
        ),
        (
            r#"{ tags: { env: sandbox, owner: ops } }"#,
            &other,
            &[("env", "sandbox")],
            false,
        ),
        (
            r#"{ tags: { env: sandbox, owner: ops } }"#,
            &other,
            &[("env", "sandbox"), ("owner", "ops")],
            true,
        ),
        // several kinds: all must match
        (
            &format!(r#"{{ scopes: ["{SANDBOX_SUB}"], resource_groups: ["app-rg"] }}"#),
            &sandbox,
            &[],
            true,
        ),
        (
            &format!(r#"{{ scopes: ["{SANDBOX_SUB}"], resource_groups: ["app-rg"] }}"#),
            &other,
            &[],
            false,
        ),
        (
            &format!(r#"{{ scopes: ["{SANDBOX_SUB}"], tags: {{ env: sandbox }} }}"#),
            &sandbox,
            &[],
            false,
        ),
    ];
    let now = at("2026-06-01T00:00:00Z");
    for (selector, id, tags, expected) in cases {
        let exemptions = one(selector, &format!("[\"{STORAGE_REC}\"]"), None);
        let got = exemptions
            .matching(&azure(id, tags), STORAGE_REC, now)
            .is_some();
        assert_eq!(got, *expected, "selector {selector} on {id} {tags:?}");
    }
}

#[test]
fn resource_group_selector_never_matches_resources_without_a_group() {
    let exemptions = one(r#"{ resource_groups: ["*"] }"#, r#"["*"]"#, None);
    let subscription_level = azure(&format!("/subscriptions/{PROD_SUB}"), &[]);
    assert_eq!(subscription_level.resource_group, None);
    assert!(exemptions
        .matching(&subscription_level, STORAGE_REC, at("2026-01-01T00:00:00Z"))
        .is_none());
}

#[test]
fn recommendation_ids_compare_case_insensitively_and_star_means_all() {
    let resource = azure(
        &format!("/subscriptions/{PROD_SUB}/resourceGroups/rg/providers/x/y/z"),
        &[],
    );
    let now = at("2026-01-01T00:00:00Z");
    let by_id = one(
        r#"{ ids: ["*"] }"#,
        &format!("[\"{}\"]", STORAGE_REC.to_uppercase()),
        None,
    );
    assert!(by_id.matching(&resource, STORAGE_REC, now).is_some());
    assert!(by_id
        .matching(&resource, &STORAGE_REC.to_uppercase(), now)
        .is_some());
    assert!(by_id.matching(&resource, OTHER_REC, now).is_none());
    assert!(by_id.names_recommendation(STORAGE_REC));
    assert!(!by_id.names_recommendation(OTHER_REC));

    let all = one(r#"{ ids: ["*"] }"#, r#"["*"]"#, None);
    assert!(all.matching(&resource, OTHER_REC, now).is_some());
    assert!(all.names_recommendation("anything"));
    assert!(!Exemptions::empty().names_recommendation(STORAGE_REC));
}

#[test]
fn the_first_active_match_in_file_order_wins() {
    let text = format!(
        r#"version: 1
exemptions:
  - name: expired-first
    category: waiver
    reason: old
    expires: 2020-01-01
    recommendations: ["{STORAGE_REC}"]
    resources: {{ ids: ["*"] }}
  - name: star-second
    category: mitigated
    reason: firewall
    recommendations: ["*"]
    resources: {{ scopes: ["{SANDBOX_SUB}"] }}
  - name: named-third
    category: waiver
    reason: accepted
    recommendations: ["{STORAGE_REC}"]
    resources: {{ ids: ["*"] }}
"#
    );
    let exemptions = load(&text);
    let now = at("2026-01-01T00:00:00Z");
    let sandbox = azure(
        &format!("/subscriptions/{SANDBOX_SUB}/resourceGroups/rg/p/a/b"),
        &[],
    );
    let prod = azure(
        &format!("/subscriptions/{PROD_SUB}/resourceGroups/rg/p/a/b"),
        &[],
    );
    assert_eq!(
        exemptions
            .matching(&sandbox, STORAGE_REC, now)
            .unwrap()
            .name,
        "star-second"
    );
    assert_eq!(
        exemptions.matching(&prod, STORAGE_REC, now).unwrap().name,
        "named-third"
    );
    assert!(exemptions.matching(&prod, OTHER_REC, now).is_none());
    let before = at("2019-12-31T23:59:59Z");
    assert_eq!(
        exemptions
            .matching(&prod, STORAGE_REC, before)
            .unwrap()
            .name,
        "expired-first"
    );
}

#[test]
fn a_date_expires_at_the_following_midnight_utc() {
    let exemptions = one(r#"{ ids: ["*"] }"#, r#"["*"]"#, Some("2027-01-31"));
    let resource = azure("/subscriptions/s/resourceGroups/rg/p/a/b", &[]);
    let cases = [
        ("2027-01-31T00:00:00Z", true),
        ("2027-01-31T23:59:59.999999999Z", true),
        ("2027-02-01T00:00:00Z", false),
        ("2027-02-01T00:59:59+01:00", true), // 23:59:59Z on the 31st
        ("2030-01-01T00:00:00Z", false),
    ];
    for (now, active) in cases {
        let now = at(now);
        assert_eq!(
            exemptions.matching(&resource, "r", now).is_some(),
            active,
            "{now}"
        );
        assert_eq!(
            exemptions.expired(now).count(),
            usize::from(!active),
            "{now}"
        );
    }
}

#[test]
fn a_timestamp_expires_at_that_instant() {
    let exemptions = one(
        r#"{ ids: ["*"] }"#,
        r#"["*"]"#,
        Some("2026-12-01T12:00:00+01:00"),
    );
    let resource = azure("/subscriptions/s/resourceGroups/rg/p/a/b", &[]);
    assert!(exemptions
        .matching(&resource, "r", at("2026-12-01T10:59:59Z"))
        .is_some());
    assert!(exemptions
        .matching(&resource, "r", at("2026-12-01T11:00:00Z"))
        .is_none());
    let expired: Vec<_> = exemptions
        .expired(at("2026-12-01T11:00:00Z"))
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(expired, ["x"]);
}

#[test]
fn expired_lists_only_expired_exemptions_in_file_order() {
    let exemptions = Exemptions::from_yaml(&fixture("valid.yaml"), "valid.yaml").unwrap();
    let names = |now| {
        exemptions
            .expired(at(now))
            .map(|e| e.name.clone())
            .collect::<Vec<_>>()
    };
    assert!(names("2026-01-01T00:00:00Z").is_empty());
    assert_eq!(names("2026-12-24T00:00:00Z"), ["sandbox-everything"]);
    assert_eq!(
        names("2027-02-01T00:00:00Z"),
        ["legacy-storage-waiver", "sandbox-everything"]
    );
}

#[test]
fn the_assessment_names_category_exemption_and_reason() {
    let exemptions = Exemptions::from_yaml(&fixture("valid.yaml"), "valid.yaml").unwrap();
    let cases = [
        (0, ExemptionCategory::Waiver, "exempted (waiver): legacy-storage-waiver: Decommissioned in Q3; data is public anyway"),
        (1, ExemptionCategory::Mitigated, "exempted (mitigated): sandbox-everything: Sandbox subscription is isolated by a third-party firewall"),
    ];
    for (index, category, reason) in cases {
        let exemption = &exemptions.all()[index];
        assert_eq!(exemption.category, category);
        let assessment = exemption.assessment();
        assert_eq!(assessment.status, Status::NotApplicable);
        assert_eq!(assessment.cause, Some(Cause::Exempt));
        assert_eq!(assessment.reason.as_deref(), Some(reason));
    }
}

/// 10k resources × 200 recommendations, half of them named by some exemption: a smoke test that
/// matching a million pairs stays well within a second or so (debug build, generous bound).
#[test]
fn matching_many_pairs_is_fast() {
    let mut text = String::from("version: 1\nexemptions:\n");
    for i in 0..50 {
        text.push_str(&format!(
            "  - name: e{i}\n    category: waiver\n    reason: r\n    recommendations: [\"rec-{i}\", \"rec-{}\"]\n    resources: {{ ids: [\"/subscriptions/*/resourceGroups/rg-{i}/*\"], tags: {{ env: \"sb*\" }} }}\n",
            i + 50
        ));
    }
    let exemptions = load(&text);
    let resources: Vec<_> = (0..10_000)
        .map(|i| {
            azure(
                &format!(
                    "/subscriptions/{PROD_SUB}/resourceGroups/rg-{}/providers/a/b/r{i}",
                    i % 97
                ),
                &[("env", "sbx")],
            )
        })
        .collect();
    let recommendations: Vec<String> = (0..200).map(|i| format!("rec-{i}")).collect();
    let now = at("2026-01-01T00:00:00Z");
    let started = std::time::Instant::now();
    let mut matched = 0usize;
    for recommendation in &recommendations {
        if !exemptions.names_recommendation(recommendation) {
            continue;
        }
        for resource in &resources {
            matched += usize::from(exemptions.matching(resource, recommendation, now).is_some());
        }
    }
    // rec-i and rec-(i+50) for i < 50 are exempted on rg-i: 100 recommendations × the resources of one group.
    let per_group = |g: usize| (0..10_000).filter(|i| i % 97 == g).count();
    let expected: usize = (0..50).map(|i| 2 * per_group(i)).sum();
    assert_eq!(matched, expected);
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}

/// A caller's own compact resource view matches exactly as a `Resource` with the same facts does.
#[test]
fn a_custom_subject_matches_like_a_resource() {
    struct View {
        id: &'static str,
        scope: &'static str,
        group: Option<&'static str>,
        env: Option<&'static str>,
    }
    impl rampart_exemptions::ExemptionSubject for View {
        fn id(&self) -> &str {
            self.id
        }
        fn scope(&self) -> &str {
            self.scope
        }
        fn resource_group(&self) -> Option<&str> {
            self.group
        }
        fn tag(&self, key: &str) -> Option<&str> {
            key.eq_ignore_ascii_case("env")
                .then_some(self.env)
                .flatten()
        }
    }
    let exemptions = Exemptions::from_yaml(&fixture("valid.yaml"), "valid.yaml").unwrap();
    let now = at("2026-01-01T00:00:00Z");
    let views = [
        View {
            id: "/subscriptions/a/resourceGroups/legacy-rg/p/x/y",
            scope: "a",
            group: Some("legacy-rg"),
            env: None,
        },
        View {
            id: "/subscriptions/a/resourceGroups/other/p/x/y",
            scope: "a",
            group: Some("other"),
            env: None,
        },
        View {
            id: "/subscriptions/s/resourceGroups/shared-1/p/x/y",
            scope: "s",
            group: Some("shared-1"),
            env: None,
        },
        View {
            id: "/subscriptions/s/resourceGroups/rg/p/x/y",
            scope: SANDBOX_SUB,
            group: Some("rg"),
            env: Some("sandbox"),
        },
    ];
    for view in &views {
        let tags: Vec<(&str, &str)> = view.env.map(|e| ("env", e)).into_iter().collect();
        let mut resource = azure(view.id, &tags);
        resource.scope = view.scope.to_owned();
        for rec in [STORAGE_REC, OTHER_REC] {
            let by_view = exemptions.matching(view, rec, now).map(|e| e.name.clone());
            let by_resource = exemptions
                .matching(&resource, rec, now)
                .map(|e| e.name.clone());
            assert_eq!(by_view, by_resource, "{} {rec}", view.id);
        }
    }
    assert_eq!(
        exemptions
            .matching(&views[0], STORAGE_REC, now)
            .unwrap()
            .name,
        "legacy-storage-waiver"
    );
    assert_eq!(
        exemptions.matching(&views[2], OTHER_REC, now).unwrap().name,
        "shared-rg"
    );
    assert_eq!(
        exemptions.matching(&views[3], OTHER_REC, now).unwrap().name,
        "sandbox-everything"
    );
    assert!(exemptions.matching(&views[1], STORAGE_REC, now).is_none());
}

#[test]
fn expiry_displays_as_written_dates_and_utc_instants() {
    let exemptions = Exemptions::from_yaml(&fixture("valid.yaml"), "valid.yaml").unwrap();
    let shown: Vec<_> = exemptions
        .all()
        .iter()
        .map(|e| e.expires.map(|x| x.to_string()))
        .collect();
    assert_eq!(
        shown,
        [
            Some("2027-01-31".to_owned()),
            Some("2026-12-01T11:00:00Z".to_owned()),
            None
        ]
    );
}

/// `reads_tags` says whether matching can read a tag: exactly when some selector lists tags.
#[test]
fn reads_tags_exactly_when_a_selector_lists_tags() {
    assert!(!Exemptions::empty().reads_tags());
    assert!(!one(r#"{ ids: ["*"] }"#, r#"["*"]"#, None).reads_tags());
    assert!(!one(
        r#"{ resource_groups: ["rg-*"], scopes: ["s"] }"#,
        r#"["*"]"#,
        None
    )
    .reads_tags());
    assert!(one(r#"{ tags: { env: "dev" } }"#, r#"["*"]"#, None).reads_tags());
    assert!(one(r#"{ ids: ["*"], tags: { env: "*" } }"#, r#"["*"]"#, None).reads_tags());
}
