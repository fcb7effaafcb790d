#!/usr/bin/env bash
# Two or more release binaries on the same imported data, alternating: each
# round starts each server in turn (response cache off, waiting for its
# prepared items unless its extra arguments turn them off), warms it for 2 s
# and drives it with wrk for DURATION s over URL_FILE in order (bench/walk-
# style, wrapping), 64 connections. One line per server and round.
#
# Usage: DATA=/tmp/s100/db [ROUNDS=2] [DURATION=8] bench/alternate.sh URL_FILE NAME:BIN[:EXTRA ARGS] ...
#   e.g. bench/alternate.sh lists.txt old:/tmp/gagt-old:--no-prepared-items new:target/release/gobierno-abierto-gt
# Needs wrk.
set -euo pipefail
URLS="$(realpath "${1:?url file}")"; shift
DATA="${DATA:?the data dir (imported)}" ROUNDS="${ROUNDS:-2}" DURATION="${DURATION:-8}"
LUA=$(mktemp --suffix .lua)
cat >"$LUA" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function() i = i + 1; if i > #paths then i = 1 end; return wrk.format("GET", paths[i]) end
LUA
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for round in $(seq 1 "$ROUNDS"); do
    for spec in "$@"; do
        IFS=: read -r name bin extra <<<"$spec"
        # shellcheck disable=SC2086
        RUST_LOG=warn GAGT_CURSOR_KEY=bench "$bin" --data-dir "$DATA" serve --port "$PORT" --no-bundled-import \
            --response-cache-mb 0 --rate-limit-per-minute 0 $extra >/dev/null 2>&1 &
        pid=$!
        until curl -s "http://127.0.0.1:$PORT/readyz" | grep -q '"revision"'; do sleep 0.2; done
        if [[ " $extra " != *" --no-prepared-items "* ]]; then
            until curl -s "http://127.0.0.1:$PORT/readyz" | grep -q prepared_items; do sleep 1; done
        fi
        PATHS="$URLS" wrk -t2 -c64 -d2s -s "$LUA" "http://127.0.0.1:$PORT" >/dev/null
        out=$(PATHS="$URLS" wrk -t2 -c64 -d"${DURATION}s" --latency -s "$LUA" "http://127.0.0.1:$PORT")
        echo "round $round $name: $(echo "$out" | awk '/Requests\/sec/ {printf "%s req/s ", $2} / 50%/ {printf "p50 %s ", $2} / 99%/ {printf "p99 %s ", $2} /Non-2xx/ {printf "NON-2XX: %s ", $0}')"
        kill -INT "$pid"; wait "$pid" 2>/dev/null || true
    done
done
rm -f "$LUA"
