//! `rampart scan ecr`: discovers the images of Amazon ECR repositories (rampart_collect), pulls
//! each with the pull credentials ECR's GetAuthorizationToken gives, scans it as `scan image` does,
//! and reports every image as one `ContainerImage` resource (provider `aws`, scope the account,
//! the region) in one report.
//!
//! Invariant: an image that could not be pulled or read (access denied, registry unreachable,
//! no credentials) has a scan status `Error` with the reason, so VULN-001 reports it not
//! assessed, never healthy; the other images are still scanned.
//!
//! `--registry-endpoint URL` (or `RAMPART_ECR_REGISTRY_URL`) replaces the registry host of the
//! pulls (ECR's proxy endpoint) with another one, such as a mirror or a local test registry; the
//! credentials still come from ECR's token and the resource ids still name the ECR registry.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use chrono::Utc;
use clap::Args;
use rampart_collect::{EcrCollector, EcrImage, PullCredentials};
use rampart_image::{ImageSource, Reference, ScanOptions};
use rampart_model::{scanned_resource, Provider, ScannedKind, ScannedSubject, VulnerabilityScan};
use rampart_report::{Format, RenderOptions};
use rampart_sbom::{Subject, SubjectKind};
use rampart_scan::ScanRequest;
use rampart_vulndb::IgnoreRules;
use serde_json::json;

use crate::image_cmd::{assess, gate, inventory_of, parse_platform, VulnArgs, VulnFormat};
use crate::progress::Progress;
use crate::{warn, write_output};

/// The environment variable `--registry-endpoint` defaults to.
const REGISTRY_URL_ENV: &str = "RAMPART_ECR_REGISTRY_URL";

#[derive(Debug, Args)]
pub(crate) struct EcrArgs {
    /// The AWS region (default: the configured one, AWS_REGION or the profile's).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Scan only this repository (repeatable; default: every repository of the account in the region).
    #[arg(long, value_name = "NAME")]
    pub(crate) repository: Vec<String>,
    /// Pull from this registry URL (`https://host[:port]`, or `http://` for a registry without TLS)
    /// instead of each repository's ECR endpoint; the credentials still come from ECR.
    /// Default: $RAMPART_ECR_REGISTRY_URL.
    #[arg(long, value_name = "URL")]
    pub(crate) registry_endpoint: Option<String>,
    /// The platform to pick from multi-platform images: `os/arch[/variant]`.
    #[arg(long, value_name = "OS/ARCH", default_value = "linux/amd64")]
    pub(crate) platform: String,
    #[command(flatten)]
    pub(crate) common: VulnArgs,
}

/// Where pulls go: host (with port) and whether it speaks plain HTTP.
fn endpoint_host(url: &str) -> Result<(String, bool)> {
    let (rest, plain) = if let Some(r) = url.strip_prefix("https://") {
        (r, false)
    } else if let Some(r) = url.strip_prefix("http://") {
        (r, true)
    } else {
        bail!("registry endpoint {url}: expected https://HOST[:PORT] or http://HOST[:PORT]");
    };
    let host = rest.trim_end_matches('/');
    if host.is_empty() || host.contains('/') {
        bail!("registry endpoint {url}: expected a scheme and a host, without a path");
    }
    Ok((host.to_owned(), plain))
}

