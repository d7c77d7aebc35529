#!/usr/bin/env python3
"""The strangler switch under continuous load: board, then hours, then
users move from the monolith to their services through the balancer's
runtime API, then back, while pages, API reads, hour POSTs and signups
run and are counted one by one.  0 failed requests, every acknowledged
write in the database, and after each step the traffic on the side it
moved to.  Prints TAP, and the figures for docs/services.md."""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import topology as TP  # noqa: E402
from topology import H  # noqa: E402

T = H.TestRun("strangler")
S = {}
SETTLE = 2.0        # seconds of load after each step before checking


def step(group, to_service):
    st, load = S["st"], S["load"]
    new, old = ("svc", "mono") if to_service else ("mono", "svc")
    n0, f0 = load.total(), len(load.failures)
    before_new = st.lb.sessions(group, new)
    st.lb.move(group, to_service)
    time.sleep(0.5)         # requests already sent to the old side end
    old_after = st.lb.sessions(group, old)
    time.sleep(SETTLE)
    got_new = st.lb.sessions(group, new) - before_new
    got_old = st.lb.sessions(group, old) - old_after
    n, f = load.total() - n0, len(load.failures) - f0
    print("# %s -> %s: %d requests during the step, %d failed; %s took "
          "%d, %s took %d after it" % (group, "service" if to_service
                                       else "monolith", n, f, new, got_new,
                                       old, got_old), flush=True)
    assert f == 0, TP.summary(load)
    assert got_new > 0, "no traffic reached %s/%s" % (group, new)
    assert got_old == 0, "%s/%s still took %d" % (group, old, got_old)
    return n


@T.test("setup: monolith and services up, all paths on the monolith, "
        "load running")
def _():
    st = TP.Stack(children=2, start_on_services=False)
    for s in list(H._started):
        s.persist()
    S["st"] = st
    users = [TP.new_user(st.lb.url, "Strangler %d" % i) for i in range(12)]
    S["load"] = TP.Load(st.lb.url, [(u[0], u[2]) for u in users],
                        threads=6).start()
    time.sleep(SETTLE)
    assert S["load"].failures == [], TP.summary(S["load"])
    for g in TP.SERVICES:
        assert st.lb.sessions(g, "svc") == 0


@T.test("move board to its service: 0 failed, traffic on board")
def _():
    before = S["st"].metric("board")
    step("board", True)
    assert S["st"].metric("board") > before


@T.test("move hours to its service: 0 failed, traffic on hours")
def _():
    before = S["st"].metric("hours")
    step("hours", True)
    assert S["st"].metric("hours") > before


@T.test("move users to its service: 0 failed, traffic on users")
def _():
    before = S["st"].metric("users")
    step("users", True)
    assert S["st"].metric("users") > before


@T.test("all on services: requests per second per service")
def _():
    st, load = S["st"], S["load"]
    a = {s: st.metric(s) for s in ("all",) + TP.SERVICES}
    n0, t0 = load.total(), time.monotonic()
    time.sleep(5)
    dt = time.monotonic() - t0
    b = {s: st.metric(s) for s in ("all",) + TP.SERVICES}
    rates = {s: (b[s] - a[s]) / dt for s in a}
    print("# figures: %.0f req/s through the balancer; per service "
          "(crewlog_accepted_connections_total, incl. health checks): %s"
          % ((load.total() - n0) / dt, ", ".join(
              "%s %.0f" % kv for kv in sorted(rates.items()))), flush=True)
    for s in TP.SERVICES:
        assert rates[s] > 1, rates


@T.test("move users back to the monolith: 0 failed")
def _():
    step("users", False)


@T.test("move hours back to the monolith: 0 failed")
def _():
    step("hours", False)


@T.test("move board back to the monolith: 0 failed")
def _():
    step("board", False)


@T.test("load stopped: 0 failed in all, every acknowledged write present")
def _():
    load = S["load"].stop()
    missing_h, missing_a = TP.all_present(S["st"].pg, load)
    print("# %s; %d hour entries and %d signups acknowledged"
          % (TP.summary(load), len(load.hours), len(load.signups)))
    assert load.failures == [], TP.summary(load)
    assert missing_h == [] and missing_a == [], (missing_h[:5],
                                                 missing_a[:5])
    for kind in ("page", "read", "write", "signup"):
        assert load.counts[kind] > 0, kind
    r = S["st"].cw["all"].run("check", "--database", S["st"].pg.url)
    assert r.returncode == 0, r.stdout + r.stderr


if __name__ == "__main__":
    try:
        rc = T.main()
    finally:
        if "load" in S:
            S["load"].stop()
    sys.exit(rc)
