#!/usr/bin/env bash
# Page load test: the round overview and a community page under load, on SQLite and PostgreSQL.
# 10,000 communities × 5 years of rounds × the 128-clause standard (one assessor sheet each).
# Needs wrk (apt-get install wrk) and, for PostgreSQL, a server at $PG (default local, trust auth).
# Usage: bench/pages.sh [COMMUNITIES] [YEARS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
communities=${1:-10000}
years=${2:-5}
seconds=${3:-15}
pg=${PG:-postgres://postgres@127.0.0.1:5432}
bin=target/release/xingfu
cargo build --release -q
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

run() { # name url port
  local name=$1 url=$2 port=$3
  echo "== $name: seeding $communities communities × $years years" >&2
  local seed_start=$SECONDS
  "$bin" bench seed --database "$url" --communities "$communities" --years "$years" > "$work/$name.seed"
  echo "   seeded in $((SECONDS - seed_start)) s" >&2
  local cookie overview community
  cookie=$(sed -n 's/^cookie: //p' "$work/$name.seed")
  overview=$(sed -n 's/^round overview: //p' "$work/$name.seed")
  community=$(sed -n 's/^community page: //p' "$work/$name.seed")
  "$bin" serve --database "$url" --no-demo --jobs-every-seconds 0 --listen "127.0.0.1:$port" > "$work/$name.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 50); do curl -sf -o /dev/null -H "Cookie: $cookie" "http://127.0.0.1:$port/rounds" && break; sleep 0.2; done
  # The baseline, measured in the same run: the stylesheet (the HTTP stack, no database).
  local baseline=/static/style.css
  for page in baseline overview community; do
    local path=${!page}
    # Warm up, then measure.
    wrk -t2 -c8 -d3s -H "Cookie: $cookie" "http://127.0.0.1:$port$path" > /dev/null
    wrk -t2 -c16 -d"${seconds}s" --latency -H "Cookie: $cookie" "http://127.0.0.1:$port$path" > "$work/$name.$page.wrk"
    local rps p50 p99
    rps=$(awk '/^Requests\/sec/ {print $2}' "$work/$name.$page.wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$work/$name.$page.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$work/$name.$page.wrk")
    if grep -q "Non-2xx" "$work/$name.$page.wrk"; then
      echo "$name $page: some responses were not 200:" >&2
      cat "$work/$name.$page.wrk" >&2
      exit 1
    fi
    [ "$page" = baseline ] && base_rps=$rps
    # One request alone (nothing else in flight): the median of 11.
    local alone
    alone=$(for _ in $(seq 1 11); do
      curl -sf -o /dev/null -w '%{time_total}\n' -H "Cookie: $cookie" "http://127.0.0.1:$port$path"
    done | sort -n | sed -n 6p | awk '{printf "%.1f ms", $1 * 1000}')
    echo "| $name | $page | $rps | $p50 | $p99 | $(awk -v a="$rps" -v b="$base_rps" 'BEGIN {printf "%.3f", a / b}') | $alone |"
  done
  kill $server; wait $server 2>/dev/null || true
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| database | page | requests/s | p50 | p99 | ÷ baseline | one request alone |"
echo "|---|---|---|---|---|---|---|"
run sqlite "sqlite://$work/bench.db" 18090
db=xingfu_bench_$$
psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null
run postgres "$pg/$db" 18091
psql "$pg/postgres" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
