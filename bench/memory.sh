#!/usr/bin/env bash
# Memory and throughput of the release server under the soak's mixed traffic,
# sampled every 10 s from /proc: what BENCHMARKS.md's allocator comparison
# was measured with. Optionally holds HOLD connections for 30 s first.
#
# Usage: bench/memory.sh HOLD SECONDS LABEL [NAME=VALUE...]
#   e.g. bench/memory.sh 0 40 mimalloc GAGT_ALLOCATOR=mimalloc
#        bench/memory.sh 10000 150 capped BLOCKING_THREADS=10
# (the NAME=VALUE pairs are the server's environment; build with
# `cargo build --release` first).
set -u
cd "$(dirname "$0")/.."
HOLD=$1; DUR=$2; LABEL=$3; shift 3
BIN=${BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}/release/gobierno-abierto-gt}
WORK=$(mktemp -d /tmp/memexp.XXXX)
ulimit -n $(ulimit -Hn)
PORT=$(bench/free-port); API=http://127.0.0.1:$PORT
env "$@" RUST_LOG=warn $BIN --data-dir $WORK/data serve --port $PORT --workers 2 --rate-limit-per-minute 0 --keep-alive-s 120 > $WORK/server.log 2>&1 &
S=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null $API/readyz && break; sleep 0.2; done
sample() { echo "$1 $(awk '/VmRSS|RssAnon|RssFile|Threads/ {printf "%s%s ", $1, $2}' /proc/$S/status)"; }
sample start
if [ "$HOLD" -gt 0 ]; then wrk -t2 -c$HOLD -d30s --timeout 10s $API/v1/plans > /dev/null 2>&1; sample after-hold; fi
ETAG=$(curl -fsI "$API/v1/commitments?limit=5" | awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r')
cat > $WORK/mixed.lua <<LUA
local paths = {"/v1/commitments/gt-ogp-nap6-c2","/v1/milestones?plan=gt-ogp-nap6&limit=50","/v1/progress-updates?limit=100","/v1/search?q=informacion%20publica","/v1/institutions?limit=20","/v1/commitments.csv?all=1","/v1/progress-updates.csv?limit=1000","/v1/downloads/latest/commitments.csv","/v1/quality-findings?limit=50","/"}
local i = 0
request = function()
  i = i + 1
  if i % 11 == 0 then return wrk.format("GET", "/v1/commitments?limit=5", { ["If-None-Match"] = '$ETAG' }) end
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
wrk -t2 -c64 -d${DUR}s --timeout 10s -s $WORK/mixed.lua $API > $WORK/mixed.out 2>&1 &
W=$!
t=0
while kill -0 $W 2>/dev/null; do sleep 10; t=$((t+10)); sample "t=$t"; done
grep -E "requests in|Socket|Non-2xx" $WORK/mixed.out
kill $S; rm -rf $WORK
