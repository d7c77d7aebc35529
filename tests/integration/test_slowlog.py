"""The slow log with a C backtrace (request_slowlog_timeout,
request_slowlog_trace_depth), behind real nginx.

The master attaches to a worker whose request passed the timeout, writes
its symbolised stack with request id, method and URI to `slowlog`, and
detaches: the request still completes.  Where ptrace is not permitted
(crewlog started under tests/helpers/noptrace, which makes ptrace fail
with EPERM as a container without SYS_PTRACE does), the slow log says so
once and logs slow requests without a trace.

Run: CREWLOG_BIN=build/normal/crewlog python3 tests/integration/test_slowlog.py
"""

import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (TestRun, Crewlog, Nginx, http_request,  # noqa
                     tmpdir, wait_for)

t = TestRun("slowlog")
NOPTRACE = os.path.join(os.path.dirname(os.environ.get("CREWLOG_BIN", ".")),
                        "tests", "helpers", "noptrace")


def entries(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        return [json.loads(ln) for ln in f if ln.strip()]


def start(pool, wrap=None):
    d = tmpdir()
    p = {"test_endpoints": "yes", "request_slowlog_timeout": "1s",
         "slowlog": os.path.join(d, "slow.log")}
    p.update(pool)
    cw = Crewlog(dir=d, pool=p)
    if wrap:
        w = os.path.join(d, "wrapped-crewlog")
        with open(w, "w") as f:
            f.write("#!/bin/sh\nexec %s %s \"$@\"\n" % (wrap, cw.bin))
        os.chmod(w, 0o755)
        cw.bin = w
    cw.start()
    ng = Nginx(upstream=cw.listen).start()
    wait_for(lambda: http_request("GET", ng.url + "/ping").status == 200,
             10, "a worker to answer /ping")
    return cw, ng, p["slowlog"]


def slow_request(ng, ms, rid):
    return http_request("GET", ng.url + "/_test/sleep?ms=%d" % ms,
                        headers={"X-Request-Id": rid}, timeout=30)


@t.test("a slow request's entry names the sleeping function, with request "
        "id, method and URI; the request still completes")
def _():
    cw, ng, slow = start({"request_slowlog_trace_depth": "12"})
    r = slow_request(ng, 2500, "slow-trace-1")
    assert r.status == 200 and r.text == "slept 2500 ms\n", r
    es = [e for e in entries(slow) if e.get("msg") == "slow request"]
    assert len(es) == 1, entries(slow)
    e = es[0]
    assert e["request_id"] == "slow-trace-1", e
    assert e["method"] == "GET" and e["uri"].startswith("/_test/sleep"), e
    tr = e.get("trace")
    assert isinstance(tr, list) and 2 <= len(tr) <= 12, e
    text = "\n".join(tr)
    assert "nanosleep" in text, text
    # The handler: test_sleep, or ops_handle where -O2 inlined it.
    assert "test_sleep" in text or "ops_handle" in text, text
    assert "worker_main" in text or "serve" in text, text
    # The worker was not replaced: tracing did not kill it.
    assert "signal" not in cw.log(), cw.log()
    # A second slow request on the same worker is traced too.
    r = slow_request(ng, 1500, "slow-trace-2")
    assert r.status == 200, r
    assert [e["request_id"] for e in entries(slow)
            if e.get("msg") == "slow request"] == ["slow-trace-1",
                                                    "slow-trace-2"]


@t.test("request_slowlog_trace_depth = 0: the entry has no trace")
def _():
    cw, ng, slow = start({"request_slowlog_trace_depth": "0"})
    assert slow_request(ng, 1500, "no-trace").status == 200
    es = entries(slow)
    assert len(es) == 1 and "trace" not in es[0], es
    assert es[0]["request_id"] == "no-trace", es


@t.test("ptrace not permitted: the slow log says so once, then logs slow "
        "requests without a trace")
def _():
    assert os.path.exists(NOPTRACE), NOPTRACE + " not built"
    cw, ng, slow = start({"pm.max_children": "3"}, wrap=NOPTRACE)
    rs = []
    ths = [threading.Thread(target=lambda i=i: rs.append(
        slow_request(ng, 1800, "denied-%d" % i))) for i in range(3)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    assert sorted(r.status for r in rs) == [200, 200, 200], rs
    assert slow_request(ng, 1500, "denied-3").status == 200
    es = entries(slow)
    notes = [e for e in es if e.get("msg") != "slow request"]
    slows = [e for e in es if e.get("msg") == "slow request"]
    assert len(notes) == 1, es
    assert "not permitted" in notes[0]["msg"], notes
    assert sorted(e["request_id"] for e in slows) == [
        "denied-0", "denied-1", "denied-2", "denied-3"], slows
    assert all("trace" not in e for e in slows), slows


@t.test("request_slowlog_trace_depth: out of range names key and line")
def _():
    cw = Crewlog(pool={"request_slowlog_trace_depth": "1000"})
    r = cw.run("-t", "-c", cw.conf)
    assert r.returncode != 0, r
    err = r.stderr + r.stdout
    assert "request_slowlog_trace_depth" in err and "crewlog.conf:" in err


sys.exit(t.main())