pub(crate) fn run(args: &EcrArgs) -> Result<u8> {
    let common = &args.common;
    if common.format == VulnFormat::Cyclonedx {
        bail!("--format cyclonedx writes one image's SBOM: use `rampart scan image` for it");
    }
    let platform = parse_platform(&args.platform)?;
    let endpoint = args.registry_endpoint.clone().or_else(|| {
        std::env::var(REGISTRY_URL_ENV)
            .ok()
            .filter(|s| !s.is_empty())
    });
    let override_host = endpoint.as_deref().map(endpoint_host).transpose()?;
    let now = Utc::now();
    let ignore = match &common.ignore {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(IgnoreRules::from_yaml(&path.display().to_string(), &text)?)
        }
        None => None,
    };

    let progress = Progress::steps(!common.no_progress);
    progress.message("listing ECR images");
    let collector = EcrCollector::connect(args.region.as_deref())?;
    let region = collector.region().to_owned();
    let images = match collector.discover(&args.repository) {
        Ok(images) => images,
        Err(e) => {
            progress.finish();
            return Err(e.into());
        }
    };
    if images.is_empty() {
        warn(&format!("no images found in ECR in {region}"));
    }

    let pull = Pull {
        override_host,
        platform,
        common,
        ignore,
        region: region.clone(),
        now,
    };
    // One token per registry (account); a failure applies to all its images.
    let mut credentials: BTreeMap<String, Result<PullCredentials, String>> = BTreeMap::new();
    let mut resources = Vec::new();
    let mut scans = Vec::new();
    progress.message("pulling and scanning images");
    for image in &images {
        tracing::info!(repository = %image.repository, digest = %image.digest, "scanning ECR image");
        let creds = credentials
            .entry(image.registry_id.clone())
            .or_insert_with(|| {
                collector
                    .pull_credentials(Some(&image.registry_id))
                    .map_err(|e| e.to_string())
            });
        let scan = pull.scan(image, creds);
        if let Some(reason) = &scan.error {
            warn(&format!(
                "not assessed: {}/{}@{}: {reason}",
                image.registry_host(),
                image.repository,
                image.digest
            ));
        }
        resources.push(scanned_resource(
            ScannedKind::ContainerImage,
            subject(image, &region),
            &scan,
        ));
        scans.push(scan);
    }

    progress.message("assessing");
    let request = ScanRequest {
        exemptions: common.exemptions.clone(),
        now,
        ..ScanRequest::new(Vec::new())
    };
    let report =
        rampart_scan::scan_resources(&request, &format!("ecr:{region}"), resources, &mut |_| {});
    progress.finish();
    let report = report?;
    let format = match common.format {
        VulnFormat::Table => Format::Table,
        VulnFormat::Json => Format::Json,
        VulnFormat::Sarif => Format::Sarif,
        VulnFormat::Ocsf => Format::Ocsf,
        VulnFormat::Csv => Format::Csv,
        VulnFormat::Html => Format::Html,
        VulnFormat::Cyclonedx => bail!("--format cyclonedx is not available for `scan ecr`"),
    };
    let options = RenderOptions {
        color: common.output.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()),
        compact_json: common.compact,
        ..RenderOptions::default()
    };
    write_output(common.output.as_deref(), |out| {
        rampart_report::render_with(&report, format, &options, out).map_err(Into::into)
    })?;
    Ok(scans
        .iter()
        .map(|s| gate(common.fail_on, s))
        .max()
        .unwrap_or(crate::exit::OK))
}

/// What every image's pull and assessment shares.
struct Pull<'a> {
    /// `--registry-endpoint`: host and plain HTTP.
    override_host: Option<(String, bool)>,
    platform: rampart_image::Platform,
    common: &'a VulnArgs,
    ignore: Option<IgnoreRules>,
    region: String,
    now: chrono::DateTime<Utc>,
}

impl Pull<'_> {
    /// Pulls and assesses one image; every failure becomes the scan's error.
    fn scan(&self, image: &EcrImage, creds: &Result<PullCredentials, String>) -> VulnerabilityScan {
        let creds = match creds {
            Ok(c) => c,
            Err(e) => return VulnerabilityScan::failed(format!("no pull credentials: {e}")),
        };
        let (host, plain_http) = match &self.override_host {
            Some((h, plain)) => (h.clone(), *plain),
            None => match endpoint_host(&creds.proxy_endpoint) {
                Ok(hp) => hp,
                Err(e) => return VulnerabilityScan::failed(format!("{e:#}")),
            },
        };
        let reference =
            match Reference::parse(&format!("{host}/{}@{}", image.repository, image.digest)) {
                Ok(r) => r,
                Err(e) => return VulnerabilityScan::failed(format!("not pulled: {e}")),
            };
        let mut options = ScanOptions {
            platform: self.platform.clone(),
            ..ScanOptions::default()
        };
        options.registry.plain_http = plain_http;
        options.registry.username = Some(creds.username.clone());
        options.registry.password = Some(creds.password.clone());
        let scan = match rampart_image::scan_image(&ImageSource::Registry(reference), &options) {
            Ok(s) => s,
            Err(e) => return VulnerabilityScan::failed(format!("not pulled: {e}")),
        };
        let name = display_name(image);
        let inventory = inventory_of(
            scan,
            ScannedKind::ContainerImage,
            subject(image, &self.region),
            format!("image:{name}"),
            Subject {
                name,
                version: image.tags.first().cloned(),
                kind: SubjectKind::Container,
                digest: Some(image.digest.clone()),
            },
        );
        let db_dir = match &self.common.vulndb {
            Some(dir) => Ok(dir.clone()),
            None => crate::vulndb_cmd::default_dir(),
        };
        assess(&inventory, db_dir, self.ignore.as_ref(), self.now)
    }
}

/// `registry/repository:tag` (the first tag), else `registry/repository@digest`.
fn display_name(image: &EcrImage) -> String {
    match image.tags.first() {
        Some(tag) => format!("{}:{tag}", image.repository_uri),
        None => format!("{}@{}", image.repository_uri, image.digest),
    }
}

fn subject(image: &EcrImage, region: &str) -> ScannedSubject {
    ScannedSubject {
        provider: Provider::Aws,
        scope: image.registry_id.clone(),
        region: (!region.is_empty()).then(|| region.to_owned()),
        id: format!("{}@{}", image.repository_uri, image.digest),
        name: display_name(image),
        properties: json!({
            "registry": image.registry_host(),
            "registryId": image.registry_id,
            "repository": image.repository,
            "manifestDigest": image.digest,
            "tags": image.tags,
            "pushedAt": image.pushed_at,
            "sizeBytes": image.size_bytes,
        }),
    }
}
