//! Sigma correlation rules (`event_count`, `value_count`, `temporal`, `temporal_ordered`)
//! with `group-by`, field aliases and a sliding `timespan`, evaluated over the stream of
//! detection-rule matches.
//!
//! [`Engine`](crate::Engine) resolves and compiles correlations at build time; the
//! per-stream state lives in a [`CorrelationState`] the caller owns. Semantics chosen
//! where the specification leaves room (all documented in the refusals and here):
//! - windows slide per event (`(t - timespan, t]`), events are taken in arrival order;
//! - a correlation fires once when its threshold is reached, then its window for that
//!   group starts empty again (one hit per burst, not one per further event);
//! - only lower-bound thresholds (`gt`, `gte`) are evaluated: an upper bound (`lt`,
//!   `lte`, `eq`, `neq`) is decidable only when a window closes, so such rules are refused.
//! - state for a group is dropped once its newest event is older than the timespan
//!   relative to the newest event seen, so memory is bounded by the active groups;
//! - a correlation may reference another correlation (by id or name) of the same log
//!   source: each time the referenced one fires, the referencing one sees it as a match
//!   of the event that made it fire (group-by fields are read from that event). This
//!   chains `event_count` into `temporal_ordered` ("N failures, then a success").
//!
//! Rampart extension, `rampart.new_value` (a custom attribute of a `value_count`
//! correlation): instead of counting distinct values in a window, the correlation fires
//! when a group shows a value of `condition.field` it has not shown before. The values a
//! group shows within `learning` (a timespan, default `0s`) of its first event are its
//! baseline and never fire; a group's values are forgotten once it has been idle for
//! `timespan`. The threshold (`gte`) is ignored. Other Sigma engines read the same rule
//! as a plain `value_count` (several distinct values within the timespan), its closest
//! standard meaning. Example: a successful sign-in from a country the user has not
//! signed in from before (`rules/azure/signin_new_country.yml`).

use std::collections::{HashMap, VecDeque};

use rsigma_parser::{ConditionOperator, CorrelationCondition, CorrelationRule, CorrelationType};
use serde::Serialize;

use crate::error::Refusal;
use crate::event::{Event, FieldId};

/// A compiled correlation rule.
#[derive(Debug, Clone)]
pub struct Correlation {
    pub id: Option<String>,
    /// Where the rule was loaded from (file name), as [`RuleMeta::origin`](crate::RuleMeta::origin).
    pub origin: String,
    pub name: Option<String>,
    pub title: String,
    pub level: Option<String>,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    /// `event_count`, `value_count`, `temporal` or `temporal_ordered`.
    pub kind: String,
    /// Whether the referenced rules also raise their own matches (`generate: true`).
    pub generate: bool,
    pub timespan_secs: i64,
    /// Group-by names as the rule states them (aliases or field names).
    pub group_by: Vec<String>,
    /// The log source of the referenced rules.
    pub source: usize,
    /// The referenced rules, as positions in [`Engine::rules`](crate::Engine::rules); a
    /// position `p >= rules().len()` references the correlation
    /// `Engine::correlations()[p - rules().len()]` (a chained correlation).
    pub rules: Vec<u32>,
    /// Group-by field ids per referenced rule position (aliases resolved).
    pub(crate) group_fields: Vec<Vec<FieldId>>,
    /// `value_count`: the counted field per referenced rule position.
    pub(crate) value_field: Option<Vec<FieldId>>,
    /// `value_count` / new-value: the counted field as the rule names it.
    pub(crate) value_name: Option<String>,
    pub(crate) min: u64,
    kind_enum: Kind,
    /// `rampart.new_value`: seconds after a group's first event during which its values
    /// form the baseline.
    pub(crate) learning_secs: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    NewValue,
}

/// The custom attribute that turns a `value_count` correlation into a new-value one.
pub const NEW_VALUE_ATTRIBUTE: &str = "rampart.new_value";

/// Seconds of a Sigma timespan text (`30s`, `5m`, `1h`, `7d`, `1w`).
fn timespan_secs(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let n: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let mul = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mul).filter(|v| *v >= 0)
}

