#!/usr/bin/env python3
"""Real-browser suite for the public pages (Spanish at /, English at /en/).

Starts the server binary on a free port with a fresh SQLite data dir (the
bundled data is imported on first start), then:

  * visits every page type in both languages with headless Chromium
    (Selenium + Debian's /usr/bin/chromium and /usr/bin/chromedriver):
    home, every collection table found in the home page's navigation,
    one record page per collection, a source document at a line anchor,
    a table filtered by clicking a facet, a chart SVG, an embeddable card
    and a 404 page;
  * checks what the pages show against the JSON API: table counts, record
    <h1>s, the home page's plan list and progress, facet counts;
  * runs axe-core at 1280 px and 375 px wide and fails on serious or critical
    violations; at 375 px checks for horizontal scrolling and that the first
    Tab focuses the skip link; saves screenshots of every page type at both
    widths under ci-artifacts/screenshots/;
  * follows every internal link once over plain HTTP (urllib), breadth first
    from both home pages, and fails on any status >= 400.

All failures are collected; the exit status is 1 if any check failed, 2 if
the suite could not run (server or browser would not start).

Usage: suite.py [--bin PATH]   (or GAGT_BIN; default
       $CARGO_TARGET_DIR/debug/gobierno-abierto-gt)
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"

WIDTHS = (1280, 375)
VIEW_HEIGHT = 900
SCREENSHOT_MAX_HEIGHT = 12000
SEARCH_WORD = "datos"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8"
FAILING_IMPACTS = ("serious", "critical")

# The collection tables the navigation must offer, by language.
EXPECTED_NAV = {
    "es": ["/planes", "/compromisos", "/hitos", "/avances", "/instituciones", "/hallazgos", "/fuentes", "/buscar"],
    "en": [
        "/en/plans",
        "/en/commitments",
        "/en/milestones",
        "/en/progress-updates",
        "/en/institutions",
        "/en/findings",
        "/en/sources",
        "/en/search",
    ],
}
HOME = {"es": "/", "en": "/en/"}
NO_DATA = {"es": "sin datos", "en": "no data"}
OF = {"es": "de", "en": "of"}

# Variables the server reads that must not leak in from the environment (the
# suite always serves the bundled data from its own SQLite file).
SERVER_ENV_DROP = (
    "DATABASE_URL",
    "GAGT_DATA_DIR",
    "GAGT_SNAPSHOT_DIR",
    "GAGT_KEEP_REVISIONS",
    "GAGT_LICENSE_NAME",
    "GAGT_LICENSE_URL",
    "GAGT_PUBLIC_URL",
    "GAGT_BUNDLED_DATASET",
    "GAGT_CURSOR_KEY",
    "HOST",
    "PORT",
    "POOL_SIZE",
    "WORKERS",
    "CACHE_MAX_AGE",
    "REVISION_POLL_MS",
    "RESPONSE_CACHE_MB",
    "REQUEST_TIMEOUT_MS",
    "KEEP_ALIVE_S",
    "RATE_LIMIT_PER_MINUTE",
    "RATE_LIMIT_BURST",
    "POOL_TIMEOUT_MS",
    "TRUSTED_PROXIES",
    "BLOCKING_THREADS",
    "STATEMENT_TIMEOUT_MS",
    "MAX_CONNECTIONS_PER_ADDRESS",
    "MAX_CONNECTIONS",
    "WRITE_TIMEOUT_MS",
    "MAX_STREAMS",
    "MAX_STREAMS_PER_CLIENT",
)


def log(msg: str) -> None:
    print(msg, flush=True)


def norm_space(s: str | None) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


# ---------------------------------------------------------------- results


class Results:
    def __init__(self) -> None:
        self.passed = 0
        self.failures: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []
        self.info: list[str] = []

    def check(self, cond: bool, category: str, msg: str) -> bool:
        if cond:
            self.passed += 1
        else:
            self.fail(category, msg)
        return cond

    def fail(self, category: str, msg: str) -> None:
        self.failures.append((category, msg))
        log(f"  FAIL [{category}] {msg}")

    def warn(self, category: str, msg: str) -> None:
        self.warnings.append((category, msg))
        log(f"  WARN [{category}] {msg}")


R = Results()


# ---------------------------------------------------------------- server


def die_with_parent() -> None:
    """In the child: get SIGTERM when the suite dies, even by SIGKILL (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self.proc: subprocess.Popen | None = None
        self.data_dir: str | None = None
        self.origin = ""
        self.log_path: Path | None = None

    def start(self, timeout: float = 900) -> None:
        env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV_DROP}
        env["RUST_LOG"] = env.get("GAGT_BROWSER_RUST_LOG", "warn")
        for attempt in range(3):
            self.data_dir = tempfile.mkdtemp(prefix="gagt-browser-")
            port = free_port()
            self.origin = f"http://127.0.0.1:{port}"
            self.log_path = Path(self.data_dir) / "server.log"
            cmd = [
                str(self.binary),
                "--data-dir",
                self.data_dir,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--public-url",
                self.origin,
                "--bundled-dataset",
                str(REPO / "data" / "canonical"),
                # the link crawl makes thousands of requests from one address
                "--rate-limit-per-minute",
                "0",
            ]
            log(f"server: {' '.join(cmd)}")
            with open(self.log_path, "wb") as out:
                self.proc = subprocess.Popen(
                    cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
                )
            t0 = time.monotonic()
            while time.monotonic() - t0 < timeout:
                if self.proc.poll() is not None:
                    break
                for probe in ("/readyz", "/v1"):
                    try:
                        with urllib.request.urlopen(self.origin + probe, timeout=5) as r:
                            if r.status == 200:
                                log(f"server: ready at {self.origin} after {time.monotonic() - t0:.1f} s")
                                return
                    except (urllib.error.URLError, OSError):
                        pass
                time.sleep(0.5)
            tail = self.log_tail()
            self.stop()
            if attempt < 2 and "in use" in tail.lower():
                continue
            raise RuntimeError(f"server did not become ready (exit {self.proc.returncode}); log tail:\n{tail}")

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except Exception:
            return "(no log)"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None


# ---------------------------------------------------------------- plain HTTP


