//! Splunk HTTP Event Collector sink: `POST <url>/services/collector/event` with
//! `Authorization: Splunk <token>` and the envelope
//! `{"time": <seconds.millis>, "host", "source", "sourcetype", ["index",] "event": <alert>}`,
//! `time` being the alert's `time_generated`. Delivered when HEC answers 200 with
//! `"code": 0`; anything else (bad token, server busy 503, ...) is retried.

use rampart_alerts::Alert;
use serde_json::json;

use super::Sink;
use crate::config::HecConfig;
use crate::error::SinkError;
use crate::secret::Secret;

pub(crate) struct HecSink {
    endpoint: String,
    token: Secret,
    host: String,
    source: String,
    sourcetype: String,
    index: Option<String>,
    agent: ureq::Agent,
}

/// The HEC event envelope of one alert.
pub fn envelope(
    alert: &Alert,
    host: &str,
    source: &str,
    sourcetype: &str,
    index: Option<&str>,
) -> serde_json::Value {
    let ms = alert.time_generated.timestamp_millis();
    let time = serde_json::Number::from_f64(ms as f64 / 1000.0)
        .map_or(serde_json::Value::Null, serde_json::Value::Number);
    let mut env = json!({
        "time": time,
        "host": host,
        "source": source,
        "sourcetype": sourcetype,
        "event": alert,
    });
    if let (Some(index), Some(map)) = (index, env.as_object_mut()) {
        map.insert("index".into(), json!(index));
    }
    env
}

impl HecSink {
    pub(crate) fn new(c: &HecConfig) -> Result<Self, String> {
        let token = c.token.clone().ok_or("HEC token not resolved")?;
        Ok(Self {
            endpoint: format!("{}/services/collector/event", c.url.trim_end_matches('/')),
            token,
            host: c.host.clone().unwrap_or_else(super::local_hostname),
            source: c.source.clone(),
            sourcetype: c.sourcetype.clone(),
            index: c.index.clone(),
            agent: super::http_agent(c.timeout_ms, c.ca_file.as_deref())?,
        })
    }
}

impl Sink for HecSink {
    fn deliver(&mut self, alert: &Alert) -> Result<(), SinkError> {
        let env = envelope(
            alert,
            &self.host,
            &self.source,
            &self.sourcetype,
            self.index.as_deref(),
        );
        let body = serde_json::to_vec(&env).map_err(|e| SinkError::Encode(e.to_string()))?;
        let mut resp = self
            .agent
            .post(&self.endpoint)
            .header("Content-Type", "application/json")
            .header("Authorization", format!("Splunk {}", self.token.expose()))
            .send(&body[..])
            .map_err(|e| SinkError::Http(format!("POST {}: {e}", self.endpoint)))?;
        let status = resp.status().as_u16();
        let text = super::body_excerpt(&mut resp);
        let code = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("code").and_then(serde_json::Value::as_i64));
        if status == 200 && code == Some(0) {
            Ok(())
        } else {
            Err(SinkError::Status { status, body: text })
        }
    }
}
