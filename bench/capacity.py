#!/usr/bin/env python3
"""bench/capacity.py: a capacity and cost model built from measurements.

    CREWLOG_BIN=build/normal/crewlog python3 bench/capacity.py measure
    python3 bench/capacity.py [model] [--users 1000,10000,...]

measure: runs crewlog (4 workers) and the PHP-FPM peer (4 workers) behind
one nginx on one PostgreSQL (10,000 astronauts, 200,000 logs), offers each
route and a MIX with wrk (-t2 -c32, SECONDS s), and reads from /proc the
CPU time that crewlog's workers, nginx, PostgreSQL's backends, php-fpm and
wrk itself spent per request, the time they waited in a run queue for a
CPU, and the workers' memory (RSS, PSS, USS).
It then validates the model on this machine: from that run it predicts
the requests per second of 1 and 2 crewlog workers for each route and the
mix, runs them, and prints prediction, measurement and error.  The
figures go to bench/capacity-measured.json (committed).

model (the default): from bench/capacity-measured.json, bench/prices.json
and the inputs below, prints for each number of concurrent users the
requests per second, Fargate tasks (vCPU, memory, pm.max_children), the
ALBRequestCountPerTarget target, Aurora capacity (ACU) and database
size, and monthly cost on Fargate, Fargate Spot and Aurora, for crewlog
and for a PHP-FPM deployment of the peer; writes docs/capacity.dat and
plots docs/capacity.png with gnuplot.

The model:
- each active astronaut sends one request every THINK seconds (30); the
  mix is MIX (page 50, log 30, api 10, post 10: one write in ten);
- a task's CPU per request is the app's plus nginx's (a sidecar in the
  task), measured under the mix itself (with another MIX, per route and
  weighted: that misses how writes empty the leaderboard cache); tasks
  run at TARGET
  (60%) CPU, so a task of TASK_VCPU (1) serves TASK_VCPU * TARGET / cpu
  requests per second, which is also the ALBRequestCountPerTarget target
  (times 60: the metric counts a minute);
- pm.max_children covers the requests in flight (Little's law: rate
  times time in a worker, CPU plus database time plus RTT) twice over,
  and at least 2 per vCPU; memory is the master's RSS plus children
  times a worker's USS plus PSS headroom, rounded up to a Fargate size;
- PER_ROUTE=1 weights the routes measured alone instead: what the
  leaderboard would cost if writes did not empty its cache;
- Aurora: PostgreSQL's measured CPU per request, weighted by the mix,
  times the rate, at TARGET utilisation, at VCPU_PER_ACU (0.25, an
  assumption: an ACU is about 2 GiB with proportional CPU, like a
  db.r6g's 8 GiB per vCPU), at least 0.5 ACU; storage from the bytes per
  astronaut measured by bench/million.py, and IO_PER_WRITE (2) billed
  storage I/Os per write (reads are assumed to hit Aurora's cache).
"""

import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.join(HERE, "..")
MEASURED = os.path.join(HERE, "capacity-measured.json")
PRICES = os.path.join(HERE, "prices.json")

THINK = float(os.environ.get("THINK", "30"))
MIX = os.environ.get("MIX", "page:50,log:30,api:10,post:10")
TARGET = float(os.environ.get("TARGET", "0.6"))
TASK_VCPU = float(os.environ.get("TASK_VCPU", "1"))
VCPU_PER_ACU = float(os.environ.get("VCPU_PER_ACU", "0.25"))
RTT_MS = float(os.environ.get("RTT_MS", "0.5"))   # task to Aurora
MIN_TASKS = int(os.environ.get("MIN_TASKS", "2"))
# From bench/million.py: database size over astronauts (20 logs each).
BYTES_PER_ASTRONAUT = float(os.environ.get("BYTES_PER_ASTRONAUT", "0"))
SECS = int(os.environ.get("SECONDS", "10"))
IO_PER_WRITE = float(os.environ.get("IO_PER_WRITE", "2"))
# PER_ROUTE=1: weight the routes measured alone instead of using the
# measured mix, as if writes did not empty the leaderboard cache.
PER_ROUTE = os.environ.get("PER_ROUTE") == "1"
ROUTES = {"page": "/leaderboard", "api": "/api/leaderboard",
          "log": "/log", "post": "/api/hours"}
TICK = os.sysconf("SC_CLK_TCK")


def mix_weights(spec=MIX):
    w = {}
    for part in spec.split(","):
        k, v = part.split(":")
        w[k] = float(v)
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}


# ---------------------------------------------------------------------
# Measuring


