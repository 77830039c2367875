//! The sinks configuration file (TOML, documented in docs/sinks.md): a list of
//! `[[sink]]` tables, each with a `kind`, a unique `name` and a `min_severity`, plus the
//! queue and retry settings. Secrets are given inline or, better, as the name of an
//! environment variable (`token_env = "..."`), resolved once by [`Config::resolve_secrets`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_alerts::AlertSeverity;
use serde::{Deserialize, Deserializer};

use crate::error::ConfigError;
use crate::secret::Secret;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Alerts queued in memory per sink before `send` spools them to disk instead.
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
    #[serde(default)]
    pub retry: RetryConfig,
    #[serde(default, rename = "sink")]
    pub sinks: Vec<SinkConfig>,
}

fn default_queue_capacity() -> usize {
    1024
}

/// Exponential backoff between delivery attempts of a failing sink.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    #[serde(default = "default_initial_backoff_ms")]
    pub initial_backoff_ms: u64,
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
}

fn default_initial_backoff_ms() -> u64 {
    1_000
}
fn default_max_backoff_ms() -> u64 {
    300_000
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            initial_backoff_ms: default_initial_backoff_ms(),
            max_backoff_ms: default_max_backoff_ms(),
        }
    }
}

/// One sink. `kind` selects the variant.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SinkConfig {
    Jsonl(JsonlConfig),
    Syslog(SyslogConfig),
    Webhook(WebhookConfig),
    SplunkHec(HecConfig),
    Email(EmailConfig),
}

impl SinkConfig {
    pub fn name(&self) -> &str {
        match self {
            Self::Jsonl(c) => &c.name,
            Self::Syslog(c) => &c.name,
            Self::Webhook(c) => &c.name,
            Self::SplunkHec(c) => &c.name,
            Self::Email(c) => &c.name,
        }
    }

    /// Alerts below this severity are not sent to the sink. Default: Informational
    /// (everything), except email: High, as Defender's default notification.
    pub fn min_severity(&self) -> AlertSeverity {
        match self {
            Self::Jsonl(c) => c.min_severity.0,
            Self::Syslog(c) => c.min_severity.0,
            Self::Webhook(c) => c.min_severity.0,
            Self::SplunkHec(c) => c.min_severity.0,
            Self::Email(c) => c.min_severity.map_or(AlertSeverity::High, |s| s.0),
        }
    }
}

/// A severity read case-insensitively (`high`, `High`, `HIGH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Severity(pub AlertSeverity);

impl Default for Severity {
    fn default() -> Self {
        Self(AlertSeverity::Informational)
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self(match s.to_ascii_lowercase().as_str() {
            "informational" => AlertSeverity::Informational,
            "low" => AlertSeverity::Low,
            "medium" => AlertSeverity::Medium,
            "high" => AlertSeverity::High,
            _ => {
                return Err(serde::de::Error::custom(format!(
                    "unknown severity {s:?} (expected informational, low, medium or high)"
                )))
            }
        }))
    }
}

