//! Placeholder, filled in with the JSON Schema tests.
