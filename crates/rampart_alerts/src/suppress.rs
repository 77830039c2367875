//! Suppression rules (Defender's `alertsSuppressionRules`, docs/alerts.md): a YAML file of
//! rules that dismiss matching alerts automatically, with a state, a reason, an optional
//! expiry, and a simulation over past alerts.
//!
//! A rule matches an alert when its `alert_type` (or `*`) and/or `rule_id` match and every
//! entity condition given matches one of the alert's entities (glob patterns,
//! case-insensitive; `ip` also takes CIDR blocks). Applying dismisses the alert with the
//! first enabled, unexpired matching rule, in file order. Simulation ignores state and
//! expiry (it answers "what would this rule have dismissed", before enabling it).

use std::net::IpAddr;

use chrono::{DateTime, NaiveDate, Utc};
use globset::{GlobBuilder, GlobMatcher};
use serde::{Deserialize, Serialize};

use crate::error::AlertError;
use crate::model::{Alert, AlertStatus, Entity};

/// Rule state, as Defender has it (`Expired` is accepted and never applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RuleState {
    #[default]
    Enabled,
    Disabled,
    Expired,
}

/// Why alerts are dismissed. Defender's API takes a free string and its portal offers a
/// short list; Rampart keeps a fixed list so reports can count by reason, with `Other`
/// requiring a `comment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    /// The detection is wrong for this entity.
    FalsePositive,
    /// The detection is right but the activity is expected and harmless (a scanner, an admin task).
    BenignPositive,
    /// Known, approved activity such as a penetration test or a red-team exercise.
    ApprovedTest,
    /// The same activity is already covered by another alert.
    Duplicate,
    /// Anything else; `comment` says what.
    Other,
}

/// One value or a list, in YAML.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntities {
    account: Option<OneOrMany>,
    ip: Option<OneOrMany>,
    host: Option<OneOrMany>,
    resource: Option<OneOrMany>,
    scope: Option<OneOrMany>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawTime {
    Text(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    #[serde(default)]
    state: RuleState,
    alert_type: Option<String>,
    rule_id: Option<String>,
    #[serde(default)]
    entities: RawEntities,
    reason: Reason,
    comment: Option<String>,
    expiry: Option<RawTime>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rules: Vec<RawRule>,
}

/// A pattern on an entity value.
#[derive(Debug, Clone)]
enum Pattern {
    Glob(GlobMatcher),
    Cidr(IpAddr, u8),
}

impl Pattern {
    fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::Glob(g) => g.is_match(value),
            Pattern::Cidr(net, bits) => value
                .parse::<IpAddr>()
                .is_ok_and(|ip| in_cidr(ip, *net, *bits)),
        }
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (a, b, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let bits = u32::from(bits).min(width);
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (a >> shift) == (b >> shift)
}

/// A validated suppression rule.
#[derive(Debug, Clone)]
pub struct SuppressionRule {
    pub name: String,
    pub state: RuleState,
    /// Defender alert type, or `*` for all.
    pub alert_type: Option<String>,
    /// Sigma rule id.
    pub rule_id: Option<String>,
    pub reason: Reason,
    pub comment: Option<String>,
    /// The rule stops applying at this instant; `None` = never expires.
    pub expiry: Option<DateTime<Utc>>,
    account: Vec<Pattern>,
    ip: Vec<Pattern>,
    host: Vec<Pattern>,
    resource: Vec<Pattern>,
    scope: Vec<Pattern>,
}

impl SuppressionRule {
    /// Whether the rule's conditions match `alert` (state and expiry aside).
    pub fn matches(&self, alert: &Alert) -> bool {
        let type_ok = match (&self.alert_type, &self.rule_id) {
            (Some(t), _) if t != "*" && !t.eq_ignore_ascii_case(&alert.alert_type) => false,
            (_, Some(id)) if !id.eq_ignore_ascii_case(&alert.rule_id) => false,
            _ => true,
        };
        if !type_ok {
            return false;
        }
        let any = |patterns: &[Pattern], values: &mut dyn Iterator<Item = &str>| {
            let values: Vec<&str> = values.collect();
            patterns.is_empty() || values.iter().any(|v| patterns.iter().any(|p| p.matches(v)))
        };
        let ents = &alert.entities;
        any(
            &self.account,
            &mut ents.iter().filter_map(|e| match e {
                Entity::Account { name, .. } => Some(name.as_str()),
                _ => None,
            }),
        ) && any(
            &self.ip,
            &mut ents.iter().filter_map(|e| match e {
                Entity::Ip { address } => Some(address.as_str()),
                _ => None,
            }),
        ) && any(
            &self.host,
            &mut ents.iter().filter_map(|e| match e {
                Entity::Host { hostname } => Some(hostname.as_str()),
                _ => None,
            }),
        ) && any(
            &self.resource,
            &mut ents.iter().filter_map(|e| match e {
                Entity::Resource { id, .. } => Some(id.as_str()),
                _ => None,
            }),
        ) && any(&self.scope, &mut alert.scope.as_deref().into_iter())
    }

    /// Whether the rule is in force at `now` (enabled and not expired).
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        self.state == RuleState::Enabled && self.expiry.is_none_or(|e| now < e)
    }

    /// The `status_reason` of an alert this rule dismisses.
    pub fn status_reason(&self) -> String {
        let reason = serde_json::to_value(self.reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        match &self.comment {
            Some(c) => format!("suppressed by rule `{}`: {reason} ({c})", self.name),
            None => format!("suppressed by rule `{}`: {reason}", self.name),
        }
    }
}

/// A set of suppression rules, in file order.
#[derive(Debug, Clone, Default)]
pub struct SuppressionRules {
    pub rules: Vec<SuppressionRule>,
}

/// How many past alerts one rule would have dismissed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimulationRow {
    pub name: String,
    pub state: RuleState,
    /// Whether the rule is in force now (enabled and unexpired).
    pub active: bool,
    /// Past alerts the rule's conditions match.
    pub would_dismiss: u64,
}

