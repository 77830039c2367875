//! Webhook sink: `POST <url>` with the alert as JSON (the JSON Lines record), signed.
//!
//! Headers: `Content-Type: application/json`, `X-Rampart-Timestamp: <unix seconds>`,
//! `X-Rampart-Signature: sha256=<hex HMAC-SHA256(key, "<timestamp>." + body)>`,
//! `X-Rampart-Alert-Id: <system_alert_id>` (an idempotency key: at-least-once delivery
//! may repeat an alert). Signing the timestamp with the body lets the receiver refuse
//! replays older than it tolerates. Any 2xx status is delivered; anything else is retried.

use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use rampart_alerts::Alert;
use sha2::Sha256;

use super::Sink;
use crate::clock::Clock;
use crate::config::WebhookConfig;
use crate::error::SinkError;
use crate::secret::Secret;

/// `sha256=<hex>` of the HMAC-SHA256 of `"<timestamp>." + body` under `key`.
pub fn signature(key: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length; new_from_slice cannot fail for it.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for b in tag.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

pub(crate) struct WebhookSink {
    url: String,
    key: Secret,
    agent: ureq::Agent,
    clock: Arc<dyn Clock>,
}

impl WebhookSink {
    pub(crate) fn new(c: &WebhookConfig, clock: Arc<dyn Clock>) -> Result<Self, String> {
        let key = c.secret.clone().ok_or("webhook secret not resolved")?;
        Ok(Self {
            url: c.url.clone(),
            key,
            agent: super::http_agent(c.timeout_ms, c.ca_file.as_deref())?,
            clock,
        })
    }
}

impl Sink for WebhookSink {
    fn deliver(&mut self, alert: &Alert) -> Result<(), SinkError> {
        let body = serde_json::to_vec(alert).map_err(|e| SinkError::Encode(e.to_string()))?;
        let ts = self.clock.now().timestamp();
        let sig = signature(self.key.expose().as_bytes(), ts, &body);
        let mut resp = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("X-Rampart-Timestamp", ts.to_string())
            .header("X-Rampart-Signature", sig)
            .header("X-Rampart-Alert-Id", alert.system_alert_id.as_str())
            .send(&body[..])
            .map_err(|e| SinkError::Http(format!("POST {}: {e}", self.url)))?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(SinkError::Status {
                status,
                body: super::body_excerpt(&mut resp),
            })
        }
    }
}
