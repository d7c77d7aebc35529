#!/usr/bin/env python3
"""Hour events fanned out to the board: relay -> SNS -> SQS -> crewlog
board-events -> every board worker's cache dropped.  SNS and SQS are the
local stand-ins of snsfake.py (each checks SigV4 on its own); PostgreSQL,
crewlog, nginx are real.  Prints TAP."""

import os
import signal
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import topology as TP  # noqa: E402
from topology import H  # noqa: E402
from snsfake import FakeSNS, FakeSQS  # noqa: E402

T = H.TestRun("events")
S = {}
AK, SK = "AKIDEVENTS", "events/secret"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:crewlog-hours"


def env(extra=None):
    e = dict(os.environ)
    for k in ("AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
              "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_REGION"):
        e.pop(k, None)
    e.update({"AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SK,
              "AWS_REGION": "eu-west-1"})
    e.update(extra or {})
    return e


def board_events(*args, wait=True):
    argv = [os.environ["CREWLOG_BIN"], "board-events", "--queue-url",
            S["sqs"].queue_url, "--gen-file", S["gen"], "--wait", "1"]
    p = subprocess.Popen(argv + list(args), env=env(), text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if wait:
        out, _ = p.communicate(timeout=60)
        return p.returncode, out
    return p


def generation():
    with open(S["gen"], "rb") as f:
        return struct.unpack("<Q", f.read(8))[0]


def board():
    r = H.http_request("GET", S["web"].url + "/api/leaderboard?limit=100")
    assert r.status == 200, r
    return {e["name"]: e["hours"] for e in r.json()["entries"]}


@T.test("setup: a board service with a day-long cache, SNS and SQS "
        "stand-ins")
def _():
    pg = H.Postgres().start()
    r = subprocess.run([os.environ["CREWLOG_BIN"], "migrate", "--database",
                        pg.url, "--sql", os.path.join(H.SRCDIR, "sql")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    d = H.tmpdir()
    S["gen"] = os.path.join(d, "board.gen")
    cw = H.Crewlog(pool_name="board", pool={
        "service": "board", "pm": "static", "pm.max_children": "1",
        "database_url": "postgresql://crewlog_board@127.0.0.1:%d/%s"
        % (pg.port, pg.dbname),
        "leaderboard_cache_ttl": "1h",
        "leaderboard_cache_file": S["gen"]}).start()
    web = TP.WebTier(upstream=cw.listen).start()
    H.wait_for(lambda: H.http_request("GET", web.url + "/readyz").status
               == 200, 15, "the board to be ready")
    S["sqs"] = FakeSQS({AK: SK}, region="eu-west-1", max_receives=2,
                       visibility=0.3).start()
    S["sns"] = FakeSNS({AK: SK}, region="eu-west-1",
                       subscribers=[S["sqs"]]).start()
    for s in list(H._started):
        s.persist()
    S.update(pg=pg, cw=cw, web=web)


@T.test("a write made elsewhere reaches the board's cache through SNS and "
        "SQS, at once")
def _():
    pg = S["pg"]
    pg.psql("SELECT astronaut_create('ev@x.test', 'Eventful', 'h')")
    who = pg.psql("SELECT id FROM astronauts WHERE name = 'Eventful'") \
        .strip()
    pg.psql("SELECT hours_add(%s, '2026-01-01', 8, 'x')" % who)
    for _ in range(3):                  # the one worker caches the board
        assert board()["Eventful"] == 2
    pg.psql("SELECT hours_add(%s, '2026-01-02', 12, 'y')" % who)
    for _ in range(6):
        assert board()["Eventful"] == 2, "the cache was not stale"
    g0 = generation()
    r = subprocess.run([os.environ["CREWLOG_BIN"], "relay", "--database",
                        pg.url, "--topic-arn", TOPIC, "--once"],
                       env=env({"AWS_ENDPOINT_URL_SNS": S["sns"].url}),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(S["sqs"].queue) == 2, S["sqs"].queue     # the two adds
    rc, out = board_events("--once")
    assert rc == 0, out
    assert S["sqs"].bad_signatures == [] and S["sns"].bad_signatures == []
    assert S["sqs"].queue == [] and len(S["sqs"].deleted) == 2
    assert generation() == g0 + 2
    for _ in range(6):
        assert board()["Eventful"] == 5, "the cache was not dropped"


@T.test("a message that is not an event is received max times, never "
        "deleted, then in the dead-letter queue; events around it still "
        "work")
def _():
    sqs = S["sqs"]
    sqs.enqueue("this is not JSON")
    sqs.enqueue('{"Type": "Notification", "Message": "{\\"type\\": '
                '\\"hours.created\\", \\"dedup_id\\": \\"d-1\\"}"}')
    g0 = generation()
    p = board_events(wait=False)
    H.wait_for(lambda: len(sqs.dlq) == 1 and not sqs.queue, 20,
               "the poison message to reach the dead-letter queue")
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=20)
    assert p.returncode == 0, out
    assert sqs.dlq[0]["body"] == "this is not JSON"
    assert sqs.dlq[0]["receives"] == 2
    assert out.count("left for the dead-letter queue") == 2, out
    assert generation() == g0 + 1


@T.test("usage errors name the option")
def _():
    e = env()
    e.pop("CREWLOG_BOARD_QUEUE_URL", None)
    r = subprocess.run([os.environ["CREWLOG_BIN"], "board-events",
                        "--gen-file", "/tmp/x"], env=e,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--queue-url" in r.stderr, r
    r = subprocess.run([os.environ["CREWLOG_BIN"], "board-events",
                        "--queue-url", "https://sqs.eu-west-1.amazonaws.com"
                        "/1/q", "--wait", "21"], env=e,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--wait: must be an integer" in r.stderr
    r = subprocess.run([os.environ["CREWLOG_BIN"], "board-events",
                        "--queue-url", "https://sqs.eu-west-1.amazonaws.com"
                        "/1/q"], env=e, capture_output=True, text=True)
    assert r.returncode == 2 and "no generation file" in r.stderr, r


if __name__ == "__main__":
    try:
        rc = T.main()
    finally:
        for k in ("sns", "sqs"):
            if k in S:
                S[k].stop()
    sys.exit(rc)
