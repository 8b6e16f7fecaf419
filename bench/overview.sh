#!/usr/bin/env bash
# 一张图: how long the city's overview takes on the demo data, against a baseline measured in the
# same run (the stylesheet: the HTTP stack, no database, no template). One request at a time,
# nothing else in flight; the median of N of each, and the ratio.
# Usage: bench/overview.sh [N] (default 31). PROFILE=release uses target/release (default debug).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-31}
profile=${PROFILE:-debug}
bin=target/$profile/xingfu
port=${PORT:-18093}
work=$(mktemp -d)
"$bin" serve --data-dir "$work" --listen "127.0.0.1:$port" > "$work/log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do curl -sf -o /dev/null "$base/login" && break; sleep 0.2; done
password=$(sed -n 's/.*(密码均为 \(.*\)):.*/\1/p; s/.*all with password \(.*\)):.*/\1/p' "$work/log" | head -n 1)
# Sign in as the city administrator through the login form.
jar="$work/cookies"
csrf=$(curl -sf -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
curl -sf -o /dev/null -b "$jar" -c "$jar" --data-urlencode "username=admin" \
  --data-urlencode "password=$password" --data-urlencode "csrf=$csrf" --data-urlencode "next=/rounds" "$base/login"
median() { # path: the median time of n requests, in ms
  for _ in $(seq 1 "$n"); do
    curl -sf -o /dev/null -b "$jar" -w '%{time_total}\n' "$base$1"
  done | sort -n | sed -n "$(((n + 1) / 2))p" | awk '{printf "%.1f", $1 * 1000}'
}
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1); build: $profile; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm up both, and check the overview answers.
curl -sf -o /dev/null -b "$jar" "$base/static/style.css"
curl -sf -o /dev/null -b "$jar" "$base/overview" || { echo "the overview did not answer 200" >&2; exit 1; }
baseline=$(median /static/style.css)
city=$(median /overview)
district=$(median "/overview?region=330302000000")
street=$(median "/overview?region=330302006000")
api=$(median /api/v1/overview)
echo "| request | median of $n (ms) | ÷ baseline |"
echo "|---|---|---|"
for row in "baseline /static/style.css:$baseline" "/overview (温州市):$city" "/overview?region=330302000000 (鹿城区):$district" "/overview?region=330302006000 (五马街道):$street" "/api/v1/overview (温州市):$api"; do
  name=${row%:*}; ms=${row##*:}
  echo "| $name | $ms | $(awk -v a="$ms" -v b="$baseline" 'BEGIN {printf "%.1f", a / b}') |"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
