"""crewlog migrate | seed | check against a real throwaway PostgreSQL."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

T = harness.TestRun("app-db")
SQL = os.path.join(harness.SRCDIR, "sql")
BIN = os.environ.get("CREWLOG_BIN")
PG = None


def pg():
    global PG
    if PG is None:
        PG = harness.Postgres().start().persist()
    return PG


def fresh_db(name):
    p = pg()
    p.psql("DROP DATABASE IF EXISTS %s" % name, db="postgres")
    p.psql("CREATE DATABASE %s" % name, db="postgres")
    return "postgresql://postgres@127.0.0.1:%d/%s" % (p.port, name)


def crewlog(*args):
    return subprocess.run([BIN] + list(args), capture_output=True,
                          text=True, timeout=120)


def q(db, sql):
    return pg().psql(sql, db=db).strip()


MIGRATIONS = sorted(f for f in os.listdir(SQL) if f.endswith(".sql"))


@T.test("fresh migrate applies every migration in order and records "
        "checksums")
def _():
    url = fresh_db("m1")
    r = crewlog("migrate", "--database", url, "--sql", SQL)
    assert r.returncode == 0, r.stderr
    assert MIGRATIONS[:2] == ["001_init.sql", "002_notify_optional.sql"]
    for m in MIGRATIONS:
        assert "applied " + m in r.stdout, r.stdout
    assert r.stdout.index("001_init") < r.stdout.index("002_"), r.stdout
    assert q("m1", "SELECT string_agg(name, ',' ORDER BY name) FROM "
             "schema_migrations") == ",".join(MIGRATIONS)
    assert q("m1", "SELECT min(length(checksum)) || '/' || "
             "max(length(checksum)) FROM schema_migrations") == "64/64"


@T.test("repeated migrate applies nothing")
def _():
    url = fresh_db("m2")
    assert crewlog("migrate", "--database", url, "--sql", SQL).returncode == 0
    r = crewlog("migrate", "--database", url, "--sql", SQL)
    assert r.returncode == 0, r.stderr
    assert "applied" not in r.stdout, r.stdout


@T.test("a changed applied migration is a hard error naming it")
def _():
    url = fresh_db("m3")
    d = harness.tmpdir()
    shutil.copy(os.path.join(SQL, "001_init.sql"), d)
    assert crewlog("migrate", "--database", url, "--sql", d).returncode == 0
    with open(os.path.join(d, "001_init.sql"), "a") as f:
        f.write("\n-- edited\n")
    r = crewlog("migrate", "--database", url, "--sql", d)
    assert r.returncode == 1, r
    assert "001_init.sql: applied migration has changed" in r.stderr, r.stderr


@T.test("a failing migration rolls back and is not recorded")
def _():
    url = fresh_db("m4")
    d = harness.tmpdir()
    shutil.copy(os.path.join(SQL, "001_init.sql"), d)
    with open(os.path.join(d, "002_bad.sql"), "w") as f:
        f.write("CREATE TABLE half (x int);\nSELECT nosuchcolumn FROM half;\n")
    r = crewlog("migrate", "--database", url, "--sql", d)
    assert r.returncode == 1
    assert "002_bad.sql" in r.stderr and "nosuchcolumn" in r.stderr, r.stderr
    assert q("m4", "SELECT string_agg(name, ',') FROM schema_migrations") \
        == "001_init.sql"
    assert q("m4", "SELECT to_regclass('half') IS NULL") == "t"


@T.test("concurrent migrates are serialised by the advisory lock")
def _():
    url = fresh_db("m5")
    procs = [subprocess.Popen([BIN, "migrate", "--database", url, "--sql",
                               SQL], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outs = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    assert all(o[2] == 0 for o in outs), outs
    for m in MIGRATIONS:
        assert sum(o[0].count("applied " + m) for o in outs) == 1, outs
    assert q("m5", "SELECT count(*) FROM schema_migrations") == \
        str(len(MIGRATIONS))


@T.test("seed --demo loads the classic table, twice is harmless")
def _():
    url = fresh_db("s1")
    assert crewlog("migrate", "--database", url, "--sql", SQL).returncode == 0
    for _ in range(2):
        r = crewlog("seed", "--database", url, "--demo")
        assert r.returncode == 0, r.stderr
    got = q("s1", "SELECT string_agg(a.name || '=' || t.quarters / 4, ',' "
            "ORDER BY t.quarters DESC) FROM totals t JOIN astronauts a "
            "ON a.id = t.astronaut_id")
    assert got == "Neil=111,Buzz=102,Collins=100,Musk=2", got
    r = crewlog("check", "--database", url)
    assert r.returncode == 0 and "totals match" in r.stdout, r


@T.test("seed --astronauts N --logs M, then check")
def _():
    url = fresh_db("s2")
    assert crewlog("migrate", "--database", url, "--sql", SQL).returncode == 0
    r = crewlog("seed", "--database", url, "--astronauts", "200",
                "--logs", "3000")
    assert r.returncode == 0, r.stderr
    assert q("s2", "SELECT count(*) FROM astronauts") == "200"
    assert q("s2", "SELECT count(*) FROM hour_logs") == "3000"
    assert q("s2", "SELECT max(s) FROM (SELECT sum(quarters) s FROM "
             "hour_logs GROUP BY astronaut_id, day) x")  # non-empty
    assert int(q("s2", "SELECT max(s) FROM (SELECT sum(quarters) s FROM "
                 "hour_logs GROUP BY astronaut_id, day) x")) <= 96
    assert crewlog("check", "--database", url).returncode == 0
    # A second bulk seed adds to the first.
    r = crewlog("seed", "--database", url, "--astronauts", "10",
                "--logs", "10")
    assert r.returncode == 0, r.stderr
    assert q("s2", "SELECT count(*) FROM astronauts") == "210"
    assert crewlog("check", "--database", url).returncode == 0


@T.test("check names an astronaut whose totals drifted")
def _():
    url = fresh_db("s3")
    assert crewlog("migrate", "--database", url, "--sql", SQL).returncode == 0
    assert crewlog("seed", "--database", url, "--demo").returncode == 0
    q("s3", "UPDATE totals SET quarters = quarters + 1 WHERE astronaut_id = "
      "(SELECT id FROM astronauts WHERE name = 'Musk')")
    r = crewlog("check", "--database", url)
    assert r.returncode == 1
    assert "totals has 9 quarter hours, its logs sum to 8" in r.stderr, \
        r.stderr


@T.test("hours functions keep totals exact and refuse a 25-hour day")
def _():
    url = fresh_db("h1")
    assert crewlog("migrate", "--database", url, "--sql", SQL).returncode == 0
    uid = q("h1", "SELECT astronaut_create('a@x.test', 'A', 'h')")
    add = "SELECT o_id FROM hours_add(%s, '2026-01-01', %d, 'x')"
    assert q("h1", add % (uid, 90)) != "-1"
    assert q("h1", add % (uid, 7)) == "-1"
    lid = q("h1", add % (uid, 6))
    assert q("h1", "SELECT quarters FROM totals") == "96"
    upd = "SELECT o_id, o_day FROM hours_update(%s, %s, '%s', 7, 'y')"
    assert q("h1", upd % (uid, lid, "2026-01-01")) == "-1|"
    assert q("h1", upd % (uid, lid, "2026-01-02")) == lid + "|2026-01-02"
    assert q("h1", upd % (uid, 999999, "2026-01-02")) == ""
    assert q("h1", "SELECT hours_delete(%s, %s)" % (uid, lid)) == "1"
    assert q("h1", "SELECT hours_delete(%s, %s)" % (uid, lid)) == "0"
    assert q("h1", "SELECT quarters FROM totals") == "90"
    assert crewlog("check", "--database", url).returncode == 0


@T.test("a multi-host URL with target_session_attrs finds the live primary")
def _():
    url = fresh_db("f1")
    p = pg()
    multi = ("postgresql://postgres@127.0.0.1:%d,127.0.0.1:%d/f1"
             "?target_session_attrs=read-write" % (harness.free_port(),
                                                   p.port))
    r = crewlog("migrate", "--database", multi, "--sql", SQL)
    assert r.returncode == 0, r.stderr
    assert crewlog("seed", "--database", multi, "--demo").returncode == 0
    r = crewlog("check", "--database", multi)
    assert r.returncode == 0 and "4 astronauts" in r.stdout, r


@T.test("bad command lines are refused with a reason")
def _():
    r = crewlog("seed", "--astronauts", "many", "--logs", "1")
    assert r.returncode == 2 and "--astronauts: must be an integer" \
        in r.stderr, r
    assert crewlog("seed", "--database", "x").returncode == 2
    r = crewlog("check", "--database",
                "postgresql://postgres@127.0.0.1:1/none")
    assert r.returncode == 1 and "crewlog check:" in r.stderr, r


if __name__ == "__main__":
    sys.exit(T.main())
