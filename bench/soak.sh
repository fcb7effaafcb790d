#!/usr/bin/env bash
# Load and soak: the release server on the bundled data (SQLite) first holds
# 10,000 concurrent connections, then takes DURATION seconds of mixed traffic
# (items, lists, search, CSV, whole-list streams, downloads, 304s). Passes
# when no request failed and the server's memory grew by less than 5% between
# the end of the warm-up and the end of the run. Writes its table into
# BENCHMARKS.md (between the BEGIN/END soak markers).
#
# Usage: bench/soak.sh [DURATION_SECONDS] [CONNECTIONS]   (defaults: 600, 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-600}"
HOLD="${2:-10000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}"
dpkg -s wrk >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/gobierno-abierto-gt"
WORK="$(mktemp -d /tmp/gagt-soak.XXXXXX)"
SERVER=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
# Each process needs a descriptor per connection: raise the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)"
PORT=$(bench/free-port)
API="http://127.0.0.1:$PORT"
# One client address drives everything: no rate limit here.
RUST_LOG=warn "$BIN" --data-dir "$WORK/data" serve --port "$PORT" --workers 2 --rate-limit-per-minute 0 \
    --keep-alive-s 120 > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null "$API/readyz" && break; sleep 0.2; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
rows=()
row() { rows+=("| $1 | $2 | $3 |"); echo "$1: $2 ($3)"; }

echo "== hold $HOLD concurrent connections"
wrk -t2 -c"$HOLD" -d30s --timeout 10s "$API/v1/plans" > "$WORK/hold.out" 2>&1 &
WRK=$!
sleep 20
held=$(ss -Htn state established "( sport = :$PORT )" | wc -l)
wait "$WRK"
errors=$(awk '/Socket errors/ {s = 0; for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s}' "$WORK/hold.out")
bad=$(awk '/Non-2xx or 3xx/ {print $5}' "$WORK/hold.out")
rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/hold.out")
row "connections held open at once (server side, \`ss\`)" "$held" "≥ $HOLD"
row "errors while holding them (socket errors, non-2xx/3xx)" "${errors:-0} socket, ${bad:-0} HTTP; $rps req/s" "0"

echo "== $DURATION s of mixed traffic"
ETAG=$(curl -fsI "$API/v1/commitments?limit=5" | awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r')
cat > "$WORK/mixed.lua" <<LUA
local paths = {
  "/v1/commitments/gt-ogp-nap6-c2",
  "/v1/milestones?plan=gt-ogp-nap6&limit=50",
  "/v1/progress-updates?limit=100",
  "/v1/search?q=informacion%20publica",
  "/v1/institutions?limit=20",
  "/v1/commitments.csv?all=1",
  "/v1/progress-updates.csv?limit=1000",
  "/v1/downloads/latest/commitments.csv",
  "/v1/quality-findings?limit=50",
  "/",
}
local i = 0
request = function()
  i = i + 1
  if i % 11 == 0 then
    return wrk.format("GET", "/v1/commitments?limit=5", { ["If-None-Match"] = '$ETAG' })
  end
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
warm=$((DURATION / 10))
wrk -t2 -c64 -d"${DURATION}s" --timeout 10s --latency -s "$WORK/mixed.lua" "$API" > "$WORK/mixed.out" 2>&1 &
WRK=$!
sleep "$warm"
rss_start=$(rss)
peak=$rss_start
while kill -0 "$WRK" 2>/dev/null; do
    now=$(rss); [ "$now" -gt "$peak" ] && peak=$now
    sleep 5
done
wait "$WRK" || true
rss_end=$(rss)
errors=$(awk '/Socket errors/ {s = 0; for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s}' "$WORK/mixed.out")
bad=$(awk '/Non-2xx or 3xx/ {print $5}' "$WORK/mixed.out")
total=$(awk '/requests in/ {print $1}' "$WORK/mixed.out")
rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/mixed.out")
p99=$(awk '$1 == "99%" {print $2}' "$WORK/mixed.out")
growth=$(awk -v a="$rss_start" -v b="$rss_end" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
row "mixed traffic, ${DURATION} s, 64 connections" "$total requests, $rps req/s, p99 $p99" "–"
row "failed requests (socket errors, non-2xx/3xx)" "${errors:-0} socket, ${bad:-0} HTTP" "0"
row "server RSS after warm-up → end (peak)" "$((rss_start / 1024)) MB → $((rss_end / 1024)) MB ($((peak / 1024)) MB); growth $growth%" "< 5%"

machine="$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m)"
{
    echo "<!-- BEGIN bench/soak.sh -->"
    echo "Run on $(date -u +%Y-%m-%d) on this machine ($machine), \`bench/soak.sh $DURATION $HOLD\`, release build, bundled data on SQLite."
    echo
    echo "| measure | result | target |"
    echo "| --- | --- | --- |"
    printf '%s\n' "${rows[@]}"
    echo "<!-- END bench/soak.sh -->"
} > "$WORK/table.md"
python3 bench/put-section.py BENCHMARKS.md bench/soak.sh "$WORK/table.md"
cat "$WORK/table.md"
ok=$(awk -v e="${errors:-0}" -v b="${bad:-0}" -v g="$growth" 'BEGIN {print (e == 0 && b == 0 && g < 5) ? "yes" : "no"}')
[ "$ok" = yes ] || { echo "soak FAILED"; exit 1; }
echo "soak passed"
