#!/usr/bin/env bash
# A province at scale (issue 15), on PostgreSQL: imports one province's real divisions from the
# national division table (province, cities, districts, streets, every community and village),
# seeds one round of the 128-clause standard over every community (one assessor sheet each), a
# year of 随手拍 events and survey answers, then measures:
#   - one request at a time (medians of N, against the stylesheet in the same run): the overview
#     of the province, its largest city, district and street, page and API; the round pages;
#     the round's workbook export;
#   - requests/s for a fixed mix of page views (wrk, 2 threads, 16 connections, SECONDS each):
#     one server direct, one behind HAProxy, two behind HAProxy;
#   - rating (`xingfu bench rate` over as many communities) and the deadline sweep over the
#     seeded year (`xingfu bench seeded-sweep`);
#   - rows per table, disk, the servers' peak RSS, and the load average around each step.
# Usage: bench/province.sh [DIVISIONS_DIR]
#   DIVISIONS_DIR: the china-division folder (provinces.csv, cities.csv, areas.csv, streets.csv,
#   villages.csv.gz); default ../shared/data/china-division beside the repository.
# Environment: PROVINCE (default 37, 山东省), EVENTS (1000000), ANSWERS (1000000), N (11),
# SECONDS_EACH (20), PG (postgres://postgres@127.0.0.1:5432). Needs wrk, haproxy, psql, python3.
# The database xingfu_province_bench is created and dropped afterwards (KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."
divisions=${1:-../shared/data/china-division}
province=${PROVINCE:-37}
events=${EVENTS:-1000000}
answers=${ANSWERS:-1000000}
n=${N:-11}
seconds=${SECONDS_EACH:-20}
pg=${PG:-postgres://postgres@127.0.0.1:5432}
db=xingfu_province_bench
url="$pg/$db"
bin=target/release/xingfu
for tool in wrk haproxy psql python3; do
  command -v "$tool" > /dev/null || { echo "needs $tool" >&2; exit 1; }
done
[ -f "$divisions/villages.csv.gz" ] || { echo "no villages.csv.gz in $divisions" >&2; exit 1; }
cargo build --release -q -p xingfu-cli
work=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2> /dev/null || true
  wait 2> /dev/null || true
  [ -n "${KEEP:-}" ] || psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }
say() { echo "$@" >&2; }

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(free -g | awk '/^Mem:/ {print $2}') GiB; build: release; PostgreSQL $(psql "$pg/postgres" -Atc "SHOW server_version" | cut -d" " -f1), shared_buffers $(psql "$pg/postgres" -Atc 'SHOW shared_buffers')"
echo "load average at start: $(load)"