impl SuppressionRules {
    /// Parses a suppression-rule YAML file; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Self, AlertError> {
        let de = serde_yaml::Deserializer::from_str(text);
        let raw: RawFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            let inner = e.into_inner();
            AlertError::Suppression {
                origin: origin.to_string(),
                line: inner.location().map(|l| l.line()),
                message: clean_message(&inner.to_string(), &field),
                field: if field == "." {
                    "(document)".into()
                } else {
                    field
                },
            }
        })?;
        let mut rules = Vec::with_capacity(raw.rules.len());
        for (i, r) in raw.rules.into_iter().enumerate() {
            let line = line_of_name(text, &r.name);
            let err = |field: &str, message: String| AlertError::Suppression {
                origin: origin.to_string(),
                line,
                field: format!("rules[{i}].{field}"),
                message,
            };
            validate_name(&r.name).map_err(|m| err("name", m))?;
            if r.names_no_target() {
                return Err(err(
                    "alert_type",
                    "give `alert_type` (or `*` for every type) or `rule_id`".into(),
                ));
            }
            if r.reason == Reason::Other && r.comment.as_deref().is_none_or(|c| c.trim().is_empty())
            {
                return Err(err("comment", "reason `Other` needs a comment".into()));
            }
            let expiry = match r.expiry {
                None => None,
                Some(RawTime::Text(t)) => Some(parse_expiry(&t).map_err(|m| err("expiry", m))?),
            };
            let pats = |field: &str, v: Option<OneOrMany>, cidr: bool| {
                v.map(OneOrMany::into_vec)
                    .unwrap_or_default()
                    .iter()
                    .map(|p| {
                        compile_pattern(p, cidr).map_err(|m| err(&format!("entities.{field}"), m))
                    })
                    .collect::<Result<Vec<_>, _>>()
            };
            let e = r.entities;
            rules.push(SuppressionRule {
                account: pats("account", e.account, false)?,
                ip: pats("ip", e.ip, true)?,
                host: pats("host", e.host, false)?,
                resource: pats("resource", e.resource, false)?,
                scope: pats("scope", e.scope, false)?,
                name: r.name,
                state: r.state,
                alert_type: r.alert_type,
                rule_id: r.rule_id,
                reason: r.reason,
                comment: r.comment,
                expiry,
            });
        }
        let mut seen = std::collections::HashSet::new();
        for (i, r) in rules.iter().enumerate() {
            if !seen.insert(r.name.to_ascii_lowercase()) {
                return Err(AlertError::Suppression {
                    origin: origin.to_string(),
                    line: line_of_name(text, &r.name),
                    field: format!("rules[{i}].name"),
                    message: format!("duplicate rule name `{}`", r.name),
                });
            }
        }
        Ok(SuppressionRules { rules })
    }

    /// The rule that dismisses `alert` at `now`, if any (first in file order).
    pub fn matching(&self, alert: &Alert, now: DateTime<Utc>) -> Option<&SuppressionRule> {
        self.rules
            .iter()
            .find(|r| r.active_at(now) && r.matches(alert))
    }

    /// Dismisses `alert` when a rule in force at `now` matches it; returns whether it did.
    pub fn apply(&self, alert: &mut Alert, now: DateTime<Utc>) -> bool {
        match self.matching(alert, now) {
            Some(rule) => {
                alert.status = AlertStatus::Dismissed;
                alert.status_reason = Some(rule.status_reason());
                true
            }
            None => false,
        }
    }

    /// For each rule, how many of `alerts` its conditions match (state and expiry aside;
    /// `active` says whether it is in force at `now`).
    pub fn simulate<'a>(
        &self,
        alerts: impl IntoIterator<Item = &'a Alert>,
        now: DateTime<Utc>,
    ) -> Vec<SimulationRow> {
        let mut rows: Vec<SimulationRow> = self
            .rules
            .iter()
            .map(|r| SimulationRow {
                name: r.name.clone(),
                state: r.state,
                active: r.active_at(now),
                would_dismiss: 0,
            })
            .collect();
        for a in alerts {
            for (row, rule) in rows.iter_mut().zip(&self.rules) {
                if rule.matches(a) {
                    row.would_dismiss += 1;
                }
            }
        }
        rows
    }
}

