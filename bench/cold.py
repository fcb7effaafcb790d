"""The cold path, for bench/cold.sh: first-time requests against our server
(response cache off), nginx serving the very same bytes as static files,
and Datasette on the same SQLite file.

    cold.py prepare  pick the URLs, fetch each once from our server and
                     write the bodies as nginx's files (untimed)
    cold.py verify   a few of nginx's files are byte-identical to ours
    cold.py loads    the wrk loads and the crawls, alternating the servers;
                     prints the table rows on stdout

Everything is configured by cold.sh through the environment (see `Env`).
Progress goes to stderr as `== [m:ss] cold: ...` lines, like bench/run.sh's.
"""
import http.client
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True  # no __pycache__ left in bench/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wrk_summary  # noqa: E402  (bench/ is not a package)

# Every collection with a record URL: API name, SQLite table, page prefix.
COLLECTIONS = [
    ("plans", "plans", "planes"),
    ("commitments", "commitments", "compromisos"),
    ("milestones", "milestones", "hitos"),
    ("progress-updates", "progress_updates", "avances"),
    ("institutions", "institutions", "instituciones"),
    ("quality-findings", "quality_findings", "hallazgos"),
    ("source-documents", "source_documents", "fuentes"),
]
SERVERS = ("ours", "nginx", "datasette")
CRAWL_PAGE = 1000


class Env:
    work = os.environ["COLD_WORK"]  # lists, wrk outputs, results
    www = os.path.join(os.environ["COLD_WORK"], "www")  # nginx's root
    db = os.environ["COLD_DB"]  # the SQLite file both servers read
    ports = {s: int(os.environ[f"COLD_PORT_{s.upper()}"]) for s in SERVERS}
    datasette = os.environ.get("COLD_DATASETTE_LABEL", "Datasette")
    sample = int(os.environ.get("COLD_SAMPLE", "100000"))
    filtered = int(os.environ.get("COLD_FILTERED", "4000"))
    seed = int(os.environ.get("COLD_SEED", "18"))
    duration = int(os.environ.get("COLD_DURATION", "10"))
    runs = int(os.environ.get("RUNS", "3"))
    # A crawl takes seconds to minutes (Datasette's is the longest): its
    # rounds can be fewer than the loads' (still alternating the servers).
    crawl_runs = int(os.environ.get("COLD_CRAWL_RUNS") or os.environ.get("RUNS", "3"))
    conns = int(os.environ.get("COLD_CONNS", "64"))
    threads = 2  # wrk threads: one per core
    start = int(os.environ.get("BENCH_START") or time.time())


def stage(msg):
    t = int(time.time()) - Env.start
    print(f"== [{t // 60}:{t % 60:02d}] cold: {msg}", file=sys.stderr, flush=True)


