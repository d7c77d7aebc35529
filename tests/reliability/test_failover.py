"""Database failover: crewlog on a multi-host URL in front of a primary and
a synchronous standby; the primary is killed (kill -9 of every one of its
processes) under write load and the standby promoted with pg_ctl promote.

Asserts: every write answered 2xx is on the new primary (0 acknowledged
writes lost), no entry is there twice although clients retried, writes
succeed again within 2 s of the promotion (the measured outage is printed),
and no read ever showed an astronaut someone else's data."""

import atexit
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness  # noqa: E402
import failover_pg  # noqa: E402
import failover_load  # noqa: E402

T = harness.TestRun("failover")
S = {}
ASTRONAUTS = 6
MAX_OUTAGE = 2.0        # seconds from promotion to the first write


def req(method, path, body=None, token=None, key=None):
    h = {}
    if token:
        h["Authorization"] = "Bearer " + token
    if key:
        h["Idempotency-Key"] = key
    return harness.http_request(method, S["ng"].url + path, body=body,
                                headers=h)


@T.test("setup: primary + synchronous standby, crewlog on a multi-host URL, "
        "nginx")
def _():
    pair = failover_pg.Pair()
    atexit.register(pair.stop)
    pair.start()
    for n in (pair.primary, pair.standby):
        n.persist()
    cw, ng = harness.start_app(pair.url, migrate_url=pair.primary.url,
                               pool={"pm": "static",
                                     "pm.max_children": "4"})
    S.update(pair=pair, cw=cw, ng=ng)
    # Synchronous: the standby has the schema as soon as migrate returns.
    assert pair.standby.psql("SELECT count(*) FROM idempotency_keys")\
        .strip() == "0"
    harness.wait_for(lambda: req("GET", "/readyz").status == 200, 20,
                     "/readyz")


@T.test("kill -9 the primary under write load, pg_ctl promote the standby: "
        "0 acknowledged writes lost, 0 duplicates, writes back within 2 s, "
        "reads only ever the astronaut's own")
def _():
    pair, cw = S["pair"], S["cw"]
    stop = threading.Event()
    crew = [failover_load.Astronaut(S["ng"].url, i, stop).signup()
            for i in range(ASTRONAUTS)]
    for a in crew:
        a.start()
    time.sleep(2.0)
    before = sum(len(a.acked) for a in crew)
    assert before > 0, "no write succeeded before the failover"

    t_kill = time.monotonic()
    pair.primary.crash()
    # No host takes writes: a worker is not ready.  The wait stands in
    # for a failover manager's detection time, shortened.
    r = req("GET", "/readyz")
    assert r.status == 503 and b"database:" in r.body, r
    time.sleep(max(0.0, 0.5 - (time.monotonic() - t_kill)))
    t_promote = time.monotonic()
    pair.promote()
    t_promoted = time.monotonic()
    harness.wait_for(lambda: failover_load.first_write_after(
        crew, t_promoted) is not None, 15, "a write after the promotion")
    time.sleep(2.0)
    stop.set()
    for a in crew:
        a.join(60)
        assert not a.is_alive(), "astronaut %d still writing" % a.idx

    first = failover_load.first_write_after(crew, t_promoted)
    last = failover_load.last_write_before(crew, t_kill)
    outage = first - t_promoted
    acked = {}
    for a in crew:
        acked.update(a.acked)
    retried = sum(1 for a in crew for x in a.attempts
                  if x[2] is None or x[2] in failover_load.RETRY)
    print("# failover: writes answered 2xx again %.3f s after pg_ctl "
          "promote returned (%.3f s after it was run; promotion took "
          "%.3f s)" % (outage, first - t_promote, t_promoted - t_promote),
          flush=True)
    print("# failover: no write answered from %.3f s before the kill to "
          "%.3f s after it (gap %.3f s, %.1f s of it the deliberate wait "
          "before promoting)" % (t_kill - last, first - t_kill,
                                 first - last, t_promote - t_kill),
          flush=True)

    new = pair.standby
    tags = [a.tag + "-%" for a in crew]
    like = " OR ".join("activity LIKE '%s'" % t for t in tags)
    rows = {}
    for line in new.psql("SELECT id, activity FROM hour_logs WHERE %s"
                         % like).split("\n"):
        if line:
            i, act = line.split("|", 1)
            rows.setdefault(act, []).append(int(i))
    lost = [k for k, (i, body, _) in acked.items()
            if i not in rows.get(body["activity"], [])]
    dups = {act: ids for act, ids in rows.items() if len(ids) > 1}
    print("# failover: %d writes acknowledged (%d before the kill), %d "
          "attempts answered 503 or no answer and retried with their key; "
          "lost %d, duplicated %d" % (len(acked), before, retried,
                                      len(lost), len(dups)), flush=True)
    assert lost == [], "acknowledged but not on the new primary: %r" % lost
    assert dups == {}, "written twice: %r" % dups
    for a in crew:
        assert a.gave_up == [], "never answered 2xx: %r" % a.gave_up
        assert a.unexpected == [], a.unexpected
        assert a.foreign == [], "astronaut %d saw %r" % (a.idx, a.foreign)
        assert a.no_retry_after == 0, "a 503 without Retry-After"
    # Every entry on the new primary is one a client was told about.
    assert sum(len(v) for v in rows.values()) == len(acked), \
        (sum(len(v) for v in rows.values()), len(acked))
    # And one outbox event each (003): a replay publishes nothing again.
    ev = new.psql("SELECT count(*) FROM outbox WHERE kind = "
                  "'hours.created' AND (%s)" % like.replace(
                      "activity", "payload->'entry'->>'activity'")).strip()
    assert int(ev) == len(acked), (ev, len(acked))
    assert outage <= MAX_OUTAGE, \
        "writes came back %.3f s after promotion (> %.1f s)" % (
            outage, MAX_OUTAGE)
    S.update(crew=crew, acked=acked)


@T.test("after the failover: a retry of a write acknowledged by the old "
        "primary replays its first answer from the new one")
def _():
    crew, acked = S["crew"], S["acked"]
    a = crew[0]
    key = sorted(a.acked, key=lambda k: int(k.rsplit("-", 1)[1]))[0]
    _, body, first = a.acked[key]
    r = req("POST", "/api/hours", body, token=a.token, key=key)
    assert r.status == 201, r
    assert r.body == first, (r.body, first)
    assert r.headers.get("idempotent-replayed") == "true", r.headers
    n = S["pair"].standby.psql("SELECT count(*) FROM hour_logs WHERE "
                               "activity = '%s'" % body["activity"]).strip()
    assert n == "1", n
    assert len(acked) > 0


@T.test("after the failover: totals exact, /readyz 200, each worker "
        "logged the host it reconnected to; crewlog stops cleanly")
def _():
    pair, cw = S["pair"], S["cw"]
    r = cw.run("check", "--database", pair.standby.url)
    assert r.returncode == 0, r.stdout + r.stderr
    assert req("GET", "/readyz").status == 200
    log = cw.log()
    assert "database: reconnected to 127.0.0.1:%d" % pair.standby.port \
        in log, log[-3000:]
    harness.assert_clean_stop(cw)


if __name__ == "__main__":
    sys.exit(T.main())