def sh(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s%s" % (argv, r.stdout, r.stderr))
    return r.stdout


def tree(pid):
    """pid and all its descendants."""
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def cpu_s(pid):
    """CPU seconds (user + system) used by pid's tree, live processes."""
    t = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                f = f.read().rsplit(")", 1)[1].split()
            t += int(f[11]) + int(f[12])
        except (OSError, IndexError, ValueError):
            pass
    return t / TICK


def wait_s(pid):
    """Seconds pid's tree spent runnable but waiting for a CPU."""
    t = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/schedstat" % p) as f:
                t += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return t / 1e9


def mem_kib(master):
    """Max RSS, PSS and USS (private) in KiB over master's children."""
    best = [0, 0, 0]
    for pid in tree(master)[1:]:
        f = {}
        try:
            with open("/proc/%d/smaps_rollup" % pid) as fh:
                for line in fh:
                    parts = line.split()
                    if len(parts) >= 2 and parts[0].endswith(":"):
                        f[parts[0][:-1]] = int(parts[1])
        except OSError:
            continue
        v = (f.get("Rss", 0), f.get("Pss", 0),
             f.get("Private_Clean", 0) + f.get("Private_Dirty", 0))
        best = [max(a, b) for a, b in zip(best, v)]
    return best


def run_wrk(url, env, pids):
    """wrk -t2 -c32 with the mix script; req/s and CPU s per request of
    each named process tree and of wrk."""
    before = {k: cpu_s(p) for k, p in pids.items()}
    wbefore = {k: wait_s(p) for k, p in pids.items()}
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = sh(["wrk", "-t2", "-c32", "-d%ds" % SECS, "-s",
              os.path.join(HERE, "peer", "mix.lua"), url],
             env=dict(os.environ, **env))
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = {k: cpu_s(p) for k, p in pids.items()}
    wafter = {k: wait_s(p) for k, p in pids.items()}
    n = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res = {"rps": rps, "requests": n, "non_2xx": int(bad.group(1)) if bad
           else 0}
    for k in pids:
        res["cpu_" + k] = (after[k] - before[k]) / n
        res["runq_" + k] = (wafter[k] - wbefore[k]) / n
    res["cpu_wrk"] = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime -
                      ru0.ru_stime) / n
    return res


def predict(cal, workers):
    """req/s of `workers` crewlog workers on this machine, from the
    4-worker calibration run `cal` of the same load.  A request's chain
    (nginx hands it to a worker, which queries PostgreSQL and answers)
    holds a worker for the CPU time of all three plus the time each
    waited in a run queue for a CPU (from /proc/PID/schedstat), so W
    workers finish at most W / chain per second; and the machine gives
    the run as much CPU as it gave the calibration."""
    chain = sum(cal[k + p] for k in ("cpu_", "runq_")
                for p in ("app", "pg", "nginx"))
    total = chain + cal["cpu_wrk"]
    cores = cal["rps"] * total
    return min(workers / chain, cores / total)


