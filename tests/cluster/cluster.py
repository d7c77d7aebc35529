"""The pieces of the cluster test: podman pods as ECS tasks, HAProxy as
the ALB, PostgreSQL in a container, and a bounded load client that
records every response.

Every container, pod and image made here carries the run's prefix and is
removed by name at the end; nothing else in the podman store is touched.
Traffic goes to loopback only (published ports on 127.0.0.1).
"""

import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

TOP = os.environ.get("top_srcdir") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))


def terraform_target_group():
    """The target group's health check and deregistration delay as
    deploy/terraform/modules/alb sets them, so the stand-in behaves as the
    ALB will; the ALB's minimums where that module is missing."""
    tg = {"interval": 5, "timeout": 2, "healthy_threshold": 2,
          "unhealthy_threshold": 2, "deregistration_delay": 20}
    d = os.path.join(TOP, "deploy/terraform/modules/alb")
    try:
        with open(os.path.join(d, "main.tf")) as f:
            hc = re.search(r"health_check\s*{(.*?)}", f.read(), re.S)
        for k in ("interval", "timeout", "healthy_threshold",
                  "unhealthy_threshold"):
            m = hc and re.search(r"\b%s\s*=\s*(\d+)" % k, hc.group(1))
            if m:
                tg[k] = int(m.group(1))
        with open(os.path.join(d, "variables.tf")) as f:
            m = re.search(r'variable "deregistration_delay".*?default\s*=\s*'
                          r"(\d+)", f.read(), re.S)
        if m:
            tg["deregistration_delay"] = int(m.group(1))
    except OSError:
        pass
    return tg


TG = terraform_target_group()
HC_INTERVAL = float(os.environ.get("CLUSTER_HC_INTERVAL", TG["interval"]))
HC_HEALTHY = int(os.environ.get("CLUSTER_HC_HEALTHY", TG["healthy_threshold"]))
HC_UNHEALTHY = int(os.environ.get("CLUSTER_HC_UNHEALTHY",
                                  TG["unhealthy_threshold"]))
HC_TIMEOUT = float(os.environ.get("CLUSTER_HC_TIMEOUT", TG["timeout"]))
# Draining ends sooner when no request is in flight, as on the ALB.
DEREG_DELAY = float(os.environ.get("CLUSTER_DEREGISTRATION_DELAY",
                                   TG["deregistration_delay"]))
# ECS stopTimeout (seconds between SIGTERM and SIGKILL).
STOP_TIMEOUT = int(os.environ.get("CLUSTER_STOP_TIMEOUT", "30"))
SLOTS = 16


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, timeout, what, step=0.1):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %.0fs waiting for %s"
                                 % (timeout, what))
        time.sleep(step)


# --- podman --------------------------------------------------------------

