#!/usr/bin/env bash
# Before/after on first-time item reads: an OLD and a NEW release binary on
# the same scale-1 SQLite data, response cache off, random ids, alternating,
# 64 connections, 10 s each, three rounds.
# Usage: OLD=path/to/old/binary [NEW=path/to/new/binary] bash bench/cold-items-before-after.sh
# Needs wrk.
set -euo pipefail
OLD="${OLD:?the old release binary}"
NEW="${NEW:-${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}/release/gobierno-abierto-gt}"
W=/tmp/coldbench; rm -rf $W; mkdir -p $W
RUST_LOG=warn $NEW generate --scale 1 --out $W/data >/dev/null
for v in old new; do
  bin=$OLD; [ $v = new ] && bin=$NEW
  RUST_LOG=warn $bin --data-dir $W/$v import $W/data >/dev/null 2>&1
done
cat > $W/paths.lua <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
LUA
start() { RUST_LOG=warn $1 --data-dir $W/$2 serve --port $3 --no-bundled-import --response-cache-mb 0 --rate-limit-per-minute 0 >/dev/null 2>&1 & echo $!; }
P_OLD=$(start $OLD old 18101); P_NEW=$(start $NEW new 18102)
sleep 4
curl -s "http://127.0.0.1:18102/v1/commitments.csv?all=1" | tail -n +2 | cut -d, -f1 | sed 's|^|/v1/commitments/|' > $W/commitments.txt
curl -s "http://127.0.0.1:18102/v1/progress-updates.csv?all=1" | tail -n +2 | cut -d, -f1 | grep -E '^[a-z]{2}-plan-' | sed 's|^|/v1/progress-updates/|' > $W/updates.txt
wc -l $W/commitments.txt $W/updates.txt | head -2
for round in 1 2 3; do
  for what in updates commitments; do
    for v in old new; do
      port=18101; [ $v = new ] && port=18102
      out=$(PATHS=$W/$what.txt wrk -t2 -c64 -d10s -s $W/paths.lua --latency "http://127.0.0.1:$port")
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p99=$(echo "$out" | awk '$1=="99%" {print $2}')
      non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
      echo "round $round $what $v: $rps req/s, p99 $p99 ${non2xx:+non-2xx $non2xx}"
    done
  done
done
kill $P_OLD $P_NEW
