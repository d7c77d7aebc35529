"""The crewlog app through nginx on a real PostgreSQL: every endpoint and
page, validation (and the database unchanged after each rejection),
ownership, CSRF, sessions, throttling, hostile input, and the database
going away and coming back."""

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

T = harness.TestRun("app")
S = {}          # servers shared by the tests: pg, cw, ng


def setup():
    pg = harness.Postgres().start().persist()
    cw = harness.Crewlog(pool={
        "database_url": pg.url, "auth.pwhash_opslimit": "1",
        "auth.pwhash_memlimit": "8192", "login.max_attempts": "5",
        "login.window": "300s", "pm.max_children": "2"})
    r = cw.run("migrate", "--database", pg.url, "--sql",
               os.path.join(harness.SRCDIR, "sql"))
    assert r.returncode == 0, r.stderr
    r = cw.run("seed", "-c", cw.conf, "--demo")
    assert r.returncode == 0, r.stderr
    cw.start().persist()
    ng = harness.Nginx(upstream=cw.listen).start().persist()
    S.update(pg=pg, cw=cw, ng=ng)


def q(sql):
    return S["pg"].psql(sql).strip()


def snapshot():
    """Everything a rejected request must leave as it was."""
    return q("SELECT (SELECT count(*) FROM astronauts) || '/' || "
             "(SELECT count(*) FROM sessions) || '/' || "
             "(SELECT coalesce(sum(quarters), 0) FROM hour_logs) || '/' || "
             "(SELECT count(*) FROM hour_logs) || '/' || "
             "(SELECT coalesce(sum(quarters), 0) FROM totals) || '/' || "
             "(SELECT coalesce(max(updated)::text, '') FROM hour_logs)")