class Podman:
    """podman with this machine's settings (runc, cgroupfs, no default
    ulimits) in a generated containers.conf, and a record of what this run
    created so that only that is removed."""

    def __init__(self, prefix, tmp):
        self.prefix = prefix
        self.tmp = tmp
        conf = os.path.join(tmp, "containers.conf")
        with open(conf, "w") as f:
            f.write('[containers]\ndefault_ulimits = []\n'
                    '[engine]\nruntime = "runc"\n'
                    'cgroup_manager = "cgroupfs"\n')
        self.env = dict(os.environ, CONTAINERS_CONF=conf)
        self.pods, self.containers, self.images = [], [], []

    def run(self, *args, check=True, timeout=600):
        r = subprocess.run(["podman"] + [str(a) for a in args],
                           capture_output=True, text=True, env=self.env,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("podman %s: exit %d\n%s" % (
                " ".join(str(a) for a in args[:4]), r.returncode,
                r.stderr[-2000:]))
        return r

    def out(self, *args, **kw):
        return self.run(*args, **kw).stdout.strip()

    def cleanup(self):
        for p in reversed(self.pods):
            self.run("pod", "rm", "-f", "-t", "0", p, check=False)
        for c in reversed(self.containers):
            self.run("rm", "-f", "-t", "0", c, check=False)
        for i in reversed(self.images):
            self.run("rmi", "-f", i, check=False)


def build_images(pm, versions, web_targets=("web", "web-apache")):
    """Builds the images with deploy/container/build, configured with
    --enable-test-endpoints (scenario 5 needs /_test/sleep): the first
    version with every web target, the others the app alone (a rollout
    changes the app image; the web image is the same file for all).
    Returns {version: {"app": ref, "web": ref, ...}} and the build
    script's output."""
    out = []
    refs = {}
    for i, v in enumerate(versions):
        targets = ["app"] + list(web_targets if i == 0 else ())
        r = subprocess.run(
            [os.path.join(TOP, "deploy/container/build"), "-p", pm.prefix,
             "-v", v, "-t", " ".join(targets), "-C",
             "--enable-test-endpoints"],
            capture_output=True, text=True, env=pm.env, timeout=900)
        out.append(r.stdout)
        if r.returncode != 0:
            raise AssertionError("build %s failed:\n%s%s" % (
                v, r.stdout[-2000:], r.stderr[-3000:]))
        refs[v] = dict(refs[versions[0]]) if i > 0 else {}
        for t in targets:
            name = pm.prefix + ("crewlog" if t == "app" else "crewlog-" + t)
            refs[v][t] = "%s:%s" % (name, v)
            pm.images.append(refs[v][t])
    return refs, "".join(out)


# --- PostgreSQL ----------------------------------------------------------

class Database:
    """PostgreSQL in a container on podman's default network; tasks reach
    it as "db" (--add-host), as compose and ECS would by name."""

    def __init__(self, pm):
        self.pm = pm
        self.name = pm.prefix + "db"
        self.image = pm.prefix + "postgres:15"
        self.ip = None
        self.build_error = None

    def build(self):
        self.pm.images.append(self.image)
        self.pm.run("build", "-q", "--pull=never", "-f",
                    os.path.join(TOP, "deploy/container/postgres.Containerfile"),
                    "-t", self.image, os.path.join(TOP, "deploy/container"),
                    timeout=900)

    def build_catching(self):
        """build() for a thread: keeps the error for start() to raise."""
        try:
            self.build()
        except Exception as e:  # noqa: B902 - re-raised by start()
            self.build_error = e

    def start(self):
        if self.build_error is not None:
            raise self.build_error
        self.pm.containers.append(self.name)
        self.pm.run("run", "-d", "--name", self.name, self.image)
        wait_for(lambda: self.pm.run("exec", self.name, "pg_isready", "-q",
                                     "-h", "/tmp", check=False)
                 .returncode == 0, 60, "PostgreSQL")
        self.ip = self.pm.out("inspect", "-f",
                              "{{.NetworkSettings.IPAddress}}", self.name)
        return self

    def url(self):
        return "postgresql://crewlog@db/crewlog"

    def psql(self, sql):
        return self.pm.out("exec", self.name, "psql", "-h", "/tmp", "-U",
                           "crewlog", "-d", "crewlog", "-v",
                           "ON_ERROR_STOP=1", "-tAc", sql)


def migrate(pm, db, image, n=2):
    """n one-shot `crewlog migrate` containers started at once; returns
    [(exit code, output)]."""
    names = []
    for i in range(n):
        name = "%smigrate%d" % (pm.prefix, i)
        pm.containers.append(name)
        pm.run("create", "--name", name, "--read-only", "--health-cmd",
               "none", "--add-host", "db:%s" % db.ip, "-e",
               "CREWLOG_DATABASE_URL=" + db.url(), image, "migrate")
        names.append(name)
    pm.run("start", *names)
    res = []
    for name in names:
        code = int(pm.out("wait", name, timeout=120).splitlines()[-1])
        logs = pm.run("logs", name)
        res.append((code, logs.stdout + logs.stderr))
    return res


# --- tasks ---------------------------------------------------------------

class Task:
    """One ECS task: a pod (one network namespace, like awsvpc) with the
    app container (crewlog -F on 127.0.0.1:9000) and the web container
    (port 8080, published on 127.0.0.1 only)."""

    def __init__(self, pm, db, name, images, web="web", env=None):
        self.pm = pm
        self.db = db
        self.pod = pm.prefix + name
        self.name = name
        self.app = self.pod + "-app"
        self.web = self.pod + "-web"
        self.app_image = images["app"]
        self.web_image = images[web]
        self.version = images["app"].rsplit(":", 1)[1]
        self.port = None
        self.env = env or {}
        self.t_run = None
        self.healthy_after = None
        self.slot = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self.port = free_port()
        self.pm.pods.append(self.pod)
        self.pm.run("pod", "create", "--name", self.pod, "--add-host",
                    "db:%s" % self.db.ip, "-p",
                    "127.0.0.1:%d:8080" % self.port)
        env = {"CREWLOG_DATABASE_URL": self.db.url()}
        env.update(self.env)
        args = []
        for k, v in env.items():
            args += ["-e", "%s=%s" % (k, v)]
        self.t_run = time.monotonic()
        # The image's HEALTHCHECK stays; podman's timer for it needs
        # systemd, so we run it ourselves (podman healthcheck run).
        self.pm.run("run", "-d", "--pod", self.pod, "--name", self.app,
                    "--read-only", "--health-interval", "disable",
                    *args, self.app_image)
        self.pm.run("run", "-d", "--pod", self.pod, "--name", self.web,
                    "--read-only", self.web_image)
        return self

    def healthy(self):
        return self.pm.run("healthcheck", "run", self.app,
                           check=False).returncode == 0

    def wait_healthy(self, timeout=60):
        """Waits for the image's health check, then for the web container;
        returns seconds from `podman run` to the first healthy check."""
        wait_for(self.healthy, timeout, "%s healthy" % self.app, 0.05)
        self.healthy_after = time.monotonic() - self.t_run

        def web_ok():
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port,
                                               timeout=2)
                c.request("GET", "/healthz")
                return c.getresponse().status == 200
            except OSError:
                return False
        wait_for(web_ok, timeout, "%s answering /healthz" % self.web)
        return self.healthy_after

    def kill(self):
        self.pm.run("pod", "kill", "-s", "KILL", self.pod)

    def stop(self, timeout=STOP_TIMEOUT):
        """What ECS does to a stopped task: each container gets its stop
        signal (SIGTERM to crewlog, SIGQUIT to nginx), SIGKILL after
        timeout; the task's network goes last.  (`podman pod stop` alone
        would take the network down with the pause container at once, and
        the answers of requests still in flight would never arrive.)
        Returns seconds until both containers had exited."""
        t0 = time.monotonic()
        self.pm.run("stop", "-t", str(timeout), self.app, self.web,
                    timeout=timeout + 60)
        took = time.monotonic() - t0
        self.pm.run("pod", "stop", "-t", "0", self.pod, timeout=60)
        return took

    def exit_codes(self):
        return {c: int(self.pm.out("inspect", "-f", "{{.State.ExitCode}}", c))
                for c in (self.app, self.web)}

    def inspect(self, c, fmt):
        return self.pm.out("inspect", "-f", fmt, c)


