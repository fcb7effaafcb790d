#!/usr/bin/env bash
# Does the switching allocator (system for `serve`, mimalloc for `import`,
# src/alloc.rs in builds before issue 15) earn its unsafe code? Times the
# scale-N SQLite import with two builds, alternating them, PAIRS times:
#   BIN_A: a build with mimalloc for the import (the `mimalloc` feature)
#   BIN_B: a build on the system allocator only
# and prints wall time and peak RSS of each run, then the medians.
#
# Usage: BIN_A=… BIN_B=… bench/allocators.sh [SCALE] [PAIRS]   (defaults 100, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-100}"
PAIRS="${2:-3}"
: "${BIN_A:?a build with mimalloc for the import}" "${BIN_B:?a build on the system allocator}"
WORK="$(mktemp -d /tmp/gagt-alloc.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export RUST_LOG=warn
"$BIN_B" generate --scale "$SCALE" --out "$WORK/data" | tail -1
sync
run() { # label binary
    rm -rf "$WORK/db"
    sync
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$2" --data-dir "$WORK/db" import "$WORK/data" > /dev/null
    read -r secs kb < "$WORK/time"
    echo "$1 $secs $((kb / 1024))" | tee -a "$WORK/runs"
}
echo "label seconds peak_rss_mb"
for i in $(seq 1 "$PAIRS"); do
    if [ $((i % 2)) -eq 1 ]; then run A "$BIN_A"; run B "$BIN_B"; else run B "$BIN_B"; run A "$BIN_A"; fi
done
for l in A B; do
    awk -v l="$l" '$1 == l {print $2}' "$WORK/runs" | sort -n |
        awk -v l="$l" '{a[NR] = $1} END {printf "median %s: %.1f s over %d runs\n", l, a[int((NR + 1) / 2)], NR}'
done
