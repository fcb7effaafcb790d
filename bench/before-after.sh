#!/usr/bin/env bash
# Before/after for a change to the HTTP layer: an OLD and a NEW release
# binary on the same scale-1 SQLite data, response cache off (every request
# does the work), alternating, 64 connections, DURATION s each, ROUNDS
# rounds: first-time items, filtered list pages (JSON and CSV), and whole-list
# CSV streams (MB/s with curl).
# Usage: OLD=old/binary [NEW=new/binary] [DURATION=10] [ROUNDS=3] bash bench/before-after.sh
# Needs wrk.
set -euo pipefail
OLD="${OLD:?the old release binary}"
NEW="${NEW:-${CARGO_TARGET_DIR:-$HOME/.cache/gagt-target}/release/gobierno-abierto-gt}"
DURATION="${DURATION:-10}" ROUNDS="${ROUNDS:-3}"
W=/tmp/before-after; rm -rf $W; mkdir -p $W
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
start() { RUST_LOG=warn GAGT_CURSOR_KEY=bench $1 --data-dir $W/$2 serve --port $3 --no-bundled-import --response-cache-mb 0 --rate-limit-per-minute 0 >/dev/null 2>&1 & echo $!; }
P_OLD=$(start $OLD old 18101); P_NEW=$(start $NEW new 18102)
trap 'kill $P_OLD $P_NEW 2>/dev/null || true' EXIT
sleep 4
base=http://127.0.0.1:18102
curl -s "$base/v1/commitments.csv?all=1" | tail -n +2 | cut -d, -f1 | sed 's|^|/v1/commitments/|' > $W/commitment-items.txt
curl -s "$base/v1/progress-updates.csv?all=1" | tail -n +2 | cut -d, -f1 | grep -E '^[a-z]{2}-plan-' | sed 's|^|/v1/progress-updates/|' > $W/update-items.txt
plans=$(curl -s "$base/v1/plans.csv?all=1" | tail -n +2 | cut -d, -f1)
for p in $plans; do
  echo "/v1/commitments?plan=$p&sort=-reported_progress&limit=20"
  echo "/v1/milestones?plan=$p&status=started&limit=20"
done > $W/json-lists.txt
for p in $plans; do echo "/v1/milestones.csv?plan=$p"; echo "/v1/progress-updates.csv?plan=$p&limit=100"; done > $W/csv-lists.txt
wc -l $W/*.txt
for round in $(seq 1 "$ROUNDS"); do
  for what in update-items commitment-items json-lists csv-lists; do
    for v in old new; do
      port=18101; [ $v = new ] && port=18102
      out=$(PATHS=$W/$what.txt wrk -t2 -c64 -d${DURATION}s -s $W/paths.lua --latency "http://127.0.0.1:$port")
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p99=$(echo "$out" | awk '$1=="99%" {print $2}')
      non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
      echo "round $round $what $v: $rps req/s, p99 $p99 ${non2xx:+non-2xx $non2xx}"
    done
  done
  for v in old new; do
    port=18101; [ $v = new ] && port=18102
    read -r size secs < <(curl -s -o /dev/null -w '%{size_download} %{time_total}\n' "http://127.0.0.1:$port/v1/progress-updates.csv?all=1")
    echo "round $round stream $v: $(echo "scale=1; $size / $secs / 1000000" | bc) MB/s ($size bytes)"
  done
done
