//! Cloud collectors: the only crate of Rampart that calls cloud APIs.
//!
//! For now it owns Amazon ECR: [`EcrCollector::discover`] lists the images of a region's
//! repositories (DescribeRepositories, then DescribeImages per repository, every page), and
//! [`EcrCollector::pull_credentials`] turns GetAuthorizationToken's token into the user name,
//! password and registry endpoint a registry pull needs. Pulling and scanning is not done here
//! (`rampart_image` reads registries); this crate only hands over what ECR says.
//!
//! The AWS SDK for Rust does the calls, so credentials, region and endpoint come from the
//! standard chain (environment, shared config and credentials files, SSO, web identity, IMDS);
//! `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_ECR` point it elsewhere (a test server). The SDK is
//! asynchronous; the collector runs it on its own single-thread tokio runtime so that callers
//! stay blocking.
//!
//! Invariant: every failure is a [`CollectError`] naming the API call (access denied and
//! throttling are told apart from other failures); a response missing a field the caller needs
//! is an error, never an empty or default value.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_ecr::config::http::HttpResponse;
use aws_sdk_ecr::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ecr::primitives::{DateTime, DateTimeFormat};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use base64::Engine as _;
use serde::Serialize;

/// Why a collection failed. `call` is the API operation (`ecr:DescribeImages`, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CollectError {
    /// The credentials lack the permission (or there are none the SDK could find).
    #[error("{call}: access denied: {message}")]
    AccessDenied { call: String, message: String },
    /// The service throttled the call after the SDK's retries.
    #[error("{call}: throttled: {message}")]
    Throttled { call: String, message: String },
    /// A response lacks a field that is needed.
    #[error("{call}: the response has no {field}")]
    MissingField { call: String, field: String },
    /// A field of a response cannot be understood.
    #[error("{call}: {field}: {message}")]
    BadField {
        call: String,
        field: String,
        message: String,
    },
    /// Any other failure of the call: a service error (with its code) or no response at all.
    #[error("{call}: {}{message}", code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
    Api {
        call: String,
        code: Option<String>,
        message: String,
    },
    /// The SDK could not be set up (no region, no async runtime).
    #[error("AWS configuration: {0}")]
    Config(String),
}

/// Error codes AWS services use for a refused permission.
const ACCESS_DENIED: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "NoCredentials",
];
/// Error codes AWS services use for throttling.
const THROTTLED: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
];

fn call_error<E>(call: &str, err: SdkError<E, HttpResponse>) -> CollectError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = err.code().map(str::to_owned);
    let status = err.raw_response().map(|r| r.status().as_u16());
    let message = match (err.message(), status) {
        (Some(m), _) => m.to_owned(),
        // A reply whose body is not the service's error document (a proxy, a test server).
        (None, Some(s)) if code.is_none() => format!("HTTP status {s}"),
        (None, _) => DisplayErrorContext(&err).to_string(),
    };
    let call = call.to_owned();
    let denied = match code.as_deref() {
        Some(c) => ACCESS_DENIED.contains(&c),
        // AWS answers 403 only to refused credentials or permissions.
        None => status == Some(403) || message.contains("no credentials"),
    };
    let throttled = match code.as_deref() {
        Some(c) => THROTTLED.contains(&c),
        None => status == Some(429),
    };
    if denied {
        CollectError::AccessDenied { call, message }
    } else if throttled {
        CollectError::Throttled { call, message }
    } else {
        CollectError::Api {
            call,
            code,
            message,
        }
    }
}

fn missing(call: &str, field: &str) -> CollectError {
    CollectError::MissingField {
        call: call.into(),
        field: field.into(),
    }
}

/// One image (one manifest digest) in an ECR repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcrImage {
    /// The registry id: the AWS account id owning the repository.
    pub registry_id: String,
    pub repository: String,
    /// `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`, as ECR gives it.
    pub repository_uri: String,
    /// The manifest digest (`sha256:…`).
    pub digest: String,
    pub tags: Vec<String>,
    /// RFC 3339, when ECR gives it.
    pub pushed_at: Option<String>,
    /// The compressed size ECR reports.
    pub size_bytes: Option<i64>,
}

impl EcrImage {
    /// The registry host of the repository URI (`ACCOUNT.dkr.ecr.REGION.amazonaws.com`).
    pub fn registry_host(&self) -> &str {
        self.repository_uri
            .split_once('/')
            .map_or(self.repository_uri.as_str(), |(host, _)| host)
    }
}

/// What a registry pull needs: from GetAuthorizationToken.
#[derive(Clone, PartialEq, Eq)]
pub struct PullCredentials {
    /// Always `AWS` for ECR.
    pub username: String,
    pub password: String,
    /// `https://ACCOUNT.dkr.ecr.REGION.amazonaws.com`.
    pub proxy_endpoint: String,
    /// RFC 3339, when ECR gives it.
    pub expires_at: Option<String>,
}

