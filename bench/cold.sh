#!/usr/bin/env bash
# The cold path (issue 18, point 1): first-time requests, none of which the
# server has answered before, against two references in the same run.
#
#   ours       the release server with its response cache off, so every
#              request is built from the database;
#   nginx      the very same response bytes as static files (each saved once
#              from our server), hit in the same random order;
#   Datasette  (PyPI, pinned in bench/datasette-requirements.txt) on the same
#              SQLite file, with its own URLs for the same records.
#
# Loads: a JSON item load per collection, a CSV item load and an HTML page
# load (collections mixed), a filtered-list load, each walking a shuffled list
# of distinct URLs with wrk (bench/walk.lua); then a full crawl of every
# collection through `next` links. Each load runs RUNS rounds with the
# servers' order rotated each round; figures are the medians over rounds.
# The work is in bench/cold.py; this script starts and stops the servers.
#
# Usage: bench/cold.sh BIN DATA_DIR WORKDIR [DURATION_SECONDS]
#   DATA_DIR holds gagt.sqlite3 (an `import`ed data dir); WORKDIR must not
#   exist or be empty, and is removed at the end (KEEP=1 keeps it).
#   Environment: RUNS (3), COLD_CRAWL_RUNS (RUNS), COLD_SAMPLE (100000
#   item URLs at most), COLD_FILTERED (4000 filtered-list URLs), COLD_ONLY
#   (loads by name, comma-separated, `crawl` for the crawl: only those), KEEP,
#   BENCH_START (run.sh's clock, for the stage lines).
# Prints the table rows (`| measure | result | target | reference |`) on
# stdout and its progress on stderr. Needs wrk, nginx, python3.
set -euo pipefail
BIN="$(realpath "${1:?the release binary}")"
DATA_DIR="$(realpath "${2:?the data dir with gagt.sqlite3}")"
WORKDIR="${3:?a work dir}"
DURATION="${4:-10}"
BENCH="$(cd "$(dirname "$0")" && pwd)"
DB="$DATA_DIR/gagt.sqlite3"
[ -f "$DB" ] || { echo "cold.sh: no $DB" >&2; exit 1; }
mkdir -p "$WORKDIR"
[ -z "$(ls -A "$WORKDIR")" ] || { echo "cold.sh: $WORKDIR is not empty" >&2; exit 1; }
WORKDIR="$(realpath "$WORKDIR")"
export BENCH_START="${BENCH_START:-$(date +%s)}"
stage() { local t=$(( $(date +%s) - BENCH_START )); printf '== [%d:%02d] cold: %s\n' $((t / 60)) $((t % 60)) "$*" >&2; }

OURS=""; NGINX=""; DATASETTE=""
cleanup() {
    local status=$?
    if [ "$status" != 0 ]; then  # the servers' own words, before they go
        for log in ours datasette nginx-error; do
            [ -s "$WORKDIR/$log.log" ] && { echo "--- $log.log (last lines)" >&2; tail -5 "$WORKDIR/$log.log" >&2; }
        done
    fi
    for pid in $OURS $NGINX $DATASETTE; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ "${KEEP:-}" = 1 ] || rm -rf "$WORKDIR"
}
trap cleanup EXIT

# Datasette in its own venv, pinned (the whole resolved set, so that a new
# release of a dependency cannot move the reference between runs).
VENV="$HOME/.cache/gagt-bench-venv"
if ! cmp -s "$BENCH/datasette-requirements.txt" "$VENV/requirements.txt" 2>/dev/null; then
    stage "installing Datasette into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$BENCH/datasette-requirements.txt" >&2
    cp "$BENCH/datasette-requirements.txt" "$VENV/requirements.txt"
fi
DATASETTE_LABEL="Datasette $("$VENV/bin/datasette" --version | awk '{print $NF}')"

# Three free ports, asked of the kernel (bound, then released).
read -r P_OURS P_NGINX P_DS < <(python3 -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
wait_for() {  # URL PID NAME [HTTP_CODE]: until it answers (200), or fail if the process died
    for _ in $(seq 1 600); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = "${4:-200}" ] && return 0
        kill -0 "$2" 2>/dev/null || { echo "cold.sh: $3 exited" >&2; exit 1; }
        sleep 0.1
    done
    echo "cold.sh: $3 did not answer $1 within 60 s" >&2; exit 1
}

