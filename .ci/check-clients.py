"""Check a running server with the tools our users use.

frictionless validates the served datapackage; SHA256SUMS matches every file;
pandas reads each CSV with the documented columns and row counts; openpyxl
opens the workbook with every sheet; pyarrow and DuckDB read every Parquet
file and Python's sqlite3 the SQLite database (row counts against the API,
exact decimals and accented text against the API's JSON); feedparser reads
every Atom feed.
Usage: check-clients.py http://127.0.0.1:8080
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import urllib.error
import urllib.request
from decimal import Decimal

import duckdb
import feedparser
import frictionless
import openpyxl
import pandas as pd
import pyarrow.parquet as pq

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
tabular = [r for r in package["resources"] if r["format"] == "csv"]
for resource in tabular:
    columns = [field["name"] for field in resource["schema"]["fields"]]
    rows = files[resource["path"]]["rows"]
    # Through get(): a polite client, however many files there are.
    plain = pd.read_csv(io.BytesIO(get("/v1/downloads/latest/" + resource["path"])), dtype=str, keep_default_na=False)
    check(list(plain.columns) == columns and len(plain) == rows, f"pandas {resource['path']} ({rows} rows)")
    excel_name = resource["path"].replace(".csv", "-excel.csv")
    excel = pd.read_csv(io.BytesIO(get("/v1/downloads/latest/" + excel_name)), dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    check(list(excel.columns) == columns and excel.equals(plain), f"pandas {excel_name} equals the plain CSV")
    api = pd.read_csv(io.BytesIO(get("/v1/plans.csv")), dtype=str) if resource["name"] == "plans" else None
    if api is not None:
        check("6º Plan de Acción Nacional de Gobierno Abierto 2023-2025" in set(api["title"]), "Spanish text intact in /v1/plans.csv")

# openpyxl: the first sheet describes the data, then every table is a
# sheet with a frozen, filterable header; one workbook per plan; any list
# as XLSX with its filters, in Spanish.
xlsx = next(f for f in files.values() if f["format"] == "xlsx")
workbook = openpyxl.load_workbook(io.BytesIO(get(xlsx["url"])))
tables = [r["name"] for r in tabular]
check(workbook.sheetnames == ["Acerca de"] + tables, f"openpyxl opens {xlsx['name']} with 'Acerca de' and sheets {tables}")
check(all(workbook[t].freeze_panes == "A2" and workbook[t].auto_filter.ref.startswith("A1:") for t in tables),
      "every sheet has a frozen, filterable header")
about = [r for r in workbook["Acerca de"].iter_rows(values_only=True)]
check(any(r[0] and r[0].startswith("Licencia") and r[1].startswith("CC BY") for r in about), "the first sheet gives the license")
described = {(r[0], r[2]) for r in about if r[0] in tables and r[4]}
check(all((t, c) in described for t in tables for c in [x.value for x in workbook[t][1]]),
      "the first sheet gives every column's meaning")
plan_books = [f for f in files.values() if f["format"] == "xlsx-plan"]
api_plans = json.loads(get("/v1/plans?limit=1000"))["data"]
check(sorted(f["plan"] for f in plan_books) == sorted(p["id"] for p in api_plans), f"one workbook per plan ({len(plan_books)})")
for f in plan_books:
    book = openpyxl.load_workbook(io.BytesIO(get(f["url"])), read_only=True)
    milestones = json.loads(get(f"/v1/milestones?plan={f['plan']}&limit=1"))["total"]
    rows = book["flat_milestones"].max_row - 1
    check(rows == milestones, f"{f['name']}: {rows} milestones, as the API")
nap6 = "gt-ogp-nap6"
listed = openpyxl.load_workbook(io.BytesIO(get(f"/v1/milestones.xlsx?plan={nap6}&lang=es")))
sheet = listed["hitos"]
total = json.loads(get(f"/v1/milestones?plan={nap6}&limit=1"))["total"]
header = [c.value for c in sheet[1]]
check(listed.sheetnames == ["Acerca de", "hitos"] and sheet.max_row == total + 1 and "Fecha de fin" in header,
      f"/v1/milestones.xlsx?plan={nap6}&lang=es: {sheet.max_row - 1} rows of {total}, Spanish header")
end = header.index("Fecha de fin")
check(any(isinstance(r[end], datetime.datetime) for r in sheet.iter_rows(min_row=2, values_only=True)),
      "end dates are Excel dates")
doc = header.index("Documento fuente")
check(all(isinstance(r[doc], str) and r[doc].startswith("00") for r in sheet.iter_rows(min_row=2, values_only=True)),
      "ids such as 002 stay text")

# The typed files, against the API. Its numbers are read as exact decimals.
collections = {"plans", "commitments", "milestones", "progress_updates", "institutions", "quality_findings", "source_documents"}


def api(path):
    return json.loads(get(path), parse_float=Decimal)


def api_rows(table):
    """Rows the API lists for a table that is a collection, else the manifest's count."""
    if table in collections:
        return api_totals.setdefault(table, api(f"/v1/{table.replace('_', '-')}?limit=1")["total"])
    return files[f"{table}.csv"]["rows"]


