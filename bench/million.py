#!/usr/bin/env python3
"""bench/million.py: crewlog with a million astronauts.

    CREWLOG_BIN=build/normal/crewlog python3 bench/million.py

Seeds ASTRONAUTS (1,000,000) astronauts and LOGS (20,000,000) logs into
a throwaway PostgreSQL in a temporary directory (deleted at the end),
timing `crewlog seed` and `crewlog check`, then:

1. plans: with auto_explain switched on for the database, crewlog serves
   one request of each endpoint below and the plans PostgreSQL logged for
   crewlog's own statements (EXPLAIN ANALYZE, nested statements of the
   write functions included) are printed;
2. wrk -t2 -c8 (CONNS) for SECONDS per endpoint, with
   leaderboard_cache = off and then = shared: GET /leaderboard (page 1
   and page 10,000), GET /api/leaderboard?offset=500000, GET /log (an
   astronaut's own page) and POST /api/hours (bench/peer/hours.lua, 64
   logged-in astronauts); p50 and p99 per endpoint;
3. cold cache: with the cache on, each of TRIALS rounds writes a quarter
   hour and then times GET /leaderboard (page 1, and page 10,000) right
   after the 201, against the same GET repeated with the cache warm.

The goal is p99 < 10 ms for every endpoint at 8 connections.  It prints
figures; it is not a test (too heavy for CI: the database takes about
4 GB and the seed minutes).  Knobs: ASTRONAUTS LOGS CONNS SECONDS
WORKERS TRIALS, KEEP=1 to keep the directory, PLANS=0 / WRK=0 to skip.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402

ASTRONAUTS = int(os.environ.get("ASTRONAUTS", "1000000"))
LOGS = int(os.environ.get("LOGS", "20000000"))
CONNS = int(os.environ.get("CONNS", "8"))
SECS = int(os.environ.get("SECONDS", "10"))
WORKERS = int(os.environ.get("WORKERS", "4"))
TRIALS = int(os.environ.get("TRIALS", "200"))
DEEP = int(os.environ.get("DEEP_PAGE", "10000"))


def sh(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s%s" % (argv, r.stdout, r.stderr))
    return r.stdout


def parse_ms(s):
    v = float(re.match(r"([\d.]+)", s).group(1))
    return v / 1000 if s.endswith("us") else v * 1000 if \
        s.endswith("s") and not s.endswith("ms") else v


def wrk(url, script=None, headers=(), env=None):
    argv = ["wrk", "-t2", "-c%d" % CONNS, "-d%ds" % SECS, "--latency"]
    for h in headers:
        argv += ["-H", h]
    if script:
        argv += ["-s", script]
    out = sh(argv + [url], env=dict(os.environ, **(env or {})))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = parse_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = parse_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, int(m.group(1)) if m else 0


def endpoints(tokens):
    auth = "Authorization: Bearer " + tokens[0]
    return [
        ("GET /leaderboard", "/leaderboard", None, ()),
        ("GET /leaderboard?page=%d" % DEEP, "/leaderboard?page=%d" % DEEP,
         None, ()),
        ("GET /api/leaderboard?offset=%d" % ((DEEP - 1) * 50),
         "/api/leaderboard?offset=%d" % ((DEEP - 1) * 50), None, ()),
        ("GET /log", "/log", None, (auth,)),
        ("POST /api/hours", "/api/hours",
         os.path.join(HERE, "peer", "hours.lua"), ()),
    ]


class App:
    """crewlog behind nginx on the bench database, restartable with
    another leaderboard_cache mode."""

    def __init__(self, d, pg):
        self.d, self.pg, self.cw, self.ng = d, pg, None, None

    def start(self, cache):
        self.stop()
        wd = os.path.join(self.d, "cw-" + cache)
        os.makedirs(wd, exist_ok=True)
        self.cw = harness.Crewlog(wd, pool={
            "pm": "static", "pm.max_children": str(WORKERS),
            "database_url": self.pg.url, "leaderboard_cache": cache,
            "auth.pwhash_opslimit": "1", "auth.pwhash_memlimit": "8192"},
            glob={"log_level": "warn"})
        self.cw.start()
        self.ng = harness.Nginx(upstream=self.cw.listen).start()
        harness.wait_for(lambda: harness.http_request(
            "GET", self.ng.url + "/readyz").status == 200, 30, "crewlog")
        return self.ng.url

    def stop(self):
        for s in (self.ng, self.cw):
            if s is not None:
                s.stop()
        self.cw = self.ng = None


def login(base, n=64):
    tokens = []
    for i in range(1, n + 1):
        r = harness.http_request("POST", base + "/api/sessions", {
            "email": "astro%d@bench.test" % i, "password": "apollo11"})
        assert r.status == 201, r
        tokens.append(r.json()["token"])
    return tokens


def plans(app, pg, tokens):
    """The plans of crewlog's own statements, from auto_explain."""
    for k, v in (("session_preload_libraries", "auto_explain"),
                 ("auto_explain.log_min_duration", "0"),
                 ("auto_explain.log_analyze", "on"),
                 ("auto_explain.log_buffers", "on"),
                 ("auto_explain.log_timing", "on"),
                 ("auto_explain.log_nested_statements", "on")):
        pg.psql("ALTER DATABASE crewlog SET %s = '%s'" % (k, v))
    base = app.start("off")
    log = os.path.join(pg.dir, "postgres.out")
    h = harness.http_request
    for name, path, script, headers in endpoints(tokens):
        start = os.path.getsize(log)
        hd = dict(x.split(": ", 1) for x in headers)
        if script:
            hd["Authorization"] = "Bearer " + tokens[1]
            r = h("POST", base + path, {"date": "1901-01-01", "hours": 0.25,
                                        "activity": "plan"}, headers=hd)
        else:
            r = h("GET", base + path, headers=hd)
        assert r.status in (200, 201), (path, r)
        time.sleep(0.3)
        with open(log, errors="replace") as f:
            f.seek(start)
            text = f.read()
        print("### %s\n" % name)
        for block in re.split(r"\n(?=\S)", text):
            if "duration:" in block and "plan:" in block:
                print("    " + "\n    ".join(
                    line for line in block.splitlines()
                    if "LOG:" not in line or "duration:" in line))
        print(flush=True)
    app.stop()
    pg.psql("ALTER DATABASE crewlog RESET ALL")


