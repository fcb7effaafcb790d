#!/usr/bin/env bash
# The benchmark: generate scale N, import it into SQLite and PostgreSQL, start
# the release server, drive it with wrk, and measure nginx serving the very
# same response bytes as static files in the same run; then bench/cold.sh, the
# first-time (cold) requests against nginx and Datasette. Writes a table into
# BENCHMARKS.md (between the BEGIN/END markers) with the date and the machine.
#
# Usage: bench/run.sh [SCALE] [DURATION_SECONDS]   (defaults: 100, 10)
# Needs: wrk and nginx-light (installed here if missing), a local PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-100}"
DURATION="${2:-10}"
CONNS=64
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}"
for pkg in wrk nginx-light libnginx-mod-http-brotli-static time; do
    dpkg -s "$pkg" >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg"; }
done
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/gobierno-abierto-gt"
WORK="$(mktemp -d /tmp/gagt-bench.XXXXXX)"
PG_DB="gagt_bench_$$"
PG_ADMIN="postgres://postgres@127.0.0.1:5432/postgres"
SERVER=""; NGINX_PID=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
export RUST_LOG=warn,gagt::progress=info   # the imports and generate say how far they are
rows=()
export BENCH_START=$(date +%s)   # bench/cold.sh counts its stages from here too
# Where the run is: each stage with the time since the start, each load
# with its number (the imports and `generate` show their own bars or lines).
stage() { local t=$(( $(date +%s) - BENCH_START )); printf '== [%d:%02d] %s\n' $((t / 60)) $((t % 60)) "$*"; }
row() { rows+=("| $1 | $2 | $3 | $4 |"); echo "$1: $2 (target $3; reference $4)"; }

stage "generate scale $SCALE"
"$BIN" generate --scale "$SCALE" --out "$WORK/data" | tail -1
sync   # the generator's 400 MB go to disk now, not during the timed import

stage "import into SQLite"
start=$(date +%s.%N)
/usr/bin/time -f %M -o "$WORK/rss.sqlite" "$BIN" --data-dir "$WORK/sqlite" import "$WORK/data" >/dev/null
t_sqlite=$(echo "$(date +%s.%N) - $start" | bc)
row "import into SQLite, with snapshot files (scale $SCALE)" "$(printf %.1f "$t_sqlite") s, peak RSS $(( $(tail -1 "$WORK/rss.sqlite") / 1024 )) MB" "≤ 60 s (≤ 30 s and ≤ 1 GB: issue 18)" "–"

stage "import of the same files again into SQLite"
start=$(date +%s.%N)
/usr/bin/time -f %M -o "$WORK/rss.again" "$BIN" --data-dir "$WORK/sqlite" import "$WORK/data" > "$WORK/again.out"
t_again=$(echo "$(date +%s.%N) - $start" | bc)
grep -q '^unchanged' "$WORK/again.out" || { echo "the second import was not unchanged:"; cat "$WORK/again.out"; exit 1; }
row "import of unchanged files again (SQLite; no revision)" "$(printf %.2f "$t_again") s, peak RSS $(( $(tail -1 "$WORK/rss.again") / 1024 )) MB" "≤ 3 s, no revision" "–"

stage "import into PostgreSQL"
psql -q "$PG_ADMIN" -c "CREATE DATABASE $PG_DB"
start=$(date +%s.%N)
/usr/bin/time -f %M -o "$WORK/rss.pg" "$BIN" --database-url "postgres://postgres@127.0.0.1:5432/$PG_DB" --data-dir "$WORK/pg" import "$WORK/data" >/dev/null
t_pg=$(echo "$(date +%s.%N) - $start" | bc)
row "import into PostgreSQL, with snapshot files" "$(printf %.1f "$t_pg") s, peak RSS $(( $(tail -1 "$WORK/rss.pg") / 1024 )) MB" "≤ 120 s (≤ 60 s and ≤ 1 GB: issue 18)" "–"
# The load below runs on SQLite: drop the PostgreSQL copy now, so that its
# autovacuum does not share the cores with the measurements.
psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
psql -q "$PG_ADMIN" -c "CHECKPOINT"
sync; sleep 5   # let the imports' writeback settle before timing requests

