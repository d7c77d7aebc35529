#!/usr/bin/env python3
"""Isolation shown: with every path group on its own service, kill every
board worker, then stop the board service outright.  Logging hours and
signing up keep working (0 failed); the leaderboard answers only 200 or
503 with Retry-After (from the web tier or the balancer) and comes back
by itself, with nobody touching the balancer.  Prints TAP."""

import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import topology as TP  # noqa: E402
from topology import H  # noqa: E402

T = H.TestRun("isolation")
S = {}


class BoardProbe:
    """GET /api/leaderboard and /leaderboard in a loop: each answer must
    be 200, or 503 with Retry-After."""

    def __init__(self, base):
        self.base = base
        self.lock = threading.Lock()
        self.log = []           # (monotonic time, status, retry-after)
        self.bad = []
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        i = 0
        while not self.stop_event.is_set():
            path = "/api/leaderboard" if i % 2 == 0 else "/leaderboard"
            i += 1
            try:
                r = TP.request(self.base, "GET", path, timeout=10)
                st, ra = r.status, r.headers.get("retry-after")
            except Exception as e:  # noqa: B902 - a failure is recorded
                st, ra = type(e).__name__, None
            with self.lock:
                self.log.append((time.monotonic(), st, ra))
                if not (st == 200 or (st == 503 and ra)):
                    self.bad.append((path, st, ra))
            time.sleep(0.02)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stop_event.set()
        self.thread.join()

    def since(self, t):
        with self.lock:
            return [e for e in self.log if e[0] >= t]


def workers(pid):
    r = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                       text=True)
    return [int(x) for x in r.stdout.split()]


def others_ok(load, f0):
    fails = load.failures[f0:]
    assert fails == [], TP.summary(load)


@T.test("setup: every group on its service; hours and signup load, "
        "leaderboard probe")
def _():
    st = TP.Stack(children=2, start_on_services=True)
    for s in list(H._started):
        s.persist()
    S["st"] = st
    H.wait_for(lambda: all(st.lb.up(g, "svc") for g in TP.SERVICES), 15,
               "the services' checks")
    users = [TP.new_user(st.lb.url, "Iso %d" % i) for i in range(8)]
    S["load"] = TP.Load(st.lb.url, [(u[0], u[2]) for u in users],
                        threads=4, ops=("write", "signup", "me",
                                        "hours_list", "login_page")).start()
    S["probe"] = BoardProbe(st.lb.url).start()
    time.sleep(1)
    assert S["load"].failures == [] and S["probe"].bad == []


@T.test("kill -9 every board worker: others 0 failed; board 200 or 503 + "
        "Retry-After; back by itself")
def _():
    st, load, probe = S["st"], S["load"], S["probe"]
    f0, n0 = len(load.failures), load.total()
    master = st.cw["board"].pid
    t0 = time.monotonic()
    for _ in range(3):          # kill the replacements too
        for w in workers(master):
            os.kill(w, signal.SIGKILL)
        time.sleep(0.3)
    H.wait_for(lambda: any(e[1] == 200 for e in probe.since(
        time.monotonic() - 0.2)), 15, "the leaderboard to answer 200")
    back = time.monotonic() - t0
    time.sleep(1)
    others_ok(load, f0)
    seen = probe.since(t0)
    print("# %d other requests meanwhile, 0 failed; leaderboard: %s; "
          "200 again %.1fs after the first kill" % (
              load.total() - n0, sorted({str(e[1]) for e in seen}), back))
    assert probe.bad == [], probe.bad[:5]
    assert st.cw["board"].running()


@T.test("stop the board service: others 0 failed; board 503 + "
        "Retry-After; restarted, back by itself")
def _():
    st, load, probe = S["st"], S["load"], S["probe"]
    f0, n0 = len(load.failures), load.total()
    t0 = time.monotonic()
    st.cw["board"].stop()
    H.wait_for(lambda: not st.lb.up("board", "svc"), 15,
               "the balancer to see board down")
    H.wait_for(lambda: len([e for e in probe.since(time.monotonic() - 1)
                            if e[1] == 503]) >= 5, 10,
               "the leaderboard to answer 503")
    time.sleep(2)               # a while with board down
    others_ok(load, f0)
    down = probe.since(t0)
    r = TP.request(st.lb.url, "GET", "/api/leaderboard")
    assert r.status == 503 and r.headers.get("retry-after") == "5", r
    assert r.json()["error"]["code"] == "unavailable"
    r = TP.request(st.lb.url, "GET", "/leaderboard")
    assert r.status == 503 and r.headers.get("retry-after"), r
    # The rest of the site is untouched, pages included.
    b = TP.Browser(st.lb.url)
    assert b.go("GET", "/signup").status == 200
    t1 = time.monotonic()
    st.cw["board"].start()      # as the orchestrator would: same config
    H.wait_for(lambda: TP.request(st.lb.url, "GET", "/api/leaderboard")
               .status == 200, 20, "the leaderboard to come back")
    back = time.monotonic() - t1
    time.sleep(0.5)
    others_ok(load, f0)
    assert probe.bad == [], probe.bad[:5]
    print("# board down %.1fs: %d other requests, 0 failed; leaderboard "
          "answered %s; 200 again %.1fs after the restart, balancer "
          "untouched" % (t1 - t0, load.total() - n0,
                         sorted({str(e[1]) for e in down}), back))


@T.test("load stopped: every acknowledged write present")
def _():
    S["probe"].stop()
    load = S["load"].stop()
    missing_h, missing_a = TP.all_present(S["st"].pg, load)
    assert load.failures == [], TP.summary(load)
    assert missing_h == [] and missing_a == []
    assert load.counts["write"] > 0 and load.counts["signup"] > 0
    print("# %s" % TP.summary(load))


if __name__ == "__main__":
    try:
        rc = T.main()
    finally:
        for k in ("probe", "load"):
            if k in S:
                S[k].stop()
    sys.exit(rc)