/// When the JSON Lines sink calls fsync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FsyncPolicy {
    /// After every alert line (an alert counts as delivered once it is on disk).
    #[default]
    Always,
    /// Only at close; a crash can lose the lines the OS had not written yet.
    Close,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonlConfig {
    pub name: String,
    #[serde(default)]
    pub min_severity: Severity,
    pub path: PathBuf,
    #[serde(default)]
    pub fsync: FsyncPolicy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyslogTransport {
    Udp,
    Tcp,
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogConfig {
    pub name: String,
    #[serde(default)]
    pub min_severity: Severity,
    pub transport: SyslogTransport,
    /// `host:port`.
    pub address: String,
    /// TLS: the name the server certificate must carry (default: the host of `address`).
    pub server_name: Option<String>,
    /// TLS: PEM file of the CA certificates to trust (default: the Mozilla roots).
    pub ca_file: Option<PathBuf>,
    /// Syslog facility by name (`auth`, `local4`, ...); default `auth`.
    #[serde(default = "default_facility")]
    pub facility: String,
    /// HOSTNAME field (default: this machine's host name).
    pub hostname: Option<String>,
    #[serde(default = "default_app_name")]
    pub app_name: String,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_facility() -> String {
    "auth".into()
}
fn default_app_name() -> String {
    "rampart".into()
}
fn default_timeout_ms() -> u64 {
    10_000
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub name: String,
    #[serde(default)]
    pub min_severity: Severity,
    pub url: String,
    /// HMAC-SHA256 key, inline (prefer `secret_env`).
    pub secret: Option<Secret>,
    /// Name of the environment variable holding the HMAC key.
    pub secret_env: Option<String>,
    /// https: PEM CA certificates to trust instead of the Mozilla roots (a private CA).
    pub ca_file: Option<PathBuf>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HecConfig {
    pub name: String,
    #[serde(default)]
    pub min_severity: Severity,
    /// Base URL of the collector, e.g. `https://splunk.example:8088`.
    pub url: String,
    pub token: Option<Secret>,
    pub token_env: Option<String>,
    pub index: Option<String>,
    #[serde(default = "default_app_name")]
    pub source: String,
    #[serde(default = "default_sourcetype")]
    pub sourcetype: String,
    /// `host` of the event envelope (default: this machine's host name).
    pub host: Option<String>,
    /// https: PEM CA certificates to trust instead of the Mozilla roots (Splunk's
    /// self-signed default certificate, a private CA).
    pub ca_file: Option<PathBuf>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_sourcetype() -> String {
    "rampart:alert".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain SMTP (only for a relay on localhost or a trusted network).
    None,
    /// Plain connection upgraded with STARTTLS (required, not opportunistic).
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub name: String,
    pub min_severity: Option<Severity>,
    pub host: String,
    pub port: Option<u16>,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub password_env: Option<String>,
    pub from: String,
    pub to: Vec<String>,
    /// STARTTLS/TLS: PEM CA certificates trusted in addition to the Mozilla roots (a private CA).
    pub ca_file: Option<PathBuf>,
    /// Defender's throttling (one email per scope per 6/12/24 h for High/Medium/Low); on by default.
    #[serde(default = "default_true")]
    pub throttle: bool,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_true() -> bool {
    true
}

impl Config {
    /// Reads and validates a TOML file (secrets not yet resolved).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and validates TOML text; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|e| ConfigError::Parse {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        config.validate(origin)?;
        Ok(config)
    }

    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let invalid = |sink: &str, message: String| ConfigError::Invalid {
            origin: origin.to_owned(),
            sink: sink.to_owned(),
            message,
        };
        if self.queue_capacity == 0 {
            return Err(invalid("-", "queue_capacity must be at least 1".into()));
        }
        if self.retry.initial_backoff_ms == 0
            || self.retry.max_backoff_ms < self.retry.initial_backoff_ms
        {
            return Err(invalid(
                "-",
                "retry: need 0 < initial_backoff_ms <= max_backoff_ms".into(),
            ));
        }
        let mut names = BTreeSet::new();
        for sink in &self.sinks {
            let name = sink.name();
            // The name is part of the spool and state file names.
            if name.is_empty()
                || name.len() > 64
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(invalid(
                    name,
                    "name must be 1-64 characters of A-Z a-z 0-9 - _".into(),
                ));
            }
            if !names.insert(name) {
                return Err(invalid(name, "duplicate sink name".into()));
            }
            match sink {
                SinkConfig::Syslog(c) => {
                    crate::sinks::syslog::facility_code(&c.facility).ok_or_else(|| {
                        invalid(name, format!("unknown facility {:?}", c.facility))
                    })?;
                }
                SinkConfig::Webhook(c) => {
                    if c.secret.is_none() && c.secret_env.is_none() {
                        return Err(invalid(name, "webhook needs secret_env (or secret)".into()));
                    }
                }
                SinkConfig::SplunkHec(c) => {
                    if c.token.is_none() && c.token_env.is_none() {
                        return Err(invalid(
                            name,
                            "splunk_hec needs token_env (or token)".into(),
                        ));
                    }
                }
                SinkConfig::Email(c) => {
                    if c.to.is_empty() {
                        return Err(invalid(
                            name,
                            "email needs at least one recipient in `to`".into(),
                        ));
                    }
                    if c.username.is_some() != (c.password.is_some() || c.password_env.is_some()) {
                        return Err(invalid(
                            name,
                            "email auth needs both username and password_env (or password)".into(),
                        ));
                    }
                }
                SinkConfig::Jsonl(_) => {}
            }
        }
        Ok(())
    }

    /// Replaces every `*_env` reference by the variable's value, through `lookup`
    /// (normally `std::env::var`). A missing variable is an error naming the sink and
    /// the variable, never the value.
    pub fn resolve_secrets(
        &mut self,
        origin: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        for sink in &mut self.sinks {
            let (name, inline, env) = match sink {
                SinkConfig::Webhook(c) => (&c.name, &mut c.secret, &c.secret_env),
                SinkConfig::SplunkHec(c) => (&c.name, &mut c.token, &c.token_env),
                SinkConfig::Email(c) => (&c.name, &mut c.password, &c.password_env),
                SinkConfig::Jsonl(_) | SinkConfig::Syslog(_) => continue,
            };
            if let Some(var) = env {
                match lookup(var) {
                    Some(v) if !v.is_empty() => *inline = Some(Secret::new(v)),
                    _ => {
                        return Err(ConfigError::Invalid {
                            origin: origin.to_owned(),
                            sink: name.clone(),
                            message: format!("environment variable {var} is not set or empty"),
                        })
                    }
                }
            }
        }
        Ok(())
    }
}
