//! The sink implementations behind one trait. A sink delivers one alert at a time,
//! synchronously, on its own worker thread; it never retries itself (the dispatcher
//! does, with backoff and the spool).

use std::path::Path;
use std::sync::Arc;

use rampart_alerts::Alert;

use crate::clock::Clock;
use crate::config::SinkConfig;
use crate::error::{ConfigError, SinkError};

pub(crate) mod email;
pub(crate) mod hec;
pub(crate) mod jsonl;
pub(crate) mod syslog;
pub(crate) mod webhook;

/// One destination of alerts.
pub(crate) trait Sink: Send {
    /// Delivers one alert. `Ok` means the receiver has it (or, for email, that the
    /// throttle recorded it for the next email); `Err` means retry later.
    fn deliver(&mut self, alert: &Alert) -> Result<(), SinkError>;

    /// Periodic work between alerts (email: send the summary of throttled alerts once
    /// their window opens). Called about once a second.
    fn tick(&mut self) -> Result<(), SinkError> {
        Ok(())
    }

    /// Flushes what the sink buffers, at shutdown.
    fn close(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Builds the sink a configuration describes (secrets already resolved).
pub(crate) fn build(
    config: &SinkConfig,
    state_dir: &Path,
    clock: Arc<dyn Clock>,
    origin: &str,
) -> Result<Box<dyn Sink>, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        origin: origin.to_owned(),
        sink: config.name().to_owned(),
        message,
    };
    Ok(match config {
        SinkConfig::Jsonl(c) => Box::new(jsonl::JsonlSink::new(c.clone())),
        SinkConfig::Syslog(c) => Box::new(syslog::SyslogSink::new(c).map_err(invalid)?),
        SinkConfig::Webhook(c) => Box::new(webhook::WebhookSink::new(c, clock).map_err(invalid)?),
        SinkConfig::SplunkHec(c) => Box::new(hec::HecSink::new(c).map_err(invalid)?),
        SinkConfig::Email(c) => {
            Box::new(email::EmailSink::new(c, state_dir, clock).map_err(invalid)?)
        }
    })
}

/// This machine's host name (for syslog HOSTNAME and the HEC envelope), or `-`.
pub(crate) fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "-".into())
}

/// Builds an HTTP agent: errors for non-2xx statuses are ours to make, with a timeout,
/// and, with `ca_file`, only those CA certificates trusted for https.
pub(crate) fn http_agent(timeout_ms: u64, ca_file: Option<&Path>) -> Result<ureq::Agent, String> {
    let mut builder = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_millis(timeout_ms)));
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| format!("ca_file {}: {e}", path.display()))?;
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(&pem) {
            if let ureq::tls::PemItem::Certificate(c) =
                item.map_err(|e| format!("ca_file {}: {e}", path.display()))?
            {
                certs.push(c);
            }
        }
        if certs.is_empty() {
            return Err(format!("ca_file {}: no certificate", path.display()));
        }
        builder = builder.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::from(certs))
                .build(),
        );
    }
    Ok(ureq::Agent::new_with_config(builder.build()))
}

/// Reads at most 512 bytes of a response body, for error messages.
pub(crate) fn body_excerpt(resp: &mut ureq::http::Response<ureq::Body>) -> String {
    let mut s = resp
        .body_mut()
        .with_config()
        .limit(512)
        .read_to_string()
        .unwrap_or_default();
    s.truncate(512);
    s
}
