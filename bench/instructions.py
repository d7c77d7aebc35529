#!/usr/bin/env python3
"""bench/instructions.py: CPU instructions per request for each route,
counted by callgrind, which the machine's load does not change.

    CREWLOG_BIN=build/normal/crewlog python3 bench/instructions.py

Seeds ASTRONAUTS (10,000) astronauts and LOGS (200,000) logs, then for
each route runs crewlog with one worker under callgrind twice, serving 1
and then 1 + N (REQUESTS, 1000) requests of that route; the difference
over N is what one request costs, start-up cancelled.  The bare libfcgi
responder (bench/peer/bare.c) sending the bytes of crewlog's
/api/leaderboard is measured the same way: the transport's floor.

Prints a table and, with --json FILE, writes the figures for
bench/capacity.py.  leaderboard_cache is LEADERBOARD_CACHE (shared), with
leaderboard_cache_ttl = 1h: under callgrind a request runs some fifty
times slower, and the default 1 s would expire the cache every few dozen
requests instead of every few thousand as at full speed.
"""

import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402

ASTRONAUTS = int(os.environ.get("ASTRONAUTS", "10000"))
LOGS = int(os.environ.get("LOGS", "200000"))
N = int(os.environ.get("REQUESTS", "1000"))
CACHE = os.environ.get("LEADERBOARD_CACHE", "shared")

ROUTES = [
    ("GET /ping", "GET", "/ping"),
    ("GET /leaderboard", "GET", "/leaderboard"),
    ("GET /api/leaderboard", "GET", "/api/leaderboard"),
    ("GET /log", "GET", "/log"),
    ("POST /api/hours", "POST", "/api/hours"),
]
AUTH = ("/log", "/api/hours")


