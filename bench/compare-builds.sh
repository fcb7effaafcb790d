#!/usr/bin/env bash
# Serve the bundled data with two builds (OLD and NEW binaries) on SQLite and
# compare their answers, byte for byte, over a list of URLs: every list and
# item in JSON and CSV, filters, sorts, cursors, streams, errors. Prints each
# URL whose status or body differs. Usage: bench/compare-builds.sh OLD NEW
set -euo pipefail
old=$1 new=$2
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
start() { # binary dir port
    GAGT_CURSOR_KEY=compare "$1" --data-dir "$2" serve --port "$3" --bundled-dataset data/canonical --rate-limit-per-minute 0 >"$2.log" 2>&1 &
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$3/readyz" >/dev/null && return; sleep 0.2; done
    echo "server $1 did not start"; cat "$2.log"; exit 1
}
start "$old" "$work/old" 18181
start "$new" "$work/new" 18182
urls=$work/urls
{
  for c in plans commitments milestones progress-updates institutions quality-findings source-documents; do
    echo "/v1/$c"; echo "/v1/$c.csv"; echo "/v1/$c?limit=2"; echo "/v1/$c.csv?all=1"; echo "/v1/$c.csv?all=1&bom=1"
    echo "/v1/$c?format=csv&bom=1"; echo "/v1/$c?sort=-id&limit=3"; echo "/v1/$c?limit=0"; echo "/v1/$c?nope=1"
    echo "/v1/$c?format=xml"; echo "/v1/$c?all=1"; echo "/v1/$c?sort=bogus"; echo "/v1/$c?cursor=abc"
    { curl -sf "http://127.0.0.1:18181/v1/$c?limit=1000" || curl -s "http://127.0.0.1:18181/v1/$c"; } | python3 -c 'import json,sys; [print(d["id"]) for d in json.load(sys.stdin)["data"]]' \
      | while read -r id; do echo "/v1/$c/$id"; echo "/v1/$c/$id.csv"; echo "/v1/$c/$id?format=csv&bom=1"; done
    echo "/v1/$c/no-such-id"
  done
  for q in "plan=gt-ogp-nap6" "status=started" "status=nope" "institution=MINTRAB" "institution=nope" "role=responsible" \
           "institution=mintrab&role=responsible" "progress_min=50" "progress_min=101" "q=informacion" "updated_since=2020-01-01" \
           "updated_since=yesterday" "plan=nope" "sort=-reported_progress&limit=5" "plan=gt-ogp-nap6&sort=-computed_progress"; do
    echo "/v1/commitments?$q"; echo "/v1/milestones?$q"
  done
  for q in "start_from=2023-01-01" "end_to=2024-12-31" "start_from=2023-13-01" "commitment=gt-ogp-nap6-c1" "commitment=nope"; do echo "/v1/milestones?$q"; done
  for q in "percent_min=10&percent_max=90" "reported_from=2024-01-01" "reported_to=bad" "milestone=nope" "sort=-reported_at&limit=7"; do echo "/v1/progress-updates?$q"; done
  for q in "plan=gt-ogp-nap6&sort=average_progress" "kind=government" "kind=nope" "role=partner" "q=ministerio"; do echo "/v1/institutions?$q"; done
  for q in "kind=reported_vs_computed_progress,progress_without_evidence" "kind=nope" "record_type=milestone" "record_type=x"; do echo "/v1/quality-findings?$q"; done
  for q in "kind=ogp_national_action_plan" "kind=x" "country=GT"; do echo "/v1/plans?$q"; done
  echo "/v1/source-documents/002?lines=1-20"; echo "/v1/source-documents/002.csv?lines=5"; echo "/v1/source-documents/002?lines=0"
  echo "/v1/search?q=datos"; echo "/v1/search.csv?q=datos&limit=3"; echo "/v1/search?q=datos&type=plan"; echo "/v1/search?q="; echo "/v1/search"
  echo "/v1/search?q=datos&plan=nope"; echo "/v1/changes?since=0"; echo "/v1/changes.csv?since=0&limit=5"; echo "/v1/changes?since=-1"; echo "/v1/changes"
  echo "/v1"; echo "/v1.csv"; echo "/v1/downloads"; echo "/v1/downloads.csv"; echo "/v1/feeds/progress-updates.atom?limit=3"
  echo "/v1/feeds/progress-updates.atom?limit=0"; echo "/v1/feeds/progress-updates.atom?plan=nope"
}  > "$urls"
diffs=0 n=0
while read -r u; do
  n=$((n + 1))
  a=$(curl -s -o "$work/a" -w '%{http_code} %{content_type}' "http://127.0.0.1:18181$u")
  b=$(curl -s -o "$work/b" -w '%{http_code} %{content_type}' "http://127.0.0.1:18182$u")
  # Request ids and import times differ by design.
  sed -i -E 's/"request_id":"[^"]*"//; s/20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TIME/g' "$work/a" "$work/b"
  if [ "$a" != "$b" ] || ! cmp -s "$work/a" "$work/b"; then
    diffs=$((diffs + 1)); echo "DIFF $u: $a | $b"
    diff <(head -c 600 "$work/a") <(head -c 600 "$work/b") | head -6 || true
  fi
done < "$urls"
echo "$n URLs compared, $diffs differ"
