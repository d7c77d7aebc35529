"""Safe retries of POST /api/hours and of the log page's form through
nginx: the same Idempotency-Key by the same astronaut gets the first
answer and writes once, across workers and concurrent requests; a key
reused for another request is 422; a bad key is 400 naming it."""

import os
import re
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

T = harness.TestRun("idempotency")
S = {}
_n = [0]


def q(sql):
    return S["pg"].psql(sql).strip()


def req(method, path, body=None, token=None, key=None, headers=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if key is not None:
        h["Idempotency-Key"] = key
    return harness.http_request(method, S["ng"].url + path, body=body,
                                headers=h)


def new_user():
    _n[0] += 1
    email = "idem%d.%d@crew.test" % (os.getpid(), _n[0])
    r = req("POST", "/api/users", {"email": email, "name": "Idem",
                                   "password": "correct horse"})
    assert r.status == 201, r
    r = req("POST", "/api/sessions", {"email": email,
                                      "password": "correct horse"})
    assert r.status == 201, r
    return r.json()["token"]


def entries(activity):
    return int(q("SELECT count(*) FROM hour_logs WHERE activity = '%s'"
                 % activity))


@T.test("setup: postgres, migrate (005), crewlog with 3 workers, nginx")
def _():
    pg = harness.Postgres().start().persist()
    cw, ng = harness.start_app(pg.url, pool={"pm": "static",
                                             "pm.max_children": "3"})
    assert pg.psql("SELECT count(*) FROM schema_migrations WHERE name = "
                   "'005_idempotency.sql'").strip() == "1"
    S.update(pg=pg, cw=cw, ng=ng)


@T.test("a retry with the same key returns the first status and body, "
        "marked Idempotent-Replayed, and writes once")
def _():
    tok = new_user()
    body = {"date": "2026-03-01", "hours": 1.5, "activity": "idem-replay"}
    first = req("POST", "/api/hours", body, token=tok, key="k-replay-1")
    assert first.status == 201, first
    assert "idempotent-replayed" not in first.headers
    # Several tries, so that more than one worker answers one.
    for _ in range(6):
        r = req("POST", "/api/hours", body, token=tok, key="k-replay-1")
        assert r.status == 201, r
        assert r.body == first.body, (r.body, first.body)
        assert r.headers["location"] == first.headers["location"]
        assert r.headers["idempotent-replayed"] == "true", r.headers
    assert entries("idem-replay") == 1
    total = req("GET", "/api/me", token=tok).json()["hours"]
    assert total == 1.5, total


@T.test("the replay is the first answer even after the entry changed")
def _():
    tok = new_user()
    body = {"date": "2026-03-02", "hours": 2, "activity": "idem-changed"}
    first = req("POST", "/api/hours", body, token=tok, key="k-changed")
    assert first.status == 201, first
    eid = first.json()["id"]
    r = req("PATCH", "/api/hours/%d" % eid, {"hours": 3}, token=tok)
    assert r.status == 200, r
    r = req("POST", "/api/hours", body, token=tok, key="k-changed")
    assert r.status == 201 and r.body == first.body, r
    assert q("SELECT quarters FROM hour_logs WHERE id = %d" % eid) == "12"


@T.test("the key reused with another body is 422 naming Idempotency-Key; "
        "nothing written")
def _():
    tok = new_user()
    body = {"date": "2026-03-03", "hours": 1, "activity": "idem-reuse"}
    assert req("POST", "/api/hours", body, token=tok,
               key="k-reuse").status == 201
    for change in ({"hours": 2}, {"date": "2026-03-04"},
                   {"activity": "idem-reuse-other"}):
        b = dict(body)
        b.update(change)
        r = req("POST", "/api/hours", b, token=tok, key="k-reuse")
        assert r.status == 422, r
        err = r.json()["error"]
        assert err["code"] == "idempotency_key_reused", err
        assert "Idempotency-Key" in err["fields"], err
    assert entries("idem-reuse") == 1
    assert entries("idem-reuse-other") == 0


@T.test("keys belong to one astronaut: another's same key writes its own")
def _():
    a, b = new_user(), new_user()
    body = {"date": "2026-03-05", "hours": 1, "activity": "idem-shared"}
    ra = req("POST", "/api/hours", body, token=a, key="k-shared")
    rb = req("POST", "/api/hours", body, token=b, key="k-shared")
    assert ra.status == 201 and rb.status == 201, (ra, rb)
    assert ra.json()["id"] != rb.json()["id"]
    assert "idempotent-replayed" not in rb.headers
    assert entries("idem-shared") == 2


@T.test("a bad key is 400 naming Idempotency-Key; nothing written")
def _():
    tok = new_user()
    body = {"date": "2026-03-06", "hours": 1, "activity": "idem-bad"}
    for key, msg in (("", "must not be empty"),
                     ("x" * 129, "at most 128"),
                     ("has space", "only letters"),
                     ("a/b", "only letters")):
        r = req("POST", "/api/hours", body, token=tok, key=key)
        assert r.status == 400, (key, r)
        f = r.json()["error"]["fields"]
        assert msg in f.get("Idempotency-Key", ""), (key, f)
    r = req("POST", "/api/hours", dict(body, idempotency_key="bad key"),
            token=tok)
    assert r.status == 400, r
    assert "idempotency_key" in r.json()["error"]["fields"], r
    assert entries("idem-bad") == 0


@T.test("without a key a request is written each time (no guarantee)")
def _():
    tok = new_user()
    body = {"date": "2026-03-07", "hours": 1, "activity": "idem-none"}
    for _ in range(2):
        assert req("POST", "/api/hours", body, token=tok).status == 201
    assert entries("idem-none") == 2


@T.test("the same key sent 8 times at once writes one entry; every "
        "answer is the same 201")
def _():
    tok = new_user()
    body = {"date": "2026-03-08", "hours": 0.25, "activity": "idem-race"}
    out = []
    lock = threading.Lock()

    def go():
        r = req("POST", "/api/hours", body, token=tok, key="k-race")
        with lock:
            out.append(r)

    ts = [threading.Thread(target=go) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert [r.status for r in out] == [201] * 8, out
    assert len({r.body for r in out}) == 1, {r.body for r in out}
    assert sum(1 for r in out if "idempotent-replayed" not in r.headers) \
        == 1
    assert entries("idem-race") == 1


class Browser:
    def __init__(self):
        self.jar = {}

    def go(self, method, path, form=None):
        h = {}
        if self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        r = harness.http_request(method, S["ng"].url + path, body=body,
                                 headers=h)
        for line in r.headers.get("set-cookie", "").split("\n"):
            if "=" in line:
                name, _, rest = line.partition("=")
                self.jar[name.strip()] = rest.split(";")[0]
        return r


@T.test("the log page's form carries a new key per render; submitting "
        "the same page twice adds once")
def _():
    b = Browser()
    _n[0] += 1
    email = "idemform%d.%d@crew.test" % (os.getpid(), _n[0])
    b.go("GET", "/signup")
    r = b.go("POST", "/signup", {"email": email, "name": "Form",
                                 "password": "correct horse",
                                 "csrf": b.jar.get("crewlog_csrf", "")})
    assert r.status == 303, r
    keys = []
    for _ in range(2):
        r = b.go("GET", "/log")
        assert r.status == 200, r
        m = re.search(r'name="idempotency_key" value="([A-Za-z0-9_-]+)"',
                      r.text)
        assert m, r.text[:2000]
        keys.append(m.group(1))
    assert keys[0] != keys[1], keys
    form = {"csrf": b.jar["crewlog_csrf"], "idempotency_key": keys[0],
            "date": "2026-03-09", "hours": "1", "activity": "idem-form"}
    for _ in range(2):
        r = b.go("POST", "/log", form)
        assert r.status == 303 and r.headers["location"] == \
            "/log?saved=1", r
    assert entries("idem-form") == 1
    form["hours"] = "2"
    r = b.go("POST", "/log", form)
    assert r.status == 422 and "different request" in r.text, r
    assert entries("idem-form") == 1


@T.test("a key is released when the day would pass 24 hours (422)")
def _():
    tok = new_user()
    big = {"date": "2026-03-10", "hours": 23, "activity": "idem-big"}
    assert req("POST", "/api/hours", big, token=tok).status == 201
    body = {"date": "2026-03-10", "hours": 2, "activity": "idem-over"}
    r = req("POST", "/api/hours", body, token=tok, key="k-over")
    assert r.status == 422 and "hours" in r.json()["error"]["fields"], r
    assert q("SELECT count(*) FROM idempotency_keys WHERE key = 'k-over'"
             ) == "0"
    body["date"] = "2026-03-11"
    r = req("POST", "/api/hours", dict(body, date="2026-03-10"), token=tok,
            key="k-over")
    assert r.status == 422, r
    r = req("POST", "/api/hours", body, token=tok, key="k-over")
    assert r.status == 201, r


@T.test("totals exact; crewlog stops cleanly with no sanitizer report")
def _():
    r = S["cw"].run("check", "--database", S["pg"].url)
    assert r.returncode == 0, r.stdout + r.stderr
    harness.assert_clean_stop(S["cw"])


if __name__ == "__main__":
    sys.exit(T.main())