# --- HAProxy as the ALB ----------------------------------------------------

class ALB:
    """HAProxy configured as the ALB will be: path rules (/api/* and the
    rest, two backends like two listener rules), active /healthz checks
    with the target group's interval and thresholds, no retries, weighted
    round robin, and draining with a deregistration delay.  Targets are
    registered at run time into fresh slots (each slot used once), which
    start DOWN and need HC_HEALTHY good checks, like new ALB targets."""

    BACKENDS = ("api", "pages")

    def __init__(self, tmp):
        self.dir = tempfile.mkdtemp(prefix="alb-", dir=tmp)
        self.sock = os.path.join(self.dir, "admin.sock")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = None
        self.next_slot = 1

    def config(self):
        be = []
        for name in self.BACKENDS:
            be.append("""
backend %(name)s
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server check inter %(inter)dms fall %(fall)d rise %(rise)d weight 100
    server-template t 1-%(slots)d 127.0.0.1:1
""" % dict(name=name, inter=HC_INTERVAL * 1000, fall=HC_UNHEALTHY,
           rise=HC_HEALTHY, slots=SLOTS))
        return """
global
    stats socket %(sock)s level admin
    maxconn 4096

defaults
    mode http
    option httplog
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check %(tcheck)dms
    # The ALB does not retry a request that failed on a target.
    retries 0

frontend alb
    bind 127.0.0.1:%(port)d
    acl api path_beg /api/
    use_backend api if api
    default_backend pages
%(be)s
""" % dict(sock=self.sock, port=self.port, tcheck=HC_TIMEOUT * 1000,
           be="".join(be))

    def start(self):
        cfg = os.path.join(self.dir, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(self.config())
        r = subprocess.run(["haproxy", "-c", "-q", "-f", cfg],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError("haproxy -c: " + r.stderr)
        self.proc = subprocess.Popen(["haproxy", "-W", "-db", "-f", cfg],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(self.sock), 10, "haproxy socket")
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cmd(self, line):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.sock)
        s.sendall(line.encode() + b"\n")
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        s.close()
        return data.decode()

    def stat(self):
        """{(backend, server): row} from `show stat`."""
        lines = self.cmd("show stat").splitlines()
        head = lines[0].lstrip("# ").split(",")
        rows = {}
        for ln in lines[1:]:
            if not ln:
                continue
            row = dict(zip(head, ln.split(",")))
            rows[(row["pxname"], row["svname"])] = row
        return rows

    def register(self, task, weight=100):
        """Registers a task's port in a fresh slot of every backend."""
        task.slot = "t%d" % self.next_slot
        self.next_slot += 1
        assert self.next_slot <= SLOTS + 1, "out of target slots"
        for be in self.BACKENDS:
            self.cmd("set server %s/%s weight %d" % (be, task.slot, weight))
            self.cmd("set server %s/%s addr 127.0.0.1 port %d"
                     % (be, task.slot, task.port))

    def status(self, task):
        st = self.stat()
        return {st[(be, task.slot)]["status"] for be in self.BACKENDS}

    def wait_in_service(self, task, timeout=None):
        timeout = timeout or HC_INTERVAL * (HC_HEALTHY + 2) + 10
        wait_for(lambda: self.status(task) == {"UP"}, timeout,
                 "%s in service in every backend" % task.name, 0.2)

    def weight(self, task, weight):
        for be in self.BACKENDS:
            self.cmd("set server %s/%s weight %d" % (be, task.slot, weight))

    def in_flight(self, task):
        st = self.stat()
        return sum(int(st[(be, task.slot)]["scur"] or 0)
                   for be in self.BACKENDS)

    def deregister(self, task, delay=DEREG_DELAY):
        """Drains: no new requests; waits until none is in flight or the
        deregistration delay passes; then takes the target out.  Returns
        seconds drained."""
        t0 = time.monotonic()
        for be in self.BACKENDS:
            self.cmd("set server %s/%s state drain" % (be, task.slot))
        while time.monotonic() - t0 < delay and self.in_flight(task) > 0:
            time.sleep(0.05)
        for be in self.BACKENDS:
            self.cmd("set server %s/%s state maint" % (be, task.slot))
        return time.monotonic() - t0


# --- load ----------------------------------------------------------------

class Record:
    __slots__ = ("t0", "t1", "what", "status", "version", "error", "id")

    def __init__(self, t0, t1, what, status, version, error, id_):
        self.t0, self.t1, self.what = t0, t1, what
        self.status, self.version, self.error, self.id = (
            status, version, error, id_)

    @property
    def failed(self):
        want = 201 if self.what.startswith("POST") else 200
        return self.status != want


def api(url, method, path, body=None, token=None, timeout=30):
    u = url.split("//", 1)[1]
    host, port = u.split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=timeout)
    h = {}
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body)
    if token:
        h["Authorization"] = "Bearer " + token
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
    finally:
        c.close()


