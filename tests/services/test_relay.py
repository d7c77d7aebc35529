#!/usr/bin/env python3
"""crewlog relay: the outbox published to a local SNS stand-in.

Real PostgreSQL with every migration; the relay is the real binary; SNS
is tests/services/snsfake.py, which checks each request's SigV4 signature
independently and records what it accepts.  Prints TAP.
"""

import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import harness as H  # noqa: E402
from snsfake import FakeSNS  # noqa: E402

T = H.TestRun("relay")
AK, SK = "AKIDRELAYTEST", "relay/secret+key/EXAMPLE"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:crewlog-hours.fifo"


_cluster = []


def database():
    """A fresh, migrated database in one cluster shared by the tests (kept
    out of the harness's per-test teardown, stopped at the end)."""
    if not _cluster:
        pg = H.Postgres().start()
        H._started.remove(pg)
        _cluster.append(pg)
    pg = H.Postgres(dir=_cluster[0].dir)
    pg.port = _cluster[0].port
    pg.dbname = "relay%d" % len(_cluster)
    _cluster.append(pg)
    pg.psql("CREATE DATABASE %s" % pg.dbname, db="postgres")
    r = subprocess.run([os.environ["CREWLOG_BIN"], "migrate", "--database",
                        pg.url, "--sql", os.path.join(H.SRCDIR, "sql")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return pg


def relay_url(pg):
    return "postgresql://crewlog_relay@127.0.0.1:%d/%s" % (pg.port,
                                                          pg.dbname)


def make_events(pg, astronauts=3, per=10):
    """Creates, edits and deletes hours as the app's functions do."""
    sql = []
    for a in range(astronauts):
        sql.append("SELECT astronaut_create('r%d-%f@x.test', 'R%d', 'h')"
                   % (a, time.time(), a))
    pg.psql(";".join(sql))
    ids = [int(x) for x in pg.psql(
        "SELECT id FROM astronauts ORDER BY id DESC LIMIT %d"
        % astronauts).split()]
    sql = []
    for who in ids:
        for i in range(per):
            sql.append("SELECT hours_add(%d, current_date - %d, 4, 'x%d')"
                       % (who, i, i))
    pg.psql(";".join(sql))
    # One edit and one delete per astronaut.
    for who in ids:
        e = pg.psql("SELECT min(id), max(id) FROM hour_logs WHERE "
                    "astronaut_id = %d" % who).strip().split("|")
        pg.psql("SELECT hours_update(%d, %s, current_date - 30, 8, 'edit')"
                % (who, e[0]))
        pg.psql("SELECT hours_delete(%d, %s)" % (who, e[1]))


def outbox(pg):
    """[(id, dedup_id, kind, astronaut_id, sent?)] in id order."""
    rows = []
    for line in pg.psql("SELECT id, dedup_id, kind, astronaut_id, "
                        "sent IS NOT NULL FROM outbox ORDER BY id").split():
        i, d, k, a, s = line.split("|")
        rows.append((int(i), d, k, int(a), s == "t"))
    return rows


def relay(pg, sns, *extra, env=None, wait=True):
    e = dict(os.environ)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
              "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
              "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_REGION"):
        e.pop(k, None)
    e.update({"AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SK,
              "AWS_ENDPOINT_URL_SNS": sns.url})
    e.update(env or {})
    e = {k: v for k, v in e.items() if v is not None}
    argv = [os.environ["CREWLOG_BIN"], "relay", "--database", relay_url(pg),
            "--topic-arn", TOPIC, "--poll", "50"] + list(extra)
    p = subprocess.Popen(argv, env=e, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    if wait:
        out, _ = p.communicate(timeout=60)
        return p.returncode, out
    return p


def check_delivery(rows, events):
    """Every outbox row arrived; first arrivals are in id order; any
    repeat carries the same dedup id and the same body."""
    first = {}
    order = []
    for form, msg in events:
        d = msg["dedup_id"]
        assert form["MessageDeduplicationId"] == d, form
        assert form["MessageGroupId"] == "astronaut-%d" % msg["astronaut_id"]
        if d in first:
            assert first[d] == form["Message"], "a repeat differs"
            continue
        first[d] = form["Message"]
        order.append(msg["id"])
    assert order == sorted(order), "first arrivals out of id order"
    assert order == [r[0] for r in rows], (len(order), len(rows))
    assert {r[1] for r in rows} == set(first)
    return len(events) - len(first)


@T.test("each create, edit and delete is one event, published in order, "
        "signed, marked sent")
def _():
    pg = database()
    make_events(pg, 3, 5)
    rows = outbox(pg)
    kinds = [r[2] for r in rows]
    assert len(rows) == 3 * 5 + 3 + 3, len(rows)
    assert kinds.count("hours.updated") == 3 and \
        kinds.count("hours.deleted") == 3
    sns = FakeSNS({AK: SK}, region="eu-west-1").start()
    try:
        rc, out = relay(pg, sns, "--once")
        assert rc == 0, out
        assert sns.bad_signatures == [], sns.bad_signatures
        dups = check_delivery(rows, sns.events())
        assert dups == 0
        assert all(r[4] for r in outbox(pg)), "not all marked sent"
        form, msg = sns.events()[0]
        assert form["TopicArn"] == TOPIC
        assert msg["type"] == "hours.created" and msg["entry"]["quarters"] \
            == 4 and msg["entry"]["hours"] == 1
        upd = [m for _, m in sns.events() if m["type"] == "hours.updated"]
        assert upd[0]["entry"]["activity"] == "edit" and \
            upd[0]["before"]["quarters"] == 4
    finally:
        sns.stop()


@T.test("a rolled-back write leaves no event; an event never lacks its "
        "change")
def _():
    pg = database()
    make_events(pg, 1, 1)
    before = len(outbox(pg))
    who = pg.psql("SELECT max(id) FROM astronauts").strip()
    pg.psql("BEGIN; SELECT hours_add(%s, current_date - 5, 4, 'gone'); "
            "ROLLBACK" % who)
    assert len(outbox(pg)) == before
    # The 24-hour refusal writes nothing either.
    pg.psql("SELECT hours_add(%s, current_date - 6, 96, 'full')" % who)
    pg.psql("SELECT hours_add(%s, current_date - 6, 4, 'over')" % who)
    assert len(outbox(pg)) == before + 1
    logs = int(pg.psql("SELECT count(*) FROM hour_logs").strip())
    created = int(pg.psql("SELECT count(*) FROM outbox WHERE kind = "
                          "'hours.created'").strip())
    deleted = int(pg.psql("SELECT count(*) FROM outbox WHERE kind = "
                          "'hours.deleted'").strip())
    assert created - deleted == logs


@T.test("SNS failing: retried with backoff, same event first, order kept")
def _():
    pg = database()
    make_events(pg, 2, 3)
    rows = outbox(pg)
    sns = FakeSNS({AK: SK}, region="eu-west-1", fail_first=3).start()
    try:
        rc, out = relay(pg, sns, "--once")
        assert rc == 0, out
        assert sns.failed == 3 and "retrying" in out, out
        assert check_delivery(rows, sns.events()) == 0
        att = pg.psql("SELECT attempts FROM outbox ORDER BY id LIMIT 2")
        assert att.split() == ["4", "1"], att
    finally:
        sns.stop()


@T.test("task-role credentials from the container endpoint, with token")
def _():
    pg = database()
    make_events(pg, 1, 2)
    rows = outbox(pg)
    sns = FakeSNS({"ASIATASKROLE": "task/secret"}, region="eu-west-1",
                  token="TASKTOKEN==", creds_auth="Bearer ecs-auth").start()
    sns.creds = {"AccessKeyId": "ASIATASKROLE",
                 "SecretAccessKey": "task/secret", "Token": "TASKTOKEN==",
                 "Expiration": "2099-01-01T00:00:00Z"}
    try:
        rc, out = relay(pg, sns, "--once", env={
            "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": sns.url + "creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer ecs-auth"})
        assert rc == 0, out
        assert sns.bad_signatures == [], sns.bad_signatures
        assert sns.creds_requests == 1, sns.creds_requests
        assert check_delivery(rows, sns.events()) == 0
    finally:
        sns.stop()


@T.test("a wrong secret is refused by the endpoint and nothing is marked "
        "sent")
def _():
    pg = database()
    make_events(pg, 1, 1)
    sns = FakeSNS({AK: "another secret"}, region="eu-west-1").start()
    try:
        p = relay(pg, sns, wait=False)
        H.wait_for(lambda: len(sns.bad_signatures) >= 2, 20,
                   "two refused publishes")
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=20)
        assert p.returncode == 0, out
        assert "HTTP 403" in out and "SignatureDoesNotMatch" in out, out
        assert sns.messages == []
        assert not any(r[4] for r in outbox(pg))
    finally:
        sns.stop()


@T.test("kill -9 mid-batch, writes going on: every event arrives, none "
        "lost, repeats only with the same id")
def _():
    pg = database()
    make_events(pg, 4, 50)
    sns = FakeSNS({AK: SK}, region="eu-west-1", delay=0.004).start()
    try:
        kills = 0
        for _ in range(3):
            p = relay(pg, sns, "--batch", "50", wait=False)
            n = len(sns.messages)
            H.wait_for(lambda: len(sns.messages) >= n + 40, 30,
                       "40 more messages")
            make_events(pg, 1, 5)       # writes while the relay runs
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=10)
            kills += 1
        p = relay(pg, sns, wait=False)
        H.wait_for(lambda: not any(not r[4] for r in outbox(pg)), 60,
                   "the outbox to drain")
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=20)
        assert p.returncode == 0, out
        rows = outbox(pg)
        dups = check_delivery(rows, sns.events())
        assert sns.bad_signatures == []
        print("# %d events, %d kills, %d repeated deliveries"
              % (len(rows), kills, dups))
    finally:
        sns.stop()


@T.test("usage errors name the option")
def _():
    r = subprocess.run([os.environ["CREWLOG_BIN"], "relay", "--topic-arn",
                        "arn:aws:sqs:x:1:q", "--database", "x"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "not an SNS topic ARN" in r.stderr, r
    r = subprocess.run([os.environ["CREWLOG_BIN"], "relay", "--batch", "0",
                        "--topic-arn", TOPIC], capture_output=True, text=True)
    assert r.returncode == 2 and "--batch: must be an integer" in r.stderr
    e = dict(os.environ)
    e.pop("CREWLOG_RELAY_TOPIC_ARN", None)
    r = subprocess.run([os.environ["CREWLOG_BIN"], "relay"], env=e,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--topic-arn" in r.stderr, r


if __name__ == "__main__":
    try:
        rc = T.main()
    finally:
        if _cluster:
            _cluster[0].stop()
    sys.exit(rc)
