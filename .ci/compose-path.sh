#!/usr/bin/env bash
# The sequence docker-compose.yml runs (migrate and import as the owner,
# serve as a login that can only read, with the same environment variables),
# against the local PostgreSQL in a database of its own, because Docker
# cannot run on the CI machines.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}"
cargo build --quiet
bin="$CARGO_TARGET_DIR/debug/gobierno-abierto-gt"

db="gagt_compose_$$"
reader="gagt_compose_reader_$$"   # roles are the cluster's: one of its own
data_dir="$(mktemp -d)"
admin="postgres://postgres@127.0.0.1:5432/postgres"
psql -q "$admin" -c "CREATE DATABASE $db"
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
    psql -q "$admin" -c "DROP ROLE IF EXISTS $reader" || true
    rm -rf "$data_dir"
}
trap cleanup EXIT

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export READER_DATABASE_URL="postgres://$reader@127.0.0.1:5432/$db"
export HOST=127.0.0.1
export PORT=$(bench/free-port)
export RUST_LOG=info
export GAGT_DATA_DIR="$data_dir"

"$bin" migrate
# docker/initdb/reader-login.sql, under this run's name
psql -q "$admin" -c "CREATE ROLE $reader LOGIN IN ROLE gagt_reader"
"$bin" import data/canonical
"$bin" import data/canonical | grep -q unchanged
DATABASE_URL="$READER_DATABASE_URL" "$bin" serve --no-bundled-import &
pid=$!
for _ in $(seq 1 50); do curl -fs --max-time 5 "http://$HOST:$PORT/readyz" >/dev/null && break; sleep 0.2; done
curl -fs "http://$HOST:$PORT/readyz"
echo
plans=$(curl -fs "http://$HOST:$PORT/v1/plans" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
expected=$(($(wc -l < data/canonical/plans.csv) - 1))
[ "$plans" = "$expected" ] || { echo "expected $expected plans, got $plans"; exit 1; }
# Not piped into head: curl fails (23) when head exits before it has written all.
curl -fs "http://$HOST:$PORT/v1/commitments.csv" -o "$data_dir/commitments.csv"
head -1 "$data_dir/commitments.csv"
echo "compose path OK: $plans plans served from PostgreSQL"
if [ -n "${GAGT_CI_VENV:-}" ]; then
    "$GAGT_CI_VENV/bin/python" .ci/check-clients.py "http://$HOST:$PORT"
fi
