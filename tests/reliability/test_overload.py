"""Overload: four times the pool's measured capacity, through nginx with
the shipped config.

The pool (4 workers, a handler that takes 20 ms, listen.backlog = 2) is
first measured: capacity in requests per second with one connection per
worker, and the unloaded p99 with one client.  Then wrk offers 4x that
capacity for 15 s (an open loop: each of 256 connections waits between
requests).  On a shared machine the latency figures are noisy, so a run
that misses the p99 bound is measured once more (unloaded, then loaded)
and both attempts are printed.  Asserted: requests beyond capacity are refused fast with 503 +
Retry-After (nothing else fails), the p99 of the requests served stays
within 3x the unloaded p99, and /status and /metrics (the master's status
socket) answer throughout.  The figures are printed for
docs/reliability.md.

Run: CREWLOG_BIN=build/normal/crewlog python3 tests/reliability/test_overload.py
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import access_entries, log_size, pct, wrk  # noqa: E402
from harness import (TestRun, Crewlog, Nginx, http_request,  # noqa: E402
                     wait_for)

t = TestRun("overload")
WORKERS = 4
SERVICE_MS = 20
PATH = "/_test/sleep?ms=%d" % SERVICE_MS


def poll_ops(url, stop, out):
    """GET /status and /metrics every 100 ms until stop; counts statuses."""
    while not stop.is_set():
        for p in ("/status?json", "/metrics"):
            try:
                r = http_request("GET", url + p, timeout=5)
                out[r.status] = out.get(r.status, 0) + 1
            except OSError as e:
                out[type(e).__name__] = out.get(type(e).__name__, 0) + 1
        stop.wait(0.1)


def measure(ng, url):
    """Unloaded p99, capacity, then 4x capacity; returns the figures."""
    off = log_size(ng)
    wrk(url, 4, 1, threads=1)
    es, off = access_entries(ng, "/_test/sleep", off)
    unloaded = [s for st, s in es if st == 200]
    assert len(unloaded) > 50 and len(unloaded) == len(es), es[:5]
    p99_unloaded = max(pct(unloaded, 99), 0.001)

    # Capacity: one connection per worker, closed loop.
    wrk(url, 5, WORKERS)
    es, off = access_entries(ng, "/_test/sleep", off)
    capacity = len([1 for st, _ in es if st == 200]) / 5.0
    assert capacity > 0

    # 4x capacity, open loop, with /status and /metrics polled throughout.
    stop = threading.Event()
    ops = {}
    th = threading.Thread(target=poll_ops, args=(ng.url, stop, ops))
    th.start()
    secs = 15
    wrk(url, secs, 256, rate=4 * capacity)
    stop.set()
    th.join()
    es, off = access_entries(ng, "/_test/sleep", off)
    served = [s for st, s in es if st == 200]
    shed = [s for st, s in es if st == 503]
    m = dict(capacity=capacity, p99_unloaded=p99_unloaded, ops=ops,
             other=[st for st, _ in es if st not in (200, 503)],
             offered=len(es) / float(secs), p99_served=pct(served, 99),
             p99_shed=pct(shed, 99), shed_rate=len(shed) / float(len(es)))
    print("# capacity %.0f req/s; unloaded p99 %.1f ms" %
          (capacity, p99_unloaded * 1000))
    print("# offered %.0f req/s (%.1fx) for %ds: served %d (%.0f req/s), "
          "shed %d (%.1f%%), other %d" %
          (m["offered"], m["offered"] / capacity, secs, len(served),
           len(served) / float(secs), len(shed), 100 * m["shed_rate"],
           len(m["other"])))
    print("# p99 served %.1f ms (%.2fx unloaded), p99 of 503s %.1f ms; "
          "status/metrics polls: %s" %
          (m["p99_served"] * 1000, m["p99_served"] / p99_unloaded,
           m["p99_shed"] * 1000, ops))
    return m


@t.test("4x capacity: excess refused fast with 503 + Retry-After, served "
        "p99 within 3x unloaded, status and metrics answer throughout")
def _():
    cw = Crewlog(pool={"pm": "static", "pm.max_children": str(WORKERS),
                       "listen.backlog": "2",
                       "test_endpoints": "yes"})
    cw.pool["pm.status_listen"] = os.path.join(cw.dir, "status.sock")
    cw.write_config()
    cw.start()
    ng = Nginx(upstream=cw.listen,
               status_upstream=cw.pool["pm.status_listen"]).start()
    url = ng.url + PATH
    wait_for(lambda: http_request("GET", url).status == 200, 10, "a worker")

    for attempt in (1, 2):
        m = measure(ng, url)
        if m["p99_served"] <= 3 * m["p99_unloaded"] or attempt == 2:
            break
        print("# attempt 1 missed the p99 bound; measuring again")
    assert m["offered"] >= 3 * m["capacity"], m
    assert m["other"] == [], m["other"]
    assert m["shed_rate"] > 0.3, m
    assert m["p99_served"] <= 3 * m["p99_unloaded"], m
    assert m["p99_shed"] <= m["p99_served"], m
    assert list(m["ops"]) == [200] and m["ops"][200] > 50, m["ops"]
    r = http_request("GET", url)
    assert r.status == 200, r
    # The 503s carry Retry-After: take one while the pool is saturated.
    load = threading.Thread(target=wrk,
                            args=(url, 3, 256, 4 * m["capacity"]))
    load.start()
    time.sleep(1)
    seen = None
    for _ in range(200):
        r = http_request("GET", url)
        if r.status == 503:
            seen = r
            break
    load.join()
    assert seen is not None, "no 503 under 4x load"
    assert seen.headers.get("retry-after") == "1", seen.headers


sys.exit(t.main())
