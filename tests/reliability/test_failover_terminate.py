"""pg_terminate_backend on every crewlog connection, again and again, under
read and write load through nginx.

Asserts: no GET fails (a read-only statement retries once on a new
connection, and a connection found closed between requests is replaced
before the request uses it); a POST either succeeds or answers 503 with
Retry-After, and its retry with the same Idempotency-Key then succeeds
exactly once; nothing is ever half-written: every entry has its key and
every total equals the sum of its entries."""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness  # noqa: E402
import failover_load  # noqa: E402

T = harness.TestRun("failover-terminate")
S = {}
SECONDS = 8.0
EVERY = 1.0             # seconds between two rounds of terminations


@T.test("setup: postgres, migrate, crewlog, nginx")
def _():
    pg = harness.Postgres().start().persist()
    cw, ng = harness.start_app(pg.url, pool={"pm": "static",
                                             "pm.max_children": "4"})
    S.update(pg=pg, cw=cw, ng=ng)
    harness.wait_for(lambda: harness.http_request(
        "GET", ng.url + "/readyz").status == 200, 20, "/readyz")


def terminator(pg, stop, counts):
    """Every EVERY seconds, terminates every backend crewlog has open."""
    while not stop.is_set():
        n = pg.psql("SELECT count(pg_terminate_backend(pid)) FROM "
                    "pg_stat_activity WHERE application_name = 'crewlog'"
                    ).strip()
        counts.append(int(n))
        stop.wait(EVERY)


@T.test("pg_terminate_backend on every crewlog connection every second "
        "under load: 0 failed GETs; POSTs 2xx or 503 + Retry-After; "
        "never half-written, never twice")
def _():
    pg, ng = S["pg"], S["ng"]
    stop = threading.Event()
    crew = [failover_load.Astronaut(ng.url, i, stop, pause=0.01).signup()
            for i in range(6)]
    killed = []
    for a in crew:
        a.start()
    time.sleep(0.5)
    k = threading.Thread(target=terminator, args=(pg, stop, killed))
    k.start()
    time.sleep(SECONDS)
    stop.set()
    k.join()
    for a in crew:
        a.join(60)
        assert not a.is_alive(), "astronaut %d still writing" % a.idx

    reads = sum(a.reads for a in crew)
    failed_reads = [f for a in crew for f in a.read_failures]
    posts = sum(len(a.attempts) for a in crew)
    p503 = sum(1 for a in crew for x in a.attempts if x[2] == 503)
    other = [x for a in crew for x in a.attempts
             if x[2] is None or (x[2] != 503 and not 200 <= x[2] < 300)]
    acked = {}
    for a in crew:
        acked.update(a.acked)
    print("# terminate: %d backends terminated in %d rounds; %d GETs, "
          "%d failed; %d POST attempts, %d answered 503 and retried, %d "
          "entries acknowledged" % (sum(killed), len(killed), reads,
                                    len(failed_reads), posts, p503,
                                    len(acked)), flush=True)
    assert sum(killed) >= len(killed), "terminated too little: %r" % killed
    assert failed_reads == [], failed_reads[:20]
    assert other == [], other[:20]
    for a in crew:
        assert a.unexpected == [] and a.gave_up == [], (a.unexpected,
                                                        a.gave_up)
        assert a.no_retry_after == 0, "a 503 without Retry-After"
        assert a.foreign == [], a.foreign

    like = " OR ".join("h.activity LIKE '%s-%%'" % a.tag for a in crew)
    # Each entry is one acknowledged request, with its key's row.
    n = pg.psql("SELECT count(*) FROM hour_logs h WHERE %s" % like).strip()
    assert int(n) == len(acked), (n, len(acked))
    dups = pg.psql("SELECT activity FROM hour_logs h WHERE %s GROUP BY "
                   "activity HAVING count(*) > 1" % like).strip()
    assert dups == "", dups
    orphans = pg.psql("SELECT count(*) FROM hour_logs h WHERE (%s) AND "
                      "NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE "
                      "k.astronaut_id = h.astronaut_id AND k.o_id = h.id)"
                      % like).strip()
    assert orphans == "0", orphans
    r = S["cw"].run("check", "--database", pg.url)
    assert r.returncode == 0, r.stdout + r.stderr


@T.test("crewlog stops cleanly with no sanitizer report in its log")
def _():
    harness.assert_clean_stop(S["cw"])


if __name__ == "__main__":
    sys.exit(T.main())
