#!/usr/bin/env bash
# The README's test command, run 20 times in a row and then 5 times with two
# suites at once, counting failed tests and crashed test processes (a
# signal such as SIGSEGV at exit). Output: bench/results/test-stress.txt.
#   bash bench/test-stress.sh [runs] [parallel-pairs]
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}"
runs="${1:-20}"
pairs="${2:-5}"
out=bench/results/test-stress.txt
logs=$(mktemp -d)
mkdir -p bench/results
cargo test --no-run -q 2>/dev/null || { echo "the tests do not build"; exit 1; }

# One suite: its passed/failed counts and whether any test process crashed.
summarise() {
    local log=$1
    local passed failed crashed
    read -r passed failed < <(awk '/^test result:/ {for (i = 2; i <= NF; i++) {if ($i == "passed;") p += $(i-1); if ($i == "failed;") f += $(i-1)}} END {print p + 0, f + 0}' "$log")
    crashed=$(grep -c "signal: [0-9]" "$log")
    echo "$passed $failed $crashed"
}

total_failed=0
total_crashed=0
{
    echo "# bench/test-stress.sh $runs $pairs"
    echo "# commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src tests || echo ' (with uncommitted changes)'), $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores"
} | tee "$out"
for i in $(seq 1 "$runs"); do
    start=$(date +%s)
    cargo test >"$logs/seq-$i.log" 2>&1
    rc=$?
    read -r p f c < <(summarise "$logs/seq-$i.log")
    total_failed=$((total_failed + f)); total_crashed=$((total_crashed + c))
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && [ "$c" -eq 0 ] && total_crashed=$((total_crashed + 1))
    echo "in a row $i/$runs: exit $rc, $p passed, $f failed, $c crashed, $(( $(date +%s) - start )) s" | tee -a "$out"
    [ "$rc" -ne 0 ] && grep -E "^test .* FAILED|panicked|signal:" "$logs/seq-$i.log" | head -20 | sed 's/^/    /' | tee -a "$out"
done
for i in $(seq 1 "$pairs"); do
    start=$(date +%s)
    cargo test >"$logs/par-$i-a.log" 2>&1 &
    a=$!
    cargo test >"$logs/par-$i-b.log" 2>&1 &
    b=$!
    wait "$a"; rca=$?
    wait "$b"; rcb=$?
    for side in a b; do
        log="$logs/par-$i-$side.log"
        rc=$rca; [ "$side" = b ] && rc=$rcb
        read -r p f c < <(summarise "$log")
        total_failed=$((total_failed + f)); total_crashed=$((total_crashed + c))
        [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && [ "$c" -eq 0 ] && total_crashed=$((total_crashed + 1))
        echo "two at once $i/$pairs ($side): exit $rc, $p passed, $f failed, $c crashed, $(( $(date +%s) - start )) s" | tee -a "$out"
        [ "$rc" -ne 0 ] && grep -E "^test .* FAILED|panicked|signal:" "$log" | head -20 | sed 's/^/    /' | tee -a "$out"
    done
done
echo "total: $total_failed failed tests, $total_crashed crashed or failed processes" | tee -a "$out"
rm -rf "$logs"
[ "$total_failed" -eq 0 ] && [ "$total_crashed" -eq 0 ]
