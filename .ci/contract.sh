#!/usr/bin/env bash
# Contract test: schemathesis (PyPI) generates requests for every operation
# of the served OpenAPI document (at least 100 examples each) and checks every
# response against it: no 5xx, status codes, content types and bodies as
# documented, errors as problem+json. Runs the debug build on the bundled
# data in SQLite, in a folder of its own. Exits non-zero on any failure.
#
# Usage: .ci/contract.sh [MAX_EXAMPLES]   (needs GAGT_CI_VENV with schemathesis)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}"
examples="${1:-100}"
venv="${GAGT_CI_VENV:-$HOME/.cache/gagt-ci-venv}"
[ -x "$venv/bin/schemathesis" ] || "$venv/bin/pip" install -q schemathesis
cargo build --quiet
bin="$CARGO_TARGET_DIR/debug/gobierno-abierto-gt"

data_dir="$(mktemp -d)"
port=$(bench/free-port)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$data_dir"
}
trap cleanup EXIT

# Rate limiting is tested on its own (tests/api/hardening.rs); here it would
# only turn generated traffic into 429s.
RUST_LOG=warn "$bin" --data-dir "$data_dir" serve --port "$port" --rate-limit-per-minute 0 &
pid=$!
for _ in $(seq 1 100); do curl -fs --max-time 5 "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null

# Every check about what the server answers: no server errors, documented
# status codes, content types, bodies and headers, 405 for other methods.
# Left out: the check that every schema-valid input is accepted, because the API is
# stricter than JSON Schema can say (a `q` needs a letter or digit, dates must
# exist). Schema-violating input must be refused (negative_data_rejection).
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/v1/openapi.json" \
    --checks all \
    --exclude-checks positive_data_acceptance \
    --max-examples "$examples" \
    --generation-deterministic \
    --workers 2 \
    --report junit --report-dir "$data_dir/report" | tee "$data_dir/schemathesis.log"
cases=$(grep -A1 '^Test cases:' "$data_dir/schemathesis.log" | tail -1 | sed 's/^ *//')
echo "contract: every operation, up to $examples examples each, all checks but positive_data_acceptance: $cases"