# 1. The province's divisions, one file per level, in the table's own layout.
python3 - "$divisions" "$province" "$work" > "$work/picked" << 'EOF'
import csv, gzip, sys
from collections import Counter
src, province, out = sys.argv[1], sys.argv[2], sys.argv[3]
def rows(name):
    opener = gzip.open if name.endswith(".gz") else open
    with opener(f"{src}/{name}", "rt", encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        keep = [r for r in reader if (r[0] if header == ["code", "name"] else r[header.index("provinceCode")]) == province]
    return header, keep
counts = {}
for name in ["provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv.gz"]:
    header, keep = rows(name)
    counts[name] = keep
    with open(f"{out}/{name.removesuffix('.gz')}", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(keep)
villages = [r[0] for r in counts["villages.csv.gz"]]
# The largest city, its largest district and that district's largest street: the heaviest
# overview below the province.
def largest(digits, within):
    c = Counter(v[:digits] for v in villages if v.startswith(within))
    return c.most_common(1)[0]
city, city_n = largest(4, "")
district, district_n = largest(6, city)
street, street_n = largest(9, district)
print(f"city {city.ljust(12, '0')} {city_n}")
print(f"district {district.ljust(12, '0')} {district_n}")
print(f"street {street.ljust(12, '0')} {street_n}")
print(f"levels {len(counts['cities.csv'])} {len(counts['areas.csv'])} {len(counts['streets.csv'])} {len(villages)}")
EOF
read -r _ cities districts streets communities < <(grep '^levels' "$work/picked")
read -r _ city city_n < <(grep '^city' "$work/picked")
read -r _ district district_n < <(grep '^district' "$work/picked")
read -r _ street street_n < <(grep '^street' "$work/picked")
echo "province $province: $cities cities, $districts districts, $streets streets, $communities communities and villages"

psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -qc "CREATE DATABASE $db" > /dev/null
started=$SECONDS
for file in provinces cities areas streets villages; do
  "$bin" import regions "$work/$file.csv" --database "$url" > /dev/null
done
echo "imported the divisions in $((SECONDS - started)) s"

# 2. One round over every community, a year of events and survey answers.
say "seeding: $communities communities × 128 clauses, $events events, $answers survey answers (load $(load))"
started=$SECONDS
"$bin" bench seed --database "$url" --province "$province" --years 1 --events "$events" \
  --survey-answers "$answers" > "$work/seed"
echo "seeded in $((SECONDS - started)) s (load average after: $(load))"
cookie=$(sed -n 's/^cookie: //p' "$work/seed")
round=$(sed -n 's/^round overview: //p' "$work/seed")
community=$(sed -n 's/^community page: //p' "$work/seed")

echo
echo "### Rows and disk (after the seed's VACUUM ANALYZE)"
echo "| table | rows | size with indexes |"
echo "|---|---|---|"
psql "$url" -AtF'|' -c "SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid))
  FROM pg_stat_user_tables WHERE n_live_tup > 0 ORDER BY pg_total_relation_size(relid) DESC" |
  awk -F'|' '{printf "| %s | %d | %s |\n", $1, $2, $3}'
echo "database: $(psql "$url" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))")"

# 3. One request at a time.
serve() { # port (its pid in $!)
  "$bin" serve --database "$url" --no-demo --jobs-every-seconds 0 --listen "127.0.0.1:$1" > "$work/serve-$1.log" 2>&1 &
}
wait_for() { # base
  for _ in $(seq 1 150); do curl -sf -o /dev/null "$1/health" && return 0; sleep 0.2; done
  say "no answer from $1"; exit 1
}
median() { # base path count
  for _ in $(seq 1 "$3"); do
    curl -sf -o /dev/null --max-time 600 -H "Cookie: $cookie" -w '%{time_total}\n' "$1$2"
  done | sort -n | sed -n "$((($3 + 1) / 2))p" | awk '{printf "%.1f", $1 * 1000}'
}
serve 18101
server1=$!
base=http://127.0.0.1:18101
wait_for "$base"
paths=(
  /static/style.css
  /overview "/overview?region=$city" "/overview?region=$district" "/overview?region=$street"
  /api/v1/overview "/api/v1/overview?region=$street"
  /rounds "$round" "$round/approvals" "$round/publication" "$round/rectifications" "$community"
)
names=(
  "baseline: the stylesheet"
  "/overview (the province, $cities cities)" "/overview?region=$city (largest city, $city_n communities)"
  "/overview?region=$district (its largest district, $district_n)" "/overview?region=$street (its largest street, $street_n)"
  "/api/v1/overview (the province)" "/api/v1/overview?region=$street (the street)"
  "/rounds (list)" "the round's page (first 100 of $communities, stage counts)" "the round's approvals queue"
  "the round's publication queue" "the round's rectifications" "a community's page in the round"
)
for path in "${paths[@]}"; do # warm up, and each must answer 200
  curl -sf -o /dev/null --max-time 600 -H "Cookie: $cookie" "$base$path" || { say "$path did not answer 200"; cat "$work/serve-18101.log" >&2; exit 1; }
done
echo
echo "### One request at a time (median of $n; load average before: $(load))"
echo "| request | median (ms) | ÷ baseline |"
echo "|---|---|---|"
baseline=
for i in "${!paths[@]}"; do
  ms=$(median "$base" "${paths[$i]}" "$n")
  [ -n "$baseline" ] || baseline=$ms
  echo "| ${names[$i]} | $ms | $(awk -v a="$ms" -v b="$baseline" 'BEGIN {printf "%.1f", a / b}') |"
done
export_size=$(curl -sf --max-time 600 -H "Cookie: $cookie" -o "$work/export.xlsx" -w '%{size_download}' "$base$round/export.xlsx")
echo "| the round's workbook ($round/export.xlsx, $((export_size / 1024)) KiB), median of 3 | $(median "$base" "$round/export.xlsx" 3) | |"
echo "load average after: $(load)"

# 4. Requests/s for a fixed mix of page views, requested in turn: ten community pages (ten
#    communities spread over the province), four round pages, the overview of the province, the
#    city, the district and the street, the street's API and the list of rounds.
mapfile -t spread < <(psql "$url" -Atc "SELECT community_code FROM (SELECT community_code,
  row_number() OVER (ORDER BY community_code) AS i FROM entries) e WHERE i % ($communities / 10) = 1 LIMIT 10")
mix=()
for code in "${spread[@]}"; do mix+=("$round/communities/$code"); done
mix+=("$round" "$round" "$round" "$round" /overview "/overview?region=$city" "/overview?region=$district"
  "/overview?region=$street" "/api/v1/overview?region=$street" /rounds)
hammer() { # base label
  wrk -t2 -c16 -d3s -H "Cookie: $cookie" -s bench/page_mix.lua "$1/" -- "${mix[@]}" > /dev/null
  local before
  before=$(load)
  wrk -t2 -c16 -d"${seconds}s" -H "Cookie: $cookie" -s bench/page_mix.lua "$1/" -- "${mix[@]}" > "$work/wrk"
  grep -q "Non-2xx" "$work/wrk" && { say "$2: some responses were not 200"; cat "$work/wrk" >&2; }
  echo "| $2 | $(sed -n 's/^mix: //p' "$work/wrk") | $before → $(load) |"
}
haproxy_with() { # ports of the servers (its pid in $!)
  sed -e 's/127.0.0.1:8000/127.0.0.1:18100/' -e 's/127.0.0.1:8404/127.0.0.1:18104/' \
    -e '/^    server xingfu/d' deploy/haproxy.cfg > "$work/haproxy.cfg"
  local i=0
  for port in "$@"; do
    i=$((i + 1))
    echo "    server xingfu$i 127.0.0.1:$port check" >> "$work/haproxy.cfg"
  done
  haproxy -f "$work/haproxy.cfg" -db > "$work/haproxy.log" 2>&1 &
}
echo
echo "### Requests/s, a fixed mix of ${#mix[@]} page views in turn (wrk -t2 -c16, ${seconds} s after 3 s of warm-up)"
echo "| servers | throughput and latency | load average before → after |"
echo "|---|---|---|"
hammer "$base" "one server, direct"
haproxy_with 18101
proxy=$!
wait_for http://127.0.0.1:18100
hammer http://127.0.0.1:18100 "one server behind HAProxy"
kill "$proxy"; wait "$proxy" 2> /dev/null || true
serve 18102
server2=$!
wait_for http://127.0.0.1:18102
haproxy_with 18101 18102
proxy=$!
sleep 1.5 # both marked up (rise 2, checks every 500 ms)
wait_for http://127.0.0.1:18100
hammer http://127.0.0.1:18100 "two servers behind HAProxy"
kill "$proxy"; wait "$proxy" 2> /dev/null || true
echo "peak RSS: server 1 $(awk '/VmHWM/ {printf "%d MiB", $2 / 1024}' /proc/"$server1"/status), server 2 $(awk '/VmHWM/ {printf "%d MiB", $2 / 1024}' /proc/"$server2"/status)"
kill "$server1" "$server2"; wait "$server1" "$server2" 2> /dev/null || true

# 5. Rating and the deadline sweep.
echo
echo "### Rating $communities communities × 128 clauses (xingfu bench rate; load average before: $(load))"
"$bin" bench rate --communities "$communities" --runs 3
echo "load average after: $(load)"
echo
echo "### The deadline sweep over the seeded year (xingfu bench seeded-sweep; load average before: $(load))"
"$bin" bench seeded-sweep --database "$url" --runs 5
echo "load average after: $(load)"
