//! Turning detection matches into alerts: [`AlertBuilder`] groups repeated matches of one
//! rule on one entity key within a window into one [`Alert`] with a count, and emits each
//! group once the stream has moved past its window.
//!
//! Grouping (documented in docs/alerts.md):
//! - the key is the rule id plus the entity key of the event's source (`group_by` kinds of
//!   `data/entities.toml`, e.g. the CloudTrail caller's ARN);
//! - a match joins the open group of its key when the group's span, with it, stays within
//!   the window (default 1 h); otherwise the open group is emitted and the match starts a
//!   new one;
//! - the stream time is the newest event time seen in the current input; a group is
//!   emitted once the stream time is more than one window past its end (one window of
//!   grace for events arriving slightly out of order). [`AlertBuilder::new_input`] restarts
//!   the stream time when the next input may be older (a batch over files in name order:
//!   a CloudTrail bucket lists each account and region in turn), so an older file's
//!   matches still group; groups of a newer earlier input then stay open until a match of
//!   their key falls outside their window, the open-group bound, or the end;
//! - at most `max_open` groups are open; beyond, the group whose last match is oldest is
//!   emitted early. Memory is bounded by that, whatever the input size;
//! - [`AlertBuilder::flush`] emits whatever is still open, at the end of the input.
//!
//! Each group keeps the first `max_evidence` events as evidence and the distinct entities
//! of all its matches (at most `MAX_ENTITIES`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::entities::ExtractedEntities;
use crate::model::{Alert, AlertSeverity, AlertStatus, Entity, Evidence, Intent};
use crate::remediation::Remediation;

/// Distinct entities kept per alert.
const MAX_ENTITIES: usize = 50;

/// What an alert needs to know of the rule that raised it (from a Sigma rule's or a
/// correlation rule's metadata).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleInfo {
    /// The rule's `id` (its title when the rule has none).
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// Sigma `level`.
    pub level: Option<String>,
    pub status: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    pub references: Vec<String>,
    pub falsepositives: Vec<String>,
    /// The rule's own remediation steps (a `remediation:` key in the rule), if any.
    pub remediation: Vec<String>,
    /// Where the rule came from (file name).
    pub origin: String,
    /// `sigma` for a detection rule, or the correlation type (`event_count`, ...).
    pub kind: String,
}

impl RuleInfo {
    /// Defender's `alertType` for this rule.
    pub fn alert_type(&self) -> String {
        format!("Rampart_Sigma_{}", self.id)
    }
}

/// One match of a rule on an event.
#[derive(Debug, Clone)]
pub struct Detection<'a> {
    pub rule: &'a Arc<RuleInfo>,
    /// The event's time (for a correlation hit: the last event's).
    pub time: DateTime<Utc>,
    /// For a correlation hit: the first event's time in the window; `None` for one event.
    pub first_time: Option<DateTime<Utc>>,
    /// Events this match stands for: 1, or the correlation's count.
    pub count: u64,
    /// Catalog source name (`aws_cloudtrail`, ...).
    pub log_source: &'a str,
    /// `file:line` (or `file#record`).
    pub location: String,
    /// The event as read.
    pub raw: &'a str,
    pub entities: ExtractedEntities,
}

/// Grouping settings.
#[derive(Debug, Clone)]
pub struct GroupConfig {
    /// Matches of one rule on one entity key within this span make one alert.
    pub window: Duration,
    /// Evidence events kept per alert.
    pub max_evidence: usize,
    /// Open groups at most (memory bound).
    pub max_open: usize,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig {
            window: Duration::hours(1),
            max_evidence: 5,
            max_open: 100_000,
        }
    }
}

#[derive(Debug)]
struct Group {
    rule: Arc<RuleInfo>,
    log_source: String,
    key: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    count: u64,
    entities: Vec<Entity>,
    compromised: Option<String>,
    scope: Option<String>,
    evidence: Vec<Evidence>,
}

/// Groups detections into alerts (see the module docs).
pub struct AlertBuilder {
    config: GroupConfig,
    remediation: Remediation,
    groups: HashMap<String, Group>,
    /// `(end, key)` of every open group: closing and eviction find their groups in
    /// O(log n) instead of scanning all open groups per detection.
    by_end: BTreeSet<(DateTime<Utc>, String)>,
    stream_time: Option<DateTime<Utc>>,
    clock: Box<dyn Fn() -> DateTime<Utc> + Send>,
    product_name: String,
}