stage "cold start"
PORT=$(bench/free-port 2)
start=$(date +%s.%N)
# One client address drives all the load: no rate limit here.
"$BIN" --data-dir "$WORK/sqlite" serve --port "$PORT" --no-bundled-import --workers 2 --pool-size 8 \
    --rate-limit-per-minute 0 &
SERVER=$!
until curl -fs -o /dev/null "http://127.0.0.1:$PORT/v1/plans?limit=1"; do sleep 0.01; done
t_cold=$(echo "$(date +%s.%N) - $start" | bc)
row "cold start to first 200 (SQLite)" "$(printf %.3f "$t_cold") s" "≤ 0.5 s" "–"
API="http://127.0.0.1:$PORT"

# The server prepares each record's JSON detail and CSV in the background
# (first-time items are then one key lookup); the loads start when it is
# done, as on a server that has been up for a while.
stage "waiting for the prepared items"
until curl -fs "$API/readyz" | grep -q '"prepared_items"'; do sleep 0.5; done
t_prepared=$(echo "$(date +%s.%N) - $start" | bc)
row "each record's JSON detail and CSV prepared by the server (background, after start)" "$(curl -fs "$API/readyz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["prepared_items"])') records in $(printf %.1f "$t_prepared") s, $(du -sm "$WORK/sqlite/prepared" | cut -f1) MB on disk" "(served from the database until done)" "–"

# The requests, and the same bytes as static files for nginx.
PLAN=$(curl -fs "$API/v1/plans?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')
COMMITMENT="$PLAN-c2"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$API/v1/commitments/$COMMITMENT")" = 200 ] || COMMITMENT="$PLAN-c1"
DEEP="/v1/progress-updates?limit=100"
for _ in $(seq 1 50); do DEEP=$(curl -fs "$API$DEEP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next"])'); done
declare -A PATHS=(
    [item]="/v1/commitments/$COMMITMENT"
    [list]="/v1/milestones?plan=$PLAN&status=started&limit=50"
    [search]="/v1/search?q=transparencia%20fiscal%20quiche&limit=20"
    [deep]="$DEEP"
    [csv]="/v1/commitments.csv?plan=$PLAN&limit=1000"
    [file]="/v1/downloads/latest/commitments.csv"
    [page]="/compromisos/$COMMITMENT"
    [table]="/hitos?plan=$PLAN&status=started"
)
mkdir -p "$WORK/www"
for k in "${!PATHS[@]}"; do curl -fs "$API${PATHS[$k]}" -o "$WORK/www/$k"; done
# The same responses as our server compresses them, for nginx's gzip_static
# and brotli_static (precompressed files, as a static server would hold them).
COMPRESSED=(list csv table)
for k in "${COMPRESSED[@]}"; do
    curl -fs -H 'Accept-Encoding: gzip' "$API${PATHS[$k]}" -o "$WORK/www/$k.gz"
    curl -fs -H 'Accept-Encoding: br' "$API${PATHS[$k]}" -o "$WORK/www/$k.br"
done
BROTLI_MODULE=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so
NPORT=$((PORT + 1))
cat > "$WORK/nginx.conf" <<NGINX
$([ -f "$BROTLI_MODULE" ] && echo "load_module $BROTLI_MODULE;")
user root;
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    gzip_static on;
    $([ -f "$BROTLI_MODULE" ] && echo "brotli_static on;")
    server { listen 127.0.0.1:$NPORT; root $WORK/www; location / { default_type application/octet-stream; } }
}
NGINX
nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
sleep 0.5

