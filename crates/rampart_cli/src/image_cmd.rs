//! `rampart scan image|host|sbom`: lists the packages of a container image, a root file system or an
//! SBOM, matches them against the local advisory database, and assesses the result as one scanned
//! resource through the façade, so that the vulnerability recommendations (VULN-001 images, VULN-002
//! machines) and their findings, as sub-assessments, appear in every report format.
//! `--format cyclonedx` writes the package inventory as a CycloneDX SBOM instead.
//!
//! Invariant: a scan only reads as healthy when every package was checked against a database that
//! covers it. A missing or empty database, packages the database has no advisories for, unreadable
//! package files or no packages at all make the scan an `Error` with the reason, which the
//! recommendations report as not assessed.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use clap::{Args, Subcommand, ValueEnum};
use rampart_image::{ImageScan, ImageSource, Platform, ScanOptions};
use rampart_model::{
    scanned_resource, AffectedPackage, Cvss, CvssScore, Finding, FindingSeverity, IgnoredBy,
    PackageCategory, Provider, ScanStatus, ScannedKind, ScannedSubject, VulnerabilityScan,
};
use rampart_pkg::{Distro, Package};
use rampart_report::{Format, RenderOptions};
use rampart_sbom::{Subject, SubjectKind};
use rampart_scan::ScanRequest;
use rampart_vulndb::{Database, IgnoreRules, Severity, SeveritySource};
use serde_json::json;

use crate::exit;
use crate::progress::Progress;
use crate::{warn, write_output};

