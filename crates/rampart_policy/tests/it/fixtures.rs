//! Per-definition fixtures (placeholder).
