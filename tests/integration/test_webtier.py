"""The shipped web server configs (deploy/nginx, deploy/apache) in front
of a busy pool: /status and /metrics reach the master's status socket
(pm.status_listen) and answer while every worker is busy; a full listen
queue (listen.backlog) is refused fast with 503 + Retry-After; slow
clients hold no worker.  Both nginx and Apache, with two limits of
Apache's mod_proxy_fcgi, documented in deploy/apache/crewlog.conf: its
connect to a unix socket waits while the queue is full (so shedding is
tested on a TCP listen), and it streams request bodies to the worker (so
only slow headers are tested; RequestReadTimeout bounds a slow body).

Run: CREWLOG_BIN=build/normal/crewlog python3 tests/integration/test_webtier.py
"""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (TestRun, Apache, Crewlog, Nginx,  # noqa
                     fcgi_get, free_port, http_request, wait_for)

t = TestRun("webtier")
HOLD_MS = 2500


def pool(extra=None):
    """One worker, a queue of one, and the master's status socket."""
    cw = Crewlog(pool={"pm": "static", "pm.max_children": "1",
                       "listen.backlog": "1", "test_endpoints": "yes"})
    cw.pool["pm.status_listen"] = os.path.join(cw.dir, "status.sock")
    cw.pool.update(extra or {})
    cw.listen = cw.pool["listen"]
    cw.write_config()
    cw.start()
    wait_for(lambda: os.path.exists(cw.pool["pm.status_listen"]), 5,
             "the status socket")
    return cw


def web(kind, cw):
    cls = Nginx if kind == "nginx" else Apache
    s = cls(upstream=cw.listen,
            status_upstream=cw.pool["pm.status_listen"]).start()
    wait_for(lambda: http_request("GET", s.url + "/ping").status == 200,
             10, "%s to pass /ping" % kind)
    return s


def hold_worker(url):
    """Occupies the only worker for HOLD_MS; returns the thread."""
    out = {}

    def run():
        out["r"] = http_request("GET", url + "/_test/sleep?ms=%d" % HOLD_MS)
    th = threading.Thread(target=run)
    th.result = out
    th.start()
    return th


def wait_busy(cw):
    """Until the scoreboard shows the worker running the held request."""
    def busy():
        return b"Running" in status_socket_get(cw, "/status?full")
    wait_for(busy, 5, "the worker to be busy")


def status_socket_get(cw, path):
    """Asks the master's status socket directly, past the web server."""
    return fcgi_get(cw.pool["pm.status_listen"], path)


def check_status_routed(kind):
    cw = pool()
    s = web(kind, cw)
    th = hold_worker(s.url)
    wait_busy(cw)
    t0 = time.monotonic()
    r = http_request("GET", s.url + "/status?json")
    took = time.monotonic() - t0
    assert r.status == 200, r
    j = r.json()
    assert j["active processes"] == 1 and j["idle processes"] == 0, j
    r = http_request("GET", s.url + "/metrics")
    assert r.status == 200 and b"crewlog_" in r.body, r
    # Answered while the only worker slept: not through the pool.
    assert took < HOLD_MS / 1000.0 / 2, took
    th.join()
    assert th.result["r"].status == 200, th.result


def check_shed(kind, extra=None):
    cw = pool(extra)
    s = web(kind, cw)
    th = hold_worker(s.url)
    wait_busy(cw)
    rs = []
    lock = threading.Lock()

    def one():
        t0 = time.monotonic()
        r = http_request("GET", s.url + "/ping", timeout=30)
        with lock:
            rs.append((r, time.monotonic() - t0))
    ths = [threading.Thread(target=one) for _ in range(8)]
    for x in ths:
        x.start()
    for x in ths:
        x.join()
    shed = [(r, d) for r, d in rs if r.status == 503]
    # The queue holds one or two; the rest is refused, fast, with
    # Retry-After; nothing else than 200 and 503.
    assert len(shed) >= 4, [(r.status, d) for r, d in rs]
    assert all(r.status in (200, 503) for r, _ in rs), rs
    for r, d in shed:
        assert r.headers.get("retry-after") == "1", r.headers
        assert d < HOLD_MS / 1000.0 / 2, d
    th.join()
    # The pool is not taken out of service after refusing.
    r = http_request("GET", s.url + "/ping")
    assert r.status == 200, r
    # The application's own 503 (no database here) passes through with
    # its own body: only the web server's failures become "busy".
    r = http_request("GET", s.url + "/readyz")
    assert r.status == 503 and r.body.startswith(b"not ready"), r
    return shed


@t.test("nginx: /status and /metrics answer from the master's status "
        "socket while the only worker is busy")
def _():
    check_status_routed("nginx")


@t.test("Apache: /status and /metrics answer from the master's status "
        "socket while the only worker is busy")
def _():
    check_status_routed("apache")


@t.test("nginx: a full listen queue is refused fast with 503 + "
        "Retry-After; the pool serves right after")
def _():
    check_shed("nginx")


@t.test("Apache, TCP listen: a full listen queue is refused fast with "
        "503 + Retry-After; the pool serves right after (retry=0)")
def _():
    check_shed("apache", {"listen": "127.0.0.1:%d" % free_port()})


def slow_clients(url, n, body):
    """n connections sending their request one byte a second."""
    host, port = url.split("//")[1].split(":")
    socks = []
    for i in range(n):
        s = socket.create_connection((host, int(port)))
        if body:
            s.sendall(b"POST /ping HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: 100\r\n\r\na")
        else:
            s.sendall(b"G")
        socks.append(s)
    return socks


def trickle(socks, stop):
    while not stop.is_set():
        for s in socks:
            try:
                s.sendall(b"a")
            except OSError:
                pass
        stop.wait(1.0)


def check_slow_clients(kind, body):
    cw = pool({"pm.max_children": "2", "listen.backlog": "4"})
    s = web(kind, cw)
    socks = slow_clients(s.url, 20, body)
    stop = threading.Event()
    th = threading.Thread(target=trickle, args=(socks, stop))
    th.start()
    try:
        time.sleep(2)
        for _ in range(20):
            t0 = time.monotonic()
            r = http_request("GET", s.url + "/ping", timeout=10)
            assert r.status == 200, r
            assert time.monotonic() - t0 < 1.0
        # Both workers idle while the slow clients still trickle (the
        # last /ping's worker may take a moment to mark itself idle).
        def idle():
            j = http_request("GET", s.url + "/status?json").json()
            return j["idle processes"] == 2 and j["active processes"] == 0
        wait_for(idle, 3, "both workers idle")
    finally:
        stop.set()
        th.join()
        for x in socks:
            x.close()


@t.test("nginx: 20 clients sending headers a byte a second hold no worker")
def _():
    check_slow_clients("nginx", body=False)


@t.test("nginx: 20 clients sending a body a byte a second hold no worker")
def _():
    check_slow_clients("nginx", body=True)


@t.test("Apache: 20 clients sending headers a byte a second hold no worker")
def _():
    check_slow_clients("apache", body=False)


sys.exit(t.main())