class Http:
    """urllib with same-origin redirects only and retries on 429/503."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        outer = self

        class SameOriginRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, req, fp, code, msg, headers, newurl):
                if not outer.same_origin(urllib.parse.urljoin(req.full_url, newurl)):
                    return None  # reported as the 3xx itself
                return super().redirect_request(req, fp, code, msg, headers, newurl)

        self.opener = urllib.request.build_opener(SameOriginRedirect)

    def same_origin(self, url: str) -> bool:
        a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(self.origin)
        return a.scheme == b.scheme and a.netloc.lower() == b.netloc.lower()

    def url(self, path_or_url: str) -> str:
        return urllib.parse.urljoin(self.origin + "/", path_or_url)

    def get(self, path_or_url: str, accept: str = BROWSER_ACCEPT, body: bool = True):
        """Returns (status, content_type, body bytes or b'', final url)."""
        url = self.url(path_or_url)
        req = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "gagt-browser-suite"})
        delay = 0.25
        for attempt in range(8):
            try:
                with self.opener.open(req, timeout=60) as r:
                    data = r.read() if body else b""
                    if not body:
                        while r.read(65536):
                            pass
                    return r.status, r.headers.get("Content-Type", ""), data, r.geturl()
            except urllib.error.HTTPError as e:
                if e.code in (429, 503) and attempt < 7:
                    ra = e.headers.get("Retry-After")
                    time.sleep(min(float(ra) if ra and ra.isdigit() else delay, 5))
                    delay *= 2
                    continue
                data = e.read() if body else b""
                return e.code, e.headers.get("Content-Type", ""), data, url
            except (urllib.error.URLError, OSError) as e:
                if attempt < 2:
                    time.sleep(delay)
                    continue
                return 0, "", str(e).encode(), url
        raise AssertionError("unreachable")

    def json(self, path_or_url: str):
        status, ctype, data, _ = self.get(path_or_url, accept="application/json")
        if status != 200:
            raise RuntimeError(f"GET {path_or_url}: {status} {data[:200]!r}")
        return json.loads(data)


# ---------------------------------------------------------------- link crawl


class LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, bool]] = []
        self.base: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        href = a.get("href", "").strip()
        if tag == "base" and href and self.base is None:
            self.base = href
        elif tag == "a" and href:
            # rel=nofollow (facet links: every combination of filters) is
            # fetched but not expanded, or the crawl would walk them all.
            self.links.append((href, "nofollow" not in a.get("rel", "").lower().split()))
        elif tag == "link" and href and "alternate" in a.get("rel", "").lower().split():
            self.links.append((href, True))


def extract_links(html: str, page_url: str, http: Http) -> list[tuple[str, bool]]:
    p = LinkParser()
    try:
        p.feed(html)
        p.close()
    except Exception:
        pass
    base = urllib.parse.urljoin(page_url, p.base) if p.base else page_url
    out = []
    for href, follow in p.links:
        if href.startswith("#"):
            continue
        scheme = urllib.parse.urlsplit(href).scheme.lower()
        if scheme in ("mailto", "tel", "javascript", "data"):
            continue
        url, _ = urllib.parse.urldefrag(urllib.parse.urljoin(base, href))
        if http.same_origin(url):
            out.append((url, follow))
    return out


def crawl(http: Http, cap: int, workers: int, budget_s: float) -> dict:
    starts = [http.url(HOME["es"]), http.url(HOME["en"])]
    referrer: dict[str, str] = {u: "(start)" for u in starts}
    # Whether a URL's own links are followed (some link to it is not nofollow).
    expand: dict[str, bool] = {u: True for u in starts}
    queue = collections.deque((u, True) for u in starts)
    results: dict[str, tuple[int, str]] = {}
    capped = False
    out_of_time = False
    html_pages = 0
    t0 = time.monotonic()

    def work(u: str, follow: bool):
        status, ctype, data, final = http.get(u)
        links = []
        if follow and status == 200 and "text/html" in ctype.lower():
            links = extract_links(data.decode("utf-8", "replace"), final, http)
        return status, ctype, links

    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        inflight: dict[concurrent.futures.Future, str] = {}
        while queue or inflight:
            while queue and len(inflight) < workers * 2 and not out_of_time:
                u, follow = queue.popleft()
                inflight[ex.submit(work, u, follow)] = u
            if not inflight:
                break
            done, _ = concurrent.futures.wait(inflight, return_when=concurrent.futures.FIRST_COMPLETED)
            for f in done:
                u = inflight.pop(f)
                try:
                    status, ctype, links = f.result()
                except Exception as e:  # noqa: BLE001
                    status, ctype, links = 0, f"error: {e}", []
                results[u] = (status, ctype)
                if links:
                    html_pages += 1
                for l, follow in links:
                    if l in referrer:
                        if follow and not expand[l]:
                            # Seen before only through nofollow links: now expanded too.
                            expand[l] = True
                            queue.append((l, True))
                        continue
                    if len(referrer) >= cap:
                        capped = True
                        continue
                    referrer[l] = u
                    expand[l] = follow
                    queue.append((l, follow))
            if time.monotonic() - t0 > budget_s and not out_of_time:
                out_of_time = True
                queue.clear()
    elapsed = time.monotonic() - t0
    return {
        "results": results,
        "referrer": referrer,
        "capped": capped,
        "out_of_time": out_of_time,
        "elapsed": elapsed,
        "html_pages": html_pages,
    }


def path_key(url: str) -> str:
    """The collection part of a path, for the crawl's tally (/en/commitments/x -> /en/commitments/*)."""
    p = urllib.parse.urlsplit(url)
    parts = [x for x in p.path.split("/") if x]
    if not parts:
        return "/"
    if parts[0] == "v1":
        return "/" + "/".join(parts[:2]) + ("/*" if len(parts) > 2 else "")
    if parts[0] == "en":
        head = parts[:2]
        rest = parts[2:]
    else:
        head = parts[:1]
        rest = parts[1:]
    key = "/" + "/".join(head)
    if rest:
        key += "/*" + ("/" + rest[-1] if len(rest) > 1 else "")
    if p.query:
        key += "?…"
    return key


# ---------------------------------------------------------------- browser


@dataclass
class PageType:
    lang: str
    key: str
    url: str
    kind: str = "site"  # site | card | svg | error
    notes: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.lang}-{self.key}"


