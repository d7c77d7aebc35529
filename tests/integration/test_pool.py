"""The process manager behind real nginx (and Apache): signals, recycling,
timeouts, dynamic sizing and the status page, with real processes only.

Run: CREWLOG_BIN=build/normal/crewlog python3 tests/integration/test_pool.py
"""

import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (TestRun, Crewlog, Nginx, Apache, BackgroundLoad,  # noqa
                     fcgi_get, free_port, http_request, load, start,
                     wait_for)

t = TestRun("pool")


def status(ng, full=False):
    r = http_request("GET", ng.url + "/status?json" + ("&full" if full
                                                       else ""))
    assert r.status == 200, r
    return r.json()


def assert_no_failures(stats, what):
    assert stats["failed"] == 0, "%s: %r" % (what, stats)
    assert stats["ok"] > 0, "%s: no requests at all: %r" % (what, stats)


def log_lines(cw):
    out = []
    for line in cw.log().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append({"msg": line})
    return out


@t.test("round trip through nginx: ping, health, app, request id")
def _():
    cw, ng = start()
    r = http_request("GET", ng.url + "/ping")
    assert r.status == 200 and r.body == b"pong\n", r
    assert len(r.headers.get("x-request-id", "")) >= 8, r.headers
    r = http_request("GET", ng.url + "/healthz")
    assert r.status == 200, r
    r = http_request("GET", ng.url + "/readyz")
    assert r.status in (200, 503), r
    r = http_request("HEAD", ng.url + "/ping")
    assert r.status == 200 and r.body == b"", r
    r = http_request("GET", ng.url + "/ping",
                     headers={"X-Request-Id": "test-id-123"})
    rid = r.headers.get("x-request-id")

    def logged():
        # The access line is written after the response is sent.
        return any(ln.get("msg") == "access" and
                   ln.get("request_id") == rid and
                   ln.get("path") == "/ping" and ln.get("status") == 200
                   for ln in log_lines(cw))
    wait_for(logged, 5, "the access line of request %s" % rid)


@t.test("kill -9 an idle worker under load: respawned, 0 failed")
def _():
    cw, ng = start({"pm.max_children": "4"})
    # One client: the kernel wakes the first-registered idle worker, so
    # the workers that served nothing stay out of the traffic entirely.
    bg = BackgroundLoad(ng.url + "/ping", concurrency=1).start()
    time.sleep(0.5)
    # The victim must be idle in fact, not only at the instant status was
    # read: take one that served nothing between two samples.
    before = {p["pid"]: p["requests"]
              for p in status(ng, full=True)["processes"]}
    time.sleep(0.5)
    procs = status(ng, full=True)["processes"]
    idle = [p for p in procs if p["state"] == "Idle" and
            before.get(p["pid"]) == p["requests"]]
    assert idle, procs
    # The one that served least is the one the kernel wakes last.
    victim = min(idle, key=lambda p: p["requests"])["pid"]
    os.kill(victim, signal.SIGKILL)
    time.sleep(1.5)
    stats = bg.result()
    assert_no_failures(stats, "load while killing %d" % victim)
    st = status(ng, full=True)
    pids = [p["pid"] for p in st["processes"]]
    assert victim not in pids and len(pids) == 4, pids
    assert st["respawns"] >= 1, st
    assert "signal 9" in cw.log(), cw.log()[-2000:]


@t.test("pm.max_requests=50, jitter 10: recycled after 40-50, 0 failed")
def _():
    cw, ng = start({"pm.max_children": "2", "pm.max_requests": "50",
                    "pm.max_requests_jitter": "10"})
    stats = load(ng.url + "/ping", 3, 4)
    assert_no_failures(stats, "load with recycling")
    served = [int(n) for n in
              re.findall(r"recycling after (\d+) requests", cw.log())]
    assert len(served) >= 2, "only %d recycled for %d requests" % (
        len(served), stats["ok"])
    # The jitter subtracts (crewlog.conf(5)): each limit is in [40, 50].
    assert all(40 <= n <= 50 for n in served), served
    st = status(ng)
    assert st["respawns"] == 0, st      # recycling is not a crash


def reload_under_load(sig):
    cw, ng = start({"pm.max_children": "3"})
    bg = BackgroundLoad(ng.url + "/ping", concurrency=4).start()
    time.sleep(0.7)
    cw.pool["ping.response"] = "pong again"
    cw.write_config()
    cw.signal(sig)
    time.sleep(1.5)
    stats = bg.result()
    assert_no_failures(stats, "load across a reload")
    r = http_request("GET", ng.url + "/ping")
    assert r.body == b"pong again\n", r
    return cw, ng, stats


