#!/usr/bin/env python3
"""Least privilege per service, and each service's features under its
role: the users, hours and board services run as crewlog_users,
crewlog_hours and crewlog_board (sql/004) behind the shipped HAProxy
rules.  Prints TAP."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import topology as TP  # noqa: E402
from topology import H  # noqa: E402

T = H.TestRun("roles")
S = {}

# What each role must not do: every statement must fail with
# "permission denied".
FORBIDDEN = {
    "crewlog_board": [
        "SELECT email FROM astronauts",
        "SELECT pwhash FROM astronauts",
        "SELECT * FROM astronauts",
        "SELECT * FROM sessions",
        "SELECT * FROM hour_logs",
        "SELECT * FROM outbox",
        "SELECT * FROM login_failures",
        "SELECT * FROM session_lookup('x')",
        "UPDATE totals SET quarters = 0",
        "INSERT INTO totals VALUES (999999, 1)",
        "SELECT hours_add(1, current_date, 4, 'x')",
        "SELECT astronaut_create('a@b.c', 'n', 'h')",
        "UPDATE board_counts SET n = 0",
        "SELECT board_counts_rebuild()",
    ],
    "crewlog_hours": [
        "UPDATE board_counts SET n = 0",
        "SELECT board_count_add(1, 1)",
        "SELECT * FROM sessions",
        "SELECT token_hash FROM sessions",
        "SELECT pwhash FROM astronauts",
        "SELECT email FROM astronauts",
        "INSERT INTO astronauts (email, name, pwhash) VALUES "
        "('a@b.c', 'n', 'h')",
        "DELETE FROM sessions",
        "SELECT * FROM outbox",
        "INSERT INTO outbox (kind, astronaut_id, payload) VALUES "
        "('hours.created', 1, '{}')",
        "DELETE FROM totals",
        "INSERT INTO totals VALUES (999999, 1)",
        "SELECT * FROM login_failures",
        "SELECT astronaut_create('a@b.c', 'n', 'h')",
    ],
    "crewlog_users": [
        "INSERT INTO hour_logs (astronaut_id, day, quarters, activity) "
        "VALUES (1, current_date, 4, 'x')",
        "UPDATE hour_logs SET quarters = 1",
        "DELETE FROM hour_logs",
        "SELECT activity FROM hour_logs",
        "UPDATE totals SET quarters = 0",
        "SELECT hours_add(1, current_date, 4, 'x')",
        "SELECT * FROM outbox",
    ],
    "crewlog_relay": [
        "SELECT * FROM astronauts",
        "SELECT * FROM sessions",
        "SELECT * FROM hour_logs",
        "SELECT * FROM totals",
        "INSERT INTO outbox (kind, astronaut_id, payload) VALUES "
        "('hours.created', 1, '{}')",
        "UPDATE outbox SET payload = '{}'",
    ],
}

# What each role may do (read-only probes; the features test the rest).
ALLOWED = {
    "crewlog_board": ["SELECT id, name FROM astronauts LIMIT 1",
                      "SELECT * FROM totals LIMIT 1",
                      "SELECT * FROM board_counts LIMIT 1"],
    "crewlog_hours": ["SELECT * FROM session_lookup('x')",
                      "SELECT * FROM hour_logs LIMIT 1"],
    "crewlog_users": ["SELECT * FROM astronauts LIMIT 1",
                      "SELECT * FROM sessions LIMIT 1",
                      "SELECT * FROM board_counts LIMIT 1"],
    "crewlog_relay": ["SELECT * FROM outbox LIMIT 1"],
}


def as_role(role, sql):
    pg = S["st"].pg
    return subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v",
                           "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                           str(pg.port), "-U", role, "-d", pg.dbname,
                           "-c", sql], capture_output=True, text=True)


def lb(method, path, **kw):
    return TP.request(S["st"].lb.url, method, path, **kw)


@T.test("setup: every path group on its own service, its own role")
def _():
    S["st"] = TP.Stack(start_on_services=True)
    for s in list(H._started):
        s.persist()     # one stack for every test of this file
    st = S["st"]
    H.wait_for(lambda: all(st.lb.up(g, "svc") for g in TP.SERVICES), 15,
               "the services' checks to pass")


@T.test("each role is refused what it must not do: permission denied")
def _():
    n = 0
    for role, stmts in FORBIDDEN.items():
        for sql in stmts:
            r = as_role(role, sql)
            assert r.returncode != 0 and "permission denied" in r.stderr, \
                "%s may: %s (%s)" % (role, sql, r.stderr.strip())
            n += 1
    for role, stmts in ALLOWED.items():
        for sql in stmts:
            r = as_role(role, sql)
            assert r.returncode == 0, "%s: %s: %s" % (role, sql, r.stderr)
    print("# %d forbidden statements refused" % n)


@T.test("users under crewlog_users: signup, login, me, logout (API and "
        "pages)")
def _():
    uid, email, tok = TP.new_user(S["st"].lb.url, "Valentina")
    r = lb("GET", "/api/me", token=tok)
    assert r.status == 200 and r.json()["name"] == "Valentina", r
    b = TP.Browser(S["st"].lb.url)
    assert b.go("GET", "/signup").status == 200
    r = b.go("POST", "/signup", {"email": "page.%s" % email, "name": "Page",
                                 "password": TP.PASSWORD})
    assert r.status == 303 and r.headers["location"].endswith("/log"), r
    assert "crewlog_session" in b.jar
    r = b.go("POST", "/logout", {})
    assert r.status == 303, r
    assert b.go("GET", "/login").status == 200
    r = b.go("POST", "/login", {"email": "page.%s" % email,
                                "password": TP.PASSWORD})
    assert r.status == 303, r
    r = lb("DELETE", "/api/sessions", token=tok)
    assert r.status in (200, 204), r
    assert lb("GET", "/api/me", token=tok).status == 401
    S["browser"] = b


@T.test("hours under crewlog_hours: a users session is honoured; create, "
        "list, edit, delete; pages with the users cookie")
def _():
    uid, _, tok = TP.new_user(S["st"].lb.url, "Yuri")
    r = lb("POST", "/api/hours", body={"date": "2026-01-02", "hours": 2.5,
                                       "activity": "EVA"}, token=tok)
    assert r.status == 201, r
    hid = r.json()["id"]
    r = lb("GET", "/api/hours", token=tok)
    assert r.status == 200 and r.json()["entries"][0]["id"] == hid, r
    r = lb("PATCH", "/api/hours/%d" % hid, body={"hours": 3}, token=tok)
    assert r.status == 200 and r.json()["hours"] == 3, r
    r = lb("GET", "/api/hours/%d" % hid, token=tok)
    assert r.status == 200, r
    r = lb("DELETE", "/api/hours/%d" % hid, token=tok)
    assert r.status in (200, 204), r
    assert lb("GET", "/api/hours/%d" % hid, token=tok).status == 404
    b = S["browser"]        # logged in by the users service
    r = b.go("GET", "/log")
    assert r.status == 200 and "Page" in r.text, r
    r = b.go("POST", "/log", {"date": "2026-01-03", "hours": "1.5",
                              "activity": "Centrifuge"})
    assert r.status == 303, r
    r = b.go("GET", "/log")
    assert "Centrifuge" in r.text, r
    # The events of these writes are in the outbox, as the owner sees it.
    kinds = S["st"].pg.psql("SELECT kind FROM outbox WHERE astronaut_id "
                            "= %d ORDER BY id" % uid).split()
    assert kinds == ["hours.created", "hours.updated", "hours.deleted"], \
        kinds


@T.test("board under crewlog_board: the ranking and names; its page links "
        "to the other services' pages")
def _():
    r = lb("GET", "/api/leaderboard?limit=100")
    assert r.status == 200, r
    names = [e["name"] for e in r.json()["entries"]]
    assert "Page" in names and "Valentina" in names, names
    assert "email" not in r.text and "@" not in r.text
    b = S["browser"]
    r = b.go("GET", "/leaderboard")      # with a cookie: still served
    assert r.status == 200 and "Page" in r.text, r
    for link in ('href="/log"', 'href="/login"', 'href="/signup"'):
        if link in r.text:
            break
    else:
        raise AssertionError("no link to users or hours pages")
    for path in ("/log", "/signup", "/login"):
        assert b.go("GET", path).status in (200, 303)


@T.test("a path outside a service: 404 in its format, and a log line")
def _():
    st = S["st"]
    r = TP.request(st.web["board"].url, "GET", "/api/hours")
    assert r.status == 404 and r.json()["error"]["code"] == "not_found", r
    r = TP.request(st.web["board"].url, "GET", "/log")
    assert r.status == 404 and "<html" in r.text.lower(), r
    r = TP.request(st.web["hours"].url, "GET", "/api/leaderboard")
    assert r.status == 404 and r.json()["error"]["code"] == "not_found", r
    r = TP.request(st.web["users"].url, "POST", "/api/hours", body={})
    assert r.status == 404, r
    H.wait_for(lambda: "service board does not serve /api/hours" in
               st.cw["board"].log(), 5, "the board's log line")
    assert "service hours does not serve /api/leaderboard" in \
        st.cw["hours"].log()


@T.test("every service keeps ping, healthz, readyz, status and metrics, "
        "labelled with its service")
def _():
    st = S["st"]
    for svc in ("all",) + TP.SERVICES:
        w = st.web[svc].url
        for path in ("/ping", "/healthz", "/readyz", "/status"):
            r = H.http_request("GET", w + path)
            assert r.status == 200, (svc, path, r)
        assert st.metric(svc) > 0
    assert '"service":"board"' in st.cw["board"].log()


@T.test("service = bord is a config error naming the key and line")
def _():
    d = H.tmpdir()
    conf = os.path.join(d, "c.conf")
    with open(conf, "w") as f:
        f.write("[global]\n[www]\nlisten = %s/s.sock\npm = static\n"
                "pm.max_children = 1\nservice = bord\n" % d)
    r = subprocess.run([os.environ["CREWLOG_BIN"], "-t", "-c", conf],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "c.conf:6: service: must be one of all, users, hours, board" \
        in r.stderr, r.stderr


if __name__ == "__main__":
    sys.exit(T.main())      # the persisted servers stop at exit
