#!/usr/bin/env python3
"""bench/app.py: crewlog against its PHP-FPM peer and a bare libfcgi
responder, all behind the same nginx, on the same PostgreSQL.

    CREWLOG_BIN=build/normal/crewlog python3 bench/app.py

Loads ASTRONAUTS astronauts and LOGS logs (10000 / 200000), then runs wrk
(CONNS=32 connections, 2 threads, SECONDS=10 s, RUNS=3 runs; the median
is reported) against GET /leaderboard (top 50, HTML), GET
/api/leaderboard and POST /api/hours (bench/peer/hours.lua, logged-in
sessions); the bare responder, answering the bytes of /api/leaderboard,
runs in turns with crewlog's page and API runs (crewlog, bare, crewlog,
...) so that both meet the same moments of the machine's other load.
Prints a table of req/s, p50, p99 and worker RSS with crewlog/peer
ratios, and how stale a cached leaderboard can be after a write.

After crewlog's POST run, pgbench runs crewlog's own write transaction
(the session lookup for an uncached token and hours_add, on WORKERS
connections) against the same database, with and without the lookup;
the ratios to the bare responder and to pgbench are printed at the end.

Then, open loop (bench/openloop.c, OPENLOOP=0 skips it): each server is
offered a fixed rate of 50% and 80% of the maximum wrk measured for it
on that endpoint, for OPEN_SECONDS (SECONDS) over the same CONNS
keep-alive connections, with latency counted from each request's
intended send time so queueing shows; prints p50, p99 and p99.9.
crewlog is stopped while the peer is measured, so the notifications the
peer's writes send do not wake crewlog's listening workers at the peer's
expense.  It prints figures; it is not a test.  Needs wrk, nginx, php8.2-fpm and
php8.2-pgsql.
"""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402

ASTRONAUTS = int(os.environ.get("ASTRONAUTS", "10000"))
LOGS = int(os.environ.get("LOGS", "200000"))
CONNS = int(os.environ.get("CONNS", "32"))
SECS = int(os.environ.get("SECONDS", "10"))
RUNS = int(os.environ.get("RUNS", "3"))
WORKERS = int(os.environ.get("WORKERS", "4"))
CACHE = os.environ.get("LEADERBOARD_CACHE", "shared")
# ONLY=post (or page, api): run just those endpoints, for experiments.
ONLY = [x for x in os.environ.get("ONLY", "").split(",") if x]
EXPERIMENT_SQL = os.environ.get("EXPERIMENT_SQL")  # run after seeding
OPENLOOP = os.environ.get("OPENLOOP", "1") != "0"
OPEN_SECS = int(os.environ.get("OPEN_SECONDS", str(SECS)))
OPEN_LOADS = (0.5, 0.8)
HOURS_BODY = '{"date":"{date}","hours":0.25,"activity":"openloop"}'


