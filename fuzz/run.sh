#!/usr/bin/env bash
# Fuzz every target (or those named) for a fixed time each with cargo-fuzz
# (libFuzzer, AddressSanitizer, nightly toolchain), starting from the inputs
# kept in fuzz/regressions/<target>/. Afterwards:
#   - a crash is copied into fuzz/regressions/<target>/ (the regression test
#     `tests/api/fuzz_regressions.rs` replays it in `cargo test`) and the run fails;
#   - the other kept inputs are replaced by a small set covering everything
#     reached so far (libFuzzer's -set_cover_merge over them and the corpus);
#   - the figures go into fuzz/RESULTS.md between its BEGIN/END markers.
#
# Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]   (default: 120 s, all targets)
#        FUZZ_NO_BUILD=1 fuzz/run.sh ...   to skip rebuilding the targets
set -euo pipefail
cd "$(dirname "$0")/.."
EACH="${1:-120}"
shift || true
ALL=(query filters cursor requests platform_report)
[ "$#" -gt 0 ] && TARGETS=("$@") || TARGETS=("${ALL[@]}")
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup run nightly rustc --version >/dev/null 2>&1 || {
    echo "cargo-fuzz needs a nightly toolchain: rustup toolchain install nightly" >&2
    exit 1
}
# The fuzz build (instrumented, nightly) is kept apart from the service's.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}/fuzz"
CORPUS="${FUZZ_CORPUS:-$HOME/.cache/gagt-fuzz-corpus}"
WORK="$(mktemp -d /tmp/gagt-fuzz.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
# FUZZ_NO_BUILD=1 reuses the targets built last time (the instrumented
# build of the whole service takes a good while on two cores).
[ "${FUZZ_NO_BUILD:-0}" = 1 ] || cargo +nightly fuzz build
BIN_DIR="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release"
# The bundled SQLite amalgamation has two static arrays named `aiOff` in
# different functions; AddressSanitizer's one-definition check mistakes them
# for a violation.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_odr_violation=0}"
rows=()
failed=0
for t in "${TARGETS[@]}"; do
    kept="fuzz/regressions/$t"
    mkdir -p "$CORPUS/$t" "$WORK/$t"
    before=$(ls "$kept" | wc -l)
    echo "== $t: $EACH s"
    status=0
    # actix-router leaks its route parameter names on purpose (once, when the
    # in-process app of `requests` starts): leak checks would stop there.
    leaks=1
    [ "$t" = requests ] && leaks=0
    ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=$leaks" "$BIN_DIR/$t" "$CORPUS/$t" "$kept" -max_total_time="$EACH" -max_len=65536 -timeout=10 -detect_leaks=$leaks \
        -print_final_stats=1 -artifact_prefix="$WORK/$t/" > "$WORK/$t.log" 2>&1 || status=$?
    crashes=0
    for f in "$WORK/$t"/*; do
        [ -e "$f" ] || continue
        cp "$f" "$kept/$(basename "$f")"
        crashes=$((crashes + 1))
    done
    # Keep a small set covering everything reached so far (libFuzzer's set
    # cover over the kept inputs and this run's corpus); seeds and crashes
    # stay as they are, by name.
    mkdir -p "$WORK/$t.kept"
    if ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=$leaks" "$BIN_DIR/$t" -set_cover_merge=1 -max_len=65536 \
        "$WORK/$t.kept" "$kept" "$CORPUS/$t" > "$WORK/$t.merge.log" 2>&1; then
        find "$kept" -type f ! -name 'seed-*' ! -name 'crash-*' ! -name 'leak-*' ! -name 'timeout-*' -delete
        cp -n "$WORK/$t.kept"/* "$kept/" 2>/dev/null || true
    fi
    after=$(ls "$kept" | wc -l)
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$WORK/$t.log" | tail -1)
    speed=$(awk '/stat::average_exec_per_sec/ {print $2}' "$WORK/$t.log" | tail -1)
    cov=$( (grep -oE 'cov: [0-9]+ ft: [0-9]+' "$WORK/$t.log" || true) | tail -1)
    corpus=$(ls "$CORPUS/$t" | wc -l)
    if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        failed=1
        echo "$t FAILED (exit $status); the input is in $kept:"
        grep -E 'panicked|ERROR|SUMMARY' "$WORK/$t.log" | head -5
    fi
    rows+=("| \`$t\` | $EACH | ${runs:-?} | ${speed:-?} | ${cov:-?} | $corpus | $crashes | $after ($((after - before))) |")
    echo "${rows[-1]}"
done
{
    echo "<!-- BEGIN fuzz/run.sh -->"
    echo "Run on $(date -u +%Y-%m-%d) on this machine ($(nproc) cores, $(uname -m)), \`fuzz/run.sh $EACH\`, $(rustup run nightly rustc --version | cut -d' ' -f1-2), libFuzzer with AddressSanitizer."
    echo
    echo "| target | seconds | executions | per second | coverage (edges, features) | corpus | crashes | kept inputs (change) |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    printf '%s\n' "${rows[@]}"
    echo "<!-- END fuzz/run.sh -->"
} > "$WORK/table.md"
python3 bench/put-section.py fuzz/RESULTS.md fuzz/run.sh "$WORK/table.md"
cat "$WORK/table.md"
[ "$failed" -eq 0 ] || { echo "fuzzing found failures"; exit 1; }
echo "fuzzing found nothing"