impl std::fmt::Debug for PullCredentials {
    // The password never reaches logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PullCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("proxy_endpoint", &self.proxy_endpoint)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Decodes an ECR authorization token: base64 of `USER:PASSWORD`.
pub fn decode_token(token: &str) -> Result<(String, String), String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .map_err(|e| format!("not base64: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 once decoded".to_owned())?;
    match text.split_once(':') {
        Some((user, password)) if !user.is_empty() && !password.is_empty() => {
            Ok((user.to_owned(), password.to_owned()))
        }
        _ => Err("not of the form USER:PASSWORD once decoded".into()),
    }
}

fn rfc3339(dt: &DateTime) -> Option<String> {
    dt.fmt(DateTimeFormat::DateTime).ok()
}

/// A connection to ECR in one region.
pub struct EcrCollector {
    runtime: tokio::runtime::Runtime,
    client: aws_sdk_ecr::Client,
    region: String,
}

impl std::fmt::Debug for EcrCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcrCollector")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl EcrCollector {
    /// Loads the AWS configuration (the region given, else the configured one) and builds the
    /// ECR client. Makes no call yet.
    pub fn connect(region: Option<&str>) -> Result<Self, CollectError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CollectError::Config(format!("async runtime: {e}")))?;
        // rustls with ring: the SDK's default client would build aws-lc (C) for the same job.
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http);
        if let Some(r) = region {
            loader = loader.region(Region::new(r.to_owned()));
        }
        let config = runtime.block_on(loader.load());
        let region = match config.region() {
            Some(r) => r.to_string(),
            None => {
                return Err(CollectError::Config(
                    "no region: give one or set AWS_REGION".into(),
                ))
            }
        };
        let client = aws_sdk_ecr::Client::new(&config);
        Ok(Self {
            runtime,
            client,
            region,
        })
    }

    /// The region the collector talks to.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The images of the repositories named (all of the account's in the region when none is),
    /// ordered by repository then digest.
    pub fn discover(&self, repositories: &[String]) -> Result<Vec<EcrImage>, CollectError> {
        self.runtime.block_on(self.discover_async(repositories))
    }

    async fn discover_async(&self, names: &[String]) -> Result<Vec<EcrImage>, CollectError> {
        const DESCRIBE_REPOS: &str = "ecr:DescribeRepositories";
        const DESCRIBE_IMAGES: &str = "ecr:DescribeImages";
        let mut repos = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = self.client.describe_repositories().set_next_token(token);
            if !names.is_empty() {
                req = req.set_repository_names(Some(names.to_vec()));
            }
            let page = req
                .send()
                .await
                .map_err(|e| call_error(DESCRIBE_REPOS, e))?;
            for r in page.repositories() {
                let name = r
                    .repository_name()
                    .ok_or_else(|| missing(DESCRIBE_REPOS, "repositoryName"))?;
                let registry = r
                    .registry_id()
                    .ok_or_else(|| missing(DESCRIBE_REPOS, "registryId"))?;
                let uri = r
                    .repository_uri()
                    .ok_or_else(|| missing(DESCRIBE_REPOS, "repositoryUri"))?;
                repos.push((name.to_owned(), registry.to_owned(), uri.to_owned()));
            }
            token = page.next_token().map(str::to_owned);
            // Names given are answered in one page; a token there would not be expected.
            if token.is_none() || !names.is_empty() {
                break;
            }
        }
        tracing::debug!(region = %self.region, repositories = repos.len(), "ECR repositories");

        let mut images = Vec::new();
        for (name, registry, uri) in repos {
            let mut token: Option<String> = None;
            loop {
                let page = self
                    .client
                    .describe_images()
                    .repository_name(&name)
                    .registry_id(&registry)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| call_error(DESCRIBE_IMAGES, e))?;
                for d in page.image_details() {
                    let digest = d
                        .image_digest()
                        .ok_or_else(|| missing(DESCRIBE_IMAGES, "imageDigest"))?;
                    images.push(EcrImage {
                        registry_id: d.registry_id().unwrap_or(&registry).to_owned(),
                        repository: name.clone(),
                        repository_uri: uri.clone(),
                        digest: digest.to_owned(),
                        tags: d.image_tags().to_vec(),
                        pushed_at: d.image_pushed_at().and_then(rfc3339),
                        size_bytes: d.image_size_in_bytes(),
                    });
                }
                token = page.next_token().map(str::to_owned);
                if token.is_none() {
                    break;
                }
            }
        }
        images.sort_by(|a, b| {
            (&a.registry_id, &a.repository, &a.digest).cmp(&(
                &b.registry_id,
                &b.repository,
                &b.digest,
            ))
        });
        tracing::debug!(region = %self.region, images = images.len(), "ECR images");
        Ok(images)
    }

    /// The pull credentials of a registry (the caller's own account's when `registry_id` is
    /// `None`).
    pub fn pull_credentials(
        &self,
        registry_id: Option<&str>,
    ) -> Result<PullCredentials, CollectError> {
        const CALL: &str = "ecr:GetAuthorizationToken";
        self.runtime.block_on(async {
            #[allow(deprecated)] // registryIds is deprecated by AWS but still selects the registry.
            let req = self
                .client
                .get_authorization_token()
                .set_registry_ids(registry_id.map(|r| vec![r.to_owned()]));
            let out = req.send().await.map_err(|e| call_error(CALL, e))?;
            let data = out
                .authorization_data()
                .first()
                .ok_or_else(|| missing(CALL, "authorizationData"))?;
            let token = data
                .authorization_token()
                .ok_or_else(|| missing(CALL, "authorizationToken"))?;
            let proxy_endpoint = data
                .proxy_endpoint()
                .ok_or_else(|| missing(CALL, "proxyEndpoint"))?;
            let (username, password) =
                decode_token(token).map_err(|message| CollectError::BadField {
                    call: CALL.into(),
                    field: "authorizationToken".into(),
                    message,
                })?;
            Ok(PullCredentials {
                username,
                password,
                proxy_endpoint: proxy_endpoint.to_owned(),
                expires_at: data.expires_at().and_then(rfc3339),
            })
        })
    }

    /// The ECR client, for callers (tests) that seed a registry through the same configuration.
    pub fn client(&self) -> &aws_sdk_ecr::Client {
        &self.client
    }

    /// Runs a future of the SDK on the collector's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}
