#!/usr/bin/env bash
# 一张图 at a city's scale: 10,000 communities × 5 years of rounds (the 128-clause standard, one
# assessor sheet each), 1,000,000 随手拍 events and 1,000,000 survey answers spread over the
# years. Times the overview of the city, a district and a street, and the API, one request at a
# time, against a baseline measured in the same run (the stylesheet: the HTTP stack, no
# database, no template); medians of N.
# Usage: bench/overview_scale.sh [COMMUNITIES] [EVENTS] [ANSWERS] [N]
# PG=postgres://… also runs on PostgreSQL (a fresh database xingfu_overview_bench, dropped after).
# KEEP=1 keeps the SQLite database and the server log (their folder is printed) for profiling;
# SEEDED=<that folder> times again on it without loading anew (another build, the same data).
set -euo pipefail
cd "$(dirname "$0")/.."
communities=${1:-10000}
events=${2:-1000000}
answers=${3:-1000000}
n=${4:-21}
years=5
bin=target/release/xingfu
cargo build --release -q -p xingfu-cli
work=${SEEDED:-$(mktemp -d)}
if [ -n "${KEEP:-}" ] || [ -n "${SEEDED:-}" ]; then
  trap 'kill $(jobs -p) 2>/dev/null || true; echo "kept: $work" >&2' EXIT
else
  trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
fi

median() { # cookie base path
  for _ in $(seq 1 "$n"); do
    curl -sf -o /dev/null -H "Cookie: $1" -w '%{time_total}\n' "$2$3"
  done | sort -n | sed -n "$(((n + 1) / 2))p" | awk '{printf "%.1f", $1 * 1000}'
}

run() { # name url port
  local name=$1 url=$2 port=$3
  if [ -n "${SEEDED:-}" ] && [ -s "$work/$name.seed" ]; then
    echo "== $name: the data loaded before in $work" >&2
  else
    echo "== $name: seeding $communities communities × $years years, $events events, $answers survey answers" >&2
    local seed_start=$SECONDS
    "$bin" bench seed --database "$url" --communities "$communities" --years "$years" \
      --events "$events" --survey-answers "$answers" > "$work/$name.seed"
    echo "   seeded in $((SECONDS - seed_start)) s" >&2
  fi
  local cookie base
  cookie=$(sed -n 's/^cookie: //p' "$work/$name.seed")
  "$bin" serve --database "$url" --no-demo --jobs-every-seconds 0 --listen "127.0.0.1:$port" > "$work/$name.log" 2>&1 &
  local server=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -sf -o /dev/null -H "Cookie: $cookie" "$base/static/style.css" && break; sleep 0.2; done
  # Warm up each (the first request after start may fill caches), and check each answers 200.
  local paths=(/static/style.css /overview "/overview?region=371001000000" "/overview?region=371001001000" /api/v1/overview)
  local names=("baseline /static/style.css" "/overview (city, 10 districts)" "/overview?region=371001000000 (a district)" "/overview?region=371001001000 (a street)" "/api/v1/overview (city)")
  for path in "${paths[@]}"; do
    curl -sf -o /dev/null -H "Cookie: $cookie" "$base$path" || { echo "$path did not answer 200" >&2; cat "$work/$name.log" >&2; exit 1; }
  done
  echo "### $name — load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "| request | median of $n (ms) | ÷ baseline |"
  echo "|---|---|---|"
  local baseline=
  for i in "${!paths[@]}"; do
    local ms
    ms=$(median "$cookie" "$base" "${paths[$i]}")
    [ -n "$baseline" ] || baseline=$ms
    echo "| ${names[$i]} | $ms | $(awk -v a="$ms" -v b="$baseline" 'BEGIN {printf "%.1f", a / b}') |"
  done
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  kill "$server"
  wait "$server" 2>/dev/null || true
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1); build: release"
run SQLite "sqlite://$work/overview.db" 18094
if [ -n "${PG:-}" ]; then
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS xingfu_overview_bench" -qc "CREATE DATABASE xingfu_overview_bench"
  run PostgreSQL "$PG/xingfu_overview_bench" 18095
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS xingfu_overview_bench"
fi
