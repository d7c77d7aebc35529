"""The error log on a full disk and on a file system gone read-only.

The pool keeps serving, and says so on the stderr it started with once
per interval per process (log.c: LOG_FAIL_INTERVAL), not once per
request.  The disk is a small tmpfs; the read-only file system is an ext4
image mounted with errors=remount-ro whose error we trigger, as a failing
disk would.  Needs root (mount); every mount is undone.

Run: CREWLOG_BIN=build/normal/crewlog python3 tests/integration/test_logfaults.py
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (TestRun, Skip, BackgroundLoad, http_request,  # noqa
                     start, stop_all, tmpdir, wait_for)

t = TestRun("logfaults")
NWORKERS = 2
REQUESTS_MIN = 300


def need_root():
    if os.geteuid() != 0:
        raise Skip("needs root to mount a file system")


def failure_lines(cw):
    out = []
    for ln in cw.log().splitlines():
        try:
            j = json.loads(ln)
        except ValueError:
            continue
        if "write failed" in str(j.get("msg", "")):
            out.append(j)
    return out


def serve_through(cw, ng, why):
    """Load for a few seconds: everything 200, failures said rarely."""
    st = BackgroundLoad(ng.url + "/ping", concurrency=4).start()
    wait_for(lambda: len(failure_lines(cw)) > 0, 10,
             "the failure to be reported")
    import time
    time.sleep(3)
    stats = st.result()
    assert stats["failed"] == 0, stats
    assert stats["ok"] >= REQUESTS_MIN, stats
    lines = failure_lines(cw)
    # At most one report per process per interval (a run spans at most
    # two intervals), never one per request.
    assert 1 <= len(lines) <= 2 * (NWORKERS + 1), (len(lines), lines)
    assert all(why in ln["msg"] for ln in lines), lines
    assert all("line(s) lost" in ln["msg"] for ln in lines), lines
    return stats


@t.test("log disk full (tmpfs): 0 failed requests, said once per interval")
def _():
    need_root()
    d = tmpdir()
    mnt = os.path.join(d, "logs")
    os.makedirs(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
                    mnt], check=True)
    try:
        log = os.path.join(mnt, "crewlog.log")
        cw, ng = start({"pm.max_children": str(NWORKERS)},
                       glob={"error_log": log})
        # Fill the disk.
        fd = os.open(os.path.join(mnt, "fill"), os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096) > 0:
                pass
        except OSError:
            pass
        os.close(fd)
        stats = serve_through(cw, ng, "No space left on device")
        # Room again: the log says it is writing, and what was lost.
        os.unlink(os.path.join(mnt, "fill"))
        for _ in range(3):
            assert http_request("GET", ng.url + "/ping").status == 200
        wait_for(lambda: "writing again" in open(log).read(), 5,
                 "the log to say it writes again")
        print("# %d requests served on a full log disk, %d reports"
              % (stats["ok"], len(failure_lines(cw))))
    finally:
        stop_all()
        subprocess.run(["umount", mnt])


@t.test("log file system turns read-only (ext4 errors=remount-ro): "
        "0 failed requests, said once per interval")
def _():
    need_root()
    if not os.path.exists("/dev/loop-control"):
        raise Skip("no loop devices here")
    d = tmpdir()
    img = os.path.join(d, "logs.img")
    mnt = os.path.join(d, "logs")
    os.makedirs(mnt)
    with open(img, "wb") as f:
        f.truncate(4 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", img], check=True)
    subprocess.run(["mount", "-o", "loop,errors=remount-ro", img, mnt],
                   check=True)
    try:
        dev = subprocess.run(["findmnt", "-n", "-o", "SOURCE", mnt],
                             capture_output=True, text=True,
                             check=True).stdout.strip()
        log = os.path.join(mnt, "crewlog.log")
        cw, ng = start({"pm.max_children": str(NWORKERS)},
                       glob={"error_log": log})
        with open("/sys/fs/ext4/%s/trigger_fs_error"
                  % os.path.basename(dev), "w") as f:
            f.write("1")
        stats = serve_through(cw, ng, "Read-only file system")
        print("# %d requests served on a read-only log, %d reports"
              % (stats["ok"], len(failure_lines(cw))))
    finally:
        stop_all()
        subprocess.run(["umount", mnt])


sys.exit(t.main())
