"""What the master does that no other test covers: process_control_timeout
against a worker that will not finish, two pools in one master, the text
status page with ?full, daemonize, and the slowlog file's lines.  Real
crewlog and nginx processes only, on free ports in temporary directories.

Run: CREWLOG_BIN=build/normal/crewlog top_srcdir=. \
        python3 tests/integration/test_core.py
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (TestRun, Crewlog, Nginx, SRCDIR,  # noqa: E402
                     http_request, start, tmpdir, wait_for)

t = TestRun("core")


def in_background(url, res):
    """GET url in a thread; res gets the response (or the exception)."""
    def run():
        try:
            res["r"] = http_request("GET", url, timeout=30)
        except Exception as e:  # noqa: B902 - reported by the caller
            res["r"] = e
    th = threading.Thread(target=run)
    th.start()
    return th


def ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def status_json(ng):
    r = http_request("GET", ng.url + "/status?json&full")
    assert r.status == 200, r
    return r.json()


@t.test("SIGTERM: a worker still busy at process_control_timeout is killed")
def _():
    cw, ng = start({"pm.max_children": "2"},
                   glob={"process_control_timeout": "1s"})
    res = {}
    th = in_background(ng.url + "/_test/sleep?ms=20000", res)
    # The other worker answers the status page while this one sleeps.
    wait_for(lambda: "/_test/sleep" in http_request(
        "GET", ng.url + "/status?full").body.decode(), 5,
        "the slow request to start")
    t0 = time.monotonic()
    cw.signal(signal.SIGTERM)
    code = cw.wait_exit(8)
    took = time.monotonic() - t0
    th.join(10)
    assert code is not None, "master still running 8s after SIGTERM"
    assert took < 6, "master took %.1fs; the timeout is 1s" % took
    assert "process_control_timeout passed, killing the workers left" \
        in cw.log(), cw.log()[-2000:]
    # nginx's 502 (the retry found no pool), answered by the shipped
    # config as 503 + Retry-After.
    assert not isinstance(res.get("r"), Exception) and \
        res["r"].status == 503, res.get("r")
    assert res["r"].headers.get("retry-after") == "1", res["r"].headers


@t.test("reload: the old generation's busy worker is killed at the timeout")
def _():
    cw, ng = start({"pm.max_children": "1"},
                   glob={"process_control_timeout": "1s"})
    res = {}
    th = in_background(ng.url + "/_test/sleep?ms=3000", res)
    time.sleep(0.5)
    cw.signal(signal.SIGHUP)
    wait_for(lambda: "generation 1: process_control_timeout passed"
             in cw.log(), 8, "the old generation to be killed")
    wait_for(lambda: "generation 1 retired" in cw.log(), 5,
             "generation 1 to retire")
    th.join(10)
    # The GET its killed worker had is retried once by nginx
    # (fastcgi_next_upstream in the shipped config), on generation 2.
    assert res["r"].status == 200, res["r"]
    assert res["r"].body == b"slept 3000 ms\n", res["r"]
    r = http_request("GET", ng.url + "/ping")
    assert r.status == 200 and r.body == b"pong\n", r
    assert cw.running()


@t.test("two pools in one master: each serves, each has its own workers")
def _():
    d = tmpdir("crewlog-2p-")
    api_sock = os.path.join(d, "api.sock")
    cw = Crewlog(dir=d, pool={"pm.max_children": "2"}, extra_pools={
        "api": {"listen": api_sock, "listen.mode": "0666",
                "pm": "static", "pm.max_children": "3",
                "ping.path": "/ping", "ping.response": "api pong",
                "pm.status_path": "/status",
                "templates": os.path.join(SRCDIR, "templates")}}).start()
    wait_for(lambda: os.path.exists(api_sock), 10, "the api socket")
    ng1 = Nginx(upstream=cw.listen).start()
    ng2 = Nginx(upstream=api_sock).start()
    wait_for(lambda: http_request("GET", ng1.url + "/ping").status == 200
             and http_request("GET", ng2.url + "/ping").status == 200, 10,
             "both pools to answer")
    assert http_request("GET", ng1.url + "/ping").body == b"pong\n"
    assert http_request("GET", ng2.url + "/ping").body == b"api pong\n"
    wait_for(lambda: status_json(ng1)["total processes"] == 2 and
             status_json(ng2)["total processes"] == 3, 10, "all workers")
    s1, s2 = status_json(ng1), status_json(ng2)
    assert s1["pool"] == "www" and s2["pool"] == "api", (s1, s2)
    p1 = {p["pid"] for p in s1["processes"]}
    p2 = {p["pid"] for p in s2["processes"]}
    assert len(p1) == 2 and len(p2) == 3 and not p1 & p2, (p1, p2)
    assert all(ppid(p) == cw.pid for p in p1 | p2), "not one master"
    # A worker of one pool dies: that pool respawns it, the other is
    # untouched.
    victim = sorted(p2)[0]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: victim not in {p["pid"] for p in
                                    status_json(ng2)["processes"]} and
             status_json(ng2)["total processes"] == 3, 10, "api respawn")
    assert {p["pid"] for p in status_json(ng1)["processes"]} == p1
    assert status_json(ng1)["respawns"] == 0


@t.test("text status ?full: one block per worker after the pool summary")
def _():
    cw, ng = start({"pm.max_children": "3"})
    wait_for(lambda: status_json(ng)["total processes"] == 3, 10,
             "3 workers")
    pids = {p["pid"] for p in status_json(ng)["processes"]}
    r = http_request("GET", ng.url + "/status?full")
    assert r.status == 200, r
    assert r.headers.get("content-type", "").startswith("text/plain"), r
    text = r.body.decode()
    head, *blocks = text.split("\n************************\n")
    assert head.startswith("pool:                 www\n"), text
    assert "total processes:      3\n" in head, text
    assert len(blocks) == 3, text
    seen = set()
    for b in blocks:
        fields = dict(line.split(":", 1) for line in b.strip().splitlines())
        fields = {k: v.strip() for k, v in fields.items()}
        assert set(fields) >= {"pid", "state", "start time", "requests",
                               "request method", "request URI",
                               "generation"}, fields
        seen.add(int(fields["pid"]))
    assert seen == pids, (seen, pids)
    # Without ?full: the same summary keys, no worker blocks.
    plain = http_request("GET", ng.url + "/status").body.decode()
    assert "************************" not in plain, plain
    keys = [line.split(":", 1)[0] for line in head.splitlines()]
    assert [line.split(":", 1)[0] for line in plain.splitlines()] == keys, \
        plain


@t.test("daemonize: detaches, writes its pid, serves, stops on SIGTERM")
def _():
    d = tmpdir("crewlog-daemon-")
    pidf = os.path.join(d, "crewlog.pid")
    logf = os.path.join(d, "error.log")
    cw = Crewlog(dir=d, glob={"daemonize": "yes", "pid": pidf,
                              "error_log": logf})
    daemon, stopped = None, False
    try:
        # Our pipes must not be held open by the daemon: run() returns
        # only when both reach end of file.
        proc = subprocess.run([cw.bin, "-c", cw.conf],
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=10, env=cw.env)
        assert proc.returncode == 0, proc
        wait_for(lambda: os.path.exists(pidf) and
                 open(pidf).read().strip() != "", 10, "the pid file")
        daemon = int(open(pidf).read())
        assert daemon != os.getpid()
        os.kill(daemon, 0)                     # alive
        assert os.getsid(daemon) == daemon, "not a session leader"
        assert ppid(daemon) != os.getpid(), "still our child"
        wait_for(lambda: os.path.exists(cw.listen), 10, "the socket")
        ng = Nginx(upstream=cw.listen).start()
        wait_for(lambda: http_request("GET", ng.url + "/ping").status
                 == 200, 10, "a worker")
        os.kill(daemon, signal.SIGTERM)

        def gone():
            try:
                os.kill(daemon, 0)
                return False
            except ProcessLookupError:
                return True
        wait_for(gone, 10, "the daemon to exit")
        stopped = True
        assert not os.path.exists(cw.listen), "socket left behind"
        assert "listening on" in open(logf).read()
    finally:
        # Never leave a daemon behind; it is ours, found by its pid file.
        if daemon is None and not stopped and os.path.exists(pidf):
            try:
                daemon = int(open(pidf).read())
            except ValueError:
                pass
        if daemon is not None and not stopped:
            try:
                os.kill(daemon, signal.SIGKILL)
            except ProcessLookupError:
                pass


@t.test("slowlog: one JSON line per slow request, URI escaped, pid right")
def _():
    d = tmpdir("crewlog-slow-")
    slow = os.path.join(d, "slow.log")
    cw, ng = start({"pm.max_children": "1", "slowlog": slow,
                    "request_slowlog_timeout": "1s"}, dir=d)
    worker = status_json(ng)["processes"][0]["pid"]
    uri = '/_test/sleep?ms=2200&x=%22a%0Ab'
    r = http_request("GET", ng.url + uri)
    assert r.status == 200, r
    r = http_request("GET", ng.url + "/ping")      # fast: not logged
    wait_for(lambda: os.path.exists(slow), 5, "the slowlog")
    with open(slow) as f:
        lines = f.read().splitlines()
    assert len(lines) == 1, lines
    o = json.loads(lines[0])
    assert o["pool"] == "www" and o["pid"] == worker, o
    assert o["method"] == "GET" and o["uri"] == uri, o
    assert o["msg"] == "slow request", o
    assert 1.0 <= o["elapsed_s"] < 2.2, o
    assert o["time"].endswith("Z") and len(o["time"]) == 24, o
    assert status_json(ng)["slow requests"] == 1


if __name__ == "__main__":
    sys.exit(t.main())