/// The `learning` seconds of a `rampart.new_value` attribute (`true`, or a map with an
/// optional `learning` timespan).
fn new_value_learning(v: &serde_json::Value) -> Result<i64, Refusal> {
    let bad = |why: &str| Refusal::Correlation {
        kind: format!("`{NEW_VALUE_ATTRIBUTE}`: {why}"),
    };
    match v {
        serde_json::Value::Bool(true) => Ok(0),
        serde_json::Value::Object(m) => {
            if let Some(k) = m.keys().find(|k| *k != "learning") {
                return Err(bad(&format!("unknown key `{k}` (only `learning`)")));
            }
            match m.get("learning") {
                None => Ok(0),
                Some(serde_json::Value::String(t)) => {
                    timespan_secs(t).ok_or_else(|| bad("`learning` is not a timespan like 7d"))
                }
                Some(_) => Err(bad("`learning` is not a timespan like 7d")),
            }
        }
        _ => Err(bad("expected `true` or a map with `learning`")),
    }
}

/// A parsed correlation rule waiting for [`EngineBuilder::build`](crate::EngineBuilder::build).
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) rule: CorrelationRule,
    pub(crate) origin: String,
}

/// The minimum count a set of lower-bound predicates needs; refuses upper bounds.
fn threshold(preds: &[(ConditionOperator, u64)]) -> Result<u64, Refusal> {
    let mut min = 1;
    for (op, v) in preds {
        match op {
            ConditionOperator::Gte => min = min.max(*v),
            ConditionOperator::Gt => min = min.max(v + 1),
            other => {
                return Err(Refusal::Correlation {
                    kind: format!(
                        "threshold `{}` is an upper bound, decidable only when a window closes; \
                         only gt/gte are supported",
                        format!("{other:?}").to_ascii_lowercase()
                    ),
                })
            }
        }
    }
    Ok(min)
}

/// Compiles `c` whose `rules` resolved to `rules` (engine rule positions, all of source
/// `source`); `field` interns a Sigma field name of that source.
pub(crate) fn compile(
    c: &CorrelationRule,
    origin: &str,
    source: usize,
    rules: Vec<u32>,
    rule_refs: &[String],
    mut field: impl FnMut(&str) -> FieldId,
) -> Result<Correlation, Refusal> {
    let refuse = |why: String| Refusal::Correlation { kind: why };
    let kind_enum = match c.correlation_type {
        CorrelationType::EventCount => Kind::EventCount,
        CorrelationType::ValueCount => Kind::ValueCount,
        CorrelationType::Temporal => Kind::Temporal,
        CorrelationType::TemporalOrdered => Kind::TemporalOrdered,
        other => {
            return Err(refuse(format!(
                "`{}` correlations are not supported",
                other.as_str()
            )))
        }
    };
    let mut kind_enum = kind_enum;
    let mut learning_secs = 0;
    if let Some(attr) = c.custom_attributes.get(NEW_VALUE_ATTRIBUTE) {
        if kind_enum != Kind::ValueCount {
            return Err(refuse(format!(
                "`{NEW_VALUE_ATTRIBUTE}` applies to `value_count` correlations only"
            )));
        }
        let v = serde_json::to_value(attr)
            .map_err(|e| refuse(format!("`{NEW_VALUE_ATTRIBUTE}`: {e}")))?;
        learning_secs = new_value_learning(&v)?;
        kind_enum = Kind::NewValue;
    }
    let (min, value_names) = match (&c.condition, kind_enum) {
        (
            CorrelationCondition::Threshold {
                predicates, field, ..
            },
            _,
        ) => (threshold(predicates)?, field.clone()),
        (CorrelationCondition::Extended(_), _) => {
            return Err(refuse(
                "extended (boolean) temporal conditions are not supported".into(),
            ))
        }
    };
    // Group-by names resolve per referenced rule through the aliases.
    let resolve = |name: &str, pos: usize| -> String {
        c.aliases
            .iter()
            .find(|a| a.alias == name)
            .and_then(|a| a.mapping.get(&rule_refs[pos]))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    };
    let group_fields = (0..rules.len())
        .map(|pos| c.group_by.iter().map(|g| field(&resolve(g, pos))).collect())
        .collect();
    let value_field = match kind_enum {
        Kind::ValueCount | Kind::NewValue => {
            let Some(name) = value_names.as_ref().and_then(|f| f.first()) else {
                return Err(refuse("`value_count` needs `condition.field`".into()));
            };
            Some(
                (0..rules.len())
                    .map(|pos| field(&resolve(name, pos)))
                    .collect(),
            )
        }
        _ => None,
    };
    let min = match kind_enum {
        // All referenced rules must be seen; the threshold counts distinct rules.
        Kind::Temporal | Kind::TemporalOrdered => min.max(rules.len() as u64),
        _ => min,
    };
    Ok(Correlation {
        id: c.id.clone(),
        origin: origin.to_string(),
        name: c.name.clone(),
        title: c.title.clone(),
        level: c.level.map(|l| l.as_str().to_string()),
        tags: c.tags.clone(),
        description: c.description.clone(),
        author: c.author.clone(),
        kind: if kind_enum == Kind::NewValue {
            "rampart_new_value".to_string()
        } else {
            c.correlation_type.as_str().to_string()
        },
        generate: c.generate,
        timespan_secs: i64::try_from(c.timespan.seconds).unwrap_or(i64::MAX),
        group_by: c.group_by.clone(),
        source,
        rules,
        group_fields,
        value_field,
        value_name: value_names.as_ref().and_then(|f| f.first()).cloned(),
        min,
        kind_enum,
        learning_secs,
    })
}

