#!/usr/bin/env bash
# Builds the fuzz targets and runs each for a bounded time under a memory limit; fails on any
# crash, panic, abort, timeout or limit breach. Works on stable Rust: the coverage
# instrumentation cargo-fuzz would add is passed here directly (no sanitizer).
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# SECONDS is the whole budget, build included: what the build leaves is shared out between the
# targets (at least MIN_SECONDS each), run as many at a time as there are cores. One allocation
# over 256 MB stops a target (its allocator, fuzz/src/lib.rs); the other limits may be set:
#   FUZZ_RSS_LIMIT_MB   (1024) resident memory of one target process
#   FUZZ_TIMEOUT          (20) seconds for one input
# Crashing inputs are kept in fuzz/target/artifacts/TARGET/; replay one with
#   fuzz/target/<host>/release/TARGET fuzz/target/artifacts/TARGET/crash-…
set -euo pipefail
cd "$(dirname "$0")"
fuzz_dir=$(pwd)
repo=$(cd .. && pwd)

budget=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
all_targets=(standard_toml assessment round_csv round_xlsx clause_xlsx regions questionnaire
  grid_geojson facilities osm_pbf)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi
rss_limit=${FUZZ_RSS_LIMIT_MB:-1024}
timeout=${FUZZ_TIMEOUT:-20}
min_seconds=${MIN_SECONDS:-10}
started=$(date +%s)

host=$(rustc -vV | sed -n 's/^host: //p')
# As cargo-fuzz sets them, less the sanitizer (nightly only). `--target` keeps them off build
# scripts and proc macros.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cforce-frame-pointers=yes"
unset CARGO_ENCODED_RUSTFLAGS
echo "== fuzz: build"
# The workspace's lock file, so the importers are built with the dependencies they ship with;
# cargo adds libFuzzer's few crates to it.
cp "$repo/Cargo.lock" Cargo.lock
cargo build --release --target "$host" --bins
bin_dir="$fuzz_dir/target/$host/release"
built=$(date +%s)
build_seconds=$((built - started))

# Seeds: the repository's own files of each kind (copied at run time to keep the repository
# lean), plus the small hand-made ones under fuzz/corpus/TARGET.
seeds_of() {
  case "$1" in
    standard_toml) ls "$repo"/standards/*.toml ;;
    assessment) find "$repo/examples" -name '*.toml' -o -name '*.json' ;;
    round_csv) find "$repo/examples" -name '*.csv' ;;
    round_xlsx) find "$repo/examples" -name '*.xlsx' ;;
    regions) ls "$repo"/data/regions/*.csv ;;
    questionnaire) ls "$repo"/questionnaires/*.toml ;;
    osm_pbf) ls "$repo"/crates/xingfu-geo/tests/data/beijing-*.osm.pbf ;;
    *) ;;
  esac
}
work="$fuzz_dir/target/work"
mkdir -p "$work"
for target in "${targets[@]}"; do
  [ -x "$bin_dir/$target" ] || { echo "no fuzz target $target" >&2; exit 2; }
  seeds="$work/seeds/$target"
  rm -rf "$seeds"
  mkdir -p "$seeds" "$work/corpus/$target" "$fuzz_dir/target/artifacts/$target"
  while read -r file; do
    [ -n "$file" ] || continue
    # The large files only as their first lines: short inputs fuzz faster.
    case "$file" in
      *.csv) head -n 80 "$file" >"$seeds/$(basename "$file")" ;;
      *) cp "$file" "$seeds/" ;;
    esac
  done < <(seeds_of "$target")
  if [ -d "$fuzz_dir/corpus/$target" ]; then cp "$fuzz_dir/corpus/$target"/* "$seeds/"; fi
done

jobs=$(nproc)
rounds=$(((${#targets[@]} + jobs - 1) / jobs))
left=$((budget - build_seconds))
per_target=$((left / rounds))
[ "$per_target" -ge "$min_seconds" ] || per_target=$min_seconds
echo "== fuzz: build took ${build_seconds}s; ${#targets[@]} targets, $jobs at a time, ${per_target}s each"
echo "   limits: rss ${rss_limit} MB, one allocation 256 MB (fuzz/src/lib.rs), one input ${timeout}s"

run_one() {
  local target=$1
  "$bin_dir/$target" "$work/corpus/$target" "$work/seeds/$target" \
    -max_total_time="$per_target" -rss_limit_mb="$rss_limit" -timeout="$timeout" \
    -artifact_prefix="$fuzz_dir/target/artifacts/$target/" -print_final_stats=1 \
    >"$work/$target.log" 2>&1
}

declare -A status
pending=("${targets[@]}")
while [ ${#pending[@]} -gt 0 ]; do
  batch=("${pending[@]:0:$jobs}")
  pending=("${pending[@]:$jobs}")
  declare -A pids=()
  for target in "${batch[@]}"; do
    run_one "$target" &
    pids[$target]=$!
  done
  for target in "${batch[@]}"; do
    if wait "${pids[$target]}"; then status[$target]=0; else status[$target]=$?; fi
  done
  unset pids
done

failed=0
printf '%-14s %12s %8s %s\n' target executions corpus result
for target in "${targets[@]}"; do
  log="$work/$target.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  corpus=$(find "$work/corpus/$target" -type f | wc -l)
  if [ "${status[$target]}" -eq 0 ]; then
    result=ok
  else
    failed=$((failed + 1))
    artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
    result="FAILED (exit ${status[$target]}) ${artifact:-see $log}"
  fi
  printf '%-14s %12s %8s %s\n' "$target" "${runs:-?}" "$corpus" "$result"
done
for target in "${targets[@]}"; do
  if [ "${status[$target]}" -ne 0 ]; then
    echo "== $target"
    grep -v '^#\|^INFO\|^stat::' "$work/$target.log" | tail -n 40
  fi
done
echo "fuzz: $(( $(date +%s) - started ))s in all, $failed of ${#targets[@]} targets failed; load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$failed" -eq 0 ]
