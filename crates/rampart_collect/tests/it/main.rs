//! rampart_collect against moto's standalone server (`moto_server`, PyPI `moto[server]`, from the
//! venv .ci/run fills): ECR seeded through the SDK, then discovered and asked for pull credentials.

mod ecr;
mod fake;
mod moto;
