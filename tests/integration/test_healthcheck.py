"""crewlog healthcheck: the container health check speaks FastCGI to a
real pool and exits 0 only for a 2xx answer; every failure is exit 1
with one line naming the address and the reason.  Also: X-Crewlog-Version
names the image that answered.

Run: CREWLOG_BIN=build/normal/crewlog python3 tests/integration/test_healthcheck.py
"""

import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (TestRun, Crewlog, free_port, http_request,  # noqa
                     start, wait_for)

t = TestRun("healthcheck")


def check(cw, *args, env=None):
    r = cw.run("healthcheck", *args, env=env)
    return r.returncode, r.stderr.strip()


@t.test("the pool from the config file answers /healthz: exit 0, silent")
def _():
    cw = Crewlog().start()
    rc, err = check(cw, "-c", cw.conf)
    assert (rc, err) == (0, ""), (rc, err)


@t.test("over TCP, with the listen address from CREWLOG_WWW_LISTEN")
def _():
    port = free_port()
    cw = Crewlog(pool={"listen": "127.0.0.1:%d" % port}).start()
    rc, err = check(cw, "-c", cw.conf)
    assert rc == 0, (rc, err)
    # The environment overrides the file, as in the container.
    rc, err = check(cw, "-c", cw.conf,
                    env={"CREWLOG_WWW_LISTEN": "127.0.0.1:%d" % free_port()})
    assert rc == 1 and "Connection refused" in err, (rc, err)


@t.test("a non-2xx answer is exit 1 naming path and status")
def _():
    cw = Crewlog(pool={"database_url": "postgresql://nobody@127.0.0.1:%d/x"
                       % free_port()}).start()
    rc, err = check(cw, "-c", cw.conf, "-u", "/readyz")
    assert rc == 1 and "/readyz answered 503" in err, (rc, err)
    rc, err = check(cw, "-c", cw.conf, "-u", "/ping")
    assert rc == 0, (rc, err)


@t.test("nothing listening, unknown pool, bad options: exit 1 with a reason")
def _():
    cw = Crewlog()
    rc, err = check(cw, "-c", cw.conf)
    assert rc == 1 and cw.listen in err, (rc, err)
    rc, err = check(cw, "-c", cw.conf, "-P", "nosuch")
    assert rc == 1 and 'no pool named "nosuch"' in err, (rc, err)
    rc, err = check(cw, "-a", "127.0.0.1:1", "-T", "0")
    assert rc == 1 and "-T" in err, (rc, err)
    rc, err = check(cw, "-a", "127.0.0.1:1", "-u", "healthz")
    assert rc == 1 and "usage" in err, (rc, err)


@t.test("a peer that is not FastCGI, or never answers: exit 1, bounded")
def _():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    conns = []

    def serve():
        # First peer: HTTP instead of FastCGI.  Second: silence.
        c, _ = srv.accept()
        c.recv(4096)
        c.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
        c.close()
        c, _ = srv.accept()
        conns.append(c)
    th = threading.Thread(target=serve, daemon=True)
    th.start()
    cw = Crewlog()
    rc, err = check(cw, "-a", "127.0.0.1:%d" % port)
    assert rc == 1 and "not a FastCGI record" in err, (rc, err)
    rc, err = check(cw, "-a", "127.0.0.1:%d" % port, "-T", "1")
    assert rc == 1 and "timed out" in err, (rc, err)
    th.join(5)
    for c in conns:
        c.close()
    srv.close()


@t.test("a peer that never stops answering: exit 1 after 1 MiB")
def _():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    rec = bytes([1, 6, 0, 1, 0xff, 0xf8, 0, 0]) + b"x" * 0xfff8

    def serve():
        c, _ = srv.accept()
        c.recv(4096)
        try:
            for _ in range(200):        # 13 MB at most, then give up
                c.sendall(rec)
        except OSError:
            pass                        # the client hung up: expected
        c.close()
    th = threading.Thread(target=serve, daemon=True)
    th.start()
    rc, err = check(Crewlog(), "-a", "127.0.0.1:%d" % port)
    assert rc == 1 and "reply longer than 1048576 bytes" in err, (rc, err)
    th.join(10)
    srv.close()


@t.test("CREWLOG_VERSION is answered in X-Crewlog-Version; unset: absent")
def _():
    cw, ng = start(env={"CREWLOG_VERSION": "image-b"})
    r = http_request("GET", ng.url + "/healthz")
    assert r.status == 200, r
    assert r.headers.get("x-crewlog-version") == "image-b", r.headers
    cw.stop()
    ng.stop()
    os.environ.pop("CREWLOG_VERSION", None)
    cw2, ng2 = start()
    r = http_request("GET", ng2.url + "/healthz")
    assert r.status == 200 and "x-crewlog-version" not in r.headers, r.headers


sys.exit(t.main())