stage "starting our server (response cache off), nginx and $DATASETTE_LABEL"
# One client address drives all the load: no rate limit. Cache off: every
# request is built afresh, whatever the load repeats.
# COLD_PREPARED=0: without the prepared items (every item built from the database).
PREPARED_FLAG=""
[ "${COLD_PREPARED:-1}" = 0 ] && PREPARED_FLAG="--no-prepared-items"
# Warnings only (no access log), but the line that says the items are prepared.
RUST_LOG=warn,gagt::api::http::prepared=info "$BIN" --data-dir "$DATA_DIR" serve --port "$P_OURS" --no-bundled-import --workers 2 --pool-size 8 \
    --rate-limit-per-minute 0 --response-cache-mb 0 $PREPARED_FLAG >"$WORKDIR/ours.log" 2>&1 &
OURS=$!
# --immutable: Datasette opens the file read-only and takes no locks (our
# server reads the same file). max_returned_rows 1000 lets `_size=1000` pages
# match our `limit=1000`. Facet suggestions off: our lists compute facets only
# when asked. One process with its default 3 SQL threads.
"$VENV/bin/datasette" serve --immutable "$DB" --host 127.0.0.1 --port "$P_DS" \
    --setting max_returned_rows 1000 --setting sql_time_limit_ms 10000 --setting suggest_facets off \
    >"$WORKDIR/datasette.log" 2>&1 &
DATASETTE=$!
# nginx as in run.sh: two workers, sendfile, no open_file_cache (a plain
# static server); every file octet-stream (types do not matter to wrk).
mkdir -p "$WORKDIR/www"
cat > "$WORKDIR/nginx.conf" <<NGINX
user root;
worker_processes 2;
pid $WORKDIR/nginx.pid;
error_log $WORKDIR/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    server { listen 127.0.0.1:$P_NGINX; root $WORKDIR/www; location / { default_type application/octet-stream; } }
}
NGINX
nginx -c "$WORKDIR/nginx.conf" -g 'daemon off;' &
NGINX=$!
wait_for "http://127.0.0.1:$P_OURS/v1/plans?limit=1" "$OURS" "our server"
wait_for "http://127.0.0.1:$P_DS/gagt.json" "$DATASETTE" "Datasette"
wait_for "http://127.0.0.1:$P_NGINX/nothing-here" "$NGINX" "nginx" 404
# The server prepares each record's JSON detail in the background after it
# first sees a revision; the loads start when that is done (a server that
# has been up for a while). How long it took goes into the table.
: >"$WORKDIR/prepared.txt"
if [ "${COLD_PREPARED:-1}" != 0 ]; then
    stage "waiting for the prepared items"
    began=$(date +%s.%N)
    until curl -s "http://127.0.0.1:$P_OURS/readyz" | grep -q '"prepared_items"'; do
        kill -0 "$OURS" 2>/dev/null || { echo "cold.sh: our server exited" >&2; exit 1; }
        sleep 1
    done
    python3 - "$began" "$(date +%s.%N)" "$WORKDIR/ours.log" >"$WORKDIR/prepared.txt" <<'PY'
import re, sys
began, ended, log = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
said = [l for l in open(log, errors="replace") if "prepared the JSON detail" in l]
m = re.search(r"of (\d+) records .* in ([0-9.]+) s", said[-1]) if said else None
# Nothing when the store was on disk already (bench/run.sh's server wrote it and has the row).
print(f"{m.group(1)} records in {m.group(2)} s" if m else "")
PY
    stage "prepared: $(cat "$WORKDIR/prepared.txt") (empty: written before)"
fi

export COLD_WORK="$WORKDIR" COLD_DB="$DB" COLD_DATASETTE_LABEL="$DATASETTE_LABEL" COLD_DURATION="$DURATION"
export COLD_PORT_OURS="$P_OURS" COLD_PORT_NGINX="$P_NGINX" COLD_PORT_DATASETTE="$P_DS"
python3 "$BENCH/cold.py" prepare
python3 "$BENCH/cold.py" verify
python3 "$BENCH/cold.py" loads
for pid in $OURS $DATASETTE; do kill -0 "$pid" 2>/dev/null || { echo "cold.sh: a server died during the loads" >&2; exit 1; }; done
stage "done"
