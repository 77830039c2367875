//! Generic remediation steps per MITRE tactic, for alerts whose rule gives none: the data
//! file `data/remediation.toml` (embedded).

use std::collections::BTreeMap;

use crate::error::AlertError;
use crate::model::Intent;

const BUILTIN: &str = include_str!("../data/remediation.toml");

/// Remediation steps per tactic.
#[derive(Debug, Clone)]
pub struct Remediation {
    steps: BTreeMap<Intent, Vec<String>>,
}

impl Remediation {
    /// The table bundled with the crate (tested to parse and to cover every tactic).
    pub fn builtin() -> Remediation {
        Remediation::from_toml(BUILTIN, "data/remediation.toml").unwrap_or(Remediation {
            steps: BTreeMap::new(),
        })
    }

    pub fn from_toml(text: &str, origin: &str) -> Result<Remediation, AlertError> {
        let steps = toml::from_str(text).map_err(|e: toml::de::Error| AlertError::Remediation {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        Ok(Remediation { steps })
    }

    /// The steps of each tactic in order, without duplicates; `Unknown`'s when none has any.
    pub fn for_tactics(&self, tactics: &[Intent]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in tactics {
            for s in self.steps.get(t).into_iter().flatten() {
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
        }
        if out.is_empty() {
            out = self
                .steps
                .get(&Intent::Unknown)
                .cloned()
                .unwrap_or_default();
        }
        out
    }

    /// Tactics the table has steps for.
    pub fn tactics(&self) -> impl Iterator<Item = Intent> + '_ {
        self.steps.keys().copied()
    }
}