def new_astronaut(url, tag):
    email = "%s.%d.%d@crew.test" % (tag, os.getpid(), random.randrange(1 << 30))
    st, _, body = api(url, "POST", "/api/users",
                      {"email": email, "name": tag, "password": "correct horse"})
    assert st == 201, (st, body)
    st, _, body = api(url, "POST", "/api/sessions",
                      {"email": email, "password": "correct horse"})
    assert st == 201, (st, body)
    return json.loads(body)["token"]


class Load:
    """A bounded load client: `workers` threads, each with one keep-alive
    connection to the ALB, cycling through GET /leaderboard,
    GET /api/leaderboard, GET /login, GET /api/me and POST /api/hours
    (one 15-minute log on a new day each time), until stopped
    or max_seconds.  Every response (or error) is recorded."""

    MIX = ("GET /leaderboard", "GET /api/leaderboard", "GET /login",
           "GET /api/me", "POST /api/hours")

    def __init__(self, url, tokens, max_seconds=300):
        self.url = url
        self.host, self.port = url.split("//", 1)[1].split(":")
        self.tokens = tokens
        self.max_seconds = max_seconds
        self.records = []
        self.lock = threading.Lock()
        self.stop_ev = threading.Event()
        self.threads = []

    def start(self):
        for i, tok in enumerate(self.tokens):
            th = threading.Thread(target=self._worker, args=(i, tok),
                                  daemon=True)
            th.start()
            self.threads.append(th)
        return self

    def stop(self):
        self.stop_ev.set()
        for th in self.threads:
            th.join(60)
        assert not any(th.is_alive() for th in self.threads), \
            "load threads did not stop"
        return self.records

    def _worker(self, i, tok):
        conn = None
        n = 0
        end = time.monotonic() + self.max_seconds
        day0 = 694000    # 1901-02-..: one 15-minute log a day, per user
        while not self.stop_ev.is_set() and time.monotonic() < end:
            what = self.MIX[n % len(self.MIX)]
            method, path = what.split(" ")
            body = None
            # Pages as an anonymous visitor, the API with a token.
            h = {"Authorization": "Bearer " + tok} if "/api/" in path else {}
            if method == "POST":
                import datetime
                d = datetime.date.fromordinal(day0 + n)
                body = json.dumps({"date": d.isoformat(), "hours": 0.25,
                                   "activity": "load %d" % i})
                h["Content-Type"] = "application/json"
            n += 1
            t0 = time.monotonic()
            status, version, err, id_ = None, None, None, None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.host,
                                                      int(self.port),
                                                      timeout=30)
                conn.request(method, path, body=body, headers=h)
                r = conn.getresponse()
                data = r.read()
                status = r.status
                version = r.getheader("X-Crewlog-Version")
                if status == 201:
                    id_ = json.loads(data).get("id")
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException, ValueError) as e:
                err = "%s: %s" % (type(e).__name__, e)
                if conn is not None:
                    conn.close()
                conn = None
            rec = Record(t0, time.monotonic(), what, status, version, err,
                         id_)
            with self.lock:
                self.records.append(rec)
        if conn is not None:
            conn.close()

    def snapshot(self):
        with self.lock:
            return list(self.records)

    def wait_count(self, n, timeout=60):
        base = len(self.snapshot())
        wait_for(lambda: len(self.snapshot()) >= base + n, timeout,
                 "%d more responses" % n)


def summary(records):
    failed = [r for r in records if r.failed]
    kinds = {}
    for r in records:
        kinds[r.what] = kinds.get(r.what, 0) + 1
    return "%d responses, %d failed (%s)" % (
        len(records), len(failed),
        ", ".join("%s %d" % kv for kv in sorted(kinds.items())))


def failure_timeline(records, t_ref):
    """Failures per second relative to t_ref, with their kinds."""
    by = {}
    for r in records:
        if r.failed:
            k = int(r.t0 - t_ref)
            kind = str(r.status) if r.status else (r.error or "?").split(":")[0]
            by.setdefault(k, {}).setdefault(kind, 0)
            by[k][kind] += 1
    return "; ".join("+%ds: %s" % (k, ", ".join("%s x%d" % kv for kv in
                                                 sorted(v.items())))
                     for k, v in sorted(by.items()))


def describe_failures(records, limit=10):
    out = []
    for r in [r for r in records if r.failed][:limit]:
        out.append("%s -> %s %s" % (r.what, r.status, r.error or ""))
    return "; ".join(out)


def which(cmd):
    return shutil.which(cmd) is not None
