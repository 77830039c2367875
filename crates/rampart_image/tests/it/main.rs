//! Integration tests for rampart_image: the shared image fixtures, crafted docker-save and
//! OCI images around a real dpkg status file, hostile archives, root filesystem walks and a
//! registry pull against Debian's docker-registry.

mod build;
mod crafted;
mod fixtures;
mod hostile;
mod hostscan;
mod registry;
