"""The leaderboard's counted ranks (sql/006_board_counts.sql) against the
plain definition, at a small scale with many ties: every page boundary
through the real API with the cache off, after every kind of write.

The reference is rank() over the whole totals table ordered by total
(descending) then astronaut id, which is what the board showed before
board_counts existed.

Run: CREWLOG_BIN=build/normal/crewlog python3 tests/integration/test_board.py
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

T = harness.TestRun("board")
SQL = os.path.join(harness.SRCDIR, "sql")
REFERENCE = ("SELECT rank() OVER (ORDER BY t.quarters DESC), a.id, a.name, "
             "t.quarters FROM totals t JOIN astronauts a ON a.id = "
             "t.astronaut_id ORDER BY t.quarters DESC, t.astronaut_id")
ENV = {}
# What the seed drops while it loads and must build again.
SCHEMA = ("SELECT string_agg(d, E'\\n' ORDER BY d) FROM ("
          "SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' "
          "UNION ALL SELECT conrelid::regclass || ' ' || "
          "pg_get_constraintdef(oid) FROM pg_constraint "
          "WHERE connamespace = 'public'::regnamespace "
          "UNION ALL SELECT tgname || ' ' || tgenabled::text "
          "FROM pg_trigger WHERE NOT tgisinternal) x")


def setup():
    if ENV:
        return ENV
    pg = harness.Postgres().start().persist()
    cw = harness.Crewlog(pool={"database_url": pg.url,
                               "leaderboard_cache": "off"})
    cw.write_config()
    schema = []
    for args in (["migrate", "--sql", SQL],
                 ["seed", "--astronauts", "300", "--logs", "900"]):
        r = subprocess.run([cw.bin] + args + ["-c", cw.conf],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        schema.append(pg.psql(SCHEMA))
    ENV["schema"] = schema
    cw.start().persist()
    ng = harness.Nginx(upstream=cw.listen).start().persist()
    harness.wait_for(lambda: harness.http_request(
        "GET", ng.url + "/readyz").status == 200, 20, "crewlog ready")
    ENV.update(pg=pg, cw=cw, ng=ng)
    return ENV


def reference(pg):
    rows = []
    for line in pg.psql(REFERENCE).splitlines():
        rank, aid, name, q = line.split("|")
        rows.append({"rank": int(rank), "id": int(aid), "name": name,
                     "hours": int(q) / 4})
    return rows


def api_page(ng, limit, offset):
    r = harness.http_request("GET", ng.url + "/api/leaderboard?limit=%d"
                             "&offset=%d" % (limit, offset))
    assert r.status == 200, r
    return r.json()


def boundaries(ref, limit):
    """Offsets worth asking for: the ends, and each side of every place
    the total changes (a tie group's first and last row)."""
    n = len(ref)
    offs = {0, 1, limit - 1, limit, n - limit, n - 1, n, n + 1, n + 40}
    for i in range(1, n):
        if ref[i]["hours"] != ref[i - 1]["hours"]:
            offs.update((i - 1, i, i + 1))
    return sorted(o for o in offs if o >= 0)


def compare(ng, ref, limits=(1, 7, 50, 100), every=False):
    for limit in limits:
        offs = range(0, len(ref) + 2) if every else boundaries(ref, limit)
        for off in offs:
            got = api_page(ng, limit, off)
            want = ref[off:off + limit]
            assert got["total"] == len(ref), (got["total"], len(ref))
            rows = [{"rank": e["rank"], "name": e["name"],
                     "hours": e["hours"]} for e in got["entries"]]
            exp = [{"rank": e["rank"], "name": e["name"],
                    "hours": e["hours"]} for e in want]
            assert rows == exp, (limit, off, rows[:3], exp[:3])


def counts_agree(pg):
    bad = pg.psql("SELECT count(*) FROM (SELECT quarters, count(*) AS n "
                  "FROM totals GROUP BY quarters) g FULL JOIN board_counts b "
                  "USING (quarters) WHERE coalesce(g.n, 0) <> "
                  "coalesce(b.n, 0)").strip()
    assert bad == "0", "board_counts disagrees with totals on %s totals" \
        % bad


@T.test("every offset and limit matches rank() over the whole board")
def _():
    e = setup()
    ref = reference(e["pg"])
    assert len(ref) == 300
    ties = len(ref) - len({r["hours"] for r in ref})
    assert ties > 100, "the seed should give many ties: %d" % ties
    counts_agree(e["pg"])
    compare(e["ng"], ref, limits=(1, 50), every=True)
    compare(e["ng"], ref, limits=(7, 100))


@T.test("the seed builds again every index, key and trigger it drops")
def _():
    e = setup()
    before, after = ENV["schema"]
    assert "hour_logs_owner_day" in before and "FOREIGN KEY" in before, \
        before
    assert "totals_counted O" in before, before
    assert before == after, (before, after)


@T.test("writes of every kind keep the counts and the pages right")
def _():
    e = setup()
    pg = e["pg"]
    ids = [int(x) for x in pg.psql("SELECT astronaut_id FROM totals ORDER "
                                   "BY quarters DESC, astronaut_id "
                                   "LIMIT 3").split()]
    # Up, across existing totals, into a tie, down, out, and new ones.
    pg.psql("SELECT * FROM hours_add(%d, '1900-01-01', 96, 'x')" % ids[2])
    pg.psql("SELECT * FROM hours_add(%d, '1900-01-02', 40, 'x')" % ids[1])
    low = int(pg.psql("SELECT astronaut_id FROM totals ORDER BY quarters, "
                      "astronaut_id LIMIT 1"))
    hid = int(pg.psql("SELECT id FROM hour_logs WHERE astronaut_id = %d "
                      "ORDER BY id LIMIT 1" % ids[0]))
    pg.psql("SELECT * FROM hours_update(%d, %d, '1900-02-01', 1, 'y')"
            % (ids[0], hid))
    hid = int(pg.psql("SELECT id FROM hour_logs WHERE astronaut_id = %d "
                      "ORDER BY id LIMIT 1" % ids[1]))
    pg.psql("SELECT hours_delete(%d, %d)" % (ids[1], hid))
    pg.psql("DELETE FROM astronauts WHERE id = %d" % low)
    for i in range(3):
        pg.psql("SELECT astronaut_create('new%d@x.test', 'New %d', 'h')"
                % (i, i))
    counts_agree(pg)
    ref = reference(pg)
    assert len(ref) == 302
    compare(e["ng"], ref)
    r = subprocess.run([e["cw"].bin, "check", "-c", e["cw"].conf],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "totals match" in r.stdout, r


@T.test("an astronaut's rank in /api/me is the board's")
def _():
    e = setup()
    ref = reference(e["pg"])
    h = harness.http_request
    r = h("POST", e["ng"].url + "/api/users", {
        "email": "me@board.test", "name": "Me", "password": "board-pass"})
    assert r.status == 201, r
    tok = h("POST", e["ng"].url + "/api/sessions", {
        "email": "me@board.test", "password": "board-pass"}).json()["token"]
    auth = {"Authorization": "Bearer " + tok}
    # Tie with a row in the middle of the board.
    target = ref[len(ref) // 2]["hours"]
    day = 1
    while target > 0:
        step = min(target, 24)
        r = h("POST", e["ng"].url + "/api/hours", {
            "date": "1900-03-%02d" % day, "hours": step,
            "activity": "tie"}, headers=auth)
        assert r.status == 201, r
        target -= step
        day += 1
    ref = reference(e["pg"])
    mine = [x for x in ref if x["name"] == "Me"][0]
    me = h("GET", e["ng"].url + "/api/me", headers=auth).json()
    assert me["rank"] == mine["rank"], (me, mine)
    counts_agree(e["pg"])


@T.test("crewlog check names a total board_counts has wrong")
def _():
    e = setup()
    q = e["pg"].psql("SELECT quarters FROM board_counts WHERE n > 0 "
                     "LIMIT 1").strip()
    e["pg"].psql("UPDATE board_counts SET n = n + 1 WHERE quarters = %s" % q)
    try:
        r = subprocess.run([e["cw"].bin, "check", "-c", e["cw"].conf],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 1, r
        assert "board_counts" in r.stderr and q in r.stderr, r.stderr
    finally:
        e["pg"].psql("UPDATE board_counts SET n = n - 1 WHERE quarters = %s"
                     % q)


if __name__ == "__main__":
    sys.exit(T.main())
