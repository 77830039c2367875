//! Alert sinks: delivery of [`rampart_alerts::Alert`]s to files, SIEMs and people
//! (docs/sinks.md).
//!
//! - [`Dispatcher`] owns delivery: one worker thread and bounded queue per sink, retries
//!   with exponential backoff, a per-sink disk spool in a state directory (at-least-once,
//!   across restarts); [`Dispatcher::send`] never blocks on the network.
//! - Sinks: JSON Lines file; syslog RFC 5424 with a CEF payload over UDP, TCP
//!   (RFC 6587 octet counting) and TLS (RFC 5425, rustls); HMAC-signed webhook
//!   ([`webhook_signature`]); Splunk HEC; email over SMTP with Defender's throttling.
//! - [`Config`] is the TOML file; secrets ([`Secret`]) come from environment variables
//!   and never appear in `Debug` output or logs.

mod clock;
mod config;
mod dispatcher;
mod error;
mod secret;
mod sinks;
mod spool;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    Config, EmailConfig, FsyncPolicy, HecConfig, JsonlConfig, RetryConfig, Severity, SinkConfig,
    SmtpSecurity, SyslogConfig, SyslogTransport, WebhookConfig,
};
pub use dispatcher::{Dispatcher, Report, SinkReport};
pub use error::{ConfigError, SinkError};
pub use secret::Secret;
pub use sinks::email::throttle_window;
pub use sinks::hec::envelope as hec_envelope;
pub use sinks::syslog::format_message as syslog_message;
pub use sinks::webhook::signature as webhook_signature;
