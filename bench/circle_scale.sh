#!/usr/bin/env bash
# The 15-minute circle on a city-sized network: the Helsinki extract tiled 8×8 (370,560 street
# nodes), read, searched and tallied end to end. See docs/circle.md.
#
#   bench/circle_scale.sh [RUNS] [BASELINE]
#
# Needs `pip install osmium` to tile the extract (once; kept in target/bench). BASELINE is
# another build's circle_speed example (from an older checkout:
# `cargo build --release -p xingfu-geo --example circle_speed`), run in the same session
# so the two figures share the machine's load.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
baseline=${2:-}
tiled=target/bench/helsinki-x64.osm.pbf
if [ ! -f "$tiled" ]; then
  mkdir -p target/bench
  python3 bench/tile_extract.py crates/xingfu-geo/tests/data/helsinki.osm.pbf "$tiled" --side 8
fi
cargo build --release --locked -p xingfu-geo --example circle_speed
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure() {
  /usr/bin/env time -f "  peak memory %M KB" "$1" "$tiled" --runs "$runs" 2>&1
}
if [ -n "$baseline" ]; then
  echo "== baseline: $baseline"
  measure "$baseline"
fi
echo "== this checkout"
measure target/release/examples/circle_speed
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