/// A correlation that fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrelationHit {
    /// Position in [`Engine::correlations`](crate::Engine::correlations).
    pub correlation: u32,
    /// `(group-by name, value)` of the group that fired.
    pub group: Vec<(String, String)>,
    /// Events (event_count), distinct values (value_count) or rules seen (temporal).
    pub count: u64,
    /// Event time (Unix seconds) of the first and last event in the window (for a
    /// new-value correlation, both are the time of the event with the new value).
    pub first_time: i64,
    pub last_time: i64,
}

#[derive(Debug)]
enum Window {
    Times(VecDeque<i64>),
    Values(HashMap<String, i64>),
    /// Last time each referenced rule position was seen.
    Seen(Vec<Option<i64>>),
    /// Next expected position and the times seen so far, in order.
    Ordered(Vec<i64>),
    /// `rampart.new_value`: the group's first and last event times and values seen.
    Known {
        first: i64,
        last: i64,
        values: std::collections::HashSet<String>,
    },
}

impl Window {
    fn newest(&self) -> i64 {
        match self {
            Window::Times(t) => t.back().copied().unwrap_or(i64::MIN),
            Window::Values(v) => v.values().copied().max().unwrap_or(i64::MIN),
            Window::Seen(s) => s.iter().flatten().copied().max().unwrap_or(i64::MIN),
            Window::Ordered(t) => t.last().copied().unwrap_or(i64::MIN),
            Window::Known { last, .. } => *last,
        }
    }
}

/// Per-stream correlation state.
#[derive(Debug, Default)]
pub struct CorrelationState {
    windows: HashMap<(u32, String), Window>,
    newest: i64,
    observed: u64,
}

/// Observations between sweeps of expired groups.
const SWEEP_EVERY: u64 = 4096;

impl CorrelationState {
    pub fn new() -> Self {
        Self::default()
    }

    /// Groups currently holding state.
    pub fn active_groups(&self) -> usize {
        self.windows.len()
    }

