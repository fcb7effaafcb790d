#!/usr/bin/env bash
# Scale-out check: two API instances (own snapshot folders, like two
# machines) behind nginx as load balancer, on one PostgreSQL. An import
# through neither of them must be served by both within a few seconds.
# Usage: bench/scale-out.sh   (needs nginx-light and a local PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}"
dpkg -s nginx-light >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light; }
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/gobierno-abierto-gt"
WORK="$(mktemp -d /tmp/gagt-scale.XXXXXX)"
DB="gagt_scale_$$"
READER="gagt_scale_reader_$$"   # the replicas' login, which can only read (README)
ADMIN="postgres://postgres@127.0.0.1:5432/postgres"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done   # gone before their role is
    psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    psql -q "$ADMIN" -c "DROP ROLE IF EXISTS $READER" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
export RUST_LOG=warn DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
psql -q "$ADMIN" -c "CREATE DATABASE $DB"
"$BIN" --data-dir "$WORK/importer" import tests/fixtures/small >/dev/null
psql -q "$ADMIN" -c "CREATE ROLE $READER LOGIN IN ROLE gagt_reader"
BASE=$(bench/free-port 3)
for i in 1 2; do
    DATABASE_URL="postgres://$READER@127.0.0.1:5432/$DB" \
        "$BIN" --data-dir "$WORK/api$i" serve --port $((BASE + i)) --no-bundled-import --revision-poll-ms 500 &
    pids+=($!)
done
cat > "$WORK/nginx.conf" <<NGINX
user root;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    upstream api { server 127.0.0.1:$((BASE + 1)); server 127.0.0.1:$((BASE + 2)); }
    server { listen 127.0.0.1:$BASE; location / { proxy_pass http://api; } }
}
NGINX
nginx -c "$WORK/nginx.conf" -g 'daemon off;' &
pids+=($!)
revision() { curl -fs "http://127.0.0.1:$1/v1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"]["number"])'; }
for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$BASE/readyz" && curl -fs -o /dev/null "http://127.0.0.1:$((BASE + 2))/readyz" && break
    sleep 0.1
done
echo "before: instance 1 r$(revision $((BASE + 1))), instance 2 r$(revision $((BASE + 2))), through nginx r$(revision "$BASE")"

# A new revision: one progress update fewer.
cp -r tests/fixtures/small "$WORK/edited"
cp -rL tests/fixtures/sources "$WORK/sources"   # the source files, beside the folder
grep -v '^gt-ogp-nap6-c1-m4-u2,' tests/fixtures/small/progress_updates.csv > "$WORK/edited/progress_updates.csv"
start=$(date +%s.%N)
"$BIN" --data-dir "$WORK/importer" import "$WORK/edited" >/dev/null
ok=""
for _ in $(seq 1 100); do
    if [ "$(revision $((BASE + 1)))" = 2 ] && [ "$(revision $((BASE + 2)))" = 2 ]; then ok=1; break; fi
    sleep 0.1
done
took=$(echo "$(date +%s.%N) - $start" | bc)
[ -n "$ok" ] || { echo "FAIL: both instances should serve revision 2"; exit 1; }
# Both instances produced the same download files, byte for byte.
a=$(curl -fs "http://127.0.0.1:$((BASE + 1))/v1/downloads/r2/SHA256SUMS" | sha256sum)
b=$(curl -fs "http://127.0.0.1:$((BASE + 2))/v1/downloads/r2/SHA256SUMS" | sha256sum)
[ "$a" = "$b" ] || { echo "FAIL: the replicas' snapshots differ"; exit 1; }
e1=$(curl -fsI "http://127.0.0.1:$((BASE + 1))/v1/commitments" | awk -F': ' 'tolower($1)=="etag"{print $2}')
e2=$(curl -fsI "http://127.0.0.1:$((BASE + 2))/v1/commitments" | awk -F': ' 'tolower($1)=="etag"{print $2}')
[ "$e1" = "$e2" ] || { echo "FAIL: the replicas' ETags differ"; exit 1; }
for _ in 1 2 3 4; do [ "$(revision "$BASE")" = 2 ] || { echo "FAIL: nginx served an old revision"; exit 1; }; done
echo "after: both instances and nginx serve r2, $(printf %.2f "$took") s after the import; identical ETags and snapshot checksums"
echo "scale-out check passed"
