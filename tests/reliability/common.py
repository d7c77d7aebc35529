"""Shared by the heavy reliability tests (tests/reliability/test_*.py):
wrk-driven load through nginx and the nginx access log's timings.

Run by deploy/dev's stage_faults against build/normal; each script prints
TAP.  They use tests/integration/harness.py for the servers.
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402,F401


def wrk(url, seconds, connections, rate=None, threads=2):
    """Runs wrk for `seconds` with `connections`; with `rate` (requests per
    second over all connections) each connection waits between requests,
    so the offered load is about `rate` whatever the answers take (an
    open loop, as a crowd of clients is).  Returns wrk's output."""
    script = None
    cmd = ["wrk", "-t", str(threads), "-c", str(connections),
           "-d", "%ds" % seconds, "--timeout", "10s"]
    if rate:
        delay_ms = max(1, int(connections * 1000 / rate))
        fd, script = tempfile.mkstemp(suffix=".lua")
        with os.fdopen(fd, "w") as f:
            f.write("function delay() return %d end\n" % delay_ms)
        cmd += ["-s", script]
    try:
        r = subprocess.run(cmd + [url], capture_output=True, text=True,
                           timeout=seconds + 30)
    finally:
        if script:
            os.unlink(script)
    if r.returncode != 0:
        raise RuntimeError("wrk failed: %s" % r.stderr)
    return r.stdout


def access_entries(ng, path_prefix=None, since=0):
    """(status, seconds) per request from nginx's "timed" access log,
    starting at byte offset `since`; returns (entries, new offset).
    499s (the client closed first: wrk stopping) are left out."""
    path = os.path.join(ng.prefix, "access.log")
    out = []
    with open(path, "rb") as f:
        f.seek(since)
        data = f.read()
        end = f.tell()
    for line in data.decode("utf-8", "replace").splitlines():
        parts = line.split(" ", 2)
        if len(parts) != 3:
            continue
        if path_prefix and not parts[2].startswith(path_prefix):
            continue
        if parts[0] == "499":
            continue    # wrk closed it when its time was up
        out.append((int(parts[0]), float(parts[1])))
    return out, end


def log_size(ng):
    return os.path.getsize(os.path.join(ng.prefix, "access.log"))


def pct(values, p):
    """The p-th percentile (nearest rank) of values; 0 if empty."""
    if not values:
        return 0.0
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]