# wrk prints throughput and the latency distribution; keep req/s, p50, p99.
# Each load runs RUNS times (default 3) and each figure is the median over
# the runs, for nginx too: one run can catch the host busy elsewhere.
RUNS="${RUNS:-3}"
measure() {
    local url="$1"; shift
    # Warm: "repeated" means after a first request, and with the connections
    # already open and the server's threads running (the same for nginx).
    curl -fs -o /dev/null "$@" "$url" || true
    wrk -t2 -c"$CONNS" -d2s "$@" "$url" >/dev/null 2>&1 || true
    local outs=()
    for i in $(seq 1 "$RUNS"); do
        wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url" > "$WORK/wrk.$i.out" 2>&1
        outs+=("$WORK/wrk.$i.out")
    done
    python3 bench/wrk_summary.py "${outs[@]}"
}
uncached() {
    # First-time requests: a new query each time (the response cache is keyed by URL).
    python3 - "$API" "$1" "$2" <<'PY'
import sys, time, urllib.request, statistics
api, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = []
for i in range(n):
    url = f"{api}{path}&limit={20 + i}"
    t = time.perf_counter(); urllib.request.urlopen(url).read(); times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"p50 {statistics.median(times):.1f}ms, p99 {times[int(len(times) * 0.99) - 1]:.1f}ms over {n} first-time requests")
PY
}

stage "load ($CONNS connections, ${DURATION}s each)"
LOADS=(item list search deep csv file page table)
n=0
for k in "${LOADS[@]}"; do
    n=$((n + 1)); stage "load $n of ${#LOADS[@]} (then 304, compressed and first-time rows): $k"
    ours=$(measure "$API${PATHS[$k]}")
    ref=$(measure "http://127.0.0.1:$NPORT/$k")
    case $k in
        item|list) target="≥ 1.0× nginx, p99 ≤ 5 ms" ;;
        page|table) target="≥ 1.0× nginx (a page for people)" ;;
        file) target="≥ 0.8× nginx" ;;
        *) target="(repeated)" ;;
    esac
    row "repeated GET: $k \`${PATHS[$k]:0:60}\`" "$ours" "$target" "nginx: $ref"
    [ "$k" = file ] && ls -l "$WORK/www/file" | awk '{print "     file size", $5}' 