@t.test("SIGUSR2 reloads like SIGHUP: 0 failed, new config in effect")
def _():
    reload_under_load(signal.SIGUSR2)


@t.test("SIGHUP reload under load: 0 failed, new config in effect")
def _():
    cw, ng, stats = reload_under_load(signal.SIGHUP)
    # The old generation retires once its last request is done; under a
    # sanitizer build on a loaded machine that can take a few seconds.
    wait_for(lambda: "generation 1 retired" in cw.log(), 15,
             "generation 1 to retire")
    # Counters survive the reload.
    assert status(ng)["accepted conn"] >= stats["ok"], stats


@t.test("SIGHUP with a broken config: logged, old config keeps serving")
def _():
    cw, ng = start()
    with open(cw.conf, "a") as f:
        f.write("pm.max_childern = 3\n")
    cw.signal(signal.SIGHUP)
    wait_for(lambda: "reload failed" in cw.log(), 5, "the reload error")
    assert "pm.max_childern" in cw.log(), cw.log()[-2000:]
    assert cw.running()
    r = http_request("GET", ng.url + "/ping")
    assert r.status == 200 and r.body == b"pong\n", r


@t.test("SIGTERM with a slow request in flight: it completes, then exit")
def _():
    cw, ng = start({"pm.max_children": "2"})
    res = {}

    def slow():
        res["r"] = http_request("GET", ng.url + "/_test/sleep?ms=1500")
        res["t"] = time.monotonic()
    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.5)
    cw.signal(signal.SIGTERM)
    code = cw.wait_exit(10)
    t_exit = time.monotonic()
    th.join()
    assert code == 0, "master exit status %r" % code
    assert res["r"].status == 200, res["r"]
    assert res["r"].body == b"slept 1500 ms\n", res["r"]
    assert res["t"] <= t_exit + 0.2, "master exited before the request"
    assert not os.path.exists(cw.listen), "socket left behind"


@t.test("SIGINT stops at once, even with a request in flight")
def _():
    cw, ng = start({"pm.max_children": "1"})
    th = threading.Thread(target=lambda: http_request(
        "GET", ng.url + "/_test/sleep?ms=5000"))
    th.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    cw.signal(signal.SIGINT)
    assert cw.wait_exit(3) == 0
    assert time.monotonic() - t0 < 2
    th.join()


@t.test("request_terminate_timeout kills a stuck handler; pool serves on")
def _():
    cw, ng = start({"pm.max_children": "2",
                    "request_terminate_timeout": "1s",
                    "request_slowlog_timeout": "1s"})
    t0 = time.monotonic()
    r = http_request("GET", ng.url + "/_test/hang")
    took = time.monotonic() - t0
    # nginx's 502/504, answered as 503 + Retry-After by the shipped config
    # after its one retry (fastcgi_next_upstream_tries 2) hung too.
    assert r.status == 503 and r.headers.get("retry-after") == "1", r
    assert took < 5, "stuck request answered after %.1fs" % took
    log = cw.log()
    assert "past request_terminate_timeout" in log, log[-2000:]
    assert "GET /_test/hang" in log, log[-2000:]
    stats = load(ng.url + "/ping", 1, 2)
    assert_no_failures(stats, "after the kill")
    wait_for(lambda: status(ng)["total processes"] == 2, 5,
             "the pool back at 2 workers")
    st = status(ng)
    assert st["slow requests"] >= 1, st


@t.test("dynamic pm grows to pm.max_children under load, then shrinks")
def _():
    cw, ng = start({"pm": "dynamic", "pm.max_children": "4",
                    "pm.start_servers": "1", "pm.min_spare_servers": "1",
                    "pm.max_spare_servers": "2"})
    assert status(ng)["total processes"] <= 2
    seen = []
    bg = BackgroundLoad(ng.url + "/_test/sleep?ms=100",
                        concurrency=6).start()
    end = time.monotonic() + 4
    while time.monotonic() < end:
        seen.append(status(ng)["total processes"])
        time.sleep(0.2)
    stats = bg.result()
    assert_no_failures(stats, "dynamic load")
    assert max(seen) == 4, seen
    st = status(ng)
    assert st["max children reached"] >= 1, st
    wait_for(lambda: status(ng)["total processes"] <= 2, 10,
             "the pool to shrink to pm.max_spare_servers")


