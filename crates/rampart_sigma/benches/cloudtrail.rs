//! Placeholder until the CloudTrail throughput bench lands.
fn main() {}