impl std::fmt::Debug for AlertBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertBuilder")
            .field("config", &self.config)
            .field("open_groups", &self.groups.len())
            .field("stream_time", &self.stream_time)
            .finish()
    }
}

impl AlertBuilder {
    pub fn new(config: GroupConfig) -> Self {
        AlertBuilder {
            config,
            remediation: Remediation::builtin(),
            groups: HashMap::new(),
            by_end: BTreeSet::new(),
            stream_time: None,
            clock: Box::new(Utc::now),
            product_name: "Rampart Threat Detection".into(),
        }
    }

    /// Replaces the clock that stamps `time_generated` (tests pin it).
    pub fn with_clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Groups currently open.
    pub fn open_groups(&self) -> usize {
        self.groups.len()
    }

    /// Adds a detection; alerts whose groups close are pushed to `out`.
    pub fn push(&mut self, d: Detection<'_>, out: &mut Vec<Alert>) {
        let start = d.first_time.unwrap_or(d.time).min(d.time);
        let key = format!("{}|{}", d.rule.id, d.entities.group_key());
        let window = self.config.window;
        let fits = self
            .groups
            .get(&key)
            .map(|g| g.end.max(d.time) - g.start.min(start) <= window);
        if fits == Some(false) {
            if let Some(g) = self.remove_group(&key) {
                out.push(self.finish(g));
            }
        }
        if fits != Some(true) && self.groups.len() >= self.config.max_open {
            self.evict_oldest(out);
        }
        let max_evidence = self.config.max_evidence;
        let g = self.groups.entry(key.clone()).or_insert_with(|| Group {
            rule: Arc::clone(d.rule),
            log_source: d.log_source.to_string(),
            key,
            start,
            end: d.time,
            count: 0,
            entities: Vec::new(),
            compromised: None,
            scope: None,
            evidence: Vec::new(),
        });
        g.start = g.start.min(start);
        let old_end = g.end;
        g.end = g.end.max(d.time);
        if g.count == 0 {
            self.by_end.insert((g.end, g.key.clone()));
        } else if g.end != old_end {
            self.by_end.remove(&(old_end, g.key.clone()));
            self.by_end.insert((g.end, g.key.clone()));
        }
        g.count = g.count.saturating_add(d.count.max(1));
        for e in d.entities.to_entities() {
            if g.entities.len() < MAX_ENTITIES && !g.entities.contains(&e) {
                g.entities.push(e);
            }
        }
        if g.compromised.is_none() {
            g.compromised = d.entities.compromised_entity();
        }
        if g.scope.is_none() {
            g.scope = d.entities.scope.clone();
        }
        if g.evidence.len() < max_evidence {
            g.evidence.push(Evidence {
                source: d.location,
                time: Some(d.time),
                event: d.raw.to_string(),
            });
        }
        self.advance(d.time, out);
    }

    /// The next detections come from another input whose times may be earlier than the
    /// stream time: restart it from them (open groups stay open).
    pub fn new_input(&mut self) {
        self.stream_time = None;
    }

    /// Moves the stream time to `now` (if later) and emits the groups it has passed.
    pub fn advance(&mut self, now: DateTime<Utc>, out: &mut Vec<Alert>) {
        let now = match self.stream_time {
            Some(t) if t >= now => t,
            _ => {
                self.stream_time = Some(now);
                now
            }
        };
        let limit = now - self.config.window - self.config.window;
        let closed: Vec<String> = self
            .by_end
            .range(..(limit, String::new()))
            .map(|(_, k)| k.clone())
            .collect();
        if !closed.is_empty() {
            self.emit(closed, out);
        }
    }

    /// Emits every open group (end of input).
    pub fn flush(&mut self, out: &mut Vec<Alert>) {
        let all: Vec<String> = self.groups.keys().cloned().collect();
        self.emit(all, out);
    }