def measure():
    sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
    sys.path.insert(0, HERE)
    import harness
    import app as appbench
    d = harness.tmpdir("crewlog-capacity-")
    pg = harness.Postgres(os.path.join(d, "pg"))
    os.makedirs(pg.dir)
    started = []
    out = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "command": "CREWLOG_BIN=build/normal/crewlog python3 "
           "bench/capacity.py measure", "seconds": SECS, "mix": MIX,
           "routes": {}, "peer": {}, "validation": {}}
    try:
        pg.start()
        cw = harness.Crewlog(os.path.join(d, "cw"), pool={
            "pm": "static", "pm.max_children": "4", "database_url": pg.url,
            "auth.pwhash_opslimit": "1", "auth.pwhash_memlimit": "8192"},
            glob={"log_level": "warn"})
        sh([cw.bin, "migrate", "-c", cw.conf, "--sql",
            os.path.join(TOP, "sql")])
        sh([cw.bin, "seed", "-c", cw.conf, "--astronauts", "10000",
            "--logs", "200000"])
        sh([cw.bin, "seed", "-c", cw.conf, "--demo"])
        pg.psql("VACUUM ANALYZE")
        cw.start()
        phpd = os.path.join(d, "php")
        os.makedirs(phpd)
        os.chmod(phpd, 0o777)
        with open(os.path.join(HERE, "peer", "php-fpm.conf.in")) as f:
            conf = f.read()
        dsn = ("pgsql:host=127.0.0.1;port=%d;dbname=crewlog;user=postgres"
               % pg.port)
        with open(os.path.join(phpd, "php-fpm.conf"), "w") as f:
            f.write(conf.replace("@DIR@", phpd).replace(
                "@WORKERS@", "4").replace("@DSN@", dsn))
        php = subprocess.Popen(["php-fpm8.2", "-F", "-y",
                                os.path.join(phpd, "php-fpm.conf")],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        started.append(php)
        harness.wait_for(lambda: os.path.exists(os.path.join(
            phpd, "php.sock")), 10, "php-fpm")
        ports = {"crewlog": harness.free_port(), "peer": harness.free_port()}
        socks = {"crewlog": cw.listen,
                 "peer": os.path.join(phpd, "php.sock")}
        ngd = os.path.join(d, "nginx")
        os.makedirs(ngd)
        shutil.copy("/etc/nginx/fastcgi_params", ngd)
        with open(os.path.join(ngd, "nginx.conf"), "w") as f:
            f.write(appbench.nginx_conf(ngd, ports, socks))
        ng = subprocess.Popen(["nginx", "-p", ngd, "-c",
                               os.path.join(ngd, "nginx.conf")])
        started.append(ng)
        for p in ports.values():
            harness.wait_for(lambda p=p: harness.port_open(p), 10, "nginx")
        base = {k: "http://127.0.0.1:%d" % p for k, p in ports.items()}
        tokens = []
        for i in range(1, 65):
            r = harness.http_request("POST", base["crewlog"] +
                                     "/api/sessions", {
                                         "email": "astro%d@bench.test" % i,
                                         "password": "apollo11"})
            assert r.status == 201, r
            tokens.append(r.json()["token"])
        env = {"TOKENS": ",".join(tokens)}
        loads = [(k, "%s:1" % k) for k in ROUTES] + [("mix", MIX)]

        def crewlog_runs(label):
            pids = {"app": cw.pid, "nginx": ng.pid, "pg": pg.pid}
            res = {}
            for name, mix in loads:
                res[name] = run_wrk(base["crewlog"] + "/", dict(env, MIX=mix),
                                    pids)
                r = res[name]
                print("crewlog %-9s %-5s %7.0f req/s  CPU us/req: app %4.0f "
                      "pg %4.0f nginx %4.0f wrk %4.0f; run queue: app %4.0f "
                      "pg %4.0f nginx %4.0f" % (
                          label, name, r["rps"], r["cpu_app"] * 1e6,
                          r["cpu_pg"] * 1e6, r["cpu_nginx"] * 1e6,
                          r["cpu_wrk"] * 1e6, r["runq_app"] * 1e6,
                          r["runq_pg"] * 1e6, r["runq_nginx"] * 1e6),
                      flush=True)
            return res
        out["routes"] = crewlog_runs("4 workers")
        rss, pss, uss = mem_kib(cw.pid)
        with open("/proc/%d/smaps_rollup" % cw.pid) as f:
            master_rss = int(re.search(r"Rss:\s+(\d+)", f.read()).group(1))
        out["memory_kib"] = {"worker_rss": rss, "worker_pss": pss,
                             "worker_uss": uss, "master_rss": master_rss}
        # The peer, with crewlog stopped (its LISTENing workers would
        # wake for the peer's writes); the peer has no /log page, its
        # /api/me (a session check and one query) stands in for it.
        cw.stop()
        pids = {"app": php.pid, "nginx": ng.pid, "pg": pg.pid}
        for name, mix in loads:
            out["peer"][name] = run_wrk(base["peer"] + "/", dict(
                env, MIX=mix, LOG_PATH="/api/me"), pids)
            print("peer    4 workers %-5s %8.0f req/s  app %5.0f us  pg %5.0f"
                  " us  nginx %4.0f us" % (
                      name, out["peer"][name]["rps"],
                      out["peer"][name]["cpu_app"] * 1e6,
                      out["peer"][name]["cpu_pg"] * 1e6,
                      out["peer"][name]["cpu_nginx"] * 1e6), flush=True)
        rss, pss, uss = mem_kib(php.pid)
        out["peer_memory_kib"] = {"worker_rss": rss, "worker_pss": pss,
                                  "worker_uss": uss}
        # Validation: predict 1 and 2 workers from the 4-worker run.
        for w in (1, 2):
            cw.pool["pm.max_children"] = str(w)
            cw.write_config()
            cw.start()
            harness.wait_for(lambda: harness.http_request(
                "GET", base["crewlog"] + "/readyz").status == 200, 20,
                "crewlog")
            got = crewlog_runs("%d worker%s" % (w, "s" if w > 1 else ""))
            for name in got:
                p = predict(out["routes"][name], w)
                out["validation"]["%d/%s" % (w, name)] = {
                    "predicted": p, "measured": got[name]["rps"],
                    "error": got[name]["rps"] / p - 1}
            cw.stop()
    finally:
        for p in reversed(started):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait()
        harness.stop_all()
        shutil.rmtree(d, ignore_errors=True)
    try:
        with open(MEASURED) as f:
            old = json.load(f)
        for k in ("bytes_per_astronaut", "bytes_source"):
            if k in old:
                out[k] = old[k]
    except (OSError, ValueError):
        pass
    with open(MEASURED, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print_validation(out)
    return 0


def print_validation(m):
    print()
    print("Validation on this machine (prediction from the 4-worker run):")
    print()
    print("| workers | load | predicted req/s | measured req/s | error |")
    print("|---:|---|---:|---:|---:|")
    for k, v in sorted(m["validation"].items()):
        w, name = k.split("/")
        print("| %s | %s | %.0f | %.0f | %+.0f%% |" % (
            w, name, v["predicted"], v["measured"], v["error"] * 100))


# ---------------------------------------------------------------------
# The model


FARGATE_MEM = [0.5, 1, 2, 3, 4, 5, 6, 7, 8]   # GiB, for up to 1 vCPU
FARGATE_MIN_MEM = {0.25: 0.5, 0.5: 1, 1: 2, 2: 4, 4: 8}


def task_memory_gib(vcpu, need_mib):
    lo = FARGATE_MIN_MEM.get(vcpu, 2 * vcpu)
    gib = max(lo, math.ceil(need_mib / 1024))
    return gib


def size(m, who, users, prices):
    """One deployment's figures for `users` concurrent astronauts."""
    runs = m["routes"] if who == "crewlog" else m["peer"]
    mem = m["memory_kib"] if who == "crewlog" else m["peer_memory_kib"]
    w = mix_weights()
    if MIX == m["mix"] and not PER_ROUTE:
        # The mix as measured: its writes invalidate the leaderboard
        # cache, so its pages cost more than pages measured alone.
        cpu_task = runs["mix"]["cpu_app"] + runs["mix"]["cpu_nginx"]
        cpu_db = runs["mix"]["cpu_pg"]
    else:
        cpu_task = sum(w[k] * (runs[k]["cpu_app"] + runs[k]["cpu_nginx"])
                       for k in w)
        cpu_db = sum(w[k] * runs[k]["cpu_pg"] for k in w)
    rps = users / THINK
    per_task = TASK_VCPU * TARGET / cpu_task
    tasks = max(MIN_TASKS, math.ceil(rps / per_task))
    # In a worker: its CPU, the database's time and the round trips.
    if MIX == m["mix"] and not PER_ROUTE:
        busy = (runs["mix"]["cpu_app"] + runs["mix"]["cpu_pg"] +
                RTT_MS / 1000)
    else:
        busy = sum(w[k] * (runs[k]["cpu_app"] + runs[k]["cpu_pg"] +
                           (RTT_MS / 1000 if k in ("log", "post") else 0))
                   for k in w)
    children = max(math.ceil(2 * TASK_VCPU), math.ceil(
        2 * (rps / tasks) * busy))
    need_mib = (mem.get("master_rss", mem["worker_rss"]) +
                children * (mem["worker_uss"] + mem["worker_pss"])) / 1024 \
        + 64   # nginx
    mem_gib = task_memory_gib(TASK_VCPU, need_mib)
    acu = max(0.5, math.ceil(2 * rps * cpu_db / TARGET / VCPU_PER_ACU) / 2)
    db_gb = users * BYTES_PER_ASTRONAUT / 1e9
    hours = prices["hours_per_month"]
    fargate = tasks * hours * (TASK_VCPU * prices["fargate_vcpu_hour"] +
                               mem_gib * prices["fargate_gb_hour"])
    spot = tasks * hours * (TASK_VCPU * prices["fargate_spot_vcpu_hour"] +
                            mem_gib * prices["fargate_spot_gb_hour"])
    # Writes reach storage; reads come from Aurora's buffer cache.
    io = rps * w.get("post", 0) * 3600 * hours / 1e6 * IO_PER_WRITE
    aurora = (acu * hours * prices["aurora_acu_hour"] +
              db_gb * prices["aurora_storage_gb_month"] +
              io * prices["aurora_io_per_million"])
    return {"users": users, "rps": rps, "writes": rps * w.get("post", 0),
            "tasks": tasks, "vcpu": TASK_VCPU, "mem_gib": mem_gib,
            "children": children, "alb_target": per_task * 60,
            "acu": acu, "db_gb": db_gb, "fargate": fargate, "spot": spot,
            "aurora": aurora, "cpu_task_us": cpu_task * 1e6,
            "cpu_db_us": cpu_db * 1e6}


def model(users):
    with open(MEASURED) as f:
        m = json.load(f)
    with open(PRICES) as f:
        prices = json.load(f)
    global BYTES_PER_ASTRONAUT
    if BYTES_PER_ASTRONAUT == 0:
        BYTES_PER_ASTRONAUT = m.get("bytes_per_astronaut", 3000)
    print("Inputs: think time %g s, mix %s (%s), tasks of %g vCPU at %.0f%% "
          "CPU, %g vCPU per ACU, %.1f ms to the database, %g storage I/Os "
          "per write, %.0f bytes per astronaut; measured %s; prices %s "
          "(%s)." % (
              THINK, MIX, "routes measured alone, weighted" if PER_ROUTE or
              MIX != m["mix"] else "measured as a mix", TASK_VCPU,
              TARGET * 100, VCPU_PER_ACU, RTT_MS, IO_PER_WRITE,
              BYTES_PER_ASTRONAUT, m["date"], prices["as_of"],
              prices["region"]))
    print()
    print("| users | server | req/s | writes/s | CPU us/req (task, db) | "
          "tasks x vCPU, GiB | pm.max_children | ALB target/min | ACU | "
          "DB GB | Fargate $/mo | Spot $/mo | Aurora $/mo |")
    print("|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for u in users:
        for who in ("crewlog", "peer"):
            s = size(m, who, u, prices)
            rows.append((who, s))
            print("| %d | %s | %.0f | %.0f | %.0f, %.0f | %d x %g, %g | %d | "
                  "%.0f | %g | %.1f | %.0f | %.0f | %.0f |" % (
                      u, "crewlog" if who == "crewlog" else "PHP-FPM peer",
                      s["rps"], s["writes"], s["cpu_task_us"],
                      s["cpu_db_us"], s["tasks"], s["vcpu"], s["mem_gib"],
                      s["children"], s["alb_target"], s["acu"], s["db_gb"],
                      s["fargate"], s["spot"], s["aurora"]))
    dat = os.path.join(TOP, "docs", "capacity.dat")
    with open(dat, "w") as f:
        f.write("# users crewlog_tasks crewlog_fargate crewlog_spot "
                "crewlog_aurora peer_tasks peer_fargate peer_spot "
                "peer_aurora\n")
        for u in users:
            c = [s for who, s in rows if who == "crewlog" and
                 s["users"] == u][0]
            p = [s for who, s in rows if who == "peer" and
                 s["users"] == u][0]
            f.write("%d %d %.2f %.2f %.2f %d %.2f %.2f %.2f\n" % (
                u, c["tasks"], c["fargate"], c["spot"], c["aurora"],
                p["tasks"], p["fargate"], p["spot"], p["aurora"]))
    plot(dat)
    if m.get("validation"):
        print_validation(m)
    return 0


def plot(dat):
    if not shutil.which("gnuplot"):
        print("(gnuplot not installed: no plot)", file=sys.stderr)
        return
    png = os.path.join(os.path.dirname(dat), "capacity.png")
    script = """
set terminal pngcairo size 900,560 noenhanced font ",10"
set output '%s'
set title 'Monthly cost by concurrent astronauts (bench/capacity.py)'
set logscale xy
set xlabel 'concurrent astronauts'
set ylabel 'USD per month'
set key top left
set grid
plot '%s' using 1:($3+$5) with linespoints lw 2 title 'crewlog: Fargate + Aurora', \\
     '' using 1:($4+$5) with linespoints lw 2 title 'crewlog: Fargate Spot + Aurora', \\
     '' using 1:($7+$9) with linespoints lw 2 dt 2 title 'PHP-FPM: Fargate + Aurora', \\
     '' using 1:($8+$9) with linespoints lw 2 dt 2 title 'PHP-FPM: Fargate Spot + Aurora', \\
     '' using 1:5 with linespoints lw 1 dt 3 title 'crewlog: Aurora alone'
""" % (png, dat)
    r = subprocess.run(["gnuplot"], input=script, text=True,
                       capture_output=True)
    if r.returncode != 0 and "pngcairo" in r.stderr:
        r = subprocess.run(["gnuplot"], input=script.replace(
            "pngcairo", "png"), text=True, capture_output=True)
    if r.returncode != 0:
        print("gnuplot: " + r.stderr, file=sys.stderr)


def main(argv):
    users = [1000, 10000, 100000, 1000000]
    if "--users" in argv:
        users = [int(x) for x in argv[argv.index("--users") + 1].split(",")]
    if len(argv) > 1 and argv[1] == "measure":
        return measure()
    return model(users)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
