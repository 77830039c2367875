#!/usr/bin/env bash
# Compares two or more `rampart` binaries on one estate by alternating runs (A B, then B A, ...), the only wall-clock
# comparison that holds on a shared host whose speed drifts by tens of percent within an hour (BENCHMARKS.md,
# sessions 4-7). Each run writes a fresh report (removed and synced first: truncating a 3 GB file during a run
# adds seconds of system time) and prints wall, user and system time, peak RSS and the scan's phases.
#
#   scripts/bench-pairs.sh ESTATE ROUNDS BINARY... [-- SCAN-ARGS...]
#   scripts/bench-pairs.sh /tmp/b1m/estate-1000000.json 3 /tmp/rampart-before /tmp/rampart-after
#   scripts/bench-pairs.sh /tmp/b1m/estate-1000000.json 2 /tmp/a /tmp/b -- --format table
#
# SCAN-ARGS default to `--format json`. The estate comes from `rampart-bench-gen N FILE`. Instruction counts
# (callgrind) are the deterministic complement: see BENCHMARKS.md.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,11p' "$0" >&2
  exit 2
fi
ESTATE="$1"
ROUNDS="$2"
shift 2
BINS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  BINS+=("$1")
  shift
done
[ "${1:-}" = "--" ] && shift
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--format json)
OUT="$(mktemp -d)/report"
trap 'rm -rf "$(dirname "$OUT")"' EXIT
for round in $(seq "$ROUNDS"); do
  # Even rounds run the binaries in reverse order (A B, B A, ...): on a host whose speed drifts during a round, the
  # binary that always ran first or last would carry the drift (session 9 saw the first of three run 10-20% slower
  # in every round while the host sped up).
  ORDER=("${BINS[@]}")
  if [ $((round % 2)) -eq 0 ]; then
    ORDER=()
    for ((k = ${#BINS[@]} - 1; k >= 0; k--)); do ORDER+=("${BINS[$k]}"); done
  fi
  for bin in "${ORDER[@]}"; do
    rm -f "$OUT"
    sync
    line=$( { RAMPART_LOG=rampart_scan=debug,rampart=debug /usr/bin/time -f "TIME %e %U %S %M" \
      "$bin" scan "$ESTATE" --no-progress "${ARGS[@]}" -o "$OUT"; } 2>&1 )
    time=$(echo "$line" | sed -n 's/^TIME \([^ ]*\) \([^ ]*\) \([^ ]*\) \([^ ]*\)$/\1 s wall (\2 user, \3 sys), \4 KB/p')
    phases=$(echo "$line" | grep -o 'read_ms=[0-9]*\|finish_ms=[0-9]*\|report_ms=[0-9]*\|render_ms=[0-9]*' | tr '\n' ' ')
    echo "round $round  $bin: $time  $phases"
  done
done
