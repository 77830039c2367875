#!/usr/bin/env bash
# Reproduces BENCHMARKS.md's image figures: Debian bookworm root filesystems built by mmdebstrap
# (minbase: ~96 packages; "big": minbase plus a toolchain set, ~450 packages), each wrapped as a
# one-layer `docker save` archive. Times (median of RUNS) `tar -xf` of the root filesystem into
# tmpfs beside rampart_image listing the packages from the docker-save archive (release build of
# the list_packages example), and checks that the package set equals dpkg-query's on the same
# status file. Needs root (mmdebstrap) and network access to a Debian mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rampart-target}"
WORK="${BENCH_DIR:-/tmp/rampart-bench-image}"
RUNS="${RUNS:-5}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
BIG_INCLUDE="build-essential,python3,python3-pip,python3-venv,git,curl,wget,vim,openjdk-17-jdk-headless,golang-go,nodejs,npm,postgresql,ruby,php-cli,gdb,cmake"
mkdir -p "$WORK"
command -v mmdebstrap >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap; }

cargo build --release -q -p rampart_image --example list_packages
LIST="$CARGO_TARGET_DIR/release/examples/list_packages"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

# docker save layout (legacy): <id>/layer.tar, <config>.json, manifest.json.
wrap() {
  local rootfs=$1 out=$2 d
  d=$(mktemp -d "$WORK/wrap.XXXXXX")
  local diff; diff=$(sha256sum "$rootfs" | cut -d' ' -f1)
  mkdir "$d/$diff"
  ln "$rootfs" "$d/$diff/layer.tar" 2>/dev/null || cp "$rootfs" "$d/$diff/layer.tar"
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff" > "$d/config.json"
  local cfg; cfg=$(sha256sum "$d/config.json" | cut -d' ' -f1)
  mv "$d/config.json" "$d/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["bench/bookworm:%s"],"Layers":["%s/layer.tar"]}]' "$cfg" "$(basename "$out" .tar)" "$diff" > "$d/manifest.json"
  tar -cf "$out" -C "$d" manifest.json "$cfg.json" "$diff"
  rm -rf "$d"
}

for variant in minbase big; do
  rootfs="$WORK/bookworm-$variant-rootfs.tar"
  image="$WORK/bookworm-$variant.tar"
  if [ ! -s "$rootfs" ]; then
    include=()
    [ "$variant" = big ] && include=(--include="$BIG_INCLUDE")
    mmdebstrap --variant=minbase "${include[@]}" bookworm "$rootfs" "$MIRROR"
  fi
  [ -s "$image" ] || wrap "$rootfs" "$image"
  files=$(tar -tf "$rootfs" | wc -l)
  echo "== bookworm $variant: rootfs $(du -h "$rootfs" | cut -f1), $files entries; image $(du -h "$image" | cut -f1)"

  # Same package set as dpkg-query on the image's own status file.
  admin=$(mktemp -d "$WORK/admin.XXXXXX")
  tar -xf "$rootfs" -C "$admin" ./var/lib/dpkg/status
  dpkg-query --admindir "$admin/var/lib/dpkg" -W -f '${Package}\t${Version}\n' | sort > "$WORK/expected.txt"
  "$LIST" "$image" | awk -F'\t' '$1 == "Debian" {print $2 "\t" $3}' | sort > "$WORK/got.txt"
  if cmp -s "$WORK/expected.txt" "$WORK/got.txt"; then
    echo "package set: $(wc -l < "$WORK/got.txt") packages, identical to dpkg-query -W"
  else
    echo "package set DIFFERS from dpkg-query -W:"; diff "$WORK/expected.txt" "$WORK/got.txt" | head; exit 1
  fi
  rm -rf "$admin"

  cat "$image" "$rootfs" > /dev/null # warm the page cache for both
  : > "$WORK/tar.times"; : > "$WORK/list.times"
  for _ in $(seq "$RUNS"); do
    out=$(mktemp -d /dev/shm/rampart-tar.XXXXXX)
    /usr/bin/time -a -o "$WORK/tar.times" -f "%e %U %S" tar -xf "$rootfs" -C "$out"
    rm -rf "$out"
    /usr/bin/time -a -o "$WORK/list.times" -f "%e %U %S" "$LIST" "$image" > /dev/null
  done
  # Wall time and CPU time (user + sys): on a shared machine CPU time is the steadier figure.
  for what in tar list; do
    wall=$(awk '{print $1}' "$WORK/$what.times" | median)
    cpu=$(awk '{print $2 + $3}' "$WORK/$what.times" | median)
    printf -v "${what}_wall" '%s' "$wall"; printf -v "${what}_cpu" '%s' "$cpu"
  done
  echo "tar -xf to tmpfs:        median wall $tar_wall s, cpu $tar_cpu s"
  echo "rampart_image listing:   median wall $list_wall s, cpu $list_cpu s"
  echo "ratio listing / tar -xf: wall $(echo "scale=3; $list_wall / $tar_wall" | bc), cpu $(echo "scale=3; $list_cpu / $tar_cpu" | bc)"
done

# The vulnerability database figures in the same run (issue 4: import ≥ 100,000 advisories in
# ≤ 30 s, match 5,000 packages in ≤ 200 ms), printed beside the big image's `tar -xf` above.
cargo build --release -q -p rampart_vulndb --example vulndb_figures
"$CARGO_TARGET_DIR/release/examples/vulndb_figures" "${VULNDB_RUNS:-3}" > "$WORK/vulndb.txt"
field() { awk -v k="$1" '$1 == k {print $2}' "$WORK/vulndb.txt"; }
echo "== vulnerability database (same run)"
echo "import of $(field advisories_imported) OSV advisories into a fresh database: median $(field import_s) s"
echo "match of $(field packages_matched) packages: median $(field match_ms) ms ($(field findings) findings, $(field not_assessed) not assessed)"
echo "for scale, tar -xf of the big image in this run: median wall $tar_wall s"