    fn emit(&mut self, keys: Vec<String>, out: &mut Vec<Alert>) {
        let mut groups: Vec<Group> = keys
            .into_iter()
            .filter_map(|k| self.remove_group(&k))
            .collect();
        // Deterministic output order whatever the hash map's: by start, then key.
        groups.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.key.cmp(&b.key)));
        for g in groups {
            out.push(self.finish(g));
        }
    }

    fn evict_oldest(&mut self, out: &mut Vec<Alert>) {
        let oldest = self.by_end.first().map(|(_, k)| k.clone());
        if let Some(k) = oldest {
            tracing::debug!(key = %k, "too many open alert groups: emitting the oldest early");
            self.emit(vec![k], out);
        }
    }

    fn remove_group(&mut self, key: &str) -> Option<Group> {
        let g = self.groups.remove(key)?;
        self.by_end.remove(&(g.end, g.key.clone()));
        Some(g)
    }

    fn finish(&self, g: Group) -> Alert {
        build_alert(g, &self.remediation, (self.clock)(), &self.product_name)
    }
}

fn build_alert(g: Group, remediation: &Remediation, now: DateTime<Utc>, product: &str) -> Alert {
    let rule = &g.rule;
    let mut tactics = Vec::new();
    let mut techniques = Vec::new();
    let mut sub_techniques = Vec::new();
    for tag in &rule.tags {
        if let Some(t) = Intent::from_sigma_tag(tag) {
            if !tactics.contains(&t) {
                tactics.push(t);
            }
        } else if let Some(t) = Intent::technique_from_sigma_tag(tag) {
            let list = if t.contains('.') {
                &mut sub_techniques
            } else {
                &mut techniques
            };
            if !list.contains(&t) {
                list.push(t);
            }
        }
    }
    // A sub-technique implies its parent technique (Defender lists both).
    for s in &sub_techniques {
        if let Some((parent, _)) = s.split_once('.') {
            if !techniques.iter().any(|t| t == parent) {
                techniques.push(parent.to_string());
            }
        }
    }
    if tactics.is_empty() {
        tactics.push(Intent::Unknown);
    }
    let remediation_steps = if rule.remediation.is_empty() {
        remediation.for_tactics(&tactics)
    } else {
        rule.remediation.clone()
    };
    let alert_type = rule.alert_type();
    let correlation_key = g.key.clone();
    let system_alert_id = stable_id(&alert_type, &correlation_key, g.start);
    let mut ext = BTreeMap::new();
    ext.insert("rule_origin".to_string(), rule.origin.clone());
    ext.insert("rule_kind".to_string(), rule.kind.clone());
    if let Some(a) = &rule.author {
        ext.insert("author".to_string(), a.clone());
    }
    if let Some(s) = &rule.status {
        ext.insert("sigma_status".to_string(), s.clone());
    }
    if let Some(l) = &rule.level {
        ext.insert("sigma_level".to_string(), l.clone());
    }
    if !rule.references.is_empty() {
        ext.insert("references".to_string(), rule.references.join(" "));
    }
    if !rule.falsepositives.is_empty() {
        ext.insert("falsepositives".to_string(), rule.falsepositives.join("; "));
    }
    Alert {
        alert_type,
        system_alert_id,
        rule_id: rule.id.clone(),
        display_name: rule.title.clone(),
        description: rule
            .description
            .clone()
            .unwrap_or_else(|| rule.title.clone()),
        severity: AlertSeverity::from_sigma_level(rule.level.as_deref()),
        tactics,
        techniques,
        sub_techniques,
        start_time: g.start,
        end_time: g.end,
        time_generated: now,
        count: g.count,
        entities: g.entities,
        compromised_entity: g.compromised,
        remediation_steps,
        status: AlertStatus::Active,
        status_reason: None,
        evidence: g.evidence,
        correlation_key,
        scope: g.scope,
        log_source: g.log_source,
        product_name: product.to_string(),
        vendor_name: "Rampart".to_string(),
        extended_properties: ext,
    }
}

/// A stable 128-bit hex id (two FNV-1a 64 passes with different offsets), the same on
/// every platform and run.
fn stable_id(alert_type: &str, key: &str, start: DateTime<Utc>) -> String {
    let text = format!("{alert_type}\u{1f}{key}\u{1f}{}", start.timestamp_millis());
    let fnv = |seed: u64| {
        text.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}