api_totals = {}


api_percent = {u["id"]: u["percent"] for u in api("/v1/progress-updates?limit=1000")["data"]}
api_titles = {p["id"]: p["title"] for p in api("/v1/plans?limit=1000")["data"]}
api_names = {i["id"]: i["name"] for i in api("/v1/institutions?limit=1000")["data"]}
decimals = {k: v for k, v in api_percent.items() if v is not None and v != int(v)}
check(len(decimals) > 0, f"the API has percentages with decimals to compare ({sorted(set(decimals.values()))[:5]})")
accented = {k: v for k, v in {**api_titles, **api_names}.items() if any(ord(c) > 127 for c in v)}
check(len(accented) > 0, f"the API has accented names to compare ({len(accented)})")
workdir = tempfile.mkdtemp(prefix="check-clients-")

# pyarrow: every table's Parquet file has the CSV's columns and the API's rows; values exact.
columns_of = {r["name"]: [field["name"] for field in r["schema"]["fields"]] for r in tabular}
for f in (f for f in files.values() if f["format"] == "parquet"):
    body = get(f["url"])
    path = os.path.join(workdir, f["name"])
    with open(path, "wb") as out:
        out.write(body)
    table = pq.read_table(io.BytesIO(body))
    expected = api_rows(f["table"])
    check(table.num_rows == expected == f["rows"] and table.column_names == columns_of[f["table"]],
          f"pyarrow {f['name']} ({table.num_rows} rows, the API's {expected})")
    count = duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
    check(count == expected, f"duckdb count(*) of {f['name']} ({count})")
updates = pq.read_table(os.path.join(workdir, "progress_updates.parquet")).to_pylist()
percent = {u["id"]: u["percent"] for u in updates}
check(all(percent[k] == v for k, v in api_percent.items()) and all(percent[k] == v for k, v in decimals.items()),
      f"pyarrow percentages are the API's exact decimals ({len(api_percent)}, e.g. {[str(percent[k]) for k in list(decimals)[:3]]})")
plans = {p["id"]: p["title"] for p in pq.read_table(os.path.join(workdir, "plans.parquet")).to_pylist()}
institutions = {i["id"]: i["name"] for i in pq.read_table(os.path.join(workdir, "institutions.parquet")).to_pylist()}
check(all({**plans, **institutions}[k] == v for k, v in accented.items()), "pyarrow accented titles and names are the API's")
sample = next(iter(decimals))
got = duckdb.execute(f"select percent from read_parquet('{workdir}/progress_updates.parquet') where id = ?", [sample]).fetchall()[0][0]
check(got == decimals[sample] and isinstance(got, Decimal), f"duckdb reads {sample} percent as Decimal {got}")

# sqlite3: one database with every table, the API's rows and values.
database = next(f for f in files.values() if f["format"] == "sqlite")
path = os.path.join(workdir, database["name"])
with open(path, "wb") as out:
    out.write(get(database["url"]))
db = sqlite3.connect(path)
for table in tables:
    count = db.execute(f'select count(*) from "{table}"').fetchone()[0]
    check(count == api_rows(table), f"sqlite3 {table} ({count} rows)")
rows = dict(db.execute("select id, percent from progress_updates"))
check(all(rows[k] == (None if v is None else float(v)) for k, v in api_percent.items())
      and all(repr(rows[k]) == str(v) for k, v in decimals.items()),
      f"sqlite3 percentages are the API's ({[repr(rows[k]) for k in list(decimals)[:3]]})")
names = dict(db.execute("select id, title from plans union all select id, name from institutions"))
check(all(names[k] == v for k, v in accented.items()), "sqlite3 accented titles and names are the API's")
revision = db.execute("select value from about where key = 'revision'").fetchone()[0]
described = db.execute("select count(distinct table_name) from dictionary").fetchone()[0]
check(revision == str(downloads["revision"]) and described == len(tables),
      f"sqlite3 about says revision {revision}; dictionary describes {described} tables")
db.close()
shutil.rmtree(workdir)

# feedparser: every feed parses without errors.
for path in [
    "/v1/feeds/progress-updates.atom",
    "/v1/feeds/progress-updates.atom?plan=gt-ogp-nap6",
    "/v1/feeds/progress-updates.atom?institution=gae",
    "/v1/feeds/progress-updates.atom?commitment=gt-ogp-nap6-c1",
    "/v1/feeds/revisions.atom",
]:
    feed = feedparser.parse(get(path))
    check(not feed.bozo and feed.version == "atom10" and len(feed.entries) > 0, f"feedparser {path} ({len(feed.entries)} entries)")

print(f"client checks: {len(failures)} failed")
sys.exit(1 if failures else 0)
