#!/usr/bin/env bash
# Reproduces BENCHMARKS.md's "Threat detection (Sigma)" section with one command:
#   1. generates CloudTrail JSON Lines (rampart-bench-ct-gen: real Stratus/Panther records, ~1% attacks);
#   2. in ONE process, one thread: serde_json Value parse of every line, rampart_sigma and rsigma-eval 0.23
#      with every SigmaHQ cloud rule loaded (rampart-bench-detect; events/s by thread CPU time and wall);
#   3. `rampart detect` (the CLI, bundled rules) on two input sizes under /usr/bin/time -v: peak RSS must
#      not grow with the input.
# Usage: scripts/bench-detect.sh [N]   (N events for step 2, default 1000000)
# Env: MEM_SIZES (default "1000000 4000000"), ROUNDS (step 2 rounds, default 1),
#      BENCH_DIR (generated files are kept and reused there; default ~/.cache/rampart-bench-data),
#      CARGO_TARGET_DIR (default ~/.cache/rampart-bench-target: a release build of its own, so the shared
#      debug target directory is not clobbered).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
MEM_SIZES="${MEM_SIZES:-1000000 4000000}"
ROUNDS="${ROUNDS:-1}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rampart-bench-target}"
WORK="${BENCH_DIR:-$HOME/.cache/rampart-bench-data}"
mkdir -p "$WORK"
[ -x /usr/bin/time ] || { echo "bench-detect: /usr/bin/time (GNU time) is needed: apt-get install time" >&2; exit 2; }

cargo build --release -q -p rampart_cli -p rampart_bench --bins
BIN="$CARGO_TARGET_DIR/release"

echo "== machine"
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GB; $(uname -sr)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"

gen() {
  local f="$WORK/cloudtrail-$1-seed42.jsonl"
  [ -s "$f" ] || "$BIN/rampart-bench-ct-gen" "$1" "$f" 42 0.01 >&2
  echo "$f"
}

echo "== throughput: one process, one thread, $N events"
FILE="$(gen "$N")"
"$BIN/rampart-bench-detect" "$FILE" --rounds "$ROUNDS"

echo "== memory: rampart detect (bundled SigmaHQ + built-in rules), alerts as JSON Lines"
for M in $MEM_SIZES; do
  F="$(gen "$M")"
  OUT="$WORK/alerts-$M.jsonl"
  set +e
  /usr/bin/time -o "$WORK/time-$M.txt" -f "%e %U %S %M" \
    "$BIN/rampart" detect --no-progress --format jsonl --output "$OUT" "$F"
  rc=$?
  set -e
  # Exit 1 means alerts were raised (the gate), which they are; anything else is a failure.
  [ "$rc" -le 1 ] || { echo "rampart detect failed with exit $rc" >&2; exit "$rc"; }
  read -r wall user sys rss < <(tail -1 "$WORK/time-$M.txt")
  awk -v m="$M" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v a="$(wc -l < "$OUT")" -v sz="$(du -h "$F" | cut -f1)" \
    'BEGIN { printf "rampart detect %d events (%s): wall %.2f s, user %.2f s, sys %.2f s, peak RSS %.1f MB, %d alerts; %.0f events/s per user+sys CPU second, %.0f wall\n", m, sz, w, u, s, r / 1024, a, m / (u + s), m / w }'
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
