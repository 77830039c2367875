//! Placeholder, filled in with the demo estate tests.