    /// Feeds one event (at Unix time `time`) that matched `matched` rules; pushes the
    /// correlations that fire into `out`.
    pub(crate) fn observe<E: Event + ?Sized>(
        &mut self,
        correlations: &[Correlation],
        refs: &[Vec<(u32, u16)>],
        ev: &E,
        time: i64,
        matched: &[u32],
        out: &mut Vec<CorrelationHit>,
    ) {
        self.newest = self.newest.max(time);
        // Detection matches, then correlations that fired (as `rules + index`), which
        // chained correlations reference.
        let n_rules = refs.len().saturating_sub(correlations.len());
        let mut work: Vec<u32> = matched.to_vec();
        let mut next = 0;
        while let Some(&r) = work.get(next) {
            next += 1;
            let Some(list) = refs.get(r as usize) else {
                continue;
            };
            for &(ci, pos) in list {
                let c = &correlations[ci as usize];
                let pos = pos as usize;
                let mut key = String::new();
                let mut group = Vec::with_capacity(c.group_by.len());
                for (name, f) in c.group_by.iter().zip(&c.group_fields[pos]) {
                    let v = ev
                        .values(*f)
                        .first()
                        .and_then(|v| v.as_text())
                        .unwrap_or("")
                        .to_string();
                    key.push_str(&v);
                    key.push('\u{1f}');
                    group.push((name.clone(), v));
                }
                let span = c.timespan_secs;
                let win = self
                    .windows
                    .entry((ci, key))
                    .or_insert_with(|| match c.kind_enum {
                        Kind::EventCount => Window::Times(VecDeque::new()),
                        Kind::ValueCount => Window::Values(HashMap::new()),
                        Kind::Temporal => Window::Seen(vec![None; c.rules.len()]),
                        Kind::TemporalOrdered => Window::Ordered(Vec::new()),
                        Kind::NewValue => Window::Known {
                            first: time,
                            last: time,
                            values: std::collections::HashSet::new(),
                        },
                    });
                let fired = match win {
                    Window::Times(times) => {
                        times.push_back(time);
                        while times
                            .front()
                            .is_some_and(|t| *t <= time.saturating_sub(span))
                        {
                            times.pop_front();
                        }
                        (times.len() as u64 >= c.min)
                            .then(|| (times.len() as u64, times.front().copied().unwrap_or(time)))
                    }
                    Window::Values(values) => {
                        let field = c.value_field.as_ref().map(|v| v[pos]);
                        if let Some(v) = field
                            .and_then(|f| ev.values(f).first())
                            .and_then(|v| v.as_text())
                        {
                            values.insert(v.to_string(), time);
                        }
                        values.retain(|_, t| *t > time.saturating_sub(span));
                        let first = values.values().copied().min().unwrap_or(time);
                        (values.len() as u64 >= c.min).then_some((values.len() as u64, first))
                    }
                    Window::Seen(seen) => {
                        seen[pos] = Some(time);
                        let live: Vec<i64> = seen
                            .iter()
                            .flatten()
                            .copied()
                            .filter(|t| *t > time.saturating_sub(span))
                            .collect();
                        (live.len() as u64 >= c.min).then(|| {
                            (
                                live.len() as u64,
                                live.iter().copied().min().unwrap_or(time),
                            )
                        })
                    }
                    Window::Ordered(times) => {
                        if times
                            .first()
                            .is_some_and(|t| *t <= time.saturating_sub(span))
                        {
                            times.clear();
                        }
                        if pos == times.len() {
                            times.push(time);
                        } else if pos == 0 {
                            // A new first step restarts the sequence.
                            times.clear();
                            times.push(time);
                        }
                        (times.len() as u64 >= c.min).then(|| (times.len() as u64, times[0]))
                    }
                    Window::Known {
                        first,
                        last,
                        values,
                    } => {
                        *last = (*last).max(time);
                        let field = c.value_field.as_ref().map(|v| v[pos]);
                        let Some(v) = field
                            .and_then(|f| ev.values(f).first())
                            .and_then(|v| v.as_text())
                            .filter(|v| !v.is_empty())
                        else {
                            continue;
                        };
                        if values.contains(v) {
                            continue;
                        }
                        values.insert(v.to_string());
                        if time < first.saturating_add(c.learning_secs) || values.len() == 1 {
                            continue;
                        }
                        let name = c.value_name.clone().unwrap_or_else(|| "value".to_string());
                        group.push((name, v.to_string()));
                        out.push(CorrelationHit {
                            correlation: ci,
                            group,
                            count: values.len() as u64,
                            first_time: time,
                            last_time: time,
                        });
                        work.push((n_rules + ci as usize) as u32);
                        continue;
                    }
                };
                if let Some((count, first_time)) = fired {
                    out.push(CorrelationHit {
                        correlation: ci,
                        group,
                        count,
                        first_time,
                        last_time: time,
                    });
                    self.windows.remove(&(ci, group_key(&out[out.len() - 1])));
                    work.push((n_rules + ci as usize) as u32);
                }
            }
        }
        self.observed += 1;
        if self.observed.is_multiple_of(SWEEP_EVERY) {
            let newest = self.newest;
            self.windows.retain(|(ci, _), w| {
                w.newest() > newest.saturating_sub(correlations[*ci as usize].timespan_secs)
            });
        }
    }
}

fn group_key(hit: &CorrelationHit) -> String {
    let mut key = String::new();
    for (_, v) in &hit.group {
        key.push_str(v);
        key.push('\u{1f}');
    }
    key
}

/// Parses an event time (RFC 3339, as CloudTrail's `eventTime`) to Unix seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp())
}
