//! ECR discovery and pull credentials against moto, seeded through the SDK with real image
//! manifests (OCI image manifests whose digests are those of their bytes).

use rampart_collect::{decode_token, CollectError, EcrCollector, EcrImage};
use sha2::{Digest, Sha256};

use crate::moto::{self, ACCOUNT, REGION};

fn sha256(b: &[u8]) -> String {
    let hex: String = Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// An OCI image manifest of one layer (bytes made from `seed`) and its config; with its digest.
fn manifest(seed: &str) -> (String, String) {
    let layer = format!("layer of {seed}").into_bytes();
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha256(&layer)]},
    })
    .to_string()
    .into_bytes();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": sha256(&config),
            "size": config.len(),
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": sha256(&layer),
            "size": layer.len(),
        }],
    })
    .to_string();
    let digest = sha256(manifest.as_bytes());
    (manifest, digest)
}

fn create_repository(c: &EcrCollector, name: &str) {
    c.block_on(c.client().create_repository().repository_name(name).send())
        .unwrap();
}

/// PutImage with the manifest's own digest (moto would otherwise derive one of its own from the
/// layer digests; ECR computes the manifest's).
fn put_image(c: &EcrCollector, repo: &str, tag: &str, manifest: &str, digest: &str) {
    c.block_on(
        c.client()
            .put_image()
            .repository_name(repo)
            .image_tag(tag)
            .image_manifest(manifest)
            .image_manifest_media_type("application/vnd.oci.image.manifest.v1+json")
            .image_digest(digest)
            .send(),
    )
    .unwrap();
}

fn uri(repo: &str) -> String {
    format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repo}")
}

#[test]
fn discovers_every_image_of_every_repository() {
    let Some(_moto) = moto::start(&[]) else {
        return;
    };
    let c = EcrCollector::connect(None).unwrap();
    assert_eq!(c.region(), REGION);
    create_repository(&c, "app");
    create_repository(&c, "team/api");
    create_repository(&c, "empty");
    let (m1, d1) = manifest("app 1.0");
    let (m2, d2) = manifest("app 2.0");
    let (m3, d3) = manifest("api");
    put_image(&c, "app", "1.0", &m1, &d1);
    put_image(&c, "app", "2.0", &m2, &d2);
    put_image(&c, "app", "latest", &m2, &d2);
    put_image(&c, "team/api", "v3", &m3, &d3);

    let images = c.discover(&[]).unwrap();
    let got: Vec<(&str, &str, &str, &str, Vec<String>)> = images
        .iter()
        .map(|i| {
            let mut tags = i.tags.clone();
            tags.sort();
            (
                i.registry_id.as_str(),
                i.repository.as_str(),
                i.repository_uri.as_str(),
                i.digest.as_str(),
                tags,
            )
        })
        .collect();
    let (u_app, u_api) = (uri("app"), uri("team/api"));
    let mut want = vec![
        (
            ACCOUNT,
            "app",
            u_app.as_str(),
            d1.as_str(),
            vec!["1.0".to_owned()],
        ),
        (
            ACCOUNT,
            "app",
            u_app.as_str(),
            d2.as_str(),
            vec!["2.0".to_owned(), "latest".to_owned()],
        ),
        (
            ACCOUNT,
            "team/api",
            u_api.as_str(),
            d3.as_str(),
            vec!["v3".to_owned()],
        ),
    ];
    want.sort();
    assert_eq!(got, want);
    for i in &images {
        assert!(
            i.pushed_at.as_deref().is_some_and(|t| t.ends_with('Z')),
            "{i:?}"
        );
        assert!(i.size_bytes.is_some_and(|s| s > 0), "{i:?}");
        assert_eq!(
            i.registry_host(),
            format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com")
        );
    }

    // Named repositories only.
    let only: Vec<EcrImage> = c.discover(&["team/api".to_owned()]).unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].digest, d3);

    // An unknown repository: the service's error, naming the call.
    let e = c.discover(&["nope".to_owned()]).unwrap_err();
    match &e {
        CollectError::Api { call, code, .. } => {
            assert_eq!(call, "ecr:DescribeRepositories");
            assert_eq!(code.as_deref(), Some("RepositoryNotFoundException"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pull_credentials_come_from_the_authorization_token() {
    let Some(_moto) = moto::start(&[]) else {
        return;
    };
    let c = EcrCollector::connect(Some(REGION)).unwrap();
    let creds = c.pull_credentials(None).unwrap();
    assert_eq!(creds.username, "AWS");
    // moto's password for an account; real ECR's is a signed token. Either way, what follows `AWS:`.
    assert_eq!(creds.password, format!("{ACCOUNT}-auth-token"));
    assert_eq!(
        creds.proxy_endpoint,
        format!("https://{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com")
    );
    assert!(creds.expires_at.is_some());
    // The password is never in debug output.
    assert!(!format!("{creds:?}").contains(&creds.password));
    let other = c.pull_credentials(Some("210987654321")).unwrap();
    assert_eq!(other.password, "210987654321-auth-token");
}

#[test]
fn refused_credentials_are_access_denied_naming_the_call() {
    // moto checks credentials once this many calls have been made without checks (0: all).
    let Some(_moto) = moto::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]) else {
        return;
    };
    let c = EcrCollector::connect(None).unwrap();
    let e = c.discover(&[]).unwrap_err();
    assert!(
        matches!(&e, CollectError::AccessDenied { call, .. } if call == "ecr:DescribeRepositories"),
        "{e:?}"
    );
    let e = c.pull_credentials(None).unwrap_err();
    assert!(
        matches!(&e, CollectError::AccessDenied { call, .. } if call == "ecr:GetAuthorizationToken"),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("ecr:GetAuthorizationToken: access denied"),
        "{e}"
    );
}

#[test]
fn an_unreachable_endpoint_is_an_error_naming_the_call() {
    let _lock = moto::env_lock();
    let port = moto::free_port();
    moto::sdk_env(&format!("http://127.0.0.1:{port}"));
    let c = EcrCollector::connect(None).unwrap();
    let e = c.discover(&[]).unwrap_err();
    assert!(
        matches!(&e, CollectError::Api { call, code: None, .. } if call == "ecr:DescribeRepositories"),
        "{e:?}"
    );
}

#[test]
fn tokens_that_are_not_base64_user_password_are_refused() {
    assert_eq!(
        decode_token("QVdTOnMzY3JldA==").unwrap(),
        ("AWS".to_owned(), "s3cret".to_owned())
    );
    // The password may itself hold colons.
    assert_eq!(decode_token("QVdTOmE6Yg==").unwrap().1, "a:b");
    for bad in ["%%%", "QVdT", "OnMzY3JldA==", "QVdTOg==", ""] {
        assert!(decode_token(bad).is_err(), "{bad}");
    }
}
