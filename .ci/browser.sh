#!/usr/bin/env bash
# Browser suite: every page type in both languages in headless Chromium
# (Debian's chromium + chromium-driver, never a downloaded browser), axe-core
# at 1280 and 375 px, content checked against the API, every internal link
# followed once, screenshots in ci-artifacts/screenshots/. Starts and stops
# its own server (the debug build) on a free port with a fresh data dir.
#
# Usage: .ci/browser.sh [SERVER_BINARY]
#   default binary: $GAGT_BIN, else $CARGO_TARGET_DIR/debug/gobierno-abierto-gt
#   (built by `cargo test`/`cargo build` before; this script runs no cargo).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}"
bin="${1:-${GAGT_BIN:-$CARGO_TARGET_DIR/debug/gobierno-abierto-gt}}"
[ -x "$bin" ] || { echo "browser: no server binary at $bin (build it first)" >&2; exit 2; }

need=()
for pkg in chromium chromium-driver; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

venv="$HOME/.cache/gagt-browser-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r tests/browser/requirements.txt

(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

"$venv/bin/python" tests/browser/suite.py --bin "$bin"