done
ETAG=$(curl -fsI "$API${PATHS[list]}" | awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r')
ours=$(measure "$API${PATHS[list]}" -H "If-None-Match: $ETAG")
NETAG=$(curl -fsI "http://127.0.0.1:$NPORT/list" | awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r')
ref=$(measure "http://127.0.0.1:$NPORT/list" -H "If-None-Match: $NETAG")
row "304 revalidation (If-None-Match)" "$ours" "≥ 1.0× nginx" "nginx: $ref"
stage "compressed responses (ours compressed once per revision; nginx serving the same precompressed bytes)"
for k in "${COMPRESSED[@]}"; do
    for enc in gzip br; do
        ours=$(measure "$API${PATHS[$k]}" -H "Accept-Encoding: $enc")
        ref=$(measure "http://127.0.0.1:$NPORT/$k" -H "Accept-Encoding: $enc")
        sent=$(curl -fs -o /dev/null -D - -H "Accept-Encoding: $enc" "http://127.0.0.1:$NPORT/$k" | awk -F': ' 'tolower($1) == "content-encoding" {print $2}' | tr -d '\r')
        [ "$sent" = "$enc" ] || ref="nginx did not send $enc: $ref"
        row "repeated GET, $enc: $k (\`$(stat -c %s "$WORK/www/$k.${enc/gzip/gz}")\` of \`$(stat -c %s "$WORK/www/$k")\` bytes)" "$ours" "≥ 1.0× nginx" "nginx ${enc}_static: $ref"
    done
done
row "first-time filtered list" "$(uncached "/v1/milestones?plan=$PLAN&status=started" 100)" "p99 ≤ 20 ms" "–"
row "first-time search" "$(uncached "/v1/search?q=transparencia%20fiscal" 20)" "p99 ≤ 20 ms" "–"
row "first-time page: filtered table with facets" "$(uncached "/hitos?plan=$PLAN&status=started" 100)" "p99 ≤ 20 ms" "–"
row "first-time page: a plan's progress updates with facets" "$(uncached "/avances?plan=$PLAN" 20)" "p99 ≤ 20 ms" "–"
row "first-time page: every progress update (facets over all rows)" "$(uncached "/avances?sort=id" 5)" "p99 ≤ 20 ms" "–"
sizes=$(for p in / /en/ /planes /compromisos /hitos /avances /instituciones /hallazgos /fuentes "/compromisos/$COMMITMENT" \
    "/instituciones/$(curl -fs "$API/v1/institutions?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')" \
    "/fuentes/$(curl -fs "$API/v1/source-documents?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')"; do
    echo "$(curl -fs -o /dev/null -w '%{size_download}' "$API$p") $p"; done | sort -n | tail -1)
row "largest page of HTML (home, every table's first page, a commitment, an institution, a source)" "${sizes% *} bytes: \`${sizes#* }\`" "≤ 150 kB" "–"

stage "CSV of every progress update"
out=$(curl -fs "$API/v1/downloads/latest/progress_updates.csv" -o /dev/null -w '%{size_download} %{time_total}')
row "all progress updates as CSV (snapshot file, one request)" "$(echo "$out" | awk '{printf "%.0f MB/s (%d bytes in %.3f s)", $1 / $2 / 1e6, $1, $2}')" "(the unfiltered table as a file)" "–"
stage "filtered CSV stream of every matching progress update (a CSV without limit)"
hwm_before=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
out=$(curl -fs "$API/v1/progress-updates.csv?reported_from=2000-01-01" -o "$WORK/stream.csv" -w '%{size_download} %{time_total}')
read -r bytes t_stream <<< "$out"
lines=$(python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$WORK/stream.csv")
rm -f "$WORK/stream.csv"
hwm_after=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
row "filtered CSV stream, names beside ids (\`progress-updates.csv?reported_from=2000-01-01\`)" "$(awk -v b="$bytes" -v t="$t_stream" -v r="$lines" 'BEGIN {printf "%.0f MB/s (%d rows, %d bytes in %.2f s)", b / t / 1e6, r, b, t}'); server RSS $((rss_before / 1024)) MB before, peak $((hwm_after / 1024)) MB after (peak before: $((hwm_before / 1024)) MB)" "≥ 100 MB/s, flat memory" "–"
rss=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
row "server peak RSS after the load" "$((rss / 1024)) MB" "≤ 250 MB" "–"

# The cold path: first-time item, page and filtered-list requests and a full
# crawl, against nginx and Datasette (bench/cold.sh starts its own servers,
# so this one and its nginx stop first and leave the cores to it).
kill "$SERVER" "$NGINX_PID" 2>/dev/null || true
wait "$SERVER" "$NGINX_PID" 2>/dev/null || true
SERVER=""; NGINX_PID=""
stage "cold path (bench/cold.sh): first-time items, pages, filtered lists and a full crawl"
if bench/cold.sh "$BIN" "$WORK/sqlite" "$WORK/cold" "$DURATION" > "$WORK/cold.rows"; then
    mapfile -t cold_rows < "$WORK/cold.rows"
    rows+=("${cold_rows[@]}")
else
    status=$?
    # Keep what it measured before it failed, and say that it did.
    mapfile -t cold_rows < "$WORK/cold.rows"
    rows+=("${cold_rows[@]}")
    row "cold path (bench/cold.sh)" "failed (exit $status), see the run's output" "–" "–"
fi

machine="$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m), $(lsb_release -ds 2>/dev/null || echo Linux)"
{
    echo "<!-- BEGIN bench/run.sh -->"
    echo "Run on $(date -u +%Y-%m-%d) on this machine ($machine), scale $SCALE, $CONNS connections, ${DURATION}s per load, each load run $RUNS times (medians shown), \`bench/run.sh $SCALE $DURATION\`."
    echo
    echo "| measure | result | target | reference (same run) |"
    echo "| --- | --- | --- | --- |"
    printf '%s\n' "${rows[@]}"
    echo "<!-- END bench/run.sh -->"
} > "$WORK/table.md"
python3 bench/put-section.py BENCHMARKS.md bench/run.sh "$WORK/table.md"
cat "$WORK/table.md"
