//! Email sink: one plain-text email per alert over SMTP (lettre's blocking transport),
//! with Defender's throttling.
//!
//! Throttling (per scope = the alert's `scope`, or `(no scope)`): at most one email per
//! 6 h for High alerts, 12 h for Medium, 24 h for Low and Informational, counted per
//! (scope, severity). An alert that arrives inside its window is not dropped: it is
//! recorded as pending for its scope, and
//! - the next email sent for that scope carries it in a "Also since the last email"
//!   summary, or
//! - when the window of a pending alert's severity opens and no alert came to carry it, a
//!   summary email of all the scope's pending alerts is sent (checked about once a second).
//!
//! The state (last email per scope and severity, pending alerts) is a JSON file in the
//! state directory, `<sink>.email-state.json`, written (temp file + rename) after each
//! change, so a restart respects the windows and still sends the pending summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use rampart_alerts::{Alert, AlertSeverity};
use serde::{Deserialize, Serialize};

use super::Sink;
use crate::clock::Clock;
use crate::config::{EmailConfig, SmtpSecurity};
use crate::error::SinkError;

/// Pending summaries kept per scope; beyond, only a count.
const MAX_PENDING: usize = 500;
const NO_SCOPE: &str = "(no scope)";

/// Defender's throttle window for a severity.
pub fn throttle_window(sev: AlertSeverity) -> chrono::Duration {
    match sev {
        AlertSeverity::High => chrono::Duration::hours(6),
        AlertSeverity::Medium => chrono::Duration::hours(12),
        AlertSeverity::Low | AlertSeverity::Informational => chrono::Duration::hours(24),
    }
}

/// What a summary says about a throttled alert.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Pending {
    severity: AlertSeverity,
    display_name: String,
    system_alert_id: String,
    start_time: DateTime<Utc>,
    count: u64,
    compromised_entity: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// scope -> severity -> when the last email for it was sent.
    last_sent: BTreeMap<String, BTreeMap<AlertSeverity, DateTime<Utc>>>,
    pending: BTreeMap<String, Vec<Pending>>,
    /// scope -> throttled alerts beyond `MAX_PENDING`.
    #[serde(default)]
    omitted: BTreeMap<String, u64>,
}

pub(crate) struct EmailSink {
    transport: SmtpTransport,
    from: Mailbox,
    to: Vec<Mailbox>,
    throttle: bool,
    clock: Arc<dyn Clock>,
    state_path: PathBuf,
    state: State,
}

