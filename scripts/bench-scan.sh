#!/usr/bin/env bash
# Reproduces BENCHMARKS.md's end-to-end figure: N synthetic Azure resources (default 1,000,000), scanned with
# the full rule pack into a JSON report, next to bare serde_json parsing of the same file. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rampart-target}"
WORK="${BENCH_DIR:-$(mktemp -d)}"
cargo build --release -q -p rampart_cli -p rampart_bench --bins
BIN="$CARGO_TARGET_DIR/release"
FILE="$WORK/estate-$N.json"
[ -s "$FILE" ] || "$BIN/rampart-bench-gen" "$N" "$FILE"
echo "input: $FILE ($(du -h "$FILE" | cut -f1), $N resources)"
# A report left by an earlier run is removed (and the removal flushed) before anything is timed: truncating a
# 2.9 GB file as the scan opens it, or the file system discarding its blocks during the scan, added seconds of
# system time to the JSON run.
rm -f "$WORK"/report.*
sync
"$BIN/rampart-bench-floor" "$FILE"
# Each scan also prints its phases (read = parse + evaluate, finish, report, render + write) from its debug log.
for format in json table; do
  RAMPART_LOG=rampart_scan=debug,rampart=debug /usr/bin/time \
    -f "rampart scan --format $format: %e s wall, %U s user, %S s sys, peak RSS %M KB" \
    "$BIN/rampart" scan "$FILE" --format "$format" --no-progress -o "$WORK/report.$format" 2>&1 |
    sed -n -e 's/.*scan phases /  phases: /p' -e 's/.*report written /  /p' -e '/^rampart scan/p'
done
python3 - "$N" <<'PY'
import sys
print(f"(rate = {sys.argv[1]} / wall seconds)")
PY