def cold(base, tokens, path):
    """p50/p99 ms of GET path right after a write, and warm."""
    h = harness.http_request
    auth = {"Authorization": "Bearer " + tokens[2]}
    coldt, warm = [], []
    for i in range(TRIALS):
        r = h("POST", base + "/api/hours", {
            "date": "1902-%02d-%02d" % (i // 28 % 12 + 1, i % 28 + 1),
            "hours": 0.25, "activity": "cold"}, headers=auth)
        assert r.status == 201, r
        t0 = time.monotonic()
        assert h("GET", base + path).status == 200
        coldt.append(time.monotonic() - t0)
        t0 = time.monotonic()
        assert h("GET", base + path).status == 200
        warm.append(time.monotonic() - t0)

    def q(xs, p):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000
    return (q(coldt, 0.5), q(coldt, 0.99), q(warm, 0.5), q(warm, 0.99))


def main():
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            print("bench/million.py: needs %s" % tool, file=sys.stderr)
            return 1
    d = harness.tmpdir("crewlog-million-")
    pg = harness.Postgres(os.path.join(d, "pg"))
    os.makedirs(pg.dir)
    app = App(d, pg)
    try:
        pg.start()
        cw = harness.Crewlog(os.path.join(d, "cli"),
                             pool={"database_url": pg.url})
        cw.write_config()
        sh([cw.bin, "migrate", "-c", cw.conf, "--sql",
            os.path.join(harness.SRCDIR, "sql")])
        t0 = time.monotonic()
        sh([cw.bin, "seed", "-c", cw.conf, "--astronauts", str(ASTRONAUTS),
            "--logs", str(LOGS)])
        t_seed = time.monotonic() - t0
        sh([cw.bin, "seed", "-c", cw.conf, "--demo"])
        t0 = time.monotonic()
        check = sh([cw.bin, "check", "-c", cw.conf]).strip()
        t_check = time.monotonic() - t0
        t0 = time.monotonic()
        pg.psql("VACUUM ANALYZE")
        t_vac = time.monotonic() - t0
        size = pg.psql("SELECT pg_size_pretty(pg_database_size('crewlog'))"
                       " || ', ' || (SELECT count(*) FROM board_counts "
                       "WHERE n > 0) || ' distinct totals'").strip()
        print("seed: %d astronauts, %d logs in %.1f s; check %.1f s (%s); "
              "VACUUM ANALYZE %.1f s; database %s" % (
                  ASTRONAUTS, LOGS, t_seed, t_check, check, t_vac, size),
              flush=True)
        base = app.start("off")
        tokens = login(base)
        app.stop()
        if os.environ.get("PLANS", "1") != "0":
            plans(app, pg, tokens)
        res = {}
        if os.environ.get("WRK", "1") != "0":
            for cache in ("off", "shared"):
                base = app.start(cache)
                for name, path, script, headers in endpoints(tokens):
                    res[(name, cache)] = wrk(
                        base + path, script=script, headers=headers,
                        env={"TOKENS": ",".join(tokens)})
                    print("%-36s cache %-6s %7.0f req/s  p50 %6.2f ms  "
                          "p99 %6.2f ms  non-2xx %d" % (
                              (name, cache) + res[(name, cache)]),
                          flush=True)
                if cache == "shared":
                    for path in ("/leaderboard",
                                 "/leaderboard?page=%d" % DEEP):
                        res[("cold", path)] = cold(base, tokens, path)
                app.stop()
        print()
        print("crewlog %s, %d workers, leaderboard_cache off / shared; wrk "
              "-t2 -c%d -d%ds; %d astronauts, %d logs" % (
                  sh([cw.bin, "--version"]).strip(), WORKERS, CONNS, SECS,
                  ASTRONAUTS, LOGS))
        print()
        print("| endpoint | cache off req/s | p50 ms | p99 ms | "
              "cache on req/s | p50 ms | p99 ms |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, _, _, _ in endpoints(tokens):
            if (name, "off") in res:
                a, b = res[(name, "off")], res[(name, "shared")]
                print("| %s | %.0f | %.2f | **%.2f** | %.0f | %.2f | "
                      "**%.2f** |" % (name, a[0], a[1], a[2], b[0], b[1],
                                      b[2]))
        for path in ("/leaderboard", "/leaderboard?page=%d" % DEEP):
            if ("cold", path) in res:
                c = res[("cold", path)]
                print("\nGET %s right after a write (cache cold), %d trials: "
                      "p50 %.2f ms, p99 %.2f ms; the same GET again (warm): "
                      "p50 %.2f ms, p99 %.2f ms" % ((path, TRIALS) + c))
        r = subprocess.run([cw.bin, "check", "-c", cw.conf],
                           capture_output=True, text=True)
        print("\ncrewlog check after the runs: %s" % (
            r.stdout.strip() or r.stderr.strip()))
    finally:
        app.stop()
        harness.stop_all()
        if os.environ.get("KEEP") != "1":
            shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
