//! Secrets (HEC token, HMAC key, SMTP password): a string that never shows in `Debug`
//! output, logs or error messages. Only the sink that uses it reads it, via [`Secret::expose`].

use serde::Deserialize;

/// A secret value. `Debug` prints `Secret(***)`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}