def die(msg):
    print(f"cold.py: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


# ---------------------------------------------------------------- HTTP client

class Client:
    """One keep-alive connection to 127.0.0.1:port (http.client reconnects
    by itself when the server closed it between requests)."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path):
        self.conn.request("GET", path)
        r = self.conn.getresponse()
        return r.status, r, r.read()


def path_of(url):
    """The path and query of an absolute or relative URL."""
    u = urllib.parse.urlsplit(url)
    return u.path + (f"?{u.query}" if u.query else "")


def link_next(resp):
    """The target of an RFC 8288 `Link: <...>; rel="next"` header, or None."""
    m = re.search(r'<([^>]*)>\s*;\s*rel="?next"?', resp.getheader("Link") or "")
    return path_of(m.group(1)) if m else None


def fetch_all(port, jobs, label):
    """Fetch (path, file) pairs from our server with a few keep-alive clients
    and write each body to its file; every answer must be a 200."""
    done = [0]
    lock = threading.Lock()
    step = max(len(jobs) // 10, 1000)

    failed = threading.Event()

    def work(chunk):
        client = Client(port)
        for path, file in chunk:
            if failed.is_set():
                return  # another client failed: stop now, not at the chunk's end
            status, _, body = client.get(path)
            if status != 200:
                failed.set()
                raise RuntimeError(f"{path}: HTTP {status} from our server ({body[:200]!r})")
            with open(file, "wb") as f:
                f.write(body)
            with lock:
                done[0] += 1
                if done[0] % step == 0:
                    stage(f"{label}: {done[0]} of {len(jobs)} fetched")

    # Four clients keep both of the server's workers busy; the chunks are
    # contiguous so that each client writes into few directories at a time.
    n = 4
    chunks = [jobs[i * len(jobs) // n:(i + 1) * len(jobs) // n] for i in range(n)]
    with ThreadPoolExecutor(n) as pool:
        for f in [pool.submit(work, c) for c in chunks]:
            f.result()  # re-raises a failed fetch: the run stops loudly


# ------------------------------------------------------------------- prepare

def tilde(value):
    """Datasette's tilde encoding of a primary key in a row URL."""
    safe = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    return "".join(c if c in safe else "".join(f"~{b:02X}" for b in c.encode()) for c in value)


def share(counts, budget):
    """Split a budget of URLs over collections as evenly as their sizes allow:
    a small collection gives all its records and leaves the rest to others."""
    out, left = {}, budget
    for i, (name, n) in enumerate(sorted(counts.items(), key=lambda kv: kv[1])):
        out[name] = min(n, left // (len(counts) - i))
        left -= out[name]
    return out


def write_list(name, server, paths):
    with open(os.path.join(Env.work, "lists", f"{name}.{server}"), "w") as f:
        f.write("\n".join(paths) + "\n")


def prepare():
    os.makedirs(os.path.join(Env.work, "lists"), exist_ok=True)
    db = sqlite3.connect(f"file:{Env.db}?mode=ro", uri=True)
    rng = random.Random(Env.seed)
    ids, skipped = {}, 0
    for api, table, _ in COLLECTIONS:
        # Sorted first, so the shuffle depends on the seed alone.
        all_ids = [r[0] for r in db.execute(f"SELECT id FROM {table} ORDER BY id")]
        # A slash cannot be a file name in nginx's tree.
        keep = [i for i in all_ids if "/" not in i]
        skipped += len(all_ids) - len(keep)
        rng.shuffle(keep)
        ids[api] = keep
    counts = {api: len(v) for api, v in ids.items()}
    stage(f"records: {', '.join(f'{k} {v}' for k, v in counts.items())}" + (f"; {skipped} ids with '/' left out" if skipped else ""))

    # The sample: half JSON items, a fifth CSV items, the rest HTML pages.
    json_n = share(counts, Env.sample // 2)
    csv_n = share(counts, Env.sample // 5)
    html_n = share(counts, Env.sample - Env.sample // 2 - Env.sample // 5)
    loads, jobs = [], []
    table_of = {api: table for api, table, _ in COLLECTIONS}
    page_of = {api: page for api, _, page in COLLECTIONS}
    q = lambda i: urllib.parse.quote(i, safe="")  # noqa: E731
    for api, _, page in COLLECTIONS:
        os.makedirs(os.path.join(Env.www, "v1", api), exist_ok=True)
        os.makedirs(os.path.join(Env.www, page), exist_ok=True)

    def item_load(name, label, entries, ours_shape, ds_shape):
        """entries: (collection, id). Our path and nginx's path are the same
        (nginx decodes %XX into the file name); Datasette has its own."""
        ours = [ours_shape(api, i) for api, i in entries]
        write_list(name, "ours", ours)
        write_list(name, "nginx", ours)
        write_list(name, "datasette", [ds_shape(api, i) for api, i in entries])
        for path, (api, i) in zip(ours, entries):
            jobs.append((path, os.path.join(Env.www, urllib.parse.unquote(path.lstrip("/")))))
        loads.append({"name": name, "label": label, "distinct": len(entries),
                      "ours_shape": ours[0] if ours else "", "datasette_shape": ds_shape(*entries[0]) if entries else ""})

    # JSON items: a load per collection (their costs differ a lot). The
    # collection's slice of ids starts at 0; CSV and HTML take later slices,
    # so each URL's record is drawn at random and no file is written twice.
    for api, _, _ in COLLECTIONS:
        if json_n[api]:
            item_load(f"json-{api}", f"JSON: {api}", [(api, i) for i in ids[api][:json_n[api]]],
                      lambda a, i: f"/v1/{a}/{q(i)}", lambda a, i: f"/gagt/{table_of[a]}/{tilde(i)}.json")

    def mixed(take):
        entries = [(api, i) for api, _, _ in COLLECTIONS for i in take(api)]
        rng.shuffle(entries)
        return entries

    # CSV and HTML: one load each, every collection mixed in one shuffled
    # order. The ids are drawn afresh (the same record may be in the JSON
    # load too: a different URL, a different file).
    item_load("csv", "CSV: every collection mixed", mixed(lambda a: rng.sample(ids[a], csv_n[a])),
              lambda a, i: f"/v1/{a}/{q(i)}.csv", lambda a, i: f"/gagt/{table_of[a]}/{tilde(i)}.csv")
    item_load("html", "HTML page: every collection mixed", mixed(lambda a: rng.sample(ids[a], html_n[a])),
              lambda a, i: f"/{page_of[a]}/{q(i)}", lambda a, i: f"/gagt/{table_of[a]}/{tilde(i)}")

    # Filtered lists: distinct URLs over plans, statuses, institutions and
    # page sizes; nginx gets them as numbered files (a query string is no
    # file name), Datasette the same filters in its own parameters.
    plans = [r[0] for r in db.execute("SELECT id FROM plans ORDER BY id")]
    statuses = [r[0] for r in db.execute("SELECT DISTINCT status FROM milestones ORDER BY status")]
    institutions = [r[0] for r in db.execute(
        "SELECT DISTINCT institution_id FROM institution_roles WHERE subject_type = 'commitment' "
        "AND role != 'mentioned' ORDER BY institution_id")]
    seen, filtered = set(), []
    budget = min(Env.filtered, 91 * (len(plans) * (len(statuses) + 1) + len(institutions)))
    while len(filtered) < budget:
        kind, limit = rng.randrange(3), rng.randint(10, 100)
        if kind == 0:
            p, s = rng.choice(plans), rng.choice(statuses)
            ours = f"/v1/milestones?plan={q(p)}&status={q(s)}&limit={limit}"
            ds = f"/gagt/milestones.json?plan_id={q(p)}&status={q(s)}&_size={limit}&_shape=objects"
        elif kind == 1:
            p = rng.choice(plans)
            ours = f"/v1/progress-updates?plan={q(p)}&limit={limit}"
            ds = f"/gagt/progress_updates.json?plan_id={q(p)}&_size={limit}&_shape=objects"
        else:
            if not institutions:
                continue
            i = rng.choice(institutions)
            ours = f"/v1/commitments?institution={q(i)}&limit={limit}"
            # Our filter: any part in the commitment but a mere mention.
            where = ("id in (select subject_id from institution_roles where subject_type = 'commitment' "
                     f"and institution_id = '{i.replace(chr(39), chr(39) * 2)}' and role != 'mentioned')")
            ds = f"/gagt/commitments.json?_where={q(where)}&_size={limit}&_shape=objects"
        if ours in seen:
            continue
        seen.add(ours)
        filtered.append((ours, ds))
    os.makedirs(os.path.join(Env.www, "lists"), exist_ok=True)
    write_list("filtered", "ours", [o for o, _ in filtered])
    write_list("filtered", "nginx", [f"/lists/{n}" for n in range(len(filtered))])
    write_list("filtered", "datasette", [d for _, d in filtered])
    jobs += [(o, os.path.join(Env.www, "lists", str(n))) for n, (o, _) in enumerate(filtered)]
    loads.append({"name": "filtered", "label": "filtered list page", "distinct": len(filtered),
                  "ours_shape": "/v1/milestones?plan=P&status=S&limit=L, /v1/progress-updates?plan=P&limit=L, "
                                "/v1/commitments?institution=I&limit=L",
                  "datasette_shape": "?plan_id=P&status=S&_size=L, _where=id in (select ... institution_roles)"})

    stage(f"saving {len(jobs)} first-time responses from our server as nginx's files")
    t = time.time()
    fetch_all(Env.ports["ours"], jobs, "sample")
    stage(f"saved {len(jobs)} responses in {time.time() - t:.0f} s")

    crawl = crawl_save(counts_all={api: db.execute(f"SELECT count(*) FROM {table_of[api]}").fetchone()[0]
                                   for api, _, _ in COLLECTIONS})
    with open(os.path.join(Env.work, "plan.json"), "w") as f:
        json.dump({"loads": loads, "crawl": crawl, "sample": len(jobs)}, f)
    check_datasette(loads)


def crawl_save(counts_all):
    """The untimed first pass of the crawl: every page of every collection
    from our server, saved as numbered files for nginx; checks that the pages
    hold every record."""
    stage(f"crawl, untimed pass saving the pages (limit={CRAWL_PAGE})")
    client, out = Client(Env.ports["ours"]), {}
    for api, table, _ in COLLECTIONS:
        os.makedirs(os.path.join(Env.www, "crawl", api), exist_ok=True)
        path, pages, rows, size = f"/v1/{api}?limit={CRAWL_PAGE}", [], 0, 0
        while path:
            status, resp, body = client.get(path)
            if status != 200:
                die(f"{path}: HTTP {status} from our server")
            rows += len(json.loads(body)["data"])
            size += len(body)
            with open(os.path.join(Env.www, "crawl", api, str(len(pages))), "wb") as f:
                f.write(body)
            pages.append(f"/crawl/{api}/{len(pages)}")
            path = link_next(resp)
        if rows != counts_all[api]:
            die(f"crawl of {api}: {rows} records through next links, {counts_all[api]} rows in {table}")
        with open(os.path.join(Env.work, "lists", f"crawl-{api}.nginx"), "w") as f:
            f.write("\n".join(pages) + "\n")
        out[api] = {"table": table, "rows": rows, "pages": len(pages), "bytes": size}
    stage("crawl pages saved: " + ", ".join(f"{api} {c['pages']}" for api, c in out.items()))
    return out


def check_datasette(loads):
    """The first URLs of every Datasette list answer 200, so a wrong URL shape
    fails here rather than as a fast stream of 404s under load."""
    client = Client(Env.ports["datasette"])
    for load in loads:
        with open(os.path.join(Env.work, "lists", f"{load['name']}.datasette")) as f:
            for path in [next(f).rstrip("\n") for _ in range(min(20, load["distinct"]))]:
                status, _, body = client.get(path)
                if status != 200:
                    die(f"Datasette {path}: HTTP {status} ({body[:300]!r})")


def verify():
    """Byte-identical: nginx's file and a fresh answer from our server, for
    the first URLs of every list and the first pages of every crawl."""
    ours, nginx, n = Client(Env.ports["ours"]), Client(Env.ports["nginx"]), 0
    plan = json.load(open(os.path.join(Env.work, "plan.json")))
    pairs = []
    for load in plan["loads"]:
        a = open(os.path.join(Env.work, "lists", f"{load['name']}.ours")).read().split("\n")
        a = [x for x in a if x]
        b = open(os.path.join(Env.work, "lists", f"{load['name']}.nginx")).read().split("\n")
        b = [x for x in b if x]
        pairs += list(zip(a[:5], b[:5]))
    pairs.append(("/v1/plans?limit=1000", "/crawl/plans/0"))
    for p, f in pairs:
        s1, _, b1 = ours.get(p)
        s2, _, b2 = nginx.get(f)
        if (s1, s2) != (200, 200) or b1 != b2:
            die(f"nginx's {f} ({s2}, {len(b2)} bytes) differs from ours at {p} ({s1}, {len(b1)} bytes)")
        n += 1
    stage(f"{n} of nginx's files are byte-identical to our fresh answers")


# --------------------------------------------------------------------- loads

def order(round_no):
    """The servers' order in a round, rotated each round so that none is
    always first (or always right after another)."""
    return SERVERS[round_no % 3:] + SERVERS[:round_no % 3]


# A small answer per server, asked before each of its runs (see settle).
PROBES = {"ours": "/readyz", "nginx": "/nothing-here", "datasette": "/-/versions.json"}


def settle(server, quick=0.5, at_most=900):
    """Wait until `server` answers a small request within `quick` seconds. A
    reference still working through the requests a previous run left queued
    would otherwise be measured busy: Datasette's source document is a 60 MB
    answer (0.8 s each alone), and after its load it went on answering the
    abandoned requests for minutes, so every load after it measured 0 req/s."""
    began = time.monotonic()
    while True:
        t = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", Env.ports[server], timeout=at_most)
            conn.request("GET", PROBES[server])
            conn.getresponse().read()
            conn.close()
            if time.monotonic() - t <= quick:
                waited = time.monotonic() - began
                if waited > 5:
                    stage(f"{server} was still busy with an earlier run: waited {waited:.0f} s before measuring it")
                return
        except OSError:
            pass
        if time.monotonic() - began > at_most:
            die(f"{server} did not settle within {at_most} s")
        time.sleep(1)


def busy_share(window=0.5):
    """The share of the machine's CPU time spent working over `window` seconds (/proc/stat)."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # all, idle + iowait
    (t0, i0), _ = sample(), time.sleep(window)
    t1, i1 = sample()
    return 1 - (i1 - i0) / max(t1 - t0, 1)


def quiet(at_most=900, most=0.15):
    """Wait until the machine is idle: a server answering its probe (settle)
    may still be burning a core on the abandoned requests of its last run
    (Datasette takes 2-3 s per HTML page, so the 64 a run leaves queued
    kept a core busy well into the next server's run), which would be
    measured as the next server's slowness."""
    began = time.monotonic()
    while busy_share() > most:
        if time.monotonic() - began > at_most:
            die(f"the machine did not go idle within {at_most} s")
    waited = time.monotonic() - began
    if waited > 5:
        stage(f"waited {waited:.0f} s for the machine to go idle (a server still busy with an earlier run)")


def wrk(server, name, seconds, out=None):
    quiet()
    settle(server)
    cmd = ["wrk", f"-t{Env.threads}", f"-c{Env.conns}", f"-d{seconds}s", "--timeout", "10s", "--latency",
           "-s", os.path.join(os.path.dirname(os.path.abspath(__file__)), "walk.lua"),
           f"http://127.0.0.1:{Env.ports[server]}", "--",
           os.path.join(Env.work, "lists", f"{name}.{server}"), str(Env.threads)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    text = run.stdout + run.stderr  # wrk reports a script's errors on stderr
    if run.returncode != 0 or "Requests/sec" not in text:
        die(f"wrk on {server} ({name}) failed:\n{text}")
    if out:
        with open(out, "w") as f:
            f.write(text)
    return text


def wraps(s):
    """Only our server's wraps are worth a word: nginx and Datasette cache no
    answers, and ours runs with its response cache off, so a second lap is
    still built afresh, but the reader should know that it happened."""
    return f"; the list wrapped {s['wraps']}× (cache off: still first-time)" if s["wraps"] else ""


def load_row(load, n, total):
    stage(f"load {n} of {total}: {load['label']} ({load['distinct']} distinct URLs, "
          f"{Env.runs} rounds × ours, nginx, Datasette, {Env.duration}s each)")
    # Warm-up: connections open and the servers' threads running, as in
    # run.sh. A second of the same walk: with no response cache anywhere, it
    # makes no answer cheaper later.
    for server in SERVERS:
        wrk(server, load["name"], 1)
    outs = {s: [] for s in SERVERS}
    for r in range(Env.runs):
        for server in order(r):
            out = os.path.join(Env.work, f"wrk.{load['name']}.{server}.{r}")
            wrk(server, load["name"], Env.duration, out)
            outs[server].append(wrk_summary.parse(open(out).read()))
    s = {k: wrk_summary.summarise(v) for k, v in outs.items()}
    ratio = s["ours"]["rps"] / s["nginx"]["rps"]
    if load["name"] == "filtered":
        measure = f"first-time filtered list page ({load['distinct']} distinct URLs: `{load['ours_shape']}`, L 10–100; cache off)"
        target = "≥ 0.3× nginx, p99 ≤ 20 ms"
    else:
        measure = (f"first-time item GET, {load['label']} ({load['distinct']} distinct, random ids, e.g. "
                   f"`{load['ours_shape']}`; cache off)")
        target = "≥ 0.5× nginx, p99 ≤ 20 ms"
    loud = [f"{x}: {s[x]['bad']} non-2xx" for x in SERVERS if s[x]["bad"]]
    if loud:
        print(f"cold.py: NON-2xx RESPONSES in {load['name']}: {'; '.join(loud)}", file=sys.stderr, flush=True)
    ours = f"{ratio:.2f}× nginx: {wrk_summary.describe(s['ours'])}{wraps(s['ours'])}"
    ref = (f"nginx (same files, same order): {wrk_summary.describe(s['nginx'])}; "
           f"{Env.datasette} (one process, `{load['datasette_shape']}`): {wrk_summary.describe(s['datasette'])}")
    print(f"| {measure} | {ours} | {target} | {ref} |", flush=True)
    print(f"{measure}: {ours}", file=sys.stderr, flush=True)


def crawl_one(server, api, info):
    """One collection's crawl on one keep-alive connection: (bytes, pages)."""
    client, size, pages = Client(Env.ports[server]), 0, 0
    if server == "nginx":
        paths = iter(open(os.path.join(Env.work, "lists", f"crawl-{api}.nginx")).read().split())
        path = next(paths)
    elif server == "ours":
        path = f"/v1/{api}?limit={CRAWL_PAGE}"
    else:
        path = f"/gagt/{info['table']}.json?_size={CRAWL_PAGE}&_shape=objects"
    while path:
        status, resp, body = client.get(path)
        if status != 200:
            die(f"crawl {server} {path}: HTTP {status}")
        size += len(body)
        pages += 1
        if server == "nginx":
            path = next(paths, None)
        else:
            # Both servers name the next page in a Link header: cheaper for
            # the client than parsing a page of 1000 records.
            path = link_next(resp)
    return size, pages


def crawl(server, plan):
    """Every collection at once, one sequential client each (threads: the
    client mostly waits on sockets, which releases the GIL)."""
    settle(server)
    t = time.perf_counter()
    with ThreadPoolExecutor(len(plan)) as pool:
        futures = {api: pool.submit(crawl_one, server, api, info) for api, info in plan.items()}
        got = {api: f.result() for api, f in futures.items()}
    seconds = time.perf_counter() - t
    # The page counts tell whether every crawl reached the end: ours and
    # nginx's as in the saved pass, Datasette's one per 1000 rows (it looks
    # one row ahead, so no empty last page).
    for api, (_, pages) in got.items():
        rows = plan[api]["rows"]
        want = plan[api]["pages"] if server != "datasette" else max(-(-rows // CRAWL_PAGE), 1)
        if pages != want:
            die(f"crawl {server} {api}: {pages} pages, expected {want}")
    return sum(b for b, _ in got.values()), seconds


def crawl_row(plan):
    rows = sum(c["rows"] for c in plan.values())
    stage(f"full crawl: {rows} records of {len(plan)} collections, limit={CRAWL_PAGE}, "
          f"{Env.crawl_runs} rounds × ours, nginx, Datasette")
    res = {s: [] for s in SERVERS}
    for r in range(Env.crawl_runs):
        for server in order(r):
            size, seconds = crawl(server, plan)
            res[server].append((size, seconds))
            stage(f"crawl round {r + 1}, {server}: {size / 1e6:.0f} MB in {seconds:.2f} s")

    def fig(server):
        mbs = statistics.median(b / t / 1e6 for b, t in res[server])
        t = statistics.median(t for _, t in res[server])
        size = res[server][0][0]
        return mbs, f"{mbs:.0f} MB/s, {rows / t:.0f} records/s ({size / 1e6:.0f} MB in {t:.2f} s)"

    ours_mbs, ours = fig("ours")
    nginx_mbs, nginx = fig("nginx")
    _, ds = fig("datasette")
    measure = (f"full crawl: every record of every collection ({rows} in {len(plan)} collections) through `next` "
               f"links, `limit={CRAWL_PAGE}`, all collections at once, one keep-alive client each")
    print(f"| {measure} | {ours} ({ours_mbs / nginx_mbs:.2f}× nginx) | ≥ 50 MB/s | nginx (the same pages as files): "
          f"{nginx}; {Env.datasette} (`_size=1000&_shape=objects` through its `next` links, all columns): {ds} |", flush=True)
    print(f"full crawl: {ours}", file=sys.stderr, flush=True)


def loads():
    plan = json.load(open(os.path.join(Env.work, "plan.json")))
    prepared = open(os.path.join(Env.work, "prepared.txt")).read().strip()
    if prepared:
        print(f"| each record's JSON detail prepared by the server (in the background, after the revision appears) "
              f"| {prepared} | (served from the database until done) | – |", flush=True)
    # COLD_ONLY=filtered,crawl: only these loads (by name; `crawl` the crawl), for a quick look.
    only = [o for o in os.environ.get("COLD_ONLY", "").split(",") if o]
    chosen = [l for l in plan["loads"] if not only or l["name"] in only]
    for n, load in enumerate(chosen, 1):
        load_row(load, n, len(chosen) + 1)
    if not only or "crawl" in only:
        crawl_row(plan["crawl"])


if __name__ == "__main__":
    {"prepare": prepare, "verify": verify, "loads": loads}[sys.argv[1]]()
