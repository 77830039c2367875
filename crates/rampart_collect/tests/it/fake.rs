//! What moto cannot show: pagination (moto's ECR ignores maxResults/nextToken), throttling and
//! responses missing fields. A scripted ECR endpoint on 127.0.0.1 answers the SDK's awsJson1.1
//! requests; the requests it saw are checked too.

use std::sync::{Arc, Mutex};

use rampart_collect::{CollectError, EcrCollector};
use serde_json::{json, Value};

use crate::moto;

/// Repository, digest, first tag, size, pushed at.
type Row<'a> = (&'a str, &'a str, &'a str, Option<i64>, Option<&'a str>);

type Script = dyn Fn(&str, &Value) -> (u16, Value) + Send + Sync;

/// Serves `script(operation, request body)` until dropped; returns the endpoint and the requests.
struct Fake {
    server: Arc<tiny_http::Server>,
    seen: Arc<Mutex<Vec<(String, Value)>>>,
    port: u16,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn serve(script: Box<Script>) -> Fake {
    let port = moto::free_port();
    let server = Arc::new(tiny_http::Server::http(("127.0.0.1", port)).unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (s, log) = (Arc::clone(&server), Arc::clone(&seen));
    std::thread::spawn(move || {
        for mut req in s.incoming_requests() {
            let target = req
                .headers()
                .iter()
                .find(|h| h.field.equiv("X-Amz-Target"))
                .map(|h| h.value.as_str().to_owned())
                .unwrap_or_default();
            let op = target.rsplit('.').next().unwrap_or_default().to_owned();
            let mut body = String::new();
            let _ = req.as_reader().read_to_string(&mut body);
            let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let (status, reply) = script(&op, &body);
            log.lock().unwrap().push((op, body));
            let header =
                tiny_http::Header::from_bytes("Content-Type", "application/x-amz-json-1.1")
                    .unwrap();
            let _ = req.respond(
                tiny_http::Response::from_string(reply.to_string())
                    .with_status_code(status)
                    .with_header(header),
            );
        }
    });
    Fake { server, seen, port }
}

fn repo(name: &str) -> Value {
    json!({
        "repositoryName": name,
        "registryId": "111122223333",
        "repositoryUri": format!("111122223333.dkr.ecr.eu-west-1.amazonaws.com/{name}"),
        "repositoryArn": format!("arn:aws:ecr:eu-west-1:111122223333:repository/{name}"),
    })
}

fn image(repo: &str, n: u32) -> Value {
    json!({
        "registryId": "111122223333",
        "repositoryName": repo,
        "imageDigest": format!("sha256:{n:064x}"),
        "imageTags": [format!("v{n}")],
        "imagePushedAt": 1_764_000_000 + n,
        "imageSizeInBytes": 1000 + n,
    })
}

#[test]
fn every_page_of_repositories_and_images_is_read() {
    let _lock = moto::env_lock();
    let fake = serve(Box::new(|op, body| {
        let token = body["nextToken"].as_str();
        match (op, token) {
            ("DescribeRepositories", None) => {
                (200, json!({"repositories": [repo("a")], "nextToken": "r2"}))
            }
            ("DescribeRepositories", Some("r2")) => (200, json!({"repositories": [repo("b")]})),
            ("DescribeImages", None) if body["repositoryName"] == "a" => (
                200,
                json!({"imageDetails": [image("a", 1), image("a", 2)], "nextToken": "i2"}),
            ),
            ("DescribeImages", Some("i2")) if body["repositoryName"] == "a" => {
                (200, json!({"imageDetails": [image("a", 3)]}))
            }
            ("DescribeImages", None) if body["repositoryName"] == "b" => {
                (200, json!({"imageDetails": [image("b", 4)]}))
            }
            _ => (
                400,
                json!({"__type": "InvalidParameterException", "message": "unexpected"}),
            ),
        }
    }));
    moto::sdk_env(&format!("http://127.0.0.1:{}", fake.port));
    let c = EcrCollector::connect(Some("eu-west-1")).unwrap();
    let images = c.discover(&[]).unwrap();
    let got: Vec<Row<'_>> = images
        .iter()
        .map(|i| {
            (
                i.repository.as_str(),
                i.digest.as_str(),
                i.tags[0].as_str(),
                i.size_bytes,
                i.pushed_at.as_deref(),
            )
        })
        .collect();
    let d = |n: u32| format!("sha256:{n:064x}");
    let (d1, d2, d3, d4) = (d(1), d(2), d(3), d(4));
    assert_eq!(
        got,
        [
            (
                "a",
                d1.as_str(),
                "v1",
                Some(1001),
                Some("2025-11-24T16:00:01Z")
            ),
            (
                "a",
                d2.as_str(),
                "v2",
                Some(1002),
                Some("2025-11-24T16:00:02Z")
            ),
            (
                "a",
                d3.as_str(),
                "v3",
                Some(1003),
                Some("2025-11-24T16:00:03Z")
            ),
            (
                "b",
                d4.as_str(),
                "v4",
                Some(1004),
                Some("2025-11-24T16:00:04Z")
            ),
        ]
    );
    // Each image list was asked of the repository's registry.
    let seen = fake.seen.lock().unwrap();
    let ops: Vec<&str> = seen.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(
        ops,
        [
            "DescribeRepositories",
            "DescribeRepositories",
            "DescribeImages",
            "DescribeImages",
            "DescribeImages"
        ]
    );
    assert!(seen[2..]
        .iter()
        .all(|(_, b)| b["registryId"] == "111122223333"));
}

#[test]
fn throttling_and_missing_fields_are_typed_errors_naming_the_call() {
    let _lock = moto::env_lock();
    let fake = serve(Box::new(|op, _| match op {
        "DescribeRepositories" => (
            400,
            json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
        ),
        // No proxyEndpoint.
        "GetAuthorizationToken" => (
            200,
            json!({"authorizationData": [{"authorizationToken": "QVdTOnMzY3JldA=="}]}),
        ),
        _ => (
            400,
            json!({"__type": "InvalidParameterException", "message": "unexpected"}),
        ),
    }));
    moto::sdk_env(&format!("http://127.0.0.1:{}", fake.port));
    let c = EcrCollector::connect(Some("eu-west-1")).unwrap();
    assert_eq!(
        c.discover(&[]).unwrap_err(),
        CollectError::Throttled {
            call: "ecr:DescribeRepositories".into(),
            message: "Rate exceeded".into()
        }
    );
    let e = c.pull_credentials(None).unwrap_err();
    assert_eq!(
        e,
        CollectError::MissingField {
            call: "ecr:GetAuthorizationToken".into(),
            field: "proxyEndpoint".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "ecr:GetAuthorizationToken: the response has no proxyEndpoint"
    );
}

#[test]
fn a_repository_without_its_uri_is_an_error_not_a_default() {
    let _lock = moto::env_lock();
    let fake = serve(Box::new(|op, _| match op {
        "DescribeRepositories" => (
            200,
            json!({"repositories": [{"repositoryName": "a", "registryId": "111122223333"}]}),
        ),
        _ => (
            400,
            json!({"__type": "InvalidParameterException", "message": "unexpected"}),
        ),
    }));
    moto::sdk_env(&format!("http://127.0.0.1:{}", fake.port));
    let c = EcrCollector::connect(Some("eu-west-1")).unwrap();
    assert_eq!(
        c.discover(&[]).unwrap_err(),
        CollectError::MissingField {
            call: "ecr:DescribeRepositories".into(),
            field: "repositoryUri".into()
        }
    );
}