def req(method, path, body=None, token=None, headers=None, raw=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if raw is not None:
        body = raw
    return harness.http_request(method, S["ng"].url + path, body=body,
                                headers=h)


def check_totals():
    r = S["cw"].run("check", "--database", S["pg"].url)
    assert r.returncode == 0, r.stdout + r.stderr


_n = [0]


def new_user(name="Astro"):
    _n[0] += 1
    email = "user%d.%d@crew.test" % (os.getpid(), _n[0])
    r = req("POST", "/api/users", {"email": email, "name": name,
                                   "password": "correct horse"})
    assert r.status == 201, r
    r = req("POST", "/api/sessions", {"email": email,
                                      "password": "correct horse"})
    assert r.status == 201, r
    return email, r.json()["token"]


class Browser:
    """A cookie jar over http_request, for the pages."""

    def __init__(self):
        self.jar = {}

    def go(self, method, path, form=None, headers=None):
        h = dict(headers or {})
        if self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        r = harness.http_request(method, S["ng"].url + path, body=body,
                                 headers=h)
        for line in r.headers.get("set-cookie", "").split("\n"):
            if "=" not in line:
                continue
            name, _, rest = line.partition("=")
            val = rest.split(";")[0]
            if "Max-Age=0" in line:
                self.jar.pop(name.strip(), None)
            else:
                self.jar[name.strip()] = val
        return r

    def csrf(self):
        return self.jar.get("crewlog_csrf")


# --- API: users and sessions ---------------------------------------------

@T.test("setup: postgres, migrate, seed, crewlog, nginx")
def _():
    setup()


@T.test("POST /api/users creates an astronaut, 201")
def _():
    r = req("POST", "/api/users", {"email": "Ada@Crew.test", "name": "Ada",
                                   "password": "s3cret-pass"})
    assert r.status == 201, r
    j = r.json()
    assert j["email"] == "Ada@Crew.test" and j["name"] == "Ada" and j["id"]
    assert "password" not in r.text and "argon2" not in r.text
    assert q("SELECT pwhash LIKE '$argon2id$%' FROM astronauts WHERE "
             "email = 'Ada@Crew.test'") == "t"


@T.test("POST /api/users rejects each bad field by name, DB unchanged")
def _():
    good = {"email": "bob@crew.test", "name": "Bob", "password": "longenough"}
    cases = [
        ({"email": ""}, "email"), ({"email": "no-at-sign"}, "email"),
        ({"email": "a@b"}, "email"), ({"email": "x" * 250 + "@a.io"}, "email"),
        ({"email": 42}, "email"), ({"name": ""}, "name"),
        ({"name": "n" * 101}, "name"), ({"name": "tab\there"}, "name"),
        ({"password": "short"}, "password"), ({"password": None}, "password"),
        ({"password": ["x"]}, "password"),
    ]
    before = snapshot()
    for change, field in cases:
        body = dict(good)
        body.update(change)
        if change.get(field, 1) is None:
            del body[field]
        r = req("POST", "/api/users", body)
        assert r.status == 400, (change, r)
        err = r.json()["error"]
        assert err["code"] == "validation", r
        assert field in err["fields"], (change, err)
        assert snapshot() == before, change


@T.test("POST /api/users: an email taken in any case is 409")
def _():
    before = snapshot()
    r = req("POST", "/api/users", {"email": "ADA@crew.TEST", "name": "Ada 2",
                                   "password": "s3cret-pass"})
    assert r.status == 409, r
    assert r.json()["error"]["fields"]["email"] == "is already registered"
    assert snapshot() == before


@T.test("malformed JSON and wrong content are 400, DB unchanged")
def _():
    before = snapshot()
    for raw in ('{"email": ', '[1, 2]', '"str"', '{"email": "a@b.io", '
                '"email": "c@d.io", "name": "x", "password": "12345678"}'):
        r = req("POST", "/api/users", raw=raw,
                headers={"Content-Type": "application/json"})
        assert r.status == 400, (raw, r)
        assert "error" in r.json()
    assert snapshot() == before


@T.test("POST /api/sessions: token; wrong password and unknown email alike")
def _():
    r = req("POST", "/api/sessions", {"email": "ada@crew.test",
                                      "password": "s3cret-pass"})
    assert r.status == 201, r
    j = r.json()
    assert len(j["token"]) == 43 and j["token_type"] == "Bearer"
    assert j["user"]["name"] == "Ada"
    # Only a hash is stored.
    assert q("SELECT count(*) FROM sessions WHERE token_hash = '%s'"
             % j["token"]) == "0"
    bad = req("POST", "/api/sessions", {"email": "ada@crew.test",
                                        "password": "wrong-pass"})
    unknown = req("POST", "/api/sessions", {"email": "nobody@crew.test",
                                            "password": "wrong-pass"})
    assert bad.status == unknown.status == 401
    assert bad.json() == unknown.json(), (bad, unknown)
    r = req("POST", "/api/sessions", {"email": "ada@crew.test"})
    assert r.status == 400 and "password" in r.json()["error"]["fields"]
    q("DELETE FROM login_failures")


@T.test("GET /api/me needs a valid bearer token")
def _():
    email, tok = new_user("Me")
    r = req("GET", "/api/me", token=tok)
    assert r.status == 200, r
    j = r.json()
    assert j["email"] == email and j["name"] == "Me" and j["hours"] == 0
    r = req("GET", "/api/me")
    assert r.status == 401 and r.json()["error"]["code"] == "unauthorized"
    assert "bearer" in r.headers.get("www-authenticate", "").lower()
    assert req("GET", "/api/me", token="x" * 43).status == 401
    assert req("GET", "/api/me", token="'; DROP TABLE x; --").status == 401


@T.test("DELETE /api/sessions ends the session server-side")
def _():
    _, tok = new_user()
    assert req("DELETE", "/api/sessions", token=tok).status == 204
    assert req("GET", "/api/me", token=tok).status == 401
    assert req("DELETE", "/api/sessions", token=tok).status == 401


@T.test("an expired session is refused")
def _():
    _, tok = new_user()
    for _ in range(6):
        assert req("GET", "/api/me", token=tok).status == 200
    q("UPDATE sessions SET expires = now() - interval '1 second'")
    for _ in range(6):
        assert req("GET", "/api/me", token=tok).status == 401


@T.test("a session deleted anywhere is refused by every worker at once")
def _():
    _, tok = new_user()
    for _ in range(6):     # every worker has it cached now
        assert req("GET", "/api/me", token=tok).status == 200
    q("DELETE FROM sessions WHERE astronaut_id = (SELECT max(id) FROM "
      "astronauts)")
    for _ in range(6):
        assert req("GET", "/api/me", token=tok).status == 401


# --- API: hours ------------------------------------------------------------

@T.test("hours: create, list, get, patch, delete; totals stay exact")
def _():
    _, tok = new_user("Hours")
    r = req("POST", "/api/hours", {"date": "2026-11-20", "hours": 2.5,
                                   "activity": "EVA drill"}, token=tok)
    assert r.status == 201, r
    e = r.json()
    assert e["hours"] == 2.5 and e["date"] == "2026-11-20"
    assert e["activity"] == "EVA drill" and e["id"] > 0
    assert r.headers["location"] == "/api/hours/%d" % e["id"]
    r = req("POST", "/api/hours", {"date": "2026-11-21", "hours": "8",
                                   "activity": "Centrifuge"}, token=tok)
    assert r.status == 201 and r.json()["hours"] == 8, r
    r = req("GET", "/api/hours", token=tok)
    assert r.status == 200, r
    j = r.json()
    assert j["total"] == 2 and [x["date"] for x in j["entries"]] == \
        ["2026-11-21", "2026-11-20"]
    r = req("GET", "/api/hours?limit=1&offset=1", token=tok)
    assert [x["id"] for x in r.json()["entries"]] == [e["id"]]
    r = req("GET", "/api/hours/%d" % e["id"], token=tok)
    assert r.status == 200 and r.json()["activity"] == "EVA drill"
    r = req("PATCH", "/api/hours/%d" % e["id"], {"hours": 3.75}, token=tok)
    assert r.status == 200, r
    assert r.json()["hours"] == 3.75 and r.json()["activity"] == "EVA drill"
    assert req("GET", "/api/me", token=tok).json()["hours"] == 11.75
    assert req("DELETE", "/api/hours/%d" % e["id"], token=tok).status == 204
    assert req("GET", "/api/hours/%d" % e["id"], token=tok).status == 404
    assert req("GET", "/api/me", token=tok).json()["hours"] == 8
    check_totals()


@T.test("hours: every bad field is a 400 naming it, DB unchanged")
def _():
    _, tok = new_user()
    good = {"date": "2026-11-20", "hours": 2, "activity": "Sim"}
    cases = [
        ({"hours": 0}, "hours"), ({"hours": -1}, "hours"),
        ({"hours": 0.3}, "hours"), ({"hours": 24.25}, "hours"),
        ({"hours": "abc"}, "hours"), ({"hours": "1e1"}, "hours"),
        ({"hours": True}, "hours"), ({"hours": None}, "hours"),
        ({"date": "2026-02-30"}, "date"), ({"date": "20-11-2026"}, "date"),
        ({"date": "2026-11-20T00:00"}, "date"), ({"date": 20261120}, "date"),
        ({"date": None}, "date"), ({"activity": ""}, "activity"),
        ({"activity": "a" * 201}, "activity"),
        ({"activity": "bell\u0007"}, "activity"),
    ]
    before = snapshot()
    for change, field in cases:
        body = dict(good)
        body.update(change)
        if change.get(field, 1) is None:
            del body[field]
        r = req("POST", "/api/hours", body, token=tok)
        assert r.status == 400, (change, r)
        assert field in r.json()["error"]["fields"], (change, r)
        assert snapshot() == before, change
    r = req("GET", "/api/hours?limit=500", token=tok)
    assert r.status == 400 and "limit" in r.json()["error"]["fields"]


@T.test("hours: more than 24 in a day is 422 naming hours, DB unchanged")
def _():
    _, tok = new_user()
    r = req("POST", "/api/hours", {"date": "2026-03-01", "hours": 20,
                                   "activity": "Long sim"}, token=tok)
    assert r.status == 201
    eid = r.json()["id"]
    before = snapshot()
    r = req("POST", "/api/hours", {"date": "2026-03-01", "hours": 4.25,
                                   "activity": "One more"}, token=tok)
    assert r.status == 422, r
    assert "hours" in r.json()["error"]["fields"]
    r = req("PATCH", "/api/hours/%d" % eid, {"hours": 24.25}, token=tok)
    assert r.status == 400, r
    assert snapshot() == before
    r = req("POST", "/api/hours", {"date": "2026-03-01", "hours": 4,
                                   "activity": "Exactly 24"}, token=tok)
    assert r.status == 201, r
    check_totals()


@T.test("hours: concurrent writes cannot pass 24 hours in a day together")
def _():
    import threading
    _, tok = new_user("Racer")
    statuses = []
    lock = threading.Lock()

    def post(day):
        r = req("POST", "/api/hours", {"date": day, "hours": 13,
                                       "activity": "race"}, token=tok)
        with lock:
            statuses.append(r.status)

    for d in range(1, 7):
        ts = [threading.Thread(target=post, args=("2024-07-%02d" % d,))
              for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    assert sorted(statuses) == [201] * 6 + [422] * 6, statuses
    assert q("SELECT max(s) FROM (SELECT sum(quarters) s FROM hour_logs "
             "GROUP BY astronaut_id, day) x")
    assert int(q("SELECT max(s) FROM (SELECT sum(quarters) s FROM "
                 "hour_logs GROUP BY astronaut_id, day) x")) <= 96
    check_totals()


@T.test("hours: someone else's entry is 404 for get, patch and delete")
def _():
    _, a = new_user("Owner")
    _, b = new_user("Other")
    eid = req("POST", "/api/hours", {"date": "2026-04-01", "hours": 1,
                                     "activity": "Mine"}, token=a).json()["id"]
    before = snapshot()
    assert req("GET", "/api/hours/%d" % eid, token=b).status == 404
    assert req("PATCH", "/api/hours/%d" % eid, {"hours": 2},
               token=b).status == 404
    assert req("DELETE", "/api/hours/%d" % eid, token=b).status == 404
    assert req("GET", "/api/hours/999999999", token=b).status == 404
    assert req("GET", "/api/hours/abc", token=b).status == 404
    assert snapshot() == before
    assert req("GET", "/api/hours").status == 401


@T.test("hostile strings are stored literally or refused")
def _():
    _, tok = new_user()
    for s in ("<script>alert(1)</script>", "'; DROP TABLE hour_logs; --",
              "Ünïcødé 🚀 \"quotes\" & ampersands", "\\x00 not a nul"):
        r = req("POST", "/api/hours", {"date": "2026-05-01", "hours": 0.25,
                                       "activity": s}, token=tok)
        assert r.status == 201, (s, r)
        got = req("GET", "/api/hours/%d" % r.json()["id"], token=tok)
        assert got.json()["activity"] == s
    before = snapshot()
    # Invalid UTF-8 in a form body, a NUL byte: refused, not stored.
    r = req("POST", "/api/hours", raw=b"date=2026-05-02&hours=1&activity="
            b"%ff%fe", token=tok,
            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 400 and "activity" in r.json()["error"]["fields"], r
    r = req("POST", "/api/hours", raw=b"date=2026-05-02&hours=1&activity="
            b"a%00b", token=tok,
            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 400, r
    assert snapshot() == before


# --- API: leaderboard -------------------------------------------------------

@T.test("GET /api/leaderboard ranks by hours with limit and offset")
def _():
    r = req("GET", "/api/leaderboard?limit=4")
    assert r.status == 200, r
    j = r.json()
    assert [(e["rank"], e["name"], e["hours"]) for e in j["entries"]][:3] \
        == [(1, "Neil", 111), (2, "Buzz", 102), (3, "Collins", 100)], j
    assert len(j["entries"]) == 4
    assert set(j["entries"][0]) == {"rank", "name", "hours"}
    assert j["total"] == int(q("SELECT count(*) FROM astronauts"))
    r = req("GET", "/api/leaderboard?limit=2&offset=1")
    assert [e["name"] for e in r.json()["entries"]] == ["Buzz", "Collins"]
    for bad in ("limit=0", "limit=101", "limit=x", "offset=-1", "limit=1e3"):
        r = req("GET", "/api/leaderboard?" + bad)
        assert r.status == 400, (bad, r)
        assert bad.split("=")[0] in r.json()["error"]["fields"]


@T.test("GET /api/leaderboard served from the cache: the same bytes, a "
        "JSON object in the view's key order, HEAD without a body")
def _():
    first = req("GET", "/api/leaderboard?limit=5&offset=2")
    assert first.status == 200, first
    assert first.headers["content-type"].startswith("application/json")
    assert first.body.startswith(b'{"entries":[{"rank":'), first.body[:40]
    assert first.body.endswith(b',"limit":5,"offset":2}'), first.body[-40:]
    j = first.json()
    assert list(j) == ["entries", "total", "limit", "offset"], list(j)
    for _ in range(8):      # every worker answers from its cached slice
        r = req("GET", "/api/leaderboard?limit=5&offset=2")
        assert r.body == first.body, (r.body, first.body)
    h = req("HEAD", "/api/leaderboard?limit=5&offset=2")
    assert h.status == 200 and h.body == b"", h


@T.test("the leaderboard reflects a write at once (cache invalidation)")
def _():
    _, tok = new_user("Climber")
    for _ in range(3):     # warm every worker's cache
        req("GET", "/api/leaderboard?limit=3")
    for day in range(1, 6):
        r = req("POST", "/api/hours", {"date": "2025-01-%02d" % day,
                                       "hours": 24, "activity": "Sprint"},
                token=tok)
        assert r.status == 201, r
    # leaderboard_cache = shared (the default): no wait at all, the writer
    # bumped the generation every worker checks.
    for _ in range(4):
        top = req("GET", "/api/leaderboard?limit=3").json()["entries"][0]
        assert top == {"rank": 1, "name": "Climber", "hours": 120}, top


def astronaut_id(name):
    """The id of the astronaut with this name and the most hours."""
    return q("SELECT t.astronaut_id FROM totals t JOIN astronauts a ON "
             "a.id = t.astronaut_id WHERE a.name = '%s' ORDER BY "
             "t.quarters DESC LIMIT 1" % name.replace("'", "''"))


def board_top(ng):
    r = harness.http_request("GET", ng.url + "/api/leaderboard?limit=1")
    assert r.status == 200, r
    return r.json()["entries"][0]


@T.test("leaderboard_cache = notify: a write through one master reaches "
        "another master's cache at once")
def _():
    hosts = []
    for _ in range(2):      # two "hosts": separate masters, no shared memory
        cw = harness.Crewlog(pool={"database_url": S["pg"].url,
                                   "pm.max_children": "2",
                                   "leaderboard_cache": "notify",
                                   "leaderboard_cache_ttl": "1h"}).start()
        ng = harness.Nginx(upstream=cw.listen).start()
        harness.wait_for(lambda ng=ng: harness.http_request(
            "GET", ng.url + "/readyz").status == 200, 10, "readyz")
        hosts.append(ng)
    _, tok = new_user("Notified")
    for _ in range(4):          # warm both workers of the second host
        before = board_top(hosts[1])
    for day in range(1, 9):
        r = harness.http_request(
            "POST", hosts[0].url + "/api/hours",
            {"date": "2024-02-%02d" % day, "hours": 24, "activity": "x"},
            headers={"Authorization": "Bearer " + tok})
        assert r.status == 201, r
    want = {"rank": 1, "name": "Notified", "hours": 192}
    assert before != want, before
    # The NOTIFY is delivered at commit; the idle workers read it then.
    harness.wait_for(lambda: all(board_top(hosts[1]) == want
                                 for _ in range(4)), 2,
                     "the second host's workers to drop their cache")


@T.test("leaderboard_cache = shared: a change made outside crewlog shows "
        "within leaderboard_cache_ttl")
def _():
    cw = harness.Crewlog(pool={"database_url": S["pg"].url,
                               "pm.max_children": "2",
                               "leaderboard_cache_ttl": "1s"}).start()
    ng = harness.Nginx(upstream=cw.listen).start()
    harness.wait_for(lambda: harness.http_request(
        "GET", ng.url + "/readyz").status == 200, 10, "readyz")
    top = board_top(ng)
    who = astronaut_id(top["name"])
    q("UPDATE totals SET quarters = quarters + 40 WHERE astronaut_id = %s"
      % who)      # no NOTIFY: another program, or a host in shared mode
    try:
        t0 = time.monotonic()
        harness.wait_for(lambda: all(board_top(ng)["hours"] ==
                                     top["hours"] + 10 for _ in range(4)),
                         5, "the change to show")
        assert time.monotonic() - t0 < 2.5, time.monotonic() - t0
    finally:
        q("UPDATE totals SET quarters = quarters - 40 WHERE "
          "astronaut_id = %s" % who)


# --- errors, headers, routing ----------------------------------------------

@T.test("404 and 405 in the client's format; security headers")
def _():
    r = req("GET", "/api/nope")
    assert r.status == 404 and r.json()["error"]["code"] == "not_found"
    r = req("GET", "/nope")
    assert r.status == 404 and "text/html" in r.headers["content-type"]
    r = req("PUT", "/api/hours")
    assert r.status == 405, r
    assert "GET" in r.headers["allow"] and "POST" in r.headers["allow"]
    r = req("GET", "/login")
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp \
        and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]


# --- pages -------------------------------------------------------------------

@T.test("a change notified while the worker was in another query still "
        "invalidates its cached leaderboard")
def _():
    # One worker, so every request below meets the same cache.
    cw = harness.Crewlog(pool={"database_url": S["pg"].url,
                               "pm.max_children": "1"}).start()
    ng = harness.Nginx(upstream=cw.listen).start()

    def get(path, token=None):
        h = {"Authorization": "Bearer " + token} if token else {}
        return harness.http_request("GET", ng.url + path, headers=h)
    harness.wait_for(lambda: get("/readyz").status == 200, 10, "readyz")
    email, tok = new_user("Waiter")
    top = get("/api/leaderboard?limit=3").json()["entries"][0]
    who = astronaut_id(top["name"])
    # Session A holds hour_logs, so the worker's GET /api/hours waits in
    # its query; session B changes a total and notifies meanwhile.  The
    # notification reaches the worker with that query's result.
    lock = subprocess.Popen(
        ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(S["pg"].port),
         "-U", "postgres", "-d", S["pg"].dbname, "-c",
         "BEGIN; LOCK TABLE hour_logs IN ACCESS EXCLUSIVE MODE; "
         "SELECT pg_sleep(1.5); COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    res = {}
    th = threading.Thread(target=lambda: res.update(r=get("/api/hours",
                                                          tok)))
    th.start()
    time.sleep(0.3)
    q("UPDATE totals SET quarters = quarters + 400 WHERE astronaut_id = %s;"
      " NOTIFY crewlog_leaderboard" % who)
    try:
        th.join(10)
        lock.wait(10)
        assert res["r"].status == 200, res["r"]
        now = get("/api/leaderboard?limit=3").json()["entries"][0]
        assert now["name"] == top["name"], (top, now)
        assert now["hours"] == top["hours"] + 100, (top, now)
    finally:
        q("UPDATE totals SET quarters = quarters - 400 WHERE "
          "astronaut_id = %s; NOTIFY crewlog_leaderboard" % who)
    check_totals()


@T.test("idle workers keep reading notifications: a burst of writes "
        "elsewhere never blocks their backends or fills the queue")
def _():
    cw = harness.Crewlog(pool={"database_url": S["pg"].url,
                               "pm.max_children": "2"}).start()
    ng = harness.Nginx(upstream=cw.listen).start()
    harness.wait_for(lambda: harness.http_request(
        "GET", ng.url + "/readyz").status == 200, 10, "readyz")
    # Both workers connected and LISTENing, then left idle.
    harness.wait_for(lambda: int(q(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
        "'crewlog' AND client_port IS NOT NULL")) >= 2 + 2, 10,
        "both workers' connections (and the shared instance's)")
    # About 8 MB of notifications, far more than a socket buffer holds:
    # a worker that only reads them before its next request would leave
    # its backend blocked writing to it.
    q("SELECT count(pg_notify('crewlog_leaderboard', i || repeat('x', "
      "2000))) FROM generate_series(1, 4000) i")

    def drained():
        stuck = q("SELECT count(*) FROM pg_stat_activity WHERE "
                  "application_name = 'crewlog' AND wait_event = "
                  "'ClientWrite'")
        return stuck == "0" and float(q(
            "SELECT pg_notification_queue_usage()")) == 0.0
    harness.wait_for(drained, 10, "every listener to read the burst")
    r = harness.http_request("GET", ng.url + "/api/leaderboard?limit=2")
    assert r.status == 200, r


@T.test("pages: sign up, log hours, leaderboard, edit, delete, log out")
def _():
    b = Browser()
    r = b.go("GET", "/signup")
    assert r.status == 200 and b.csrf(), r
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie     # plain http on loopback
    before = snapshot()
    r = b.go("POST", "/signup", {"email": "page@crew.test", "name": "Page",
                                 "password": "pagepass1"})
    assert r.status == 403, r            # no CSRF token
    assert snapshot() == before
    r = b.go("POST", "/signup", {"email": "page@crew.test", "name": "Page",
                                 "password": "pagepass1", "csrf": "x" * 43})
    assert r.status == 403, r            # wrong CSRF token
    r = b.go("POST", "/signup", {"email": "bad", "name": "Page",
                                 "password": "pagepass1", "csrf": b.csrf()})
    assert r.status == 400, r
    assert "page" not in r.text.lower() or "pagepass1" not in r.text
    assert snapshot() == before
    r = b.go("POST", "/signup", {"email": "page@crew.test", "name": "Page",
                                 "password": "pagepass1", "csrf": b.csrf()})
    assert r.status == 303 and r.headers["location"] == "/log", r
    assert "crewlog_session" in b.jar
    r = b.go("GET", "/log")
    assert r.status == 200, r
    r = b.go("POST", "/log", {"date": "2026-06-01", "hours": "30",
                              "activity": "Too long", "csrf": b.csrf()})
    assert r.status == 400 and "Too long" in r.text, r
    r = b.go("POST", "/log", {"date": "2026-06-01", "hours": "130.5",
                              "activity": "EVA", "csrf": b.csrf()})
    assert r.status == 400
    r = b.go("POST", "/log", {"date": "2026-06-01", "hours": "13.5",
                              "activity": "EVA", "csrf": b.csrf()})
    assert r.status == 303 and r.headers["location"].startswith("/log"), r
    eid = int(q("SELECT h.id FROM hour_logs h JOIN astronauts a ON "
                "a.id = h.astronaut_id WHERE a.email = 'page@crew.test'"))
    r = b.go("GET", "/log")
    assert "EVA" in r.text and "/log/%d/edit" % eid in r.text, r.text[:500]
    r = b.go("GET", "/leaderboard")
    assert r.status == 200 and "Page" in r.text and "mine" in r.text
    r = b.go("GET", "/log/%d/edit" % eid)
    assert r.status == 200 and "13.5" in r.text, r
    r = b.go("POST", "/log/%d" % eid, {"date": "2026-06-01", "hours": "14",
                                       "activity": "EVA 2",
                                       "csrf": b.csrf()})
    assert r.status == 303, r
    assert q("SELECT quarters || activity FROM hour_logs WHERE id = %d"
             % eid) == "56EVA 2"
    r = b.go("POST", "/log/%d/delete" % eid, {"csrf": b.csrf()})
    assert r.status == 303, r
    assert q("SELECT count(*) FROM hour_logs WHERE id = %d" % eid) == "0"
    r = b.go("POST", "/logout", {"csrf": b.csrf()})
    assert r.status == 303 and r.headers["location"] == "/login"
    r = b.go("GET", "/log")
    assert r.status == 303 and r.headers["location"] == "/login"
    check_totals()


@T.test("pages: login rotates the session; a bad login keeps the email")
def _():
    b = Browser()
    b.go("GET", "/login")
    r = b.go("POST", "/login", {"email": "ada@crew.test",
                                "password": "wrong-pass", "csrf": b.csrf()})
    assert r.status == 401 and "ada@crew.test" in r.text, r
    assert "wrong-pass" not in r.text
    r = b.go("POST", "/login", {"email": "ada@crew.test",
                                "password": "s3cret-pass", "csrf": b.csrf()})
    assert r.status == 303, r
    first = b.jar["crewlog_session"]
    r = b.go("POST", "/login", {"email": "ada@crew.test",
                                "password": "s3cret-pass", "csrf": b.csrf()})
    assert r.status == 303
    assert b.jar["crewlog_session"] != first
    r = req("GET", "/api/me", token=first)
    assert r.status == 401, "the old session must be gone"
    q("DELETE FROM login_failures")


@T.test("API writes with a session cookie need the CSRF token")
def _():
    b = Browser()
    b.go("GET", "/login")
    b.go("POST", "/login", {"email": "ada@crew.test",
                            "password": "s3cret-pass", "csrf": b.csrf()})
    before = snapshot()
    body = json.dumps({"date": "2026-07-01", "hours": 1, "activity": "x"})
    h = {"Content-Type": "application/json"}
    r = b.go("POST", "/api/hours", headers=h) if False else None
    cookie = "; ".join("%s=%s" % kv for kv in b.jar.items())
    r = harness.http_request("POST", S["ng"].url + "/api/hours", body=body,
                             headers=dict(h, Cookie=cookie))
    assert r.status == 403, r
    assert snapshot() == before
    r = harness.http_request("POST", S["ng"].url + "/api/hours", body=body,
                             headers=dict(h, Cookie=cookie,
                                          **{"X-CSRF-Token": b.csrf()}))
    assert r.status == 201, r


@T.test("pages: bad ?page= on /log and /leaderboard is a 400 naming page")
def _():
    b = Browser()
    b.go("GET", "/login")
    r = b.go("POST", "/login", {"email": "ada@crew.test",
                                "password": "s3cret-pass", "csrf": b.csrf()})
    assert r.status == 303, r
    for path in ("/log", "/leaderboard"):
        for bad in ("0", "x", "-1", "10000001", "2x"):
            r = b.go("GET", "%s?page=%s" % (path, bad))
            assert r.status == 400, (path, bad, r)
            assert "page must be an integer from 1 to 10000000" in r.text, \
                (path, bad, r.text[:300])
        r = b.go("GET", path + "?page=1")
        assert r.status == 200, (path, r)
    r = req("GET", "/api/hours?limit=1&offset=x",
            token=new_user("Pager")[1])
    assert r.status == 400 and "offset" in r.json()["error"]["fields"], r


def board_page(path):
    """The rows (rank, name) and the pager links of a leaderboard page."""
    r = harness.http_request("GET", S["ng"].url + path)
    assert r.status == 200, (path, r)
    rows = re.findall(r'<td class="num">(\d+)</td><td>([^<]*)</td>', r.text)
    links = dict((rel, href) for href, rel in re.findall(
        r'<a href="([^"]*)" rel="(prev|next)"', r.text))
    return [(int(k), v.strip()) for k, v in rows], links, r.text


@T.test("pages: the HTML leaderboard's ?page= walks the same ranking as "
        "the API, 50 a page")
def _():
    q("SELECT astronaut_create('pager' || i || '@crew.test', "
      "'Pager ' || i, 'x') FROM generate_series(1, 60) i")
    time.sleep(1.2)     # made outside crewlog: leaderboard_cache_ttl
    total = int(q("SELECT count(*) FROM astronauts"))
    pages = (total + 49) // 50
    assert pages >= 2, total
    rows1, links1, _ = board_page("/leaderboard")
    assert board_page("/leaderboard?page=1")[0] == rows1
    assert len(rows1) == 50 and "prev" not in links1, links1
    assert links1["next"] == "/leaderboard?page=2", links1
    rows2, links2, text = board_page("/leaderboard?page=2")
    assert "Page 2 of %d" % pages in text, text[:300]
    assert len(rows2) == min(50, total - 50), (total, len(rows2))
    assert links2["prev"] == "/leaderboard?page=1", links2
    assert rows2[0][0] >= rows1[-1][0], (rows1[-1], rows2[0])
    api = req("GET", "/api/leaderboard?limit=50&offset=50").json()
    assert [(e["rank"], e["name"]) for e in api["entries"]] == rows2
    api = req("GET", "/api/leaderboard?limit=50&offset=0").json()
    assert [(e["rank"], e["name"]) for e in api["entries"]] == rows1
    rows, links, text = board_page("/leaderboard?page=%d" % (pages + 3))
    assert rows == [] and "Nobody here yet" in text, text[:300]
    assert links["prev"] == "/leaderboard?page=%d" % pages, links
    assert "next" not in links


# --- throttling (shares 127.0.0.1 with every test: runs last) ----------------

@T.test("login throttling per account: 429 + Retry-After, even if correct")
def _():
    q("DELETE FROM login_failures")
    for _ in range(5):
        r = req("POST", "/api/sessions", {"email": "ada@crew.test",
                                          "password": "nope-nope"})
        assert r.status == 401, r
    r = req("POST", "/api/sessions", {"email": "ADA@crew.test",
                                      "password": "s3cret-pass"})
    assert r.status == 429, r
    assert 1 <= int(r.headers["retry-after"]) <= 300
    assert r.json()["error"]["code"] == "too_many_attempts"
    q("DELETE FROM login_failures")
    r = req("POST", "/api/sessions", {"email": "ada@crew.test",
                                      "password": "s3cret-pass"})
    assert r.status == 201, r


@T.test("login throttling per client address across accounts")
def _():
    q("DELETE FROM login_failures")
    for i in range(5):
        r = req("POST", "/api/sessions", {"email": "ghost%d@crew.test" % i,
                                          "password": "nope-nope"})
        assert r.status == 401, r
    r = req("POST", "/api/sessions", {"email": "ada@crew.test",
                                      "password": "s3cret-pass"})
    assert r.status == 429, r
    q("DELETE FROM login_failures")


@T.test("sign-up throttling per client address: 429 + Retry-After, "
        "nothing created")
def _():
    q("DELETE FROM login_failures")
    email = "ada@crew.test"     # taken: each attempt is a 409 and counts
    for i in range(20):
        r = req("POST", "/api/users", {"email": email, "name": "Again",
                                       "password": "correct horse"})
        assert r.status == 409, (i, r)
    # Rejected before the database: does not count, is still a 400.
    r = req("POST", "/api/users", {"email": "bad", "name": "X",
                                   "password": "correct horse"})
    assert r.status == 400, r
    before = snapshot()
    r = req("POST", "/api/users", {"email": "fresh@crew.test",
                                   "name": "Fresh",
                                   "password": "correct horse"})
    assert r.status == 429, r
    assert 1 <= int(r.headers["retry-after"]) <= 3600, r.headers
    assert r.json()["error"]["code"] == "too_many_attempts"
    assert snapshot() == before
    b = Browser()
    b.go("GET", "/signup")
    r = b.go("POST", "/signup", {"email": "fresh@crew.test", "name": "Fresh",
                                 "password": "correct horse",
                                 "csrf": b.csrf()})
    assert r.status == 429 and "retry-after" in r.headers, r
    assert "fresh@crew.test" in r.text and "correct horse" not in r.text
    assert snapshot() == before
    # Login is throttled apart: the sign-up attempts do not block it.
    r = req("POST", "/api/sessions", {"email": "ada@crew.test",
                                      "password": "s3cret-pass"})
    assert r.status == 201, r
    q("DELETE FROM login_failures")
    r = req("POST", "/api/users", {"email": "fresh@crew.test",
                                   "name": "Fresh",
                                   "password": "correct horse"})
    assert r.status == 201, r


# --- the database goes away and comes back -----------------------------------

@T.test("database down: 503 pages and API with Retry-After, /readyz 503; "
        "recovery without restart")
def _():
    _, tok = new_user("Survivor")
    assert req("GET", "/readyz").status == 200
    S["pg"].stop()
    for _ in range(3):
        r = req("GET", "/api/leaderboard")
        assert r.status == 503, r
        assert r.json()["error"]["code"] == "unavailable"
        assert int(r.headers["retry-after"]) >= 1
    r = req("POST", "/api/hours", {"date": "2026-08-01", "hours": 1,
                                   "activity": "x"}, token=tok)
    assert r.status == 503, r
    r = req("GET", "/leaderboard")
    assert r.status == 503 and "text/html" in r.headers["content-type"], r
    assert req("GET", "/readyz").status == 503
    S["pg"].start().persist()
    harness.wait_for(lambda: req("GET", "/readyz").status == 200, 20,
                     "readyz after the database restarts")
    for _ in range(4):
        assert req("GET", "/api/leaderboard").status == 200
    r = req("POST", "/api/hours", {"date": "2026-08-01", "hours": 1,
                                   "activity": "back"}, token=tok)
    assert r.status == 201, r
    check_totals()


@T.test("crewlog stops cleanly with no sanitizer report in its log")
def _():
    S["cw"].stop()
    log = S["cw"].output()
    for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                "signal 11", "signal 6"):
        assert bad not in log, log[-3000:]


if __name__ == "__main__":
    sys.exit(T.main())