class Browser:
    def __init__(self, origin: str) -> None:
        os.environ.setdefault("SE_OFFLINE", "true")
        os.environ.setdefault("SE_AVOID_STATS", "true")
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        host = urllib.parse.urlsplit(origin).hostname
        for a in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={WIDTHS[0]},{VIEW_HEIGHT}",
            "--lang=en-US",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
            "--disable-default-apps",
            "--no-pings",
            "--metrics-recording-only",
            "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
            # the browser resolves no name but the server's: nothing leaves the machine
            f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {host}",
        ):
            opts.add_argument(a)
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
        self.driver.set_page_load_timeout(90)
        self.driver.set_script_timeout(120)
        self.axe_src = AXE_JS.read_text()
        self.width = WIDTHS[0]
        self.frame = (0, 0)
        self.set_width(WIDTHS[0])

    def quit(self) -> None:
        try:
            self.driver.quit()
        except Exception:
            pass

    def set_width(self, w: int, h: int = VIEW_HEIGHT) -> None:
        """Make the viewport (not the window, which has a frame) w x h CSS px."""
        self.width = w
        dw, dh = self.frame
        self.driver.set_window_size(w + dw, h + dh)
        iw, ih = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        if (iw, ih) != (w, h):
            self.frame = (dw + w - iw, dh + h - ih)
            self.driver.set_window_size(w + self.frame[0], h + self.frame[1])

    def get(self, url: str) -> None:
        self.driver.get(url)

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def axe(self) -> list[dict]:
        if not self.js("return typeof window.axe === 'object'"):
            self.js(self.axe_src)
        res = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ['violations']})
              .then(r => done({ok: true, v: r.violations.map(v => ({
                  id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                  count: v.nodes.length,
                  targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
                  summary: (v.nodes[0] && v.nodes[0].failureSummary || '').split('\\n').slice(0, 3).join(' ')
              }))}))
              .catch(e => done({ok: false, error: String(e)}));
            """
        )
        if not res.get("ok"):
            raise RuntimeError(f"axe.run failed: {res.get('error')}")
        return res["v"]

    def screenshot(self, path: Path) -> None:
        h = self.js(
            "const d = document.documentElement, b = document.body;"
            "return Math.max(d ? d.scrollHeight : 0, b ? b.scrollHeight : 0)"
        )
        h = max(VIEW_HEIGHT, min(int(h or VIEW_HEIGHT), SCREENSHOT_MAX_HEIGHT))
        w = self.width
        try:
            if h != VIEW_HEIGHT:
                self.set_width(w, h)
                time.sleep(0.2)
            self.driver.save_screenshot(str(path))
        finally:
            if h != VIEW_HEIGHT:
                self.set_width(w, VIEW_HEIGHT)


def qs(drv, css):
    from selenium.webdriver.common.by import By

    return drv.find_elements(By.CSS_SELECTOR, css)


def same_path(a: str, b: str) -> bool:
    pa, pb = urllib.parse.urlsplit(a), urllib.parse.urlsplit(b)
    return urllib.parse.unquote(pa.path) == urllib.parse.unquote(pb.path) and pa.query == pb.query


def record_title(rec: dict) -> tuple[str, str]:
    for f in ("title", "name", "description", "id"):
        v = rec.get(f)
        if isinstance(v, str) and v.strip():
            return f, v
    return "id", str(rec.get("id"))


def numbers_before_percent(text: str) -> list[float]:
    return [float(x.replace(",", ".")) for x in re.findall(r"(\d+(?:[.,]\d+)?)\s*%", text)]


class Suite:
    def __init__(self, http: Http, browser: Browser, shots: Path) -> None:
        self.http = http
        self.b = browser
        self.drv = browser.driver
        self.shots = shots
        self.pages: list[PageType] = []
        self.axe_minor: collections.Counter = collections.Counter()
        self._card_done: set[str] = set()

    # -- helpers
    def attr_url(self, el, name="href") -> str:
        return el.get_attribute(name) or ""

    def json_alternate(self) -> str | None:
        els = qs(self.drv, 'link[rel="alternate"][type="application/json"]')
        return self.attr_url(els[0]) if els else None

    def hreflang_en_path(self) -> str | None:
        els = qs(self.drv, 'link[rel="alternate"][hreflang="en"]')
        return urllib.parse.urlsplit(self.attr_url(els[0])).path if els else None

    def page_count(self) -> int | None:
        els = qs(self.drv, "p.count strong")
        if not els:
            return None
        try:
            return int(re.sub(r"[^\d]", "", els[0].text))
        except ValueError:
            return None

    def add(self, lang, key, url, kind="site") -> PageType:
        p = PageType(lang, key, url, kind)
        self.pages.append(p)
        return p

    def check_lang(self, lang: str, what: str) -> None:
        got = self.b.js("return document.documentElement.getAttribute('lang')")
        R.check(got == lang, "lang", f"{what}: <html lang> is {got!r}, expected {lang!r}")

    # -- discovery and content checks (1280 px)
    def discover(self, lang: str) -> None:
        o = self.http.origin
        home = o + HOME[lang]
        log(f"\n== {lang}: home and navigation ({home})")
        self.b.get(home)
        self.check_lang(lang, home)
        self.add(lang, "home", home)
        nav = []
        for a in qs(self.drv, "header nav a"):
            href = self.attr_url(a)
            if not href or not self.http.same_origin(href):
                continue
            path = urllib.parse.urlsplit(href).path
            if a.get_attribute("hreflang") or path in (HOME[lang], "/") or path.startswith("/docs"):
                continue
            if "brand" in (a.get_attribute("class") or ""):
                continue
            nav.append((norm_space(a.text), href))
        paths = [urllib.parse.urlsplit(h).path for _, h in nav]
        for exp in EXPECTED_NAV[lang]:
            R.check(exp in paths, "nav", f"{home}: navigation has no link to {exp} (has {paths})")
        extra = [p for p in paths if p not in EXPECTED_NAV[lang]]
        if extra:
            R.info.append(f"{lang} navigation also links {extra}")
        self.check_home_plans(lang)

        tables: dict[str, dict] = {}
        for text, href in nav:
            try:
                t = self.visit_table(lang, text, href)
                if t:
                    tables[t["key"]] = t
            except Exception as e:  # noqa: BLE001
                R.fail("error", f"{href}: {e.__class__.__name__}: {e}")
                traceback.print_exc()

        for key, t in tables.items():
            if t.get("record_url"):
                try:
                    self.visit_record(lang, key, t)
                except Exception as e:  # noqa: BLE001
                    R.fail("error", f"record page of {t['url']}: {e.__class__.__name__}: {e}")
                    traceback.print_exc()

        try:
            self.facet_click(lang, tables)
        except Exception as e:  # noqa: BLE001
            R.fail("error", f"{lang} facet click: {e.__class__.__name__}: {e}")
            traceback.print_exc()
        try:
            self.error_pages(lang, tables)
        except Exception as e:  # noqa: BLE001
            R.fail("error", f"{lang} 404 page: {e.__class__.__name__}: {e}")
            traceback.print_exc()

    def check_home_plans(self, lang: str) -> None:
        plans_api = self.http.json("/v1/plans?limit=25")["data"]
        rows = self.b.js(
            """
            const h = document.getElementById('planes') || document.getElementById('plans');
            let el = h && h.nextElementSibling, table = null;
            while (el && !table) { table = el.matches('table') ? el : el.querySelector('table'); if (el.matches('h2')) break; el = el.nextElementSibling; }
            if (!table) return null;
            return Array.from(table.querySelectorAll('tbody tr')).map(tr => {
              const a = tr.querySelector('td a');
              const bar = tr.querySelector('.bar[aria-label]');
              return {title: a ? a.textContent : null, href: a ? a.href : null,
                      text: tr.innerText, bar: bar ? bar.getAttribute('aria-label') : null};
            });
            """
        )
        where = f"{HOME[lang]} plan list"
        if not R.check(rows is not None, "home-plans", f"{where}: no table after the plans heading (#planes)"):
            return
        titles_page = [norm_space(r["title"]) for r in rows]
        titles_api = [norm_space(p["title"]) for p in plans_api]
        R.check(
            titles_page == titles_api,
            "home-plans",
            f"{where}: plans shown {titles_page} differ from /v1/plans {titles_api}",
        )
        by_id = {}
        for r in rows:
            pid = urllib.parse.unquote(urllib.parse.urlsplit(r["href"] or "").path.rstrip("/").split("/")[-1])
            by_id[pid] = r
        for p in plans_api:
            r = by_id.get(p["id"])
            if not R.check(r is not None, "home-plans", f"{where}: no row links plan {p['id']}"):
                continue
            text = norm_space(r["text"])
            roll = p.get("rollup") or {}
            cp = roll.get("computed_progress")
            if cp is None:
                R.check(
                    NO_DATA[lang] in text.lower(),
                    "home-plans",
                    f"{where}: plan {p['id']} has no computed_progress in the API but its row does not say "
                    f"{NO_DATA[lang]!r}: {text!r}",
                )
            else:
                nums = numbers_before_percent(text)
                R.check(
                    any(abs(n - cp) < 0.006 for n in nums),
                    "home-plans",
                    f"{where}: plan {p['id']} computed_progress {cp} (API) not shown; row: {text!r}",
                )
                R.check(
                    NO_DATA[lang] not in text.lower(),
                    "home-plans",
                    f"{where}: plan {p['id']} has progress {cp} but its row says {NO_DATA[lang]!r}",
                )
                st = roll.get("milestones_by_status") or {}
                done, total = st.get("completed"), roll.get("milestones")
                if done is not None and total:
                    R.check(
                        f"{done} {OF[lang]} {total}" in text,
                        "home-plans",
                        f"{where}: plan {p['id']}: expected '{done} {OF[lang]} {total}' completed milestones; row: {text!r}",
                    )
                    if r["bar"]:
                        shown = numbers_before_percent(r["bar"])
                        exp = 100.0 * done / total
                        R.check(
                            bool(shown) and abs(shown[0] - exp) <= 1.0,
                            "home-plans",
                            f"{where}: plan {p['id']}: bar says {r['bar']!r}, completed share is {exp:.1f}%",
                        )

    def visit_table(self, lang: str, text: str, href: str) -> dict | None:
        log(f"-- {lang} table {href}")
        self.b.get(href)
        path = urllib.parse.urlsplit(href).path
        is_search = path.rstrip("/").endswith(("/buscar", "/search"))
        if is_search:
            inputs = qs(self.drv, 'main form input[name="q"]')
            if not R.check(bool(inputs), "search", f"{href}: no search box (input[name=q]) in main"):
                return None
            inputs[0].clear()
            inputs[0].send_keys(SEARCH_WORD)
            before = self.drv.current_url
            inputs[0].submit()
            self.wait_url_change(before)
            R.check(
                urllib.parse.parse_qs(urllib.parse.urlsplit(self.drv.current_url).query).get("q") == [SEARCH_WORD],
                "search",
                f"{href}: submitting the search form for {SEARCH_WORD!r} led to {self.drv.current_url}",
            )
        url = self.drv.current_url
        self.check_lang(lang, url)
        en_path = self.hreflang_en_path() or path
        key = en_path.rstrip("/").split("/")[-1] or "table"
        self.add(lang, key, url)
        api = self.json_alternate()
        if not R.check(bool(api), "api-link", f"{url}: no <link rel=alternate type=application/json>"):
            return {"key": key, "url": url, "path": path}
        api_path = urllib.parse.urlsplit(api).path
        sep = "&" if "?" in api else "?"
        api_json = self.http.json(api + sep + "limit=1")
        total = api_json.get("total")
        shown = self.page_count()
        R.check(
            shown is not None and shown == total,
            "count",
            f"{url}: page shows {shown} records (p.count strong), {api} has total {total}",
        )
        if is_search and total == 0:
            R.fail("search", f"{url}: search for {SEARCH_WORD!r} found nothing")
        t = {"key": key, "url": url, "path": path, "api": api, "api_path": api_path, "facets": [], "total": total}
        try:
            t["facets"] = self.read_facets(url)
            if t["facets"]:
                self.check_facets(url, api, t["facets"], shown)
        except Exception as e:  # noqa: BLE001
            R.fail("facets", f"{url}: {e.__class__.__name__}: {e}")
        if not is_search and api_json.get("data"):
            rid = api_json["data"][0].get("id")
            t["record_id"] = rid
            t["record_url"] = self.find_record_link(url, path, rid)
        return t

    def wait_url_change(self, before: str, timeout: float = 30) -> None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.drv.current_url != before and self.b.js("return document.readyState") == "complete":
                return
            time.sleep(0.05)

    def read_facets(self, page_url: str) -> list[dict]:
        """Facet sections; each link's parameter name and value come from its
        query string (what it adds to the page's), not from the label shown."""
        raw = self.b.js(
            """
            return Array.from(document.querySelectorAll('section.facet')).map(s => {
              const h = s.querySelector('h2, h3');
              return {label: h ? h.textContent.trim() : '', id: h ? h.id : '',
                      more: (() => { const m = s.querySelector('li.more');
                                     return m ? parseInt(m.textContent.replace(/[^0-9]/g, ''), 10) : 0; })(),
                      items: Array.from(s.querySelectorAll('li:not(.more)')).map(li => {
                        const a = li.querySelector('a'), c = li.querySelector('.count');
                        return {text: a ? a.textContent.trim() : li.textContent.trim(),
                                href: a ? a.href : null,
                                count: c ? parseInt(c.textContent.replace(/[^0-9]/g, ''), 10) : null};
                      })};
            });
            """
        )
        here = urllib.parse.parse_qs(urllib.parse.urlsplit(page_url).query)
        facets = []
        for f in raw:
            names = collections.Counter()
            for it in f["items"]:
                q = urllib.parse.parse_qs(urllib.parse.urlsplit(it["href"] or "").query)
                added = {k: v for k, v in q.items() if here.get(k) != v and k not in ("cursor", "sort")}
                it["params"] = added
                if len(added) == 1:
                    names[next(iter(added))] += 1
            if names:
                name = names.most_common(1)[0][0]
            elif f["id"].startswith("facet-"):
                name = f["id"][len("facet-"):]
            else:
                R.fail("facets", f"{page_url}: cannot tell which parameter facet {f['label']!r} sets")
                continue
            items = []
            for it in f["items"]:
                v = it["params"].get(name)
                if not R.check(
                    v is not None and len(v) == 1,
                    "facets",
                    f"{page_url}: facet {f['label']!r} item {it['text']!r} links {it['href']}, which does not set {name}",
                ):
                    continue
                items.append({"value": v[0], "text": it["text"], "href": it["href"], "count": it["count"]})
            facets.append({"name": name, "label": f["label"], "items": items, "more": f["more"]})
        return facets

    def check_facets(self, url, api, facets, shown) -> None:
        sep = "&" if "?" in api else "?"
        names = ",".join(f["name"] for f in facets)
        api_f = self.http.json(api + sep + "limit=1&facets=" + urllib.parse.quote(names)).get("facets") or {}
        records = None
        for f in facets:
            name = f["name"]
            page_counts = {i["value"]: i["count"] for i in f["items"]}
            want = {str(x["value"]): x["count"] for x in api_f[name]} if isinstance(api_f.get(name), list) else None
            if want is None:
                R.fail("facets", f"{url}: facet {name!r}: {api}?facets={name} has no such facet")
                continue
            if f["more"]:
                # A long facet lists its most frequent values and says how many more.
                R.check(
                    all(want.get(v) == n for v, n in page_counts.items())
                    and len(page_counts) + f["more"] == len(want)
                    and min(page_counts.values()) >= max([n for v, n in want.items() if v not in page_counts] or [0]),
                    "facets",
                    f"{url}: facet {name!r} ({f['label']}) lists {page_counts} and {f['more']} more; the API has {want}",
                )
                continue
            R.check(
                want == page_counts,
                "facets",
                f"{url}: facet {name!r} ({f['label']}) counts {page_counts} differ from the API's {want}",
            )
            # single-valued: every record has exactly one scalar value in the field
            if records is None:
                records = self.http.json(api + sep + "limit=1000")["data"]
            fld = name if records and name in records[0] else f"{name}_id"
            single = bool(records) and all(
                isinstance(r.get(fld), (str, int, bool)) and r.get(fld) != "" for r in records
            )
            if single and shown is not None:
                s = sum(c or 0 for c in page_counts.values())
                R.check(
                    s == shown,
                    "facets",
                    f"{url}: single-valued facet {name!r} counts sum to {s}, the table shows {shown} records",
                )

    def find_record_link(self, url: str, path: str, rid: str) -> str | None:
        want = path.rstrip("/") + "/" + rid
        for a in qs(self.drv, "main a[href]"):
            href = self.attr_url(a)
            if self.http.same_origin(href) and urllib.parse.unquote(urllib.parse.urlsplit(href).path) == want:
                return urllib.parse.urldefrag(href)[0]
        R.fail("record-link", f"{url}: no link to the API's first record {rid!r} ({want}) on the table page")
        return self.http.url(path.rstrip("/") + "/" + urllib.parse.quote(rid, safe=""))

    def visit_record(self, lang: str, table_key: str, t: dict) -> None:
        url = t["record_url"]
        log(f"-- {lang} record {url}")
        self.b.get(url)
        self.check_lang(lang, url)
        key = table_key.rstrip("s") if table_key not in ("progress-updates",) else "progress-update"
        key = {"sources": "source", "plans": "plan", "findings": "finding"}.get(table_key, key) + "-record"
        self.add(lang, key, url)
        api = self.json_alternate()
        expected_api = t["api_path"].rstrip("/") + "/" + t["record_id"]
        if R.check(bool(api), "api-link", f"{url}: no <link rel=alternate type=application/json>"):
            R.check(
                urllib.parse.unquote(urllib.parse.urlsplit(api).path) == expected_api,
                "api-link",
                f"{url}: JSON alternate is {api}, expected {expected_api}",
            )
        rec = self.http.json(api or urllib.parse.quote(expected_api))
        rec = rec.get("data", rec) if isinstance(rec.get("data"), dict) else rec
        fld, title = record_title(rec)
        h1s = qs(self.drv, "h1")
        h1 = norm_space(h1s[0].text) if h1s else ""
        R.check(
            bool(h1s) and norm_space(title) in h1,
            "h1",
            f"{url}: <h1> {h1!r} does not contain the API's {fld} {norm_space(title)!r}",
        )
        # the chart and the provenance link, from the first record page that has them
        if not any(p.lang == lang and p.key == "chart" for p in self.pages):
            srcs = [self.attr_url(e, "src") for e in qs(self.drv, "main img")] + [
                self.attr_url(e) for e in qs(self.drv, "main a[href]")
            ]
            svg = next((s for s in srcs if urllib.parse.urlsplit(s).path.endswith(".svg")), None)
            if svg and self.http.same_origin(svg):
                status, ctype, body, _ = self.http.get(svg)
                R.check(status == 200 and "svg" in ctype, "chart", f"{svg}: {status} {ctype}")
                # an axis at the Unix epoch means a chart drawn from no dates at all
                R.check(
                    b"1970-01-01" not in body,
                    "chart",
                    f"{svg}: the chart's axis shows 1970-01-01 (a chart drawn without any dated point; "
                    f"record page {url})",
                )
                self.add(lang, "chart", svg, kind="svg")
        if not any(p.lang == lang and p.key == "card" for p in self.pages):
            oe = qs(self.drv, 'link[type="application/json+oembed"]')
            if oe:
                self.card_from_oembed(lang, url, self.attr_url(oe[0]))
        if not any(p.lang == lang and p.key == "source-anchor" for p in self.pages):
            self.source_anchor(lang, url)

    def card_from_oembed(self, lang: str, page: str, oembed: str) -> None:
        status, ctype, data, _ = self.http.get(oembed, accept="application/json")
        if not R.check(status == 200, "card", f"{page}: oEmbed {oembed} answered {status}"):
            return
        html = json.loads(data).get("html", "")
        m = re.search(r'src="([^"]+)"', html)
        if not R.check(bool(m), "card", f"{page}: oEmbed html has no iframe src: {html[:200]!r}"):
            return
        card = m.group(1).replace("&amp;", "&")
        if not R.check(
            self.http.same_origin(card), "card", f"{page}: card URL {card} is not on the server's origin"
        ):
            return
        status, ctype, _, _ = self.http.get(card)
        R.check(status == 200 and "text/html" in ctype, "card", f"{card}: {status} {ctype}")
        self.add(lang, "card", card, kind="card")

    def source_anchor(self, lang: str, page: str) -> None:
        from selenium.common.exceptions import WebDriverException

        for a in qs(self.drv, "main a[href]"):
            href = self.attr_url(a)
            sp = urllib.parse.urlsplit(href)
            if not (self.http.same_origin(href) and re.fullmatch(r"L\d+", sp.fragment or "")):
                continue
            if sp.path.rstrip("/") == urllib.parse.urlsplit(page).path.rstrip("/"):
                continue  # a line link within the same document
            log(f"-- {lang} source anchor: click {href} on {page}")
            before = self.drv.current_url
            try:
                self.b.js("arguments[0].scrollIntoView({block: 'center'})", a)
                a.click()
            except WebDriverException:
                self.b.js("arguments[0].click()", a)
            self.wait_url_change(before)
            cur = self.drv.current_url
            R.check(same_path(cur, href), "anchor", f"clicking {href} on {page} led to {cur}")
            frag = sp.fragment
            info = self.b.js(
                """
                const el = document.getElementById(arguments[0]);
                if (!el) return null;
                const r = el.getBoundingClientRect();
                return {target: el.matches(':target'), top: r.top, bottom: r.bottom, vh: window.innerHeight};
                """,
                frag,
            )
            if R.check(info is not None, "anchor", f"{cur}: no element with id {frag!r}"):
                R.check(info["target"], "anchor", f"{cur}: #{frag} is not :target")
                R.check(
                    info["top"] < info["vh"] and info["bottom"] > 0,
                    "anchor",
                    f"{cur}: line #{frag} is not in view after following the link (top {info['top']:.0f}px)",
                )
            self.check_lang(lang, cur)
            self.add(lang, "source-anchor", cur)
            return

    def facet_click(self, lang: str, tables: dict) -> None:
        order = ["commitments"] + [k for k in tables if k != "commitments"]
        for key in order:
            t = tables.get(key)
            if not t or not t.get("facets"):
                continue
            for f in t["facets"]:
                for item in f["items"]:
                    if item["href"] and item["count"] and t.get("total") and item["count"] < t["total"]:
                        return self.click_facet(lang, t, f["name"], item)
        R.fail("facets", f"{lang}: no table has a facet link that narrows it; nothing to click")

    def click_facet(self, lang: str, t: dict, name: str, item: dict) -> None:
        log(f"-- {lang} facet click {name}={item['value']} on {t['url']}")
        self.b.get(t["url"])
        links = [a for a in qs(self.drv, "section.facet a[href]") if self.attr_url(a) == item["href"]]
        if not R.check(bool(links), "facets", f"{t['url']}: facet link {item['href']} not found again"):
            return
        before = self.drv.current_url
        self.b.js("arguments[0].scrollIntoView({block: 'center'})", links[0])
        links[0].click()
        self.wait_url_change(before)
        url = self.drv.current_url
        R.check(same_path(url, item["href"]), "facets", f"clicking {item['href']} led to {url}")
        self.add(lang, f"{t['key']}-filtered", url)
        shown = self.page_count()
        R.check(
            shown == item["count"],
            "facets",
            f"{url}: filtered table shows {shown} records, the facet link said {item['count']}",
        )
        api = self.json_alternate()
        if R.check(bool(api), "api-link", f"{url}: no JSON alternate"):
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(api).query)
            R.check(
                q.get(name) == [item["value"]],
                "api-link",
                f"{url}: JSON alternate {api} does not carry the filter {name}={item['value']}",
            )
            sep = "&" if "?" in api else "?"
            total = self.http.json(api + sep + "limit=1").get("total")
            R.check(shown == total, "count", f"{url}: page shows {shown} records, {api} has total {total}")

    def error_pages(self, lang: str, tables: dict) -> None:
        t = tables.get("commitments") or next((x for x in tables.values() if x.get("record_url")), None)
        if not t:
            return
        url = t["path"].rstrip("/") + "/no-such-record-browser-suite"
        status, ctype, _, _ = self.http.get(url)
        R.check(status == 404, "404", f"{url}: status {status}, expected 404")
        R.check("text/html" in ctype, "404", f"{url}: content type {ctype!r}, expected an HTML page")
        self.b.get(self.http.url(url))
        self.check_lang(lang, url)
        R.check(bool(qs(self.drv, "h1")), "404", f"{url}: the 404 page has no <h1>")
        self.add(lang, "404", self.http.url(url), kind="site")
        # a path no route knows: a person following a bad link gets what?
        unknown = HOME[lang] + "pagina-inexistente-browser-suite"
        status, ctype, _, _ = self.http.get(unknown)
        R.check(status == 404, "404", f"{unknown}: status {status}, expected 404")
        if "text/html" not in ctype:
            R.warn("404", f"{unknown} (browser Accept header): 404 answered as {ctype!r}, not an HTML page")

    # -- every page type at one width: axe, layout, screenshots
    def sweep(self, width: int) -> None:
        log(f"\n== {width} px: axe{', horizontal scroll, skip link' if width < 600 else ''}, screenshots")
        self.b.set_width(width)
        for p in self.pages:
            try:
                self.sweep_one(p, width)
            except Exception as e:  # noqa: BLE001
                R.fail("error", f"{p.name} @{width}: {e.__class__.__name__}: {e}")
                traceback.print_exc()

    def sweep_one(self, p: PageType, width: int) -> None:
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        t0 = time.monotonic()
        where = f"{p.name} @{width}px ({p.url})"
        self.b.get(p.url)
        # images on the page load
        broken = self.b.js(
            "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        R.check(not broken, "img", f"{where}: images that did not load: {broken}")
        for v in self.b.axe():
            if v["impact"] in FAILING_IMPACTS:
                more = f" (+{v['count'] - len(v['targets'])} more)" if v["count"] > len(v["targets"]) else ""
                R.fail(
                    "axe",
                    f"{where}: {v['id']} ({v['impact']}) — {v['help']} — {v['count']} node(s): "
                    f"{' | '.join(v['targets'])}{more}",
                )
            else:
                self.axe_minor[(v["id"], v["impact"])] += 1
        R.passed += 1  # axe ran
        if p.kind in ("site", "card"):
            # text that spills out of its box over its neighbours (a cell, a list item, a paragraph)
            spill = self.b.js(
                """
                const out = [];
                for (const c of document.querySelectorAll('td, th, dd, li, p, h1, h2, h3')) {
                  if (getComputedStyle(c).overflowX !== 'visible') continue;
                  if (c.checkVisibility && !c.checkVisibility({contentVisibilityAuto: true})) continue;
                  if (c.scrollWidth > c.clientWidth + 1) {
                    let s = c.tagName.toLowerCase();
                    const p = c.closest('table, ul, ol, dl, form, section');
                    if (p && p !== c) s = p.tagName.toLowerCase() + (p.className ? '.' + String(p.className).trim().split(/\\s+/).join('.') : '') + ' ' + s;
                    out.push(s + ' ' + c.scrollWidth + 'px in ' + c.clientWidth + 'px: "' +
                             c.textContent.trim().replace(/\\s+/g, ' ').slice(0, 60) + '"');
                  }
                }
                return out;
                """
            )
            R.check(
                not spill,
                "overflow",
                f"{where}: content wider than its box ({len(spill)}): {' | '.join(spill[:4])}"
                + (f" (+{len(spill) - 4} more)" if len(spill) > 4 else ""),
            )
        if width < 600 and p.kind in ("site", "card"):
            sw, iw = self.b.js("return [document.documentElement.scrollWidth, window.innerWidth]")
            if not R.check(sw <= iw, "hscroll", f"{where}: scrollWidth {sw} > innerWidth {iw}"):
                wide = self.b.js(
                    """
                    const w = window.innerWidth, out = [];
                    for (const el of document.querySelectorAll('body *')) {
                      const r = el.getBoundingClientRect();
                      if (r.right > w + 1 && r.width > 0) {
                        let anc = el.parentElement, clipped = false;
                        while (anc && anc !== document.body) {
                          const o = getComputedStyle(anc).overflowX;
                          if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
                          anc = anc.parentElement;
                        }
                        if (!clipped) out.push(el);
                      }
                    }
                    // outermost offenders
                    const top = out.filter(el => !out.includes(el.parentElement)).slice(0, 4);
                    const name = el => {
                      let s = el.tagName.toLowerCase();
                      if (el.id) s += '#' + el.id;
                      if (el.className && typeof el.className === 'string' && el.className.trim())
                        s += '.' + el.className.trim().split(/\\s+/).join('.');
                      return s;
                    };
                    return top.map(el => {
                      const p = el.parentElement, pp = p && p.parentElement;
                      const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
                      return (pp ? name(pp) + ' > ' : '') + (p ? name(p) + ' > ' : '') + name(el) +
                        ' (right ' + Math.round(el.getBoundingClientRect().right) + 'px, "' + text + '")';
                    });
                    """
                )
                R.failures[-1] = (R.failures[-1][0], R.failures[-1][1] + f"; widest: {wide}")
                log(f"         widest: {wide}")
        self.b.screenshot(self.shots / f"{p.name}-{width}.png")
        if width < 600 and p.kind == "site":
            # a fresh load, without the fragment (it would move the focus starting point)
            self.b.get(urllib.parse.urldefrag(p.url)[0])
            ActionChains(self.drv).send_keys(Keys.TAB).perform()
            f = self.b.js(
                """
                const a = document.activeElement;
                if (!a) return null;
                const r = a.getBoundingClientRect();
                return {skip: a.matches('a.skip'), tag: a.tagName, text: (a.textContent || '').trim().slice(0, 60),
                        href: a.getAttribute('href'), left: r.left, top: r.top, right: r.right,
                        bottom: r.bottom, w: r.width, h: r.height, iw: window.innerWidth, ih: window.innerHeight};
                """
            )
            if R.check(
                bool(f and f["skip"]),
                "skip-link",
                f"{where}: first Tab focuses {f and (f['tag'], f['text'], f['href'])}, not a.skip",
            ):
                R.check(
                    f["w"] > 1 and f["h"] > 1 and f["left"] >= 0 and f["top"] >= 0
                    and f["right"] <= f["iw"] + 1 and f["bottom"] <= f["ih"],
                    "skip-link",
                    f"{where}: focused skip link is not visible in the viewport "
                    f"(box {f['left']:.0f},{f['top']:.0f} {f['w']:.0f}x{f['h']:.0f})",
                )
                target = (f["href"] or "").lstrip("#")
                if target:
                    R.check(
                        bool(self.b.js("return !!document.getElementById(arguments[0])", target)),
                        "skip-link",
                        f"{where}: skip link points to #{target}, which does not exist",
                    )
        log(f"  {where}: {time.monotonic() - t0:.1f} s")


# ---------------------------------------------------------------- main


def default_binary() -> Path:
    env = os.environ.get("GAGT_BIN")
    if env:
        return Path(env)
    target = os.environ.get("CARGO_TARGET_DIR") or str(Path.home() / ".cache" / "gagt-target")
    return Path(target) / "debug" / "gobierno-abierto-gt"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", type=Path, default=None, help="server binary (default: GAGT_BIN or the debug build)")
    ap.add_argument("--artifacts", type=Path, default=REPO / "ci-artifacts", help="where screenshots go")
    ap.add_argument("--crawl-cap", type=int, default=20000, help="most distinct URLs the link crawl fetches")
    ap.add_argument("--crawl-budget", type=float, default=300, help="seconds the link crawl may take")
    ap.add_argument("--crawl-workers", type=int, default=4)
    ap.add_argument("--no-crawl", action="store_true", help="skip the link crawl (development only)")
    ap.add_argument("--no-browser", action="store_true", help="skip the browser (development only)")
    args = ap.parse_args()

    binary = args.bin or default_binary()
    t_start = time.monotonic()
    for what, p in (("server binary", binary), ("chromium", Path(CHROMIUM)), ("chromedriver", Path(CHROMEDRIVER))):
        if not p.exists():
            log(f"browser suite: {what} not found at {p}")
            return 2
    if not AXE_JS.exists():
        log(f"browser suite: {AXE_JS} missing (run npm ci in {HERE})")
        return 2
    shots = args.artifacts / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    server = Server(binary)
    browser = None
    crawl_report = None
    suite = None
    timings = {}
    try:
        t = time.monotonic()
        server.start()
        timings["server start"] = time.monotonic() - t
        http = Http(server.origin)

        if not args.no_browser:
            t = time.monotonic()
            browser = Browser(server.origin)
            suite = Suite(http, browser, shots)
            for lang in ("es", "en"):
                suite.discover(lang)
            timings["browser: discovery and content checks"] = time.monotonic() - t
            for w in WIDTHS:
                t = time.monotonic()
                suite.sweep(w)
                timings[f"browser: {w} px sweep"] = time.monotonic() - t
            browser.quit()
            browser = None

        if not args.no_crawl:
            log(f"\n== link crawl (urllib, {args.crawl_workers} workers, cap {args.crawl_cap} URLs)")
            crawl_report = crawl(http, args.crawl_cap, args.crawl_workers, args.crawl_budget)
            timings["link crawl"] = crawl_report["elapsed"]
            res, ref = crawl_report["results"], crawl_report["referrer"]
            for u, (status, ctype) in sorted(res.items()):
                R.check(
                    0 < status < 400,
                    "link",
                    f"{u[len(server.origin):]} -> {status or ctype} (linked from {ref.get(u, '?')[len(server.origin):] or '/'})",
                )
            R.check(not crawl_report["capped"], "link", f"crawl hit the cap of {args.crawl_cap} URLs")
            R.check(
                not crawl_report["out_of_time"],
                "link",
                f"crawl ran out of its {args.crawl_budget:.0f} s budget after {len(res)} URLs",
            )
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001
        traceback.print_exc()
        R.fail("error", f"suite aborted: {e.__class__.__name__}: {e}")
        if server.proc is None or server.proc.poll() is not None:
            log(server.log_tail())
    finally:
        if browser is not None:
            browser.quit()
        server.stop()

    # ------------------------------------------------------------ summary
    total_s = time.monotonic() - t_start
    log("\n================ browser suite summary ================")
    for k, v in timings.items():
        log(f"  {k}: {v:.1f} s")
    log(f"  total: {total_s:.1f} s")
    if suite:
        log(f"  page types visited in the browser: {len(suite.pages)} "
            f"({', '.join(p.name for p in suite.pages)})")
        log(f"  screenshots: {len(list(shots.glob('*.png')))} in {shots}")
        if suite.axe_minor:
            minor = ", ".join(f"{i} ({imp}) x{n}" for (i, imp), n in sorted(suite.axe_minor.items()))
            log(f"  axe, not failing (minor/moderate; page x width): {minor}")
    if crawl_report:
        res = crawl_report["results"]
        by_status = collections.Counter(s for s, _ in res.values())
        log(
            f"  link crawl: {len(res)} distinct URLs fetched ({crawl_report['html_pages']} HTML pages parsed) "
            f"in {crawl_report['elapsed']:.1f} s; statuses {dict(sorted(by_status.items()))}"
        )
        tally = collections.Counter(path_key(u) for u in res)
        log("  by kind: " + ", ".join(f"{k} {n}" for k, n in tally.most_common(40)))
    for line in R.info:
        log(f"  info: {line}")
    if R.warnings:
        log(f"\n{len(R.warnings)} warning(s) (not failing):")
        for c, m in R.warnings:
            log(f"  [{c}] {m}")
    if R.failures:
        log(f"\n{len(R.failures)} failure(s):")
        by_cat = collections.Counter(c for c, _ in R.failures)
        log("  by check: " + ", ".join(f"{c} {n}" for c, n in by_cat.most_common()))
        for c, m in R.failures:
            log(f"  [{c}] {m}")
    report = {
        "passed": R.passed,
        "failed": len(R.failures),
        "failures": [{"check": c, "message": m} for c, m in R.failures],
        "warnings": [{"check": c, "message": m} for c, m in R.warnings],
        "timings_s": timings,
        "crawl_urls": len(crawl_report["results"]) if crawl_report else None,
    }
    try:
        (args.artifacts / "browser-report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    except OSError:
        pass
    log(f"\nbrowser checks: {R.passed} passed, {len(R.failures)} failed")
    return 1 if R.failures else 0


if __name__ == "__main__":
    sys.exit(main())