@t.test("ondemand forks on the first request and reaps idle workers")
def _():
    cw = Crewlog(pool={"pm": "ondemand", "pm.max_children": "2",
                       "pm.process_idle_timeout": "1s"}).start()
    ng = Nginx(upstream=cw.listen).start()
    r = http_request("GET", ng.url + "/status?json")
    assert r.status == 200, r
    assert r.json()["total processes"] >= 1
    wait_for(lambda: "exited" in cw.log(), 6, "the idle worker to exit")
    time.sleep(0.5)
    r = http_request("GET", ng.url + "/ping")
    assert r.status == 200 and r.body == b"pong\n", r


@t.test("a crash loop backs off, visible in status and log")
def _():
    cw, ng = start({"pm.max_children": "1"})
    for i in range(4):
        pid = wait_pid = None

        def one_worker():
            nonlocal pid
            procs = status(ng, full=True)["processes"]
            if procs and procs[0]["pid"] != wait_pid:
                pid = procs[0]["pid"]
                return True
            return False
        wait_pid = pid
        wait_for(one_worker, 10, "a (new) worker")
        os.kill(pid, signal.SIGSEGV)
        time.sleep(0.15)
    log = cw.log()
    assert "crash loop" in log, log[-2000:]
    wait_for(lambda: http_request("GET", ng.url + "/ping").status == 200,
             10, "the pool to serve again after the back-off")
    st = status(ng)
    assert st["respawns"] >= 4, st


@t.test("emergency_restart_threshold reloads after crashes in a row")
def _():
    cw, ng = start({"pm.max_children": "3"},
                   glob={"emergency_restart_threshold": "2",
                         "emergency_restart_interval": "10s"})
    pids = [p["pid"] for p in status(ng, full=True)["processes"]]
    for pid in pids[:2]:
        os.kill(pid, signal.SIGBUS)
    wait_for(lambda: "generation 2 started" in cw.log(), 5,
             "the emergency reload")
    assert "emergency_restart_threshold" in cw.log()
    r = http_request("GET", ng.url + "/ping")
    assert r.status == 200, r


@t.test("status ?json accepted conn matches the requests sent")
def _():
    cw, ng = start({"pm.max_children": "2"})
    before = status(ng)["accepted conn"]      # start() pinged: >= 1
    for _ in range(25):
        assert http_request("GET", ng.url + "/ping").status == 200
    st = status(ng)
    # 25 pings and this status request itself, as PHP-FPM counts.
    assert st["accepted conn"] == before + 26, (before, st)
    for k in ("pool", "process manager", "start time", "start since",
              "listen queue", "max listen queue", "listen queue len",
              "idle processes", "active processes", "total processes",
              "max active processes", "max children reached",
              "slow requests", "respawns", "crash backoff"):
        assert k in st, k
    assert st["pool"] == "www" and st["process manager"] == "static"
    assert st["total processes"] == 2 and st["active processes"] >= 1
    text = http_request("GET", ng.url + "/status").text
    assert "accepted conn:        %d" % (before + 27) in text, text


@t.test("metrics: Prometheus and OpenMetrics text formats")
def _():
    cw, ng = start({"pm.max_children": "3"})
    load(ng.url + "/ping", 0.5, 2)
    r = http_request("GET", ng.url + "/metrics")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith(
        "text/plain; version=0.0.4"), r.headers
    types, samples = {}, {}
    for line in r.text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            types[name] = typ
        elif line and not line.startswith("#"):
            name_labels, value = line.rsplit(" ", 1)
            samples[name_labels] = float(value)
            base = name_labels.split("{")[0]
            fam = [n for n in types if base == n or base.startswith(
                n + "_")]
            assert fam, "sample before its TYPE: " + line
    assert types["crewlog_accepted_connections_total"] == "counter"
    assert types["crewlog_request_duration_seconds"] == "histogram"
    lab = '{pool="www",service="all"}'
    assert samples['crewlog_pm_max_children' + lab] == 3
    assert samples['crewlog_total_processes' + lab] == 3
    buckets = [v for k, v in samples.items()
               if k.startswith("crewlog_request_duration_seconds_bucket")]
    assert buckets == sorted(buckets) and len(buckets) == 17, buckets
    assert buckets[-1] == samples[
        'crewlog_request_duration_seconds_count' + lab] > 0
    om = http_request("GET", ng.url + "/status?openmetrics")
    assert om.headers["content-type"].startswith(
        "application/openmetrics-text"), om.headers
    assert om.text.endswith("# EOF\n"), om.text[-100:]
    assert "# TYPE crewlog_accepted_connections counter" in om.text


