#!/usr/bin/env bash
# Instructions per request, counted by callgrind (repeatable whatever else the
# machine does): serve DATA_DIR with one worker and the response cache off
# under valgrind, ask the first 20 URLs of URL_FILE to warm up, zero the
# counters, ask the first N URLs, dump, and print the inclusive top functions.
#
# Usage: bench/callgrind.sh BIN DATA_DIR OUT URL_FILE N [serve args...]
#   e.g. bench/callgrind.sh target/release/gobierno-abierto-gt /tmp/s100/db /tmp/cg lists.txt 90
#   (add --no-prepared-items to measure the database path). TOP=40 lines;
#   CACHE_MB=64 turns the response cache on (repeated requests: cache hits).
# Needs valgrind (callgrind_control, callgrind_annotate) and curl.
set -euo pipefail
BIN="${1:?binary}" DATA="${2:?data dir}" OUT="${3:?output prefix}" URLS="${4:?url file}" N="${5:?count}"
shift 5
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -f "$OUT" "$OUT".*
RUST_LOG=warn GAGT_CURSOR_KEY=bench valgrind --tool=callgrind --callgrind-out-file="$OUT" "$BIN" --data-dir "$DATA" \
    serve --port "$PORT" --no-bundled-import --workers 1 --response-cache-mb "${CACHE_MB:-0}" --rate-limit-per-minute 0 "$@" \
    >"$OUT.log" 2>&1 &
PID=$!
trap 'kill -INT $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -s -o /dev/null "http://127.0.0.1:$PORT/readyz" && break; sleep 1; done
# With prepared items on, wait until they are (written or adopted).
if [[ " $* " != *" --no-prepared-items "* ]]; then
    until curl -s "http://127.0.0.1:$PORT/readyz" | grep -q prepared_items; do sleep 1; done
fi
head -20 "$URLS" | while read -r u; do curl -s -o /dev/null "http://127.0.0.1:$PORT$u"; done
callgrind_control -z "$PID" >/dev/null
head -"$N" "$URLS" | while read -r u; do curl -s -o /dev/null "http://127.0.0.1:$PORT$u"; done
callgrind_control -d "$PID" >/dev/null
sleep 1
kill -INT "$PID"; wait "$PID" 2>/dev/null || true
trap - EXIT
dump=$(ls -t "$OUT".* | grep -v '\.log$' | head -1)
callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | head -"${TOP:-40}"