def sh(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s%s" % (argv, r.stdout, r.stderr))
    return r.stdout


def summary(path):
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    return 0


def hit(base, method, path, n, tokens, start):
    """n requests; writes log a quarter hour on distinct days."""
    h = harness.http_request
    for i in range(n):
        # Anonymous, as bench/app.py loads them, unless the route needs
        # an astronaut.
        hd = {"Authorization": "Bearer " + tokens[i % len(tokens)]} \
            if path in AUTH else {}
        if method == "POST":
            k = start + i
            r = h("POST", base + path, {
                "date": "%04d-%02d-%02d" % (1910 + k // 336, k // 28 % 12
                                            + 1, k % 28 + 1),
                "hours": 0.25, "activity": "callgrind"}, headers=hd)
        else:
            r = h(method, base + path, headers=hd)
        assert r.status in (200, 201), (path, r)


def measure(d, pg, route, n, tokens, wrap, start):
    """Instructions of the worker that served 1 + n requests of route."""
    method, path = route
    out = os.path.join(d, "cg")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    cw = harness.Crewlog(os.path.join(d, "cw"), pool={
        "pm": "static", "pm.max_children": "1", "database_url": pg.url,
        "leaderboard_cache": CACHE, "leaderboard_cache_ttl": "1h",
        "auth.pwhash_opslimit": "1", "auth.pwhash_memlimit": "8192"},
        glob={"log_level": "warn"},
        env={"CG_OUT": os.path.join(out, "cg.%p")})
    cw.bin = wrap
    cw.start()
    ng = harness.Nginx(upstream=cw.listen).start()
    harness.wait_for(lambda: harness.http_request(
        "GET", ng.url + "/readyz").status == 200, 60, "crewlog (callgrind)")
    hit(ng.url, method, path, 1 + n, tokens, start)
    ng.stop()
    cw.stop()
    return max(summary(os.path.join(out, f)) for f in os.listdir(out))


def bare(d, sample, n):
    """The same for the bare responder sending sample's bytes."""
    binary = os.path.join(d, "bare")
    sh(["cc", "-O2", "-o", binary, os.path.join(HERE, "peer", "bare.c")] +
       sh(["pkg-config", "--cflags", "--libs", "fcgi"]).split())
    res = []
    for k in (1, 1 + n):
        out = os.path.join(d, "cgb")
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        sock = os.path.join(d, "bare.sock")
        p = subprocess.Popen(["valgrind", "--tool=callgrind",
                              "--callgrind-out-file=" + os.path.join(
                                  out, "cg.%p"), binary, sock, "1", sample],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            harness.wait_for(lambda: os.path.exists(sock), 30, "bare")
            ng = harness.Nginx(upstream=sock).start()
            harness.wait_for(lambda: harness.http_request(
                "GET", ng.url + "/api/leaderboard").status == 200, 30,
                "bare answers")
            hit(ng.url, "GET", "/api/leaderboard", k - 1, ["x"], 0)
            ng.stop()
        finally:
            os.killpg(p.pid, 15)
            p.wait()
        time.sleep(0.5)
        res.append(max(summary(os.path.join(out, f))
                       for f in os.listdir(out)))
    return (res[1] - res[0]) / n


def main():
    if not shutil.which("valgrind"):
        print("bench/instructions.py: needs valgrind", file=sys.stderr)
        return 1
    d = harness.tmpdir("crewlog-cg-")
    pg = harness.Postgres(os.path.join(d, "pg"))
    os.makedirs(pg.dir)
    wrap = os.path.join(d, "crewlog-callgrind")
    with open(wrap, "w") as f:
        f.write('#!/bin/sh\nexec valgrind --tool=callgrind '
                '--callgrind-out-file="$CG_OUT" %s "$@"\n'
                % os.path.abspath(os.environ["CREWLOG_BIN"]))
    os.chmod(wrap, 0o755)
    res = {}
    try:
        pg.start()
        cli = harness.Crewlog(os.path.join(d, "cli"),
                              pool={"database_url": pg.url})
        sh([cli.bin, "migrate", "-c", cli.conf, "--sql",
            os.path.join(harness.SRCDIR, "sql")])
        sh([cli.bin, "seed", "-c", cli.conf, "--astronauts",
            str(ASTRONAUTS), "--logs", str(LOGS)])
        sh([cli.bin, "seed", "-c", cli.conf, "--demo"])
        pg.psql("VACUUM ANALYZE")
        # Sessions and the bytes of the API's answer, from a plain run.
        cw = harness.Crewlog(os.path.join(d, "plain"), pool={
            "database_url": pg.url, "auth.pwhash_opslimit": "1",
            "auth.pwhash_memlimit": "8192"}).start()
        ng = harness.Nginx(upstream=cw.listen).start()
        harness.wait_for(lambda: harness.http_request(
            "GET", ng.url + "/readyz").status == 200, 30, "crewlog")
        tokens = []
        for i in range(1, 9):
            r = harness.http_request("POST", ng.url + "/api/sessions", {
                "email": "astro%d@bench.test" % i, "password": "apollo11"})
            assert r.status == 201, r
            tokens.append(r.json()["token"])
        sample = os.path.join(d, "sample.json")
        with open(sample, "wb") as f:
            f.write(harness.http_request("GET", ng.url +
                                         "/api/leaderboard").body)
        ng.stop()
        cw.stop()
        start = 0
        for name, method, path in ROUTES:
            one = measure(d, pg, (method, path), 0, tokens, wrap, start)
            start += 1
            many = measure(d, pg, (method, path), N, tokens, wrap, start)
            start += N + 1
            res[name] = (many - one) / N
            print("%-22s %9.0f instructions per request" % (name, res[name]),
                  flush=True)
        res["bare /api/leaderboard bytes"] = bare(d, sample, N)
        print("%-22s %9.0f instructions per request" % (
            "bare libfcgi", res["bare /api/leaderboard bytes"]))
    finally:
        harness.stop_all()
        shutil.rmtree(d, ignore_errors=True)
    print()
    print("crewlog %s, leaderboard_cache = %s, %d requests per route "
          "(callgrind, 1+N minus 1)" % (
              sh([os.environ["CREWLOG_BIN"], "--version"]).strip(), CACHE, N))
    print()
    print("| route | instructions per request |")
    print("|---|---:|")
    for k, v in res.items():
        print("| %s | %.0f |" % (k, v))
    page, api = res["GET /leaderboard"], res["GET /api/leaderboard"]
    print("\n/api/leaderboard / /leaderboard: %.2f of the instructions"
          % (api / page))
    if len(sys.argv) == 3 and sys.argv[1] == "--json":
        with open(sys.argv[2], "w") as f:
            json.dump({"instructions_per_request": res, "requests": N,
                       "leaderboard_cache": CACHE}, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
