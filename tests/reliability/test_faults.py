"""Faults under load: kill -9 random workers every few hundred
milliseconds for 30 s while clients send idempotent requests through
nginx with the shipped config.  0 requests may fail
(fastcgi_next_upstream error timeout invalid_header retries the one a
dying worker had), and the pool returns to its configured size.

Run: CREWLOG_BIN=build/normal/crewlog python3 tests/reliability/test_faults.py
"""

import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402,F401  (puts the harness on the path)
from harness import (TestRun, BackgroundLoad, http_request,  # noqa: E402
                     start, wait_for)

t = TestRun("faults")
WORKERS = 4
SECONDS = 30


def workers(cw):
    with open("/proc/%d/task/%d/children" % (cw.pid, cw.pid)) as f:
        return [int(p) for p in f.read().split()]


@t.test("kill -9 a random worker every 200-400 ms for 30 s under load: "
        "0 failed idempotent requests, pool back to its size")
def _():
    cw, ng = start({"pm": "static", "pm.max_children": str(WORKERS)})
    wait_for(lambda: len(workers(cw)) == WORKERS, 10, "the pool")
    rnd = random.Random(13)
    loads = [BackgroundLoad(ng.url + p, concurrency=4, max_seconds=120)
             for p in ("/_test/sleep?ms=5", "/ping")]
    for ld in loads:
        ld.start()
    killed = 0
    end = time.monotonic() + SECONDS
    while time.monotonic() < end:
        ws = workers(cw)
        if ws:
            try:
                os.kill(rnd.choice(ws), signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(rnd.uniform(0.2, 0.4))
    stats = [ld.result() for ld in loads]
    ok = sum(s["ok"] for s in stats)
    failed = sum(s["failed"] for s in stats)
    print("# %d workers killed in %ds; %d requests ok, %d failed %s"
          % (killed, SECONDS, ok, failed,
             [dict(s["statuses"]) for s in stats] +
             [dict(s["errors"]) for s in stats]))
    assert killed >= SECONDS * 2, killed
    assert failed == 0, stats
    assert ok > 500, stats
    t0 = time.monotonic()
    # The status request itself keeps one worker busy.
    wait_for(lambda: len(workers(cw)) == WORKERS and http_request(
        "GET", ng.url + "/status?json").json()["total processes"] ==
        WORKERS, 60, "the pool back at %d workers" % WORKERS)
    st = http_request("GET", ng.url + "/status?json").json()
    assert st["idle processes"] == WORKERS - 1, st
    print("# pool back at %d workers %.1fs after the last kill"
          % (WORKERS, time.monotonic() - t0))


sys.exit(t.main())