@t.test("metrics and status: request durations by route")
def _():
    cw, ng = start({"pm.max_children": "2"})
    for _ in range(4):
        assert http_request("GET", ng.url + "/_test/sleep?ms=30").status \
            == 200
    for _ in range(10):
        assert http_request("GET", ng.url + "/ping").status == 200
    for _ in range(3):
        assert http_request("GET", ng.url + "/no/such/page").status == 404
    fam = "crewlog_route_request_duration_seconds"
    pool = 'pool="www",service="all",method="GET",'
    sleep = pool + 'route="/_test/sleep"'
    unrouted = fam + "_count{" + pool + 'route="(unrouted)"}'
    samples = {}

    def scrape():
        # A worker counts a request just after answering it.
        text = http_request("GET", ng.url + "/metrics").text
        assert "# TYPE %s histogram" % fam in text, text
        samples.clear()
        for line in text.splitlines():
            if line.startswith(fam):
                k, v = line.rsplit(" ", 1)
                samples[k] = float(v)
        return samples.get(unrouted) == 3
    wait_for(scrape, 5, "the last 404 to be counted")
    assert samples[fam + "_count{%s}" % sleep] == 4, samples
    assert samples[fam + '_bucket{%s,le="0.025"}' % sleep] == 0, samples
    assert samples[fam + '_bucket{%s,le="+Inf"}' % sleep] == 4, samples
    assert samples[fam + "_sum{%s}" % sleep] >= 0.120, samples
    assert samples[fam + "_count{" + pool + 'route="/ping"}'] >= 10, \
        samples
    bounds = [k for k in samples if k.startswith(
        fam + "_bucket{" + sleep)]
    assert len(bounds) == 17 and 'le="0.0001"' in bounds[0], bounds
    routes = {(r["method"], r["route"]): r for r in status(ng)["routes"]}
    sl = routes[("GET", "/_test/sleep")]
    assert sl["requests"] == 4, sl
    assert 25 <= sl["p50 ms"] <= sl["p90 ms"] <= sl["p99 ms"], sl
    assert routes[("GET", "(unrouted)")]["requests"] == 3, routes
    assert routes[("GET", "/ping")]["p99 ms"] < 25, routes


@t.test("pm.status_listen answers while every worker is busy")
def _():
    cw = Crewlog(pool={"pm.max_children": "1", "test_endpoints": "yes"})
    cw.pool["pm.status_listen"] = os.path.join(cw.dir, "status.sock")
    cw.write_config()
    cw.start()
    ng = Nginx(upstream=cw.listen).start()
    wait_for(lambda: os.path.exists(cw.pool["pm.status_listen"]), 5,
             "the status socket")
    th = threading.Thread(target=lambda: http_request(
        "GET", ng.url + "/_test/sleep?ms=2000"))
    th.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    out = fcgi_get(cw.pool["pm.status_listen"], "/status?json")
    assert time.monotonic() - t0 < 1, "status waited for the busy worker"
    body = out.split(b"\r\n\r\n", 1)[1]
    st = json.loads(body)
    assert st["active processes"] == 1 and st["idle processes"] == 0, st
    assert b"pong" in fcgi_get(cw.pool["pm.status_listen"], "/ping")
    th.join()


@t.test("TCP listen address round trip")
def _():
    port = free_port()
    cw, ng = start({"listen": "127.0.0.1:%d" % port})
    r = http_request("GET", ng.url + "/status?json")
    assert r.status == 200 and r.json()["listen queue len"] > 0, r


@t.test("Apache mod_proxy_fcgi round trip")
def _():
    cw = Crewlog(pool={"pm.max_children": "2"}).start()
    ap = Apache(upstream=cw.listen).start()
    wait_for(lambda: http_request("GET", ap.url + "/ping").status == 200,
             10, "apache to pass /ping")
    r = http_request("GET", ap.url + "/ping")
    assert r.status == 200 and r.body == b"pong\n", r
    assert r.headers.get("x-request-id"), r.headers
    r = http_request("GET", ap.url + "/status?json")
    assert r.status == 200 and r.json()["pool"] == "www", r


@t.test("-tt prints the effective configuration, -t only the verdict")
def _():
    import subprocess
    cw = Crewlog(pool={"pm.max_children": "2"})
    env = dict(cw.env, CREWLOG_WWW_PM_MAX_CHILDREN="3")
    r = subprocess.run([cw.bin, "-tt", "-c", cw.conf], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r
    assert "\n[www]\n" in r.stderr, r.stderr
    assert "\npm.max_children = 3\n" in r.stderr, r.stderr
    assert r.stderr.endswith("test is successful\n"), r.stderr
    r = subprocess.run([cw.bin, "-t", "-c", cw.conf], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0 and "[www]" not in r.stdout + r.stderr, r


sys.exit(t.main())
