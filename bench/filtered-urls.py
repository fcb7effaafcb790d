#!/usr/bin/env python3
"""N distinct filtered list URLs of the cold bench's three shapes (milestones
by plan and status, progress updates by plan, commitments by institution,
limit 10-100) over an imported SQLite file, one per line, seeded.

Usage: bench/filtered-urls.py DATA_DIR/gagt.sqlite3 N [SEED] > urls.txt"""
import random
import sqlite3
import sys
import urllib.parse

db = sqlite3.connect(sys.argv[1])
n, rng = int(sys.argv[2]), random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
q = lambda s: urllib.parse.quote(s, safe="")
plans = [r[0] for r in db.execute("SELECT id FROM plans ORDER BY id")]
statuses = [r[0] for r in db.execute("SELECT DISTINCT status FROM milestones ORDER BY status")]
institutions = [r[0] for r in db.execute(
    "SELECT DISTINCT institution_id FROM institution_roles WHERE subject_type = 'commitment' "
    "AND role != 'mentioned' ORDER BY institution_id")]
seen, urls = set(), []
while len(urls) < n:
    kind, limit = rng.randrange(3), rng.randint(10, 100)
    if kind == 0:
        url = f"/v1/milestones?plan={q(rng.choice(plans))}&status={q(rng.choice(statuses))}&limit={limit}"
    elif kind == 1:
        url = f"/v1/progress-updates?plan={q(rng.choice(plans))}&limit={limit}"
    elif institutions:
        url = f"/v1/commitments?institution={q(rng.choice(institutions))}&limit={limit}"
    else:
        continue
    if url not in seen:
        seen.add(url)
        urls.append(url)
print("\n".join(urls))
