#!/usr/bin/env bash
# An import's memory over time: runs `import` into an empty data folder and
# samples its resident set every half second beside the phase log lines, so
# that the peak can be put against the phase that makes it.
#
# Usage: bench/import-memory.sh BIN INPUT_DIR [OUT_LOG]
#   e.g. bench/import-memory.sh target/release/gobierno-abierto-gt /tmp/s100/data
# Prints the log with `rss` lines interleaved (sampled to a file of their own, merged by time), then the peak and when it came.
# KEEP=1 keeps the data folder (its database and snapshot files) and prints where it is.
set -u
BIN=$1; INPUT=$2; OUT=${3:-$(mktemp /tmp/import-memory.XXXX.log)}
WORK=$(mktemp -d /tmp/import-memory.XXXX)
start=$(date +%s.%N)
RUST_LOG=${RUST_LOG:-info,gagt=debug} "$BIN" --data-dir "$WORK" import "$INPUT" > "$OUT" 2>&1 &
P=$!
peak=0; peak_at=0
while kill -0 $P 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$P/status 2>/dev/null)
  if [ -n "$rss" ]; then
    at=$(echo "$(date +%s.%N) - $start" | bc)
    echo "[$(date -u +%Y-%m-%dT%H:%M:%SZ) rss] ${rss} MB at ${at} s" >> "$OUT.rss"
    if [ "$rss" -gt "$peak" ]; then peak=$rss; peak_at=$at; fi
  fi
  sleep 0.5
done
wait $P; rc=$?
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
if [ "${KEEP:-0}" = 1 ]; then echo "data folder kept: $WORK"; else rm -rf "$WORK"; fi
# The samples beside the log lines, in time order (both start with the UTC time).
sort -s -k1,1 "$OUT" "$OUT.rss" > "$OUT.merged" && mv "$OUT.merged" "$OUT" && rm -f "$OUT.rss"
echo "log: $OUT"
printf 'import exit %s in %.1f s; peak RSS %s MB at %.1f s\n' "$rc" "$elapsed" "$peak" "$peak_at"