def sh(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s%s" % (argv[0], r.stdout, r.stderr))
    return r.stdout


def mem_kib(master_pid):
    """(RSS, PSS, private) in KiB of each direct child of master_pid."""
    out = []
    for pid in sh(["pgrep", "-P", str(master_pid)]).split():
        f = {}
        try:
            with open("/proc/%s/smaps_rollup" % pid) as fh:
                for line in fh:
                    parts = line.split()
                    if len(parts) >= 2 and parts[0].endswith(":"):
                        f[parts[0][:-1]] = int(parts[1])
        except OSError:
            continue
        out.append((f.get("Rss", 0), f.get("Pss", 0),
                    f.get("Private_Clean", 0) + f.get("Private_Dirty", 0)))
    return out


def parse_ms(s):
    v = float(re.match(r"([\d.]+)", s).group(1))
    if s.endswith("us"):
        return v / 1000
    if s.endswith("ms"):
        return v
    if s.endswith("s"):
        return v * 1000
    return v


def wrk(url, script=None, env=None):
    argv = ["wrk", "-t2", "-c%d" % CONNS, "-d%ds" % SECS, "--latency"]
    if script:
        argv += ["-s", script]
    out = sh(argv + [url], env=dict(os.environ, **(env or {})))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = parse_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = parse_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    bad = int(m.group(1)) if m else 0
    errs = re.search(r"Socket errors: (.*)", out)
    return rps, p50, p99, bad, errs.group(1) if errs else ""


def summary(runs):
    return (statistics.median(r[0] for r in runs),
            statistics.median(r[1] for r in runs),
            statistics.median(r[2] for r in runs),
            sum(r[3] for r in runs), "; ".join(r[4] for r in runs if r[4]))


def median_runs(url, **kw):
    return summary([wrk(url, **kw) for _ in range(RUNS)])


def alternating(url, other):
    """Runs of url and of other in turns (url, other, url, ...): both
    meet the same moments of the machine's other load.  Returns the two
    summaries."""
    a, b = [], []
    for _ in range(RUNS):
        a.append(wrk(url))
        b.append(wrk(other))
    return summary(a), summary(b)


def openloop(binary, url, rate, post=False, tokens=()):
    """One open-loop run at rate req/s: the generator's JSON as a dict."""
    argv = [binary, "-r", "%.0f" % rate, "-d", str(OPEN_SECS), "-c",
            str(CONNS)]
    if post:
        argv += ["-m", "POST", "-b", HOURS_BODY, "-t", ",".join(tokens)]
    return json.loads(sh(argv + [url]))


def pgbench(pg, d, session_check=True):
    """Transactions per second PostgreSQL alone sustains for crewlog's
    write: the session lookup crewlog runs for a token it has not cached
    (session_check) and hours_add, for the 64 bench astronauts, on
    WORKERS connections (as many as crewlog's workers hold), median of
    RUNS runs of SECONDS."""
    rows = [ln.split("|") for ln in pg.psql(
        "SELECT token_hash, astronaut_id FROM sessions s JOIN astronauts a "
        "ON a.id = s.astronaut_id WHERE a.email LIKE 'astro%@bench.test' "
        "ORDER BY 2").split()]
    argv = [os.path.join(harness.PG_BINDIR, "pgbench"), "-n", "-M",
            "prepared", "-c", str(WORKERS), "-j", "2", "-T", str(SECS),
            "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres"]
    for i, (h, who) in enumerate(rows):
        f = os.path.join(d, "pgbench-%s-%d.sql" % (session_check, i))
        with open(f, "w") as fh:
            fh.write("\\set day random(0, 73000)\n")
            if session_check:
                fh.write("SELECT a.id, a.email, a.name, floor(extract(epoch "
                         "FROM s.expires))::bigint FROM sessions s JOIN "
                         "astronauts a ON a.id = s.astronaut_id WHERE "
                         "s.token_hash = '%s' AND s.expires > now();\n" % h)
            fh.write("SELECT * FROM hours_add(%s, date '1950-01-01' + "
                     ":day::integer, 1, 'pgbench');\n" % who)
        argv += ["-f", f]
    tps = []
    for _ in range(RUNS):
        out = sh(argv + ["crewlog"])
        tps.append(float(re.search(r"tps = ([\d.]+)", out).group(1)))
    return statistics.median(tps)


def nginx_conf(d, ports, socks):
    servers = ""
    for name in ports:
        if name == "peer":
            app = """
        location / {
            include fastcgi_params;
            fastcgi_param SCRIPT_FILENAME %s/peer/index.php;
            fastcgi_param SCRIPT_NAME /index.php;
            fastcgi_pass unix:%s;
        }""" % (HERE, socks[name])
        else:
            app = """
        location / {
            include fastcgi_params;
            fastcgi_param SCRIPT_NAME "";
            fastcgi_pass unix:%s;
        }""" % socks[name]
        servers += """
    server {
        listen 127.0.0.1:%d;
        location /static/ { root %s/../htdocs; }%s
    }""" % (ports[name], HERE, app)
    return """
daemon off;
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %(d)s/body;
    fastcgi_temp_path %(d)s/fastcgi;
    proxy_temp_path %(d)s/proxy;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
%(servers)s
}
""" % dict(d=d, servers=servers)


def staleness(base, trials=20):
    """Worst time from a committed write until every worker's cached
    leaderboard shows it.  A fresh astronaut logs 24 hours per trial
    (so it climbs into the top 100) and polls GET /api/leaderboard."""
    h = harness.http_request
    r = h("POST", base + "/api/users", {"email": "probe@bench.test",
                                        "name": "Staleness Probe",
                                        "password": "probe-pass"})
    assert r.status == 201, r
    tok = h("POST", base + "/api/sessions", {
        "email": "probe@bench.test", "password": "probe-pass"}).json()["token"]
    auth = {"Authorization": "Bearer " + tok}
    url = base + "/api/leaderboard?limit=100"

    def mine():
        for e in h("GET", url).json()["entries"]:
            if e["name"] == "Staleness Probe":
                return e["hours"]
        return None

    worst = 0.0
    for i in range(trials + 8):
        for _ in range(WORKERS * 2):        # warm every worker's cache
            h("GET", url)
        r = h("POST", base + "/api/hours", {
            "date": "1900-01-%02d" % (i % 28 + 1), "hours": 24,
            "activity": "staleness probe"}, headers=auth)
        assert r.status == 201, r
        want = 24 * (i + 1)
        if i < 8:
            continue                        # still climbing
        t0 = time.monotonic()
        seen = 0
        while seen < WORKERS * 2:
            if mine() == want:
                seen += 1
            else:
                seen = 0
                worst = max(worst, time.monotonic() - t0)
            if time.monotonic() - t0 > 5:
                raise RuntimeError("leaderboard stale for over 5 s")
    return worst


STARTED = []     # (Popen, process group?) to stop at exit


def cleanup():
    for p, group in reversed(STARTED):
        if p.poll() is None:
            if group:
                os.killpg(p.pid, signal.SIGTERM)
            else:
                p.terminate()
            p.wait()
    STARTED.clear()
    harness.stop_all()


def main():
    if not shutil.which("wrk") or not shutil.which("php-fpm8.2"):
        print("bench/app.py: needs wrk and php8.2-fpm", file=sys.stderr)
        return 1
    d = harness.tmpdir("crewlog-bench-")
    pg = harness.Postgres(os.path.join(d, "pg"))
    os.makedirs(pg.dir)
    pg.start()
    os.makedirs(os.path.join(d, "cw"))
    cw = harness.Crewlog(os.path.join(d, "cw"), pool={
        "pm": "static", "pm.max_children": str(WORKERS),
        "database_url": pg.url, "leaderboard_cache": CACHE,
        "auth.pwhash_opslimit": "1", "auth.pwhash_memlimit": "8192"},
        glob={"log_level": "warn"})
    t0 = time.monotonic()
    sh([cw.bin, "migrate", "-c", cw.conf, "--sql",
        os.path.join(harness.SRCDIR, "sql")])
    sh([cw.bin, "seed", "-c", cw.conf, "--astronauts", str(ASTRONAUTS),
        "--logs", str(LOGS)])
    sh([cw.bin, "seed", "-c", cw.conf, "--demo"])
    if EXPERIMENT_SQL:
        with open(EXPERIMENT_SQL) as f:
            pg.psql(f.read())
    pg.psql("VACUUM ANALYZE")
    print("loaded %d astronauts, %d logs in %.1fs" % (
        ASTRONAUTS, LOGS, time.monotonic() - t0), flush=True)
    cw.start()

    # The peer under PHP-FPM, as www-data.
    phpd = os.path.join(d, "php")
    os.makedirs(phpd)
    os.chmod(phpd, 0o777)
    with open(os.path.join(HERE, "peer", "php-fpm.conf.in")) as f:
        conf = f.read()
    dsn = "pgsql:host=127.0.0.1;port=%d;dbname=crewlog;user=postgres" \
        % pg.port
    conf = conf.replace("@DIR@", phpd).replace(
        "@WORKERS@", str(WORKERS)).replace("@DSN@", dsn)
    with open(os.path.join(phpd, "php-fpm.conf"), "w") as f:
        f.write(conf)
    php = subprocess.Popen(["php-fpm8.2", "-F", "-y",
                            os.path.join(phpd, "php-fpm.conf")],
                           stdout=subprocess.DEVNULL,
                           stderr=open(os.path.join(phpd, "stderr"), "w"))
    STARTED.append((php, False))
    try:
        harness.wait_for(lambda: os.path.exists(os.path.join(phpd,
                                                             "php.sock")),
                         10, "php-fpm")
    except TimeoutError:
        with open(os.path.join(phpd, "stderr")) as f:
            print(f.read(), file=sys.stderr)
        raise

    ports = {"crewlog": harness.free_port(), "peer": harness.free_port(),
             "bare": harness.free_port()}
    socks = {"crewlog": cw.listen, "peer": os.path.join(phpd, "php.sock"),
             "bare": os.path.join(d, "bare.sock")}
    ngd = os.path.join(d, "nginx")
    os.makedirs(ngd)
    shutil.copy("/etc/nginx/fastcgi_params", ngd)
    with open(os.path.join(ngd, "nginx.conf"), "w") as f:
        f.write(nginx_conf(ngd, ports, socks))
    ng = subprocess.Popen(["nginx", "-p", ngd, "-c",
                           os.path.join(ngd, "nginx.conf")])
    STARTED.append((ng, False))
    for p in ports.values():
        harness.wait_for(lambda p=p: harness.port_open(p), 10, "nginx")
    base = {k: "http://127.0.0.1:%d" % p for k, p in ports.items()}

    # The bare responder answers the bytes crewlog sends for the API.
    sample = harness.http_request("GET", base["crewlog"] +
                                  "/api/leaderboard").body
    with open(os.path.join(d, "sample.json"), "wb") as f:
        f.write(sample)
    sh(["cc", "-O2", "-o", os.path.join(d, "bare"),
        os.path.join(HERE, "peer", "bare.c")] +
       sh(["pkg-config", "--cflags", "--libs", "fcgi"]).split())
    bare = subprocess.Popen([os.path.join(d, "bare"), socks["bare"],
                             str(WORKERS), os.path.join(d, "sample.json")],
                            start_new_session=True)
    STARTED.append((bare, True))
    harness.wait_for(lambda: os.path.exists(socks["bare"]), 10, "bare")

    # Logged-in sessions for the POST runs, through crewlog's API.
    tokens = []
    for i in range(1, 65):
        r = harness.http_request("POST", base["crewlog"] + "/api/sessions",
                                 {"email": "astro%d@bench.test" % i,
                                  "password": "apollo11"})
        assert r.status == 201, r
        tokens.append(r.json()["token"])
    # Same answers from both (the peer's page is its own HTML).
    a = harness.http_request("GET", base["crewlog"] + "/api/leaderboard")
    b = harness.http_request("GET", base["peer"] + "/api/leaderboard")
    assert a.json() == b.json(), (a.body[:200], b.body[:200])

    ol_bin = os.path.join(d, "openloop")
    sh(["cc", "-O2", "-o", ol_bin, os.path.join(HERE, "openloop.c")])
    results, opened = {}, {}
    try:
        for key, name, path, script in (
                ("page", "GET /leaderboard", "/leaderboard", None),
                ("api", "GET /api/leaderboard", "/api/leaderboard", None),
                ("post", "POST /api/hours", "/api/hours",
                 os.path.join(HERE, "peer", "hours.lua"))):
            if ONLY and key not in ONLY:
                continue
            for who in ("crewlog", "peer"):
                # crewlog's workers LISTEN: while the peer writes, its
                # notifications would wake them and cost the peer CPU.
                # Each server runs alone on the database.
                if who == "peer":
                    cw.stop()
                if who == "crewlog" and key in ("page", "api"):
                    # The ceiling, in turns with crewlog's runs.
                    results[(name, who)], results[(name, "bare")] = \
                        alternating(base[who] + path,
                                    base["bare"] + "/api/leaderboard")
                else:
                    results[(name, who)] = median_runs(
                        base[who] + path, script=script,
                        env={"TOKENS": ",".join(tokens)})
                print("%-22s %-8s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms"
                      "  non-2xx %d %s" % ((name, who) +
                                           results[(name, who)]),
                      flush=True)
                for load in OPEN_LOADS if OPENLOOP else ():
                    o = openloop(ol_bin, base[who] + path,
                                 load * results[(name, who)][0],
                                 post=script is not None, tokens=tokens)
                    opened[(name, who, load)] = o
                    print("%-22s %-8s open loop %3.0f%% = %6.0f req/s: "
                          "p50 %6.2f  p99 %7.2f  p99.9 %7.2f ms  "
                          "(non-2xx %d, errors %d)" % (
                              name, who, load * 100, o["offered"],
                              o["p50_ms"], o["p99_ms"], o["p999_ms"],
                              o["non_2xx"], o["errors"]), flush=True)
                if key == "post" and who == "crewlog":
                    for check in (True, False):
                        results[("pgbench", check)] = pgbench(pg, d, check)
                        print("%-22s %-8s %9.0f tps (%s)" % (
                            "pgbench hours_add", "postgres",
                            results[("pgbench", check)],
                            "with the session lookup" if check else
                            "hours_add alone"), flush=True)
                if who == "peer":
                    cw.start()
                    harness.wait_for(lambda: harness.http_request(
                        "GET", base["crewlog"] + "/readyz").status == 200,
                        20, "crewlog back after the peer's run")
        rss = {"crewlog": mem_kib(cw.pid), "peer": mem_kib(php.pid),
               "bare": mem_kib(bare.pid)}
        stale = staleness(base["crewlog"]) if CACHE != "off" else 0.0
        r = subprocess.run([cw.bin, "check", "-c", cw.conf],
                           capture_output=True, text=True)
    finally:
        cleanup()
    print()
    print("crewlog %s, %d workers each, wrk -t2 -c%d -d%ds, median of %d "
          "runs; %d astronauts, %d logs, leaderboard_cache=%s" % (
              sh([cw.bin, "--version"]).strip(), WORKERS, CONNS, SECS, RUNS,
              ASTRONAUTS, LOGS, CACHE))
    print()
    print("| endpoint | server | req/s | p50 ms | p99 ms | ratio |")
    print("|---|---|---:|---:|---:|---:|")
    for name in ("GET /leaderboard", "GET /api/leaderboard",
                 "POST /api/hours"):
        if (name, "crewlog") not in results:
            continue
        c = results[(name, "crewlog")]
        p = results[(name, "peer")]
        print("| %s | crewlog | %.0f | %.2f | %.2f | %.1fx |" % (
            name, c[0], c[1], c[2], c[0] / p[0]))
        print("| %s | PHP-FPM peer | %.0f | %.2f | %.2f | 1.0x |" % (
            name, p[0], p[1], p[2]))
    for name in ("GET /leaderboard", "GET /api/leaderboard"):
        bb = results.get((name, "bare"))
        if bb:
            print("| the API's bytes, in turns with %s | bare libfcgi | %.0f "
                  "| %.2f | %.2f | |" % ((name,) + bb[:3]))
    print()
    for name in ("GET /leaderboard", "GET /api/leaderboard"):
        bb = results.get((name, "bare"))
        if bb and (name, "crewlog") in results:
            c = results[(name, "crewlog")]
            print("%s / bare responder (in turns): %.2fx req/s (goal >= "
                  "0.9), p99 %.2fx (goal <= 1.25)" % (
                      name, c[0] / bb[0], c[2] / bb[2]))
    for check in (True, False):
        pb = results.get(("pgbench", check))
        if pb and ("POST /api/hours", "crewlog") in results:
            print("POST /api/hours / pgbench %s: %.2fx (%.0f / %.0f tps; "
                  "goal >= 0.9 with the session lookup)" % (
                      "with the session lookup" if check else
                      "of hours_add alone",
                      results[("POST /api/hours", "crewlog")][0] / pb,
                      results[("POST /api/hours", "crewlog")][0], pb))
    if opened:
        print()
        print("Open loop (bench/openloop.c, %d connections, %d s per rate; "
              "latency from the intended send time):" % (CONNS, OPEN_SECS))
        print()
        print("| endpoint | server | offered req/s | load | p50 ms | "
              "p99 ms | p99.9 ms | errors |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for (name, who, load), o in opened.items():
            print("| %s | %s | %.0f | %.0f%% | %.2f | %.2f | %.2f | %d |"
                  % (name, "crewlog" if who == "crewlog" else
                     "PHP-FPM peer", o["offered"], load * 100, o["p50_ms"],
                     o["p99_ms"], o["p999_ms"], o["non_2xx"] +
                     o["errors"]))
    print()
    for k, v in rss.items():
        if v:
            print("worker memory %-8s RSS max %.1f MiB, PSS max %.1f MiB, "
                  "USS (private) max %.1f MiB (%d workers)" % (
                      k, max(x[0] for x in v) / 1024,
                      max(x[1] for x in v) / 1024,
                      max(x[2] for x in v) / 1024, len(v)))
    print("leaderboard staleness after a write (worst of 20): %.1f ms"
          % (stale * 1000))
    print("crewlog check after the runs: %s" % (r.stdout.strip() or
                                                 r.stderr.strip()))
    shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
