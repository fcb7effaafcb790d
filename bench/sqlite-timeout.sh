#!/usr/bin/env bash
# What the SQLite statement timeout (src/db/sqlite_timeout.rs: a trace
# callback and a progress handler on every serving connection) costs: the
# same release server with the timeout (the default, 10 s) and without it
# (`--statement-timeout-ms 0`, no extension at all), alternated, on the
# heaviest reads: the whole progress-update list as one CSV stream
# (1,000,000 rows at scale 100) and a search.
#
# Usage: bench/sqlite-timeout.sh [SCALE] [ROUNDS]   (defaults 100, 3)
# (`cargo build --release` first; BIN= another binary)
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-100}"
ROUNDS="${2:-3}"
BIN=${BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}/release/gobierno-abierto-gt}
WORK="$(mktemp -d /tmp/gagt-timeout.XXXXXX)"
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
export RUST_LOG=warn
"$BIN" generate --scale "$SCALE" --out "$WORK/data" | tail -1
"$BIN" --data-dir "$WORK/db" import "$WORK/data" | tail -1
PORT=$(bench/free-port); API=http://127.0.0.1:$PORT
start() { # timeout_ms
    "$BIN" --data-dir "$WORK/db" serve --port $PORT --workers 2 --rate-limit-per-minute 0 \
        --statement-timeout-ms "$1" > "$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do curl -fs -o /dev/null $API/readyz && return; sleep 0.1; done
    echo "server did not start"; cat "$WORK/server.log"; exit 1
}
measure() { # label timeout_ms
    start "$2"
    # One cold pass, then the timed ones (the stream is never cached).
    curl -fs -o /dev/null "$API/v1/progress-updates.csv?all=1"
    local s=$(curl -fs -o /dev/null -w '%{time_total} %{size_download}' "$API/v1/progress-updates.csv?all=1")
    # Five first-time searches (a new server has an empty response cache).
    local q=$(for w in informacion acceso transparencia municipal salud; do
        curl -fs -o /dev/null -w '%{time_total}\n' "$API/v1/search?q=$w&limit=50"; done | awk '{t += $1} END {print t}')
    echo "$1 $s $q" | awk '{printf "%s stream_s=%s MB/s=%.1f search5_s=%.3f\n", $1, $2, $3 / $2 / 1e6, $4}' | tee -a "$WORK/runs"
    kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""
}
for i in $(seq 1 "$ROUNDS"); do
    if [ $((i % 2)) -eq 1 ]; then measure timeout 10000; measure none 0; else measure none 0; measure timeout 10000; fi
done
for l in timeout none; do
    awk -v l="$l" '$1 == l {split($2, a, "="); print a[2]}' "$WORK/runs" | sort -n |
        awk -v l="$l" '{a[NR] = $1} END {printf "median stream %s: %.2f s over %d runs\n", l, a[int((NR + 1) / 2)], NR}'
done
