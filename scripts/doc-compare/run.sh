#!/usr/bin/env bash
# Builds and runs the document-type comparison on a synthetic estate (default: 200,000 resources).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rampart-target}/doc-compare"
FILE="${1:-}"
if [ -z "$FILE" ]; then
  FILE="$(mktemp -d)/estate-200000.json"
  (cd ../.. && cargo run --release -q -p rampart_bench --bin rampart-bench-gen -- 200000 "$FILE")
fi
cargo run --release -q -- "$FILE" "${ROUNDS:-3}"