/// What `rampart scan` scans when given a subcommand.
#[derive(Debug, Subcommand)]
pub(crate) enum ScanTarget {
    /// Scan a container image for vulnerable packages: a registry reference, a `docker save` tar, or an OCI
    /// image layout (directory or tar).
    Image(ImageArgs),
    /// Scan a root file system for vulnerable packages (default `/`: this machine).
    Host(HostArgs),
    /// Match the packages an SBOM lists (CycloneDX or SPDX JSON) against the advisory database.
    Sbom(SbomArgs),
    /// Discover the images of Amazon ECR repositories, pull and scan each (credentials from ECR).
    Ecr(crate::ecr_cmd::EcrArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ImageArgs {
    /// A registry reference (`debian:12`, `127.0.0.1:5000/app:1.0`, `docker://…`), or a path: a
    /// `docker save` tar, an OCI layout directory or tar (`docker-archive:`, `oci-archive:`, `oci:` force
    /// the kind).
    #[arg(value_name = "REF|PATH")]
    pub(crate) image: String,
    /// The platform to pick from a multi-platform image: `os/arch[/variant]`.
    #[arg(long, value_name = "OS/ARCH", default_value = "linux/amd64")]
    pub(crate) platform: String,
    /// In an archive or layout holding several images: the tag or manifest digest to scan.
    #[arg(long, value_name = "TAG|DIGEST")]
    pub(crate) select: Option<String>,
    /// Registry user name (else the `auths` entry of docker's config.json for the registry, if any).
    #[arg(long, value_name = "USER")]
    pub(crate) username: Option<String>,
    /// The environment variable holding the registry password or token (used with --username).
    #[arg(long, value_name = "VAR", requires = "username")]
    pub(crate) password_env: Option<String>,
    /// Speak plain HTTP to the registry (a local registry without TLS).
    #[arg(long)]
    pub(crate) plain_http: bool,
    #[command(flatten)]
    pub(crate) common: VulnArgs,
}

#[derive(Debug, Args)]
pub(crate) struct HostArgs {
    /// The root file system to scan.
    #[arg(value_name = "PATH", default_value = "/")]
    pub(crate) root: PathBuf,
    /// Also descend into other mounted file systems and into proc, sys, dev, run.
    #[arg(long)]
    pub(crate) cross_mounts: bool,
    #[command(flatten)]
    pub(crate) common: VulnArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SbomArgs {
    /// A CycloneDX or SPDX 2.x JSON document.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    #[command(flatten)]
    pub(crate) common: VulnArgs,
}

/// The options every vulnerability scan takes.
#[derive(Debug, Args)]
pub(crate) struct VulnArgs {
    /// The advisory database directory (default: $RAMPART_VULNDB, else $XDG_DATA_HOME/rampart/vulndb, else
    /// ~/.local/share/rampart/vulndb).
    #[arg(long, value_name = "DIR")]
    pub(crate) vulndb: Option<PathBuf>,
    /// Ignore rules (YAML, docs/vulndb.md): matching findings are shown as ignored and do not count.
    #[arg(long, value_name = "FILE")]
    pub(crate) ignore: Option<PathBuf>,
    /// Exemptions file (YAML), as for an inventory scan.
    #[arg(long, value_name = "FILE")]
    pub(crate) exemptions: Option<PathBuf>,
    /// Output format; `cyclonedx` writes the packages found as a CycloneDX 1.6 SBOM.
    #[arg(long, value_enum, default_value_t = VulnFormat::Table)]
    pub(crate) format: VulnFormat,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Exit 1 if a finding that is not ignored has this severity or higher (findings of unknown severity
    /// always count), or if the scan could not be assessed.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<FindingSeverityArg>,
    /// Never show a progress bar.
    #[arg(long)]
    pub(crate) no_progress: bool,
    /// JSON on one line instead of pretty-printed.
    #[arg(long)]
    pub(crate) compact: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum VulnFormat {
    Table,
    Json,
    Sarif,
    Ocsf,
    Csv,
    Html,
    Cyclonedx,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum FindingSeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

/// The packages of one scanned subject and how to name it.
pub(crate) struct Inventory {
    kind: ScannedKind,
    subject: ScannedSubject,
    /// The report's input name: `image:…`, `host:…`, `sbom:…`.
    origin: String,
    sbom_subject: Subject,
    packages: Vec<Package>,
    distro: Option<Distro>,
    /// Files whose packages could not be read (`path: message`).
    unread: Vec<String>,
}

pub(crate) fn run(target: &ScanTarget) -> Result<u8> {
    let (common, progress_label) = match target {
        ScanTarget::Ecr(a) => return crate::ecr_cmd::run(a),
        ScanTarget::Image(a) => (&a.common, "reading the image"),
        ScanTarget::Host(a) => (&a.common, "reading the file system"),
        ScanTarget::Sbom(a) => (&a.common, "reading the SBOM"),
    };
    let progress = Progress::steps(!common.no_progress);
    progress.message(progress_label);
    let inventory = match target {
        ScanTarget::Image(a) => image_inventory(a),
        ScanTarget::Host(a) => host_inventory(a),
        ScanTarget::Sbom(a) => sbom_inventory(&a.file),
        ScanTarget::Ecr(_) => unreachable_target(),
    };
    let inventory = match inventory {
        Ok(i) => i,
        Err(e) => {
            progress.finish();
            return Err(e);
        }
    };
    let now = Utc::now();

    if common.format == VulnFormat::Cyclonedx {
        progress.finish();
        let doc = rampart_sbom::to_cyclonedx(
            &inventory.packages,
            inventory.distro.as_ref(),
            &inventory.sbom_subject,
            &rampart_sbom::WriteOptions {
                spec: rampart_sbom::SpecVersion::V1_6,
                serial_number: None,
                timestamp: Some(now),
                tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            },
        )?;
        write_output(common.output.as_deref(), |out| {
            if common.compact {
                serde_json::to_writer(&mut *out, &doc)?;
            } else {
                serde_json::to_writer_pretty(&mut *out, &doc)?;
            }
            out.write_all(b"\n")?;
            Ok(())
        })?;
        return Ok(exit::OK);
    }

    progress.message("matching advisories");
    let ignore = match &common.ignore {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(IgnoreRules::from_yaml(&path.display().to_string(), &text)?)
        }
        None => None,
    };
    if let (Some(rules), Some(path)) = (&ignore, &common.ignore) {
        for i in rules.expired(now) {
            warn(&format!(
                "warning: {}: rules[{i}] has expired and no longer applies",
                path.display()
            ));
        }
    }
    let db_dir = match &common.vulndb {
        Some(dir) => Ok(dir.clone()),
        None => crate::vulndb_cmd::default_dir(),
    };
    let scan = assess(&inventory, db_dir, ignore.as_ref(), now);
    if let Some(reason) = &scan.error {
        warn(&format!("not assessed: {reason}"));
    }

    progress.message("assessing");
    let resource = scanned_resource(inventory.kind, inventory.subject.clone(), &scan);
    let request = ScanRequest {
        exemptions: common.exemptions.clone(),
        now,
        ..ScanRequest::new(Vec::new())
    };
    let report =
        rampart_scan::scan_resources(&request, &inventory.origin, vec![resource], &mut |_| {});
    progress.finish();
    let report = report?;

    let format = match common.format {
        VulnFormat::Table => Format::Table,
        VulnFormat::Json => Format::Json,
        VulnFormat::Sarif => Format::Sarif,
        VulnFormat::Ocsf => Format::Ocsf,
        VulnFormat::Csv => Format::Csv,
        VulnFormat::Html => Format::Html,
        VulnFormat::Cyclonedx => unreachable_format()?,
    };
    let options = RenderOptions {
        color: common.output.is_none() && std::io::stdout().is_terminal(),
        compact_json: common.compact,
        ..RenderOptions::default()
    };
    write_output(common.output.as_deref(), |out| {
        rampart_report::render_with(&report, format, &options, out).map_err(Into::into)
    })?;
    Ok(gate(common.fail_on, &scan))
}

/// `scan ecr` returns before reading one inventory; kept as an error rather than a panic.
fn unreachable_target() -> Result<Inventory> {
    bail!("scan ecr is run by ecr_cmd")
}

/// CycloneDX returns before rendering; kept as an error rather than a panic.
fn unreachable_format() -> Result<Format> {
    bail!("the cyclonedx format is written before rendering a report")
}

fn image_inventory(args: &ImageArgs) -> Result<Inventory> {
    let source = ImageSource::parse(&args.image)?;
    let mut options = ScanOptions {
        platform: parse_platform(&args.platform)?,
        select: args.select.clone(),
        ..ScanOptions::default()
    };
    options.registry.plain_http = args.plain_http;
    if let ImageSource::Registry(reference) = &source {
        match &args.username {
            Some(user) => {
                options.registry.username = Some(user.clone());
                if let Some(var) = &args.password_env {
                    let password = std::env::var(var)
                        .with_context(|| format!("--password-env {var}: variable not set"))?;
                    options.registry.password = Some(password);
                }
            }
            None => {
                if let Some((user, password)) = docker_config_auth(&reference.registry)? {
                    options.registry.username = Some(user);
                    options.registry.password = Some(password);
                }
            }
        }
    }
    let scan = rampart_image::scan_image(&source, &options)?;
    let (id, name, digest) = match &source {
        ImageSource::Registry(reference) => {
            let repo = format!("{}/{}", reference.registry, reference.repository);
            let id = match &scan.manifest_digest {
                Some(d) => format!("{repo}@{d}"),
                None => reference.to_string(),
            };
            (id, reference.to_string(), scan.manifest_digest.clone())
        }
        ImageSource::Archive(path) | ImageSource::OciDir(path) => {
            let abs = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            let kind = if matches!(source, ImageSource::Archive(_)) {
                "archive"
            } else {
                "oci"
            };
            let mut id = format!("{kind}:{}", abs.display());
            if let Some(select) = &args.select {
                id.push('#');
                id.push_str(select);
            }
            let name = scan
                .repo_tags
                .first()
                .cloned()
                .unwrap_or_else(|| path.display().to_string());
            (id, name, scan.manifest_digest.clone())
        }
    };
    let properties = json!({
        "reference": scan.reference,
        "repoTags": scan.repo_tags,
        "manifestDigest": scan.manifest_digest,
        "configDigest": scan.config_digest,
        "platform": scan.platform,
        "layers": scan.layers.len(),
    });
    let version = name.rsplit_once(':').map(|(_, t)| t.to_owned());
    Ok(inventory_of(
        scan,
        ScannedKind::ContainerImage,
        ScannedSubject {
            provider: Provider::Host,
            scope: hostname(),
            region: None,
            id,
            name: name.clone(),
            properties,
        },
        format!("image:{name}"),
        Subject {
            name,
            version,
            kind: SubjectKind::Container,
            digest,
        },
    ))
}

fn host_inventory(args: &HostArgs) -> Result<Inventory> {
    let mut options = ScanOptions::default();
    options.host.cross_mounts = args.cross_mounts;
    let scan = rampart_image::scan_root(&args.root, &options)?;
    let is_this_host = args.root == Path::new("/");
    let (id, name) = if is_this_host {
        let host = hostname();
        (format!("host:{host}"), host)
    } else {
        let abs = std::fs::canonicalize(&args.root).unwrap_or_else(|_| args.root.clone());
        let path = abs.display().to_string();
        (format!("root:{path}"), path)
    };
    let properties = json!({
        "root": args.root.display().to_string(),
        "hostname": is_this_host.then(hostname),
    });
    Ok(inventory_of(
        scan,
        ScannedKind::Machine,
        ScannedSubject {
            provider: Provider::Host,
            scope: hostname(),
            region: None,
            id,
            name: name.clone(),
            properties,
        },
        format!("host:{name}"),
        Subject {
            name,
            version: None,
            kind: SubjectKind::Machine,
            digest: None,
        },
    ))
}

fn sbom_inventory(path: &Path) -> Result<Inventory> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let origin = path.display().to_string();
    let sbom = rampart_sbom::read(&text, &origin)?;
    for skipped in &sbom.skipped {
        warn(&format!(
            "{origin}: {} not matched: {}",
            skipped.what, skipped.reason
        ));
    }
    let name = sbom.subject.clone().unwrap_or_else(|| origin.clone());
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    Ok(Inventory {
        // An SBOM describes an image or a machine; without knowing which, Rampart treats it as the
        // image it most often is (CI pipelines produce SBOMs of built images).
        kind: ScannedKind::ContainerImage,
        subject: ScannedSubject {
            provider: Provider::Host,
            scope: hostname(),
            region: None,
            id: format!("sbom:{}", abs.display()),
            name: name.clone(),
            properties: json!({"sbom": origin}),
        },
        origin: format!("sbom:{origin}"),
        sbom_subject: Subject {
            name,
            version: None,
            kind: SubjectKind::Container,
            digest: None,
        },
        packages: sbom.packages,
        distro: sbom.distro,
        unread: Vec::new(),
    })
}

pub(crate) fn inventory_of(
    scan: ImageScan,
    kind: ScannedKind,
    subject: ScannedSubject,
    origin: String,
    sbom_subject: Subject,
) -> Inventory {
    let unread = scan
        .file_errors
        .iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect();
    Inventory {
        kind,
        subject,
        origin,
        sbom_subject,
        packages: scan.packages.into_iter().map(|p| p.package).collect(),
        distro: scan.distro,
        unread,
    }
}

/// The vulnerability scan of an inventory: completed with its findings, or an error saying why it could
/// not be assessed (never a clean result from missing data).
pub(crate) fn assess(
    inventory: &Inventory,
    db_dir: Result<PathBuf>,
    ignore: Option<&IgnoreRules>,
    now: DateTime<Utc>,
) -> VulnerabilityScan {
    const NO_DB: &str = "run `rampart vulndb update` or `rampart vulndb import`";
    let db = match db_dir {
        Err(e) => {
            return VulnerabilityScan::failed(format!("no advisory database: {e:#}; {NO_DB}"))
        }
        Ok(dir) => match Database::open(&dir) {
            Err(e) => {
                return VulnerabilityScan::failed(format!(
                    "no advisory database in {} ({e}): {NO_DB}",
                    dir.display()
                ))
            }
            Ok(db) if db.is_empty() => {
                return VulnerabilityScan::failed(format!(
                    "the advisory database in {} is empty: {NO_DB}",
                    dir.display()
                ))
            }
            Ok(db) => db,
        },
    };
    let distro = inventory.distro.as_ref();
    let mut matched = rampart_vulndb::match_packages_report(&db, &inventory.packages, distro);
    if let Some(rules) = ignore {
        rules.apply(&mut matched.findings, now);
    }
    let active = matched
        .findings
        .iter()
        .filter(|f| f.ignored.is_none())
        .count();
    for f in &inventory.unread {
        warn(&format!("warning: not read: {f}"));
    }
    let not_assessed = summarize_not_assessed(&matched.not_assessed);
    if let Some(summary) = &not_assessed {
        warn(&format!(
            "warning: {} of {} packages not assessed: {summary}",
            matched.not_assessed.len(),
            inventory.packages.len()
        ));
    }
    if inventory.packages.is_empty() {
        return VulnerabilityScan::failed(
            "no packages found (no OS package database or language manifest Rampart reads)",
        );
    }
    // Findings that count make the subject unhealthy whatever else is unknown; without any, a partial
    // check must not read as healthy.
    if active == 0 {
        if let Some(summary) = not_assessed {
            return VulnerabilityScan::failed(format!(
                "{} of {} packages not assessed: {summary}",
                matched.not_assessed.len(),
                inventory.packages.len()
            ));
        }
        if let Some(first) = inventory.unread.first() {
            return VulnerabilityScan::failed(format!(
                "{} package file(s) could not be read, e.g. {first}",
                inventory.unread.len()
            ));
        }
    }
    let findings = matched
        .findings
        .into_iter()
        .map(|f| model_finding(f, &inventory.packages, distro))
        .collect();
    VulnerabilityScan::completed(
        now.to_rfc3339_opts(SecondsFormat::Secs, true),
        distro.map(distro_label),
        inventory.packages.len() as u64,
        findings,
    )
}

/// `the database has no PyPI advisories (3 packages); …`, reasons by number of packages.
fn summarize_not_assessed(items: &[rampart_vulndb::NotAssessed]) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for item in items {
        *by_reason.entry(item.reason.as_str()).or_default() += 1;
    }
    let mut reasons: Vec<(&str, usize)> = by_reason.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    Some(
        reasons
            .iter()
            .map(|(r, n)| format!("{r} ({n} package{})", if *n == 1 { "" } else { "s" }))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn distro_label(d: &Distro) -> String {
    match d.version_id.as_deref().or(d.codename.as_deref()) {
        Some(v) => format!("{} {v}", d.id),
        None => d.id.clone(),
    }
}

fn model_finding(
    f: rampart_vulndb::Finding,
    packages: &[Package],
    distro: Option<&Distro>,
) -> Finding {
    let package = packages.iter().find(|p| {
        p.name == f.package
            && p.version == f.installed_version
            && p.ecosystem == f.ecosystem
            && p.location == f.location
    });
    let ecosystem = match rampart_vulndb::ecosystem::key_for_package(f.ecosystem, distro) {
        Ok(key) => match key.release {
            Some(release) => format!("{}:{release}", key.base),
            None => key.base,
        },
        Err(_) => f.ecosystem.osv_name().to_owned(),
    };
    let severity = match f.severity {
        None => FindingSeverity::Unknown,
        Some(Severity::Low) => FindingSeverity::Low,
        Some(Severity::Medium) => FindingSeverity::Medium,
        Some(Severity::High) => FindingSeverity::High,
        Some(Severity::Critical) => FindingSeverity::Critical,
    };
    let cvss = match f.severity_source {
        Some(SeveritySource::Cvss {
            vector,
            score_tenths,
        }) => {
            // v3/v4 vectors start `CVSS:3.1/`; a bare vector is CVSS v2.
            let version = vector
                .strip_prefix("CVSS:")
                .and_then(|rest| rest.split('/').next())
                .unwrap_or("2.0")
                .to_owned();
            vec![Cvss {
                version,
                vector,
                base_score: CvssScore::new(f64::from(score_tenths) / 10.0),
            }]
        }
        _ => Vec::new(),
    };
    Finding {
        id: f.advisory_id,
        aliases: f.aliases,
        summary: f.summary,
        description: None,
        severity,
        cvss,
        package: AffectedPackage {
            name: f.package,
            version: f.installed_version,
            fixed_version: f.fixed_version,
            ecosystem,
            category: if f.ecosystem.is_os() {
                PackageCategory::Os
            } else {
                PackageCategory::Language
            },
            location: Some(f.location),
            purl: package
                .map(|p| rampart_sbom::purl::package_purl(p, distro).to_string_canonical()),
        },
        ignored: f.ignored.map(|i| IgnoredBy {
            reason: i.reason,
            rule: Some(format!("rules[{}]", i.rule)),
            expires: i.expires,
        }),
    }
}

/// `--fail-on`: exit 1 when a counted finding reaches the severity (unknown severities always count), or
/// when the scan could not be assessed; reasons on stderr.
pub(crate) fn gate(fail_on: Option<FindingSeverityArg>, scan: &VulnerabilityScan) -> u8 {
    let Some(min) = fail_on else {
        return exit::OK;
    };
    if scan.status != ScanStatus::Completed {
        warn("gate failed: the scan could not be assessed (--fail-on needs a completed scan)");
        return exit::GATE_FAILED;
    }
    let min = match min {
        FindingSeverityArg::Low => FindingSeverity::Low,
        FindingSeverityArg::Medium => FindingSeverity::Medium,
        FindingSeverityArg::High => FindingSeverity::High,
        FindingSeverityArg::Critical => FindingSeverity::Critical,
    };
    let offending = scan
        .findings
        .iter()
        .filter(|f| {
            f.ignored.is_none() && (f.severity >= min || f.severity == FindingSeverity::Unknown)
        })
        .count();
    if offending == 0 {
        return exit::OK;
    }
    warn(&format!(
        "gate failed: {offending} finding(s) of severity {} or higher (or unknown) are not ignored",
        min.as_str()
    ));
    exit::GATE_FAILED
}

pub(crate) fn parse_platform(s: &str) -> Result<Platform> {
    let mut parts = s.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(os), Some(arch), variant, None) if !os.is_empty() && !arch.is_empty() => {
            Ok(Platform {
                os: os.to_owned(),
                architecture: arch.to_owned(),
                variant: variant.filter(|v| !v.is_empty()).map(str::to_owned),
            })
        }
        _ => bail!("--platform {s}: expected os/arch or os/arch/variant (linux/amd64)"),
    }
}

/// This machine's host name (the scope of locally scanned subjects).
fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Credentials for `registry` from docker's `config.json` (`$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`): the `auths` entry's base64 `user:password`. Credential helpers are not run.
fn docker_config_auth(registry: &str) -> Result<Option<(String, String)>> {
    let path = match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => PathBuf::from(dir).join("config.json"),
        None => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(".docker/config.json"),
            None => return Ok(None),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let config: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let Some(auths) = config.get("auths").and_then(|a| a.as_object()) else {
        return Ok(None);
    };
    // Docker Hub is stored under its legacy index URL.
    let keys: Vec<String> = if registry == "docker.io" {
        vec![
            "https://index.docker.io/v1/".into(),
            "docker.io".into(),
            "index.docker.io".into(),
        ]
    } else {
        vec![registry.to_owned(), format!("https://{registry}")]
    };
    let Some(entry) = keys.iter().find_map(|k| auths.get(k)) else {
        return Ok(None);
    };
    let Some(auth) = entry.get("auth").and_then(|a| a.as_str()) else {
        return Ok(None);
    };
    let decoded = base64_decode(auth)
        .and_then(|b| String::from_utf8(b).ok())
        .with_context(|| format!("{}: auths.{registry}.auth is not base64", path.display()))?;
    match decoded.split_once(':') {
        Some((user, password)) => Ok(Some((user.to_owned(), password.to_owned()))),
        None => bail!(
            "{}: auths.{registry}.auth is not user:password",
            path.display()
        ),
    }
}

/// Standard base64 (padding optional); `None` on any other character.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}
