"""Check a running server with the tools our users use.

frictionless validates the served datapackage; SHA256SUMS matches every file;
pandas reads each CSV with the documented columns and row counts; openpyxl
opens the workbook with every sheet; feedparser reads every Atom feed.
Usage: check-clients.py http://127.0.0.1:8080
"""

import hashlib
import io
import json
import sys
import time
import urllib.error
import urllib.request

import feedparser
import frictionless
import openpyxl
import pandas as pd

base = sys.argv[1].rstrip("/")
failures = []


def get(path):
    # A polite client: on 429, wait as long as Retry-After says, then retry.
    for _ in range(5):
        try:
            with urllib.request.urlopen(base + path) as r:
                return r.read()
        except urllib.error.HTTPError as e:
            if e.code != 429:
                raise
            time.sleep(int(e.headers.get("Retry-After", "1")))
    raise RuntimeError(f"still rate-limited after 5 tries: {path}")


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


downloads = json.loads(get("/v1/downloads"))
files = {f["name"]: f for f in downloads["files"]}

# frictionless: the whole package, with types, keys and foreign keys.
report = frictionless.validate(base + "/v1/downloads/latest/datapackage.json")
check(report.valid, "frictionless validate datapackage.json")
if not report.valid:
    for task in report.tasks:
        for error in task.errors[:5]:
            print("     ", task.name, error.message)

# SHA256SUMS against every file.
sums = dict(reversed(line.split("  ", 1)) for line in get("/v1/downloads/latest/SHA256SUMS").decode().splitlines())
for name, f in files.items():
    if name == "SHA256SUMS":
        continue
    body = get(f["revision_url"])
    digest = hashlib.sha256(body).hexdigest()
    check(sums.get(name) == digest == f["sha256"], f"sha256 of {name}")

# pandas: documented columns and row counts, plain and Excel CSV.
package = json.loads(get("/v1/downloads/latest/datapackage.json"))
for resource in package["resources"]:
    columns = [field["name"] for field in resource["schema"]["fields"]]
    rows = files[resource["path"]]["rows"]
    plain = pd.read_csv(base + "/v1/downloads/latest/" + resource["path"], dtype=str, keep_default_na=False)
    check(list(plain.columns) == columns and len(plain) == rows, f"pandas {resource['path']} ({rows} rows)")
    excel_name = resource["path"].replace(".csv", "-excel.csv")
    excel = pd.read_csv(base + "/v1/downloads/latest/" + excel_name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    check(list(excel.columns) == columns and excel.equals(plain), f"pandas {excel_name} equals the plain CSV")
    api = pd.read_csv(base + "/v1/plans.csv", dtype=str) if resource["name"] == "plans" else None
    if api is not None:
        check("6º Plan de Acción Nacional de Gobierno Abierto 2023-2025" in set(api["title"]), "Spanish text intact in /v1/plans.csv")

# openpyxl: every table is a sheet.
xlsx = next(f for f in files.values() if f["format"] == "xlsx")
workbook = openpyxl.load_workbook(io.BytesIO(get(xlsx["url"])), read_only=True)
tables = [r["name"] for r in package["resources"]]
check(workbook.sheetnames == tables, f"openpyxl opens {xlsx['name']} with sheets {tables}")

# feedparser: every feed parses without errors.
for path in [
    "/v1/feeds/progress-updates.atom",
    "/v1/feeds/progress-updates.atom?plan=gt-ogp-nap6",
    "/v1/feeds/progress-updates.atom?institution=gae",
    "/v1/feeds/progress-updates.atom?commitment=gt-ogp-nap6-c1",
]:
    feed = feedparser.parse(get(path))
    check(not feed.bozo and feed.version == "atom10" and len(feed.entries) > 0, f"feedparser {path} ({len(feed.entries)} entries)")

print(f"client checks: {len(failures)} failed")
sys.exit(1 if failures else 0)
