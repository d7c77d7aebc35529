"""The worker sandbox (sandbox = off | log | enforce), behind real nginx.

/_test/forbidden makes one system call outside the allow-list
(personality(2) as a query).  In log mode the call runs and the log names
it; in enforce mode the worker logs the name and the request id, answers
500 and exits, and the master replaces it.  A config typo names key and
line.

Run: CREWLOG_BIN=build/normal/crewlog python3 tests/integration/test_sandbox.py
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestRun, Crewlog, http_request, start, wait_for  # noqa

t = TestRun("sandbox")


def json_lines(text):
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def workers(cw):
    with open("/proc/%d/task/%d/children" % (cw.pid, cw.pid)) as f:
        return sorted(int(p) for p in f.read().split())


def sandbox_lines(cw):
    return [ln for ln in json_lines(cw.log())
            if str(ln.get("msg", "")).startswith("sandbox:")]


def app_and_ops_answer(ng):
    """The ordinary request path keeps working inside the sandbox."""
    for path in ("/ping", "/status?json", "/metrics", "/healthz",
                 "/static/app.css", "/_test/sleep?ms=5"):
        r = http_request("GET", ng.url + path)
        assert r.status in (200, 404), (path, r)
        if path != "/static/app.css":
            assert r.status == 200, (path, r)


@t.test("sandbox = off: the forbidden call simply runs")
def _():
    cw, ng = start({"sandbox": "off"})
    r = http_request("GET", ng.url + "/_test/forbidden")
    assert r.status == 200 and b"returned" in r.body, r
    assert sandbox_lines(cw) == [], sandbox_lines(cw)


@t.test("sandbox = log: the call is allowed and logged by name with the "
        "request id; ordinary requests log nothing")
def _():
    cw, ng = start({"sandbox": "log"})
    app_and_ops_answer(ng)
    assert sandbox_lines(cw) == [], sandbox_lines(cw)
    before = workers(cw)
    r = http_request("GET", ng.url + "/_test/forbidden")
    assert r.status == 200 and b"returned" in r.body, r
    rid = r.headers.get("x-request-id")
    wait_for(lambda: sandbox_lines(cw), 5, "the sandbox line")
    ln = sandbox_lines(cw)[0]
    assert "personality" in ln["msg"] and "allowed" in ln["msg"], ln
    assert ln.get("request_id") == rid, (ln, rid)
    assert ln["level"] == "warn", ln
    assert workers(cw) == before, "no worker was replaced"
    app_and_ops_answer(ng)
    assert len(sandbox_lines(cw)) == 1, sandbox_lines(cw)


@t.test("sandbox = enforce: 500, the log names the call and the request "
        "id, the worker exits and is replaced")
def _():
    cw, ng = start({"sandbox": "enforce"})
    app_and_ops_answer(ng)
    assert sandbox_lines(cw) == [], sandbox_lines(cw)
    before = workers(cw)
    r = http_request("GET", ng.url + "/_test/forbidden")
    assert r.status == 500, r
    rid = r.headers.get("x-request-id")
    wait_for(lambda: sandbox_lines(cw), 5, "the sandbox line")
    ln = sandbox_lines(cw)[0]
    assert "personality" in ln["msg"] and "500" in ln["msg"], ln
    assert ln.get("request_id") == rid and rid, (ln, rid)
    assert ln["level"] == "error", ln
    # The worker exited; the pool is back to its size with a new pid.
    wait_for(lambda: len(workers(cw)) == 2 and workers(cw) != before, 10,
             "the worker to be replaced")
    app_and_ops_answer(ng)
    # No SIGSYS death: the master saw an ordinary exit.
    assert "signal 31" not in cw.log() and "SIGSYS" not in cw.log()


@t.test("sandbox: a bad value names the key and the line")
def _():
    cw = Crewlog(pool={"sandbox": "strict"})
    r = cw.run("-t", "-c", cw.conf)
    assert r.returncode != 0, r
    err = r.stderr + r.stdout
    assert "sandbox" in err and "crewlog.conf:" in err, err
    assert "off, log, enforce" in err, err


sys.exit(t.main())