impl RawRule {
    fn names_no_target(&self) -> bool {
        self.alert_type
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
            && self.rule_id.as_deref().is_none_or(|t| t.trim().is_empty())
    }
}

/// Parses one line of an alerts JSON Lines file (`rampart detect --format jsonl`).
pub fn parse_alert_line(line: &str, origin: &str, line_no: usize) -> Result<Alert, AlertError> {
    serde_json::from_str(line).map_err(|e| AlertError::AlertLine {
        origin: origin.to_string(),
        line: line_no,
        message: e.to_string(),
    })
}

/// Defender's rule-name rule: 2–50 characters, starting with a letter or digit, only
/// letters, digits, `-` and `_`.
fn validate_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if !(2..=50).contains(&n) {
        return Err(format!("`{name}` must be 2 to 50 characters long (is {n})"));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!("`{name}` must start with a letter or a digit"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "`{name}` may contain only letters, digits, `-` and `_` (found `{c}`)"
        ));
    }
    Ok(())
}

fn parse_expiry(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        // A date expires at the start of that day, UTC.
        if let Some(dt) = d.and_hms_opt(0, 0, 0) {
            return Ok(dt.and_utc());
        }
    }
    Err(format!(
        "`{t}` is not a date (YYYY-MM-DD) or an RFC 3339 time (2027-01-31T00:00:00Z)"
    ))
}

fn compile_pattern(p: &str, cidr: bool) -> Result<Pattern, String> {
    if cidr {
        if let Some((net, bits)) = p.split_once('/') {
            let net: IpAddr = net
                .trim()
                .parse()
                .map_err(|_| format!("`{p}`: `{net}` is not an IP address"))?;
            let bits: u8 = bits
                .trim()
                .parse()
                .map_err(|_| format!("`{p}`: `{bits}` is not a prefix length"))?;
            let max = if net.is_ipv4() { 32 } else { 128 };
            if bits > max {
                return Err(format!("`{p}`: prefix length above {max}"));
            }
            return Ok(Pattern::Cidr(net, bits));
        }
    }
    if p.trim().is_empty() {
        return Err("empty pattern".into());
    }
    GlobBuilder::new(p)
        .case_insensitive(true)
        .literal_separator(false)
        .build()
        .map(|g| Pattern::Glob(g.compile_matcher()))
        .map_err(|e| format!("`{p}` is not a valid glob: {e}"))
}

/// The 1-based line holding `name: <name>`, for errors found after parsing.
fn line_of_name(text: &str, name: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches('-').trim_start();
            t.strip_prefix("name:")
                .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\''))
                == Some(name)
        })
        .map(|i| i + 1)
}

/// serde_yaml appends " at line L column C" and prefixes the path (both reported
/// separately); the top-level struct's name means nothing to a user.
fn clean_message(msg: &str, field: &str) -> String {
    let mut m = match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    };
    if let Some((head, rest)) = m.split_once(": ") {
        if !head.is_empty() && field.starts_with(head) {
            m = rest;
        }
    }
    m.replace("struct RawFile", "a mapping with a `rules:` list")
}
