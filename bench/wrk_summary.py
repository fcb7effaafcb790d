"""The medians of several wrk runs of one load (bench/run.sh and bench/cold.py).

Usage: python3 bench/wrk_summary.py WRK_OUTPUT...
prints one line: req/s (MB/s), p50, p99 and each run's p99, and the count of
non-2xx/3xx responses and socket errors when there are any. Each figure is
the median over the runs: one run can catch the host busy elsewhere.
"""
import re
import statistics
import sys


def ms(text):
    n, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(n) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def size(text):
    n, unit = re.fullmatch(r"([\d.]+)([KMG]?B)", text).groups()
    return float(n) * {"B": 1e-6, "KB": 1e-3, "MB": 1.0, "GB": 1e3}[unit]


def parse(text):
    """One wrk --latency output (with bench/walk.lua's line, if it ran)."""
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    walk = re.search(r"walk: (\d+) paths, (\d+) wraps", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "mbs": size(re.search(r"Transfer/sec:\s+(\S+)", text).group(1)),
        "p50": ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)),
        "p99": ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)),
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "bad": sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text)),
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "wraps": int(walk.group(2)) if walk else 0,
    }


def summarise(runs):
    """Medians of the runs' figures; sums of their errors; the most wraps."""
    med = {k: statistics.median(r[k] for r in runs) for k in ("rps", "mbs", "p50", "p99")}
    med["bad"] = sum(r["bad"] for r in runs)
    med["socket_errors"] = sum(r["socket_errors"] for r in runs)
    med["wraps"] = max(r["wraps"] for r in runs)
    med["p99s"] = [r["p99"] for r in runs]
    return med


def describe(med):
    p99s = ", ".join(f"{p:.2f}" for p in med["p99s"])
    return (
        f"{med['rps']:.0f} req/s ({med['mbs']:.0f} MB/s), p50 {med['p50']:.2f} ms, p99 {med['p99']:.2f} ms "
        f"(runs' p99: {p99s} ms)"
        + (f", {med['bad']} non-2xx/3xx" if med["bad"] else "")
        + (f", {med['socket_errors']} socket errors" if med["socket_errors"] else "")
    )


if __name__ == "__main__":
    print(describe(summarise([parse(open(p).read()) for p in sys.argv[1:]])))
