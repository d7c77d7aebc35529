"""The services on one machine: PostgreSQL, crewlog as the monolith and as
users, hours and board (each a master of its own, connected as its own
role), an nginx web tier in front of each, and HAProxy with the shipped
deploy/haproxy/crewlog.cfg in front of all, as the ALB would be.
Everything on loopback, on free ports, stopped by PID.  Standard library
only, on top of tests/integration/harness.py.
"""

import collections
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness as H  # noqa: E402

SERVICES = ("users", "hours", "board")
ROLE = {"users": "crewlog_users", "hours": "crewlog_hours",
        "board": "crewlog_board"}
PASSWORD = "correct horse"


class WebTier(H.Nginx):
    """nginx before one crewlog, with the shipped server include and the
    503-with-Retry-After answer for when crewlog is unreachable."""

    def start(self):
        os.makedirs(self.prefix, exist_ok=True)
        for f in ("fastcgi_params", "mime.types"):
            with open("/etc/nginx/" + f) as src, \
                    open(os.path.join(self.prefix, f), "w") as dst:
                dst.write(src.read())
        conf = os.path.join(self.prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
daemon off;
master_process on;
worker_processes 1;
pid %(p)s/nginx.pid;
error_log %(p)s/error.log warn;
events { worker_connections 1024; }
http {
    include mime.types;
    access_log off;
    client_body_temp_path %(p)s/body;
    fastcgi_temp_path %(p)s/fastcgi;
    proxy_temp_path %(p)s/proxy;
    uwsgi_temp_path %(p)s/uwsgi;
    scgi_temp_path %(p)s/scgi;
    upstream crewlog { server unix:%(up)s; keepalive 8; }
    upstream crewlog_status { server unix:%(up)s; }
    server {
        listen 127.0.0.1:%(port)d;
        root %(htdocs)s;
        include %(src)s/deploy/nginx/crewlog-server.conf;
        include %(src)s/deploy/nginx/crewlog-unavailable.conf;
    }
}
""" % dict(p=self.prefix, up=self.upstream, port=self.port,
           htdocs=self.htdocs, src=H.SRCDIR))
        self._spawn(["nginx", "-p", self.prefix, "-c", conf])
        H.wait_for(lambda: H.port_open(self.port), 10, "nginx")
        return self


class Balancer(H.Server):
    """HAProxy with deploy/haproxy/crewlog.cfg as shipped."""

    name = "haproxy"

    def __init__(self, web, start_on_services=False):
        self.dir = H.tmpdir("crewlog-lb-")
        self.port = H.free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.sock = os.path.join(self.dir, "admin.sock")
        w = 100 if start_on_services else 0
        self.env = dict(os.environ)
        self.env.update({
            "CREWLOG_LB_BIND": "127.0.0.1:%d" % self.port,
            "CREWLOG_LB_SOCKET": self.sock,
            "CREWLOG_LB_START": str(w),
            "CREWLOG_LB_MONO_WEIGHT": str(100 - w),
            "CREWLOG_WEB_MONO": "127.0.0.1:%d" % web["all"].port,
        })
        for s in SERVICES:
            self.env["CREWLOG_WEB_" + s.upper()] = \
                "127.0.0.1:%d" % web[s].port

    def start(self):
        self._spawn(["haproxy", "-db", "-f", os.path.join(
            H.SRCDIR, "deploy", "haproxy", "crewlog.cfg")], env=self.env)
        H.wait_for(lambda: H.port_open(self.port), 10, "haproxy")
        return self

    def stop(self, sig=None, timeout=10.0):
        import signal
        H.Server.stop(self, sig or signal.SIGTERM, timeout)

    def api(self, cmd):
        """One runtime API command; its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(self.sock)
            s.sendall(cmd.encode() + b"\n")
            out = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        return out.decode()

    def state(self, backend, server):
        """(operational state, weight) from `show servers state`."""
        for line in self.api("show servers state %s" % backend).splitlines():
            f = line.split()
            if len(f) > 7 and f[1] == backend and f[3] == server:
                return int(f[5]), int(f[7])     # srv_op_state, weight
        raise KeyError("%s/%s" % (backend, server))

    def sessions(self, backend, server):
        """Requests the balancer has sent to backend/server (stot)."""
        for line in self.api("show stat").splitlines():
            f = line.split(",")
            if len(f) > 7 and f[0] == backend and f[1] == server:
                return int(f[7])
        raise KeyError("%s/%s" % (backend, server))

    def up(self, backend, server):
        return self.state(backend, server)[0] == 2

    def move(self, group, to_service):
        """The switch of docs/services.md: the new side up first, then
        weights; the old side keeps finishing what it has."""
        new, old = ("svc", "mono") if to_service else ("mono", "svc")
        H.wait_for(lambda: self.up(group, new), 15,
                   "%s/%s to be up" % (group, new))
        r1 = self.api("set weight %s/%s 100" % (group, new))
        r2 = self.api("set weight %s/%s 0" % (group, old))
        assert r1.strip() == "" and r2.strip() == "", (r1, r2)


class Stack:
    """PostgreSQL, four crewlog masters, four web tiers, HAProxy."""

    def __init__(self, children=2, start_on_services=False, extra=None):
        self.pg = H.Postgres().start()
        r = subprocess.run([os.environ["CREWLOG_BIN"], "migrate",
                            "--database", self.pg.url, "--sql",
                            os.path.join(H.SRCDIR, "sql")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        self.cw = {}
        self.web = {}
        for svc in ("all",) + SERVICES:
            self.cw[svc] = self.crewlog(svc, children, extra)
            self.web[svc] = WebTier(upstream=self.cw[svc].listen).start()
        for svc, w in self.web.items():
            H.wait_for(lambda w=w: H.http_request(
                "GET", w.url + "/readyz").status == 200, 15,
                "%s to be ready" % svc)
        self.lb = Balancer(self.web, start_on_services).start()
        H.wait_for(lambda: all(self.lb.up(g, "mono") for g in SERVICES),
                   15, "the balancer's checks to pass")

    def role_url(self, role):
        return "postgresql://%s@127.0.0.1:%d/%s" % (role, self.pg.port,
                                                    self.pg.dbname)

    def crewlog(self, svc, children, extra=None):
        pool = {"pm.max_children": str(children + (svc == "all")),
                "service": svc,
                "database_url": (self.pg.url if svc == "all" else
                                 self.role_url(ROLE[svc])),
                "auth.pwhash_opslimit": "1",
                "auth.pwhash_memlimit": "8192",
                "login.max_attempts": "1000",
                # every client of the load is 127.0.0.1
                "signup.max_attempts": "10000000"}
        pool.update(extra or {})
        return H.Crewlog(pool=pool, pool_name=svc if svc != "all" else
                         "mono").start()

    def metric(self, svc, name="crewlog_accepted_connections_total"):
        """One sample of a service's metrics, read through its web tier."""
        r = H.http_request("GET", self.web[svc].url + "/metrics")
        assert r.status == 200, r
        for line in r.text.splitlines():
            m = re.match(r'^%s\{pool="([^"]*)",service="([^"]*)"\} (\S+)$'
                         % re.escape(name), line)
            if m:
                want = svc
                assert m.group(2) == want, line
                return float(m.group(3))
        raise KeyError(name)


# ---------------------------------------------------------------------------
# Clients

def request(base, method, path, body=None, token=None, headers=None,
            timeout=30):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    return H.http_request(method, base + path, body=body, headers=h,
                          timeout=timeout)


class Browser:
    """A cookie jar over http_request, for the pages."""

    def __init__(self, base):
        self.base = base
        self.jar = {}

    def go(self, method, path, form=None):
        h = {}
        if self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        body = None
        if form is not None:
            form = dict(form)
            if self.jar.get("crewlog_csrf"):
                form.setdefault("csrf", self.jar["crewlog_csrf"])
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        r = H.http_request(method, self.base + path, body=body, headers=h)
        for line in r.headers.get("set-cookie", "").split("\n"):
            if "=" not in line:
                continue
            name, _, rest = line.partition("=")
            if "Max-Age=0" in line:
                self.jar.pop(name.strip(), None)
            else:
                self.jar[name.strip()] = rest.split(";")[0]
        return r


_n = [0]


def new_user(base, name="Astro"):
    """Signs up and logs in through base; (id, email, token)."""
    _n[0] += 1
    email = "u%d.%d.%d@crew.test" % (os.getpid(), _n[0],
                                     random.randrange(10 ** 9))
    r = request(base, "POST", "/api/users", {"email": email, "name": name,
                                             "password": PASSWORD})
    assert r.status == 201, r
    uid = r.json()["id"]
    r = request(base, "POST", "/api/sessions", {"email": email,
                                                "password": PASSWORD})
    assert r.status == 201, r
    return uid, email, r.json()["token"]


class Load:
    """Continuous mixed traffic through the balancer, every request
    counted: pages, API reads, hour POSTs and signups.  Each acknowledged
    write is remembered so the test can find it in the database."""

    def __init__(self, base, tokens, threads=6, pause=0.0, ops=None):
        self.base = base
        self.ops = set(ops or self.OPS)
        self.tokens = tokens        # [(astronaut id, token)]
        self.threads = threads
        self.pause = pause
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.counts = collections.Counter()     # kind -> requests
        self.failures = []                      # (kind, status or error)
        self.hours = []                         # (astronaut id, entry id)
        self.signups = []                       # astronaut ids
        self.seq = 0
        self.workers = [threading.Thread(target=self._run, args=(i,))
                        for i in range(threads)]

    def start(self):
        for t in self.workers:
            t.start()
        return self

    def stop(self):
        self.stop_event.set()
        for t in self.workers:
            t.join()
        return self

    def total(self):
        with self.lock:
            return sum(self.counts.values())

    def _one(self, kind, method, path, ok, body=None, token=None):
        try:
            r = request(self.base, method, path, body=body, token=token,
                        timeout=20)
            good = r.status in ok
            status = r.status
        except Exception as e:  # noqa: B902 - every failure counts
            r, good, status = None, False, type(e).__name__
        with self.lock:
            self.counts[kind] += 1
            if not good:
                self.failures.append((kind, path, status))
        return r if good else None

    def _write(self, tok, uid):
        with self.lock:
            self.seq += 1
            s = self.seq
        day = "%04d-%02d-%02d" % (2000 + s % 150, 1 + s // 150 % 12,
                                  1 + s // 1800 % 28)
        r = self._one("write", "POST", "/api/hours", (201,),
                      body={"date": day, "hours": 0.25,
                            "activity": "load %d" % s}, token=tok)
        if r is not None:
            with self.lock:
                self.hours.append((uid, r.json()["id"]))

    def _signup(self):
        with self.lock:
            self.seq += 1
            s = self.seq
        r = self._one("signup", "POST", "/api/users", (201,), body={
            "email": "load%d.%d@crew.test" % (os.getpid(), s),
            "name": "Load %d" % s, "password": PASSWORD})
        if r is not None:
            with self.lock:
                self.signups.append(r.json()["id"])

    # name: (weight, action(self, uid, token))
    OPS = {
        "home": (1, lambda L, u, t: L._one("page", "GET", "/", (303,))),
        "board_page": (1, lambda L, u, t: L._one(
            "page", "GET", "/leaderboard", (200,))),
        "login_page": (1, lambda L, u, t: L._one(
            "page", "GET", "/login", (200,))),
        "log_page": (1, lambda L, u, t: L._one(
            "page", "GET", "/log", (303,))),
        "board_api": (1, lambda L, u, t: L._one(
            "read", "GET", "/api/leaderboard?limit=20", (200,))),
        "me": (1, lambda L, u, t: L._one(
            "read", "GET", "/api/me", (200,), token=t)),
        "hours_list": (1, lambda L, u, t: L._one(
            "read", "GET", "/api/hours?limit=5", (200,), token=t)),
        "write": (3, lambda L, u, t: L._write(t, u)),
        "signup": (1, lambda L, u, t: L._signup()),
    }

    def _run(self, n):
        rnd = random.Random(n)
        names = [k for k in self.OPS if k in self.ops]
        weights = [self.OPS[k][0] for k in names]
        while not self.stop_event.is_set():
            uid, tok = rnd.choice(self.tokens)
            op = rnd.choices(names, weights)[0]
            self.OPS[op][1](self, uid, tok)
            if self.pause:
                time.sleep(self.pause)


def all_present(pg, load):
    """Every acknowledged write is in the database: (missing hours,
    missing signups)."""
    ids = set(int(x) for x in pg.psql("SELECT id FROM hour_logs").split())
    people = set(int(x) for x in pg.psql("SELECT id FROM astronauts")
                 .split())
    return ([h for h in load.hours if h[1] not in ids],
            [a for a in load.signups if a not in people])


def summary(load):
    return json.dumps({"counts": dict(load.counts),
                       "failures": load.failures[:10]})