impl EmailSink {
    pub(crate) fn new(
        c: &EmailConfig,
        state_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, String> {
        let from: Mailbox = c
            .from
            .parse()
            .map_err(|e| format!("from {:?}: {e}", c.from))?;
        let to =
            c.to.iter()
                .map(|t| t.parse::<Mailbox>().map_err(|e| format!("to {t:?}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
        let ca = match &c.ca_file {
            Some(path) => {
                let pem =
                    std::fs::read(path).map_err(|e| format!("ca_file {}: {e}", path.display()))?;
                Some(
                    Certificate::from_pem(&pem)
                        .map_err(|e| format!("ca_file {}: {e}", path.display()))?,
                )
            }
            None => None,
        };
        let tls = || {
            let mut b = TlsParameters::builder(c.host.clone());
            if let Some(ca) = &ca {
                b = b.add_root_certificate(ca.clone());
            }
            b.build_rustls().map_err(|e| format!("TLS: {e}"))
        };
        let mut builder = match c.security {
            SmtpSecurity::None => {
                SmtpTransport::builder_dangerous(&c.host).port(c.port.unwrap_or(25))
            }
            SmtpSecurity::Starttls => SmtpTransport::builder_dangerous(&c.host)
                .port(c.port.unwrap_or(587))
                .tls(Tls::Required(tls()?)),
            SmtpSecurity::Tls => SmtpTransport::builder_dangerous(&c.host)
                .port(c.port.unwrap_or(465))
                .tls(Tls::Wrapper(tls()?)),
        }
        .timeout(Some(Duration::from_millis(c.timeout_ms)));
        if let (Some(user), Some(pass)) = (&c.username, &c.password) {
            builder = builder.credentials(Credentials::new(user.clone(), pass.expose().to_owned()));
        }
        let state_path = state_dir.join(format!("{}.email-state.json", c.name));
        let state = match std::fs::read(&state_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| format!("{}: {e}", state_path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(format!("{}: {e}", state_path.display())),
        };
        Ok(Self {
            transport: builder.build(),
            from,
            to,
            throttle: c.throttle,
            clock,
            state_path,
            state,
        })
    }

    fn save(&self) -> Result<(), SinkError> {
        let ctx = || self.state_path.display().to_string();
        let bytes =
            serde_json::to_vec_pretty(&self.state).map_err(|e| SinkError::Encode(e.to_string()))?;
        let tmp = self.state_path.with_extension("json.tmp");
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, &self.state_path))
            .map_err(|e| SinkError::io(ctx(), e))
    }

    fn throttled(&self, scope: &str, sev: AlertSeverity, now: DateTime<Utc>) -> bool {
        self.throttle
            && self
                .state
                .last_sent
                .get(scope)
                .and_then(|m| m.get(&sev))
                .is_some_and(|last| now < *last + throttle_window(sev))
    }

    fn send(&self, subject: String, body: String, now: DateTime<Utc>) -> Result<(), SinkError> {
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .date(SystemTime::from(now))
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            b = b.to(to.clone());
        }
        let msg = b.body(body).map_err(|e| SinkError::Smtp(e.to_string()))?;
        self.transport
            .send(&msg)
            .map(|_| ())
            .map_err(|e| SinkError::Smtp(e.to_string()))
    }

    /// The pending summary section of a scope, or an empty string.
    fn summary(&self, scope: &str) -> String {
        let pending = self
            .state
            .pending
            .get(scope)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let omitted = self.state.omitted.get(scope).copied().unwrap_or(0);
        if pending.is_empty() && omitted == 0 {
            return String::new();
        }
        let mut s = format!(
            "Also since the last email for this scope ({} alert(s) held back by throttling):\n",
            pending.len() as u64 + omitted
        );
        for p in pending {
            s.push_str(&format!(
                "- [{}] {} (first seen {}, {} event(s){}) id {}\n",
                p.severity.as_str(),
                p.display_name,
                p.start_time.to_rfc3339(),
                p.count,
                p.compromised_entity
                    .as_deref()
                    .map(|e| format!(", entity {e}"))
                    .unwrap_or_default(),
                p.system_alert_id
            ));
        }
        if omitted > 0 {
            s.push_str(&format!("- and {omitted} more\n"));
        }
        s
    }

    fn clear_pending(&mut self, scope: &str) {
        self.state.pending.remove(scope);
        self.state.omitted.remove(scope);
    }
}

/// The body of the email of one alert.
fn alert_text(a: &Alert) -> String {
    let mut s = String::new();
    s.push_str(&format!("{}\n\n", a.display_name));
    s.push_str(&format!("Severity: {}\n", a.severity.as_str()));
    if let Some(scope) = &a.scope {
        s.push_str(&format!("Scope: {scope}\n"));
    }
    if let Some(e) = &a.compromised_entity {
        s.push_str(&format!("Compromised entity: {e}\n"));
    }
    s.push_str(&format!(
        "Activity: {} to {} ({} event(s))\n",
        a.start_time.to_rfc3339(),
        a.end_time.to_rfc3339(),
        a.count
    ));
    if !a.tactics.is_empty() {
        let t: Vec<String> = a.tactics.iter().map(|t| format!("{t:?}")).collect();
        s.push_str(&format!("MITRE tactics: {}\n", t.join(", ")));
    }
    if !a.techniques.is_empty() || !a.sub_techniques.is_empty() {
        let t: Vec<&str> = a
            .techniques
            .iter()
            .chain(&a.sub_techniques)
            .map(String::as_str)
            .collect();
        s.push_str(&format!("MITRE techniques: {}\n", t.join(", ")));
    }
    s.push_str(&format!(
        "Alert type: {}\nAlert id: {}\n",
        a.alert_type, a.system_alert_id
    ));
    s.push_str(&format!("\n{}\n", a.description));
    if !a.remediation_steps.is_empty() {
        s.push_str("\nRemediation:\n");
        for r in &a.remediation_steps {
            s.push_str(&format!("- {r}\n"));
        }
    }
    s
}

impl Sink for EmailSink {
    fn deliver(&mut self, alert: &Alert) -> Result<(), SinkError> {
        let now = self.clock.now();
        let scope = alert.scope.clone().unwrap_or_else(|| NO_SCOPE.into());
        if self.throttled(&scope, alert.severity, now) {
            let pending = self.state.pending.entry(scope.clone()).or_default();
            if pending.len() < MAX_PENDING {
                pending.push(Pending {
                    severity: alert.severity,
                    display_name: alert.display_name.clone(),
                    system_alert_id: alert.system_alert_id.clone(),
                    start_time: alert.start_time,
                    count: alert.count,
                    compromised_entity: alert.compromised_entity.clone(),
                });
            } else {
                *self.state.omitted.entry(scope.clone()).or_default() += 1;
            }
            tracing::info!(scope = %scope, severity = alert.severity.as_str(),
                alert = %alert.system_alert_id, "email throttled; alert kept for the next summary");
            return self.save();
        }
        let mut body = alert_text(alert);
        let summary = self.summary(&scope);
        if !summary.is_empty() {
            body.push('\n');
            body.push_str(&summary);
        }
        let subject = format!(
            "[Rampart] {} alert: {} ({scope})",
            alert.severity.as_str(),
            alert.display_name.replace(['\r', '\n'], " ")
        );
        self.send(subject, body, now)?;
        self.state
            .last_sent
            .entry(scope.clone())
            .or_default()
            .insert(alert.severity, now);
        self.clear_pending(&scope);
        self.save()
    }

    fn tick(&mut self) -> Result<(), SinkError> {
        let now = self.clock.now();
        let due: Vec<(String, Vec<AlertSeverity>)> = self
            .state
            .pending
            .iter()
            .filter_map(|(scope, pending)| {
                let mut sevs: Vec<AlertSeverity> = pending
                    .iter()
                    .map(|p| p.severity)
                    .filter(|s| !self.throttled(scope, *s, now))
                    .collect();
                sevs.sort();
                sevs.dedup();
                (!sevs.is_empty()).then(|| (scope.clone(), sevs))
            })
            .collect();
        for (scope, sevs) in due {
            let n = self.state.pending.get(&scope).map_or(0, Vec::len) as u64
                + self.state.omitted.get(&scope).copied().unwrap_or(0);
            let subject = format!("[Rampart] {n} throttled alert(s) ({scope})");
            let body = format!(
                "Alerts held back by email throttling for scope {scope}.\n\n{}",
                self.summary(&scope)
            );
            self.send(subject, body, now)?;
            let last = self.state.last_sent.entry(scope.clone()).or_default();
            for s in sevs {
                last.insert(s, now);
            }
            self.clear_pending(&scope);
            self.save()?;
        }
        Ok(())
    }
}
