"""What a sysadmin does to a running pool, behind real nginx: log
rotation (SIGUSR1), SIGQUIT, worker output forwarding, the pid
file, listen.allowed_clients, listen.owner/mode, user and rlimit_files.

Run: CREWLOG_BIN=build/normal/crewlog python3 tests/integration/test_ops.py
"""

import json
import os
import pwd
import signal
import stat
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (TestRun, Crewlog, Nginx,  # noqa
                     free_port, http_request, start, tmpdir, wait_for)

t = TestRun("ops")


def json_lines(text):
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def workers(cw):
    """PIDs of the master's children (workers)."""
    with open("/proc/%d/task/%d/children" % (cw.pid, cw.pid)) as f:
        return [int(p) for p in f.read().split()]


@t.test("catch_workers_output=yes: a worker's stray stdout and stderr "
        "reach the log as JSON lines")
def _():
    cw, ng = start({"catch_workers_output": "yes"})
    r = http_request("GET", ng.url + "/_test/print?text=stray%20%22bytes%22")
    assert r.status == 200, r

    def forwarded():
        return [ln for ln in json_lines(cw.log())
                if ln.get("msg") == 'stray "bytes"']
    wait_for(lambda: len(forwarded()) == 2, 5, "both lines forwarded")
    for ln in forwarded():
        assert ln["pool"] == "www" and ln["stream"] == "output", ln
        assert ln["pid"] in workers(cw), (ln, workers(cw))


@t.test("catch_workers_output=no: stray output is discarded, not mixed "
        "into the log")
def _():
    cw, ng = start({"catch_workers_output": "no"})
    r = http_request("GET", ng.url + "/_test/print?text=not-for-the-log")
    assert r.status == 200, r
    r = http_request("GET", ng.url + "/ping")     # a later access line
    time.sleep(0.3)
    assert "not-for-the-log" not in cw.log(), cw.log()[-2000:]
    assert any(ln.get("path") == "/ping" for ln in json_lines(cw.log()))


@t.test("SIGUSR1 reopens error_log: rotated file kept, new lines go to a "
        "new file")
def _():
    d = tmpdir("crewlog-cw-")
    logf = os.path.join(d, "crewlog.log")
    cw, ng = start(glob={"error_log": logf}, dir=d)
    r = http_request("GET", ng.url + "/ping",
                     headers={"X-Request-Id": "before-rotation"})
    assert r.status == 200, r
    wait_for(lambda: "before-rotation" in read(logf), 5, "the first line")
    os.rename(logf, logf + ".1")
    cw.signal(signal.SIGUSR1)
    wait_for(lambda: os.path.exists(logf), 5, "a new log file")

    def reopened():
        return {ln["pid"] for ln in json_lines(read(logf))
                if ln.get("msg") == "log reopened (SIGUSR1)"}
    # The master and both workers say so in the new file.
    wait_for(lambda: len(reopened()) == 3, 5, "every process to reopen")
    assert set(workers(cw)) | {cw.pid} == reopened(), reopened()
    for _ in range(4):          # whichever worker answers
        r = http_request("GET", ng.url + "/ping",
                         headers={"X-Request-Id": "after-rotation"})
        assert r.status == 200, r
    wait_for(lambda: read(logf).count("after-rotation") == 4, 5,
             "the access lines in the new file")
    assert "after-rotation" not in read(logf + ".1")
    assert "before-rotation" in read(logf + ".1")


@t.test("SIGQUIT: graceful stop, the request in flight completes")
def _():
    cw, ng = start({"pm.max_children": "2"})
    res = {}

    def slow():
        res["r"] = http_request("GET", ng.url + "/_test/sleep?ms=1200")
    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.4)
    cw.signal(signal.SIGQUIT)
    assert cw.wait_exit(10) == 0
    th.join()
    assert res["r"].status == 200 and res["r"].body == b"slept 1200 ms\n", \
        res["r"]


@t.test("pid file: written with the master's pid, kept across a reload, "
        "removed at exit")
def _():
    d = tmpdir("crewlog-cw-")
    pidf = os.path.join(d, "run", "crewlog.pid")
    os.makedirs(os.path.dirname(pidf))
    cw, ng = start(glob={"pid": pidf}, dir=d)
    wait_for(lambda: os.path.exists(pidf), 5, "the pid file")
    assert read(pidf).strip() == str(cw.pid), read(pidf)
    # The reload frees the configuration the path was read from.
    cw.signal(signal.SIGHUP)
    wait_for(lambda: "generation 1 retired" in cw.log(), 15,
             "generation 1 to retire")
    assert read(pidf).strip() == str(cw.pid), read(pidf)
    cw.stop()
    assert not os.path.exists(pidf), "pid file left behind"


@t.test("listen.allowed_clients: a client not listed is refused, a "
        "listed one served")
def _():
    port = free_port()
    cw, ng = start({"listen": "127.0.0.1:%d" % port,
                    "listen.allowed_clients": "127.0.0.1"})
    assert http_request("GET", ng.url + "/ping").status == 200
    ng.stop()
    cw.stop()
    port = free_port()
    cw = Crewlog(pool={"listen": "127.0.0.1:%d" % port,
                       "listen.allowed_clients": "10.11.12.13"}).start()
    ng = Nginx(upstream=cw.listen).start()
    r = http_request("GET", ng.url + "/ping")
    # nginx: the upstream closed on it (502), answered as "busy, retry".
    assert r.status == 503 and r.headers.get("retry-after") == "1", r
    wait_for(lambda: "listen.allowed_clients" in cw.log(), 5,
             "the refusal in the log")


@t.test("listen.owner/group/mode set the unix socket's owner and mode")
def _():
    if os.geteuid() != 0:
        raise RuntimeError("needs root (CI and deploy/dev test run as root)")
    nobody = pwd.getpwnam("nobody")
    cw, ng = start({"listen.owner": "nobody", "listen.group": "nogroup",
                    "listen.mode": "0660"})
    st = os.stat(cw.listen)
    assert stat.S_ISSOCK(st.st_mode), st
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
    assert st.st_uid == nobody.pw_uid, st


@t.test("user/group (master as root) and rlimit_files apply to workers")
def _():
    if os.geteuid() != 0:
        raise RuntimeError("needs root (CI and deploy/dev test run as root)")
    nobody = pwd.getpwnam("nobody")
    d = tmpdir("crewlog-cw-")
    # The workers read the templates as nobody: give them a readable copy.
    os.chmod(d, 0o755)
    cw, ng = start({"user": "nobody", "group": "nogroup",
                    "rlimit_files": "321"}, dir=d)
    pids = workers(cw)
    assert pids, "no workers"
    for pid in pids:
        with open("/proc/%d/status" % pid) as f:
            uid = [ln for ln in f if ln.startswith("Uid:")][0].split()
        assert all(int(u) == nobody.pw_uid for u in uid[1:]), uid
        with open("/proc/%d/limits" % pid) as f:
            lim = [ln for ln in f if ln.startswith("Max open files")][0]
        assert lim.split()[3:5] == ["321", "321"], lim
    with open("/proc/%d/status" % cw.pid) as f:
        assert [ln for ln in f if ln.startswith("Uid:")][0].split()[1] == "0"
    assert http_request("GET", ng.url + "/ping").status == 200


if __name__ == "__main__":
    sys.exit(t.main())
