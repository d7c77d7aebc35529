"""Integration test harness: real PostgreSQL, nginx, Apache and crewlog.

Every server is started on loopback, on a free port or a unix socket in a
temporary directory, and stopped by PID when the test run ends (also on
failure).  Tests print TAP.  Only the Python 3 standard library is used.

Environment:
  CREWLOG_BIN   the crewlog binary under test (required)
  top_srcdir    the source tree (default: two levels above this file)
"""

import collections
import http.client
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

SRCDIR = os.path.abspath(os.environ.get(
    "top_srcdir", os.path.join(os.path.dirname(__file__), "..", "..")))
PG_BINDIR = None
for _v in ("17", "16", "15"):
    if os.path.isdir("/usr/lib/postgresql/%s/bin" % _v):
        PG_BINDIR = "/usr/lib/postgresql/%s/bin" % _v
        break

_started = []           # every server started, stopped at exit


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=10.0, what="condition"):
    """Polls pred() until it is true; raises TimeoutError naming what."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if pred():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError("timed out after %.1fs waiting for %s" % (timeout, what))


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def tmpdir(prefix="crewlog-test-"):
    """A temporary directory readable by the unprivileged server users."""
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    return d


class Server:
    """A child process we started and will stop by PID."""

    proc = None
    name = "server"

    def _spawn(self, argv, **kw):
        self.logfile = open(os.path.join(self.dir, self.name + ".out"), "wb")
        self.proc = subprocess.Popen(argv, stdout=self.logfile,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, **kw)
        _started.append(self)
        return self.proc

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=10.0):
        """Returns the exit code, or None if still running after timeout."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=None, timeout=15.0):
        # In this class body `signal` is the method above, not the module.
        if sig is None:
            sig = signal.SIGTERM
        if self.running():
            os.kill(self.proc.pid, sig)
            if self.wait_exit(timeout) is None:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self in _started:
            _started.remove(self)

    # Defined after stop(): in the class body this name would shadow
    # the signal module that stop()'s default argument needs.
    def signal(self, sig):
        if self.running():
            os.kill(self.proc.pid, sig)

    def persist(self):
        """Keeps this server across tests; it is stopped when Python exits."""
        import atexit
        if self in _started:
            _started.remove(self)
        atexit.register(self.stop)
        return self

    def output(self):
        path = os.path.join(self.dir, self.name + ".out")
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Postgres(Server):
    """A throwaway PostgreSQL cluster run as the postgres user."""

    name = "postgres"

    def __init__(self, dir=None):
        self.dir = dir or tmpdir("crewlog-pg-")
        self.port = free_port()
        self.data = os.path.join(self.dir, "data")
        self.sockdir = os.path.join(self.dir, "sock")
        self.dbname = "crewlog"

    def _as_postgres(self):
        pw = pwd.getpwnam("postgres")
        return dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])

    def start(self):
        if PG_BINDIR is None:
            raise RuntimeError("PostgreSQL server binaries not installed")
        kw = self._as_postgres() if os.geteuid() == 0 else {}
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.makedirs(self.sockdir, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(self.sockdir, pw.pw_uid, pw.pw_gid)
        if not os.path.exists(self.data):
            subprocess.run([PG_BINDIR + "/initdb", "-D", self.data, "-U",
                            "postgres", "--auth=trust", "-E", "UTF8",
                            "--locale=C.UTF-8"], check=True,
                           stdout=subprocess.DEVNULL, **kw)
        self._spawn([PG_BINDIR + "/postgres", "-D", self.data,
                     "-k", self.sockdir, "-h", "127.0.0.1",
                     "-p", str(self.port), "-c", "fsync=off",
                     "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off",
                     "-c", "max_connections=200"], **kw)
        wait_for(self._ready, 30, "postgres to accept connections")
        self.psql("SELECT 1", db="postgres")
        if self.psql("SELECT 1 FROM pg_database WHERE datname='%s'"
                     % self.dbname, db="postgres").strip() != "1":
            self.psql("CREATE DATABASE %s" % self.dbname, db="postgres")
        return self

    def _ready(self):
        r = subprocess.run([PG_BINDIR + "/pg_isready", "-h", "127.0.0.1",
                            "-p", str(self.port)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        return r.returncode == 0

    @property
    def url(self):
        return "postgresql://postgres@127.0.0.1:%d/%s" % (self.port,
                                                          self.dbname)

    def psql(self, sql, db=None):
        """Runs sql and returns psql's unaligned, tuples-only output."""
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                            str(self.port), "-U", "postgres", "-d",
                            db or self.dbname, "-c", sql],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("psql failed: %s" % r.stderr.strip())
        return r.stdout

    def stop(self, sig=signal.SIGINT, timeout=15.0):
        # SIGINT is PostgreSQL's "fast shutdown".
        Server.stop(self, sig, timeout)


class Crewlog(Server):
    """crewlog's master, with a config written from dicts.

    pool: keys of the [www] pool; glob: keys of [global].  listen defaults
    to a unix socket in the temporary directory.
    """

    name = "crewlog"

    def __init__(self, dir=None, pool=None, glob=None, env=None,
                 pool_name="www", extra_pools=None):
        self.dir = dir or tmpdir("crewlog-cw-")
        self.bin = os.environ.get("CREWLOG_BIN")
        if not self.bin:
            raise RuntimeError("CREWLOG_BIN is not set")
        self.pool_name = pool_name
        self.listen = os.path.join(self.dir, "crewlog.sock")
        self.pool = {"listen": self.listen, "listen.mode": "0666",
                     "pm": "static", "pm.max_children": "2",
                     "ping.path": "/ping", "pm.status_path": "/status",
                     "templates": os.path.join(SRCDIR, "templates")}
        self.pool.update(pool or {})
        self.listen = self.pool["listen"]
        self.glob = {"process_control_timeout": "10s"}
        self.glob.update(glob or {})
        self.extra_pools = extra_pools or {}
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.conf = os.path.join(self.dir, "crewlog.conf")
        os.makedirs(self.dir, exist_ok=True)    # a dir= given may not exist
        self.write_config()

    def write_config(self):
        lines = ["[global]"]
        lines += ["%s = %s" % kv for kv in self.glob.items()]
        lines += ["", "[%s]" % self.pool_name]
        lines += ["%s = %s" % kv for kv in self.pool.items()]
        for name, keys in self.extra_pools.items():
            lines += ["", "[%s]" % name]
            lines += ["%s = %s" % kv for kv in keys.items()]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self, wait=True):
        if self.listen.startswith("/") and os.path.exists(self.listen):
            os.unlink(self.listen)
        self._spawn([self.bin, "-F", "-c", self.conf], env=self.env)
        if wait:
            wait_for(self._listening, 20, "crewlog to listen on %s"
                     % self.listen)
        return self

    def _listening(self):
        if not self.running():
            raise RuntimeError("crewlog exited with %s:\n%s"
                               % (self.proc.returncode, self.output()))
        if self.listen.startswith("/"):
            return os.path.exists(self.listen)
        host, _, port = self.listen.rpartition(":")
        return port_open(int(port), host or "127.0.0.1")

    def log(self):
        return self.output()

    def run(self, *args, env=None):
        """Runs `crewlog ARGS` (a subcommand) and returns CompletedProcess."""
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run([self.bin] + list(args), capture_output=True,
                              text=True, env=e)


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _nginx_server(addr):
    return ("unix:" + addr) if addr.startswith("/") else addr


class Nginx(Server):
    """nginx with the shipped deploy/nginx/crewlog-server.conf, as is.

    The upstream blocks have the shape deploy/nginx/crewlog.site.conf
    gives them: the pool's socket twice with max_fails=0 (a retry on the
    same socket), and crewlog_status on status_upstream (the master's
    pm.status_listen; by default the pool's socket, whose workers answer
    /status too).  access.log has "status request_time uri" lines.
    """

    name = "nginx"

    def __init__(self, dir=None, upstream=None, htdocs=None, port=None,
                 status_upstream=None):
        self.dir = dir or tmpdir("crewlog-ngx-")
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.upstream = upstream
        self.status_upstream = status_upstream or upstream
        self.htdocs = htdocs or os.path.join(SRCDIR, "htdocs")
        self.prefix = os.path.join(self.dir, "nginx")

    def start(self):
        os.makedirs(self.prefix, exist_ok=True)
        shutil.copy("/etc/nginx/fastcgi_params", self.prefix)
        shutil.copy("/etc/nginx/mime.types", self.prefix)
        server = _nginx_server(self.upstream)
        status = _nginx_server(self.status_upstream)
        conf = os.path.join(self.prefix, "nginx.conf")
        _write(conf, """
daemon off;
master_process on;
worker_processes 1;
pid %(p)s/nginx.pid;
error_log %(p)s/error.log warn;
events { worker_connections 1024; }
http {
    include mime.types;
    log_format timed '$status $request_time $request_uri';
    access_log %(p)s/access.log timed;
    client_body_temp_path %(p)s/body;
    fastcgi_temp_path %(p)s/fastcgi;
    proxy_temp_path %(p)s/proxy;
    uwsgi_temp_path %(p)s/uwsgi;
    scgi_temp_path %(p)s/scgi;
    upstream crewlog {
        server %(server)s max_fails=0;
        server %(server)s max_fails=0;
    }
    upstream crewlog_status { server %(status)s; }
    server {
        listen 127.0.0.1:%(port)d;
        server_name localhost;
        root %(htdocs)s;
        include %(src)s/deploy/nginx/crewlog-server.conf;
    }
}
""" % dict(p=self.prefix, server=server, status=status, port=self.port,
           htdocs=self.htdocs, src=SRCDIR))
        self._spawn(["nginx", "-p", self.prefix, "-c", conf])
        wait_for(lambda: port_open(self.port), 10, "nginx")
        return self

    def stop(self, sig=signal.SIGQUIT, timeout=10.0):
        Server.stop(self, sig, timeout)


def _apache_backend(addr, name):
    if addr.startswith("/"):
        return "unix:%s|fcgi://%s" % (addr, name)
    return "fcgi://%s" % addr


class Apache(Server):
    """Apache httpd with mod_proxy_fcgi and the shipped deploy/apache conf.

    status_upstream: the master's pm.status_listen (default: the pool's
    socket, whose workers answer /status too).
    """

    name = "apache"

    def __init__(self, dir=None, upstream=None, htdocs=None,
                 status_upstream=None):
        self.dir = dir or tmpdir("crewlog-apache-")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.upstream = upstream
        self.status_upstream = status_upstream or upstream
        self.htdocs = htdocs or os.path.join(SRCDIR, "htdocs")

    def start(self):
        mods = "/usr/lib/apache2/modules"
        backend = _apache_backend(self.upstream, "crewlog-www")
        status = _apache_backend(self.status_upstream, "crewlog-status")
        conf = os.path.join(self.dir, "httpd.conf")
        load = "\n".join("LoadModule %s_module %s/mod_%s.so" % (m, mods, m)
                         for m in ("mpm_event", "authz_core", "authz_host",
                                   "mime", "dir",
                                   "headers", "alias", "proxy",
                                   "proxy_fcgi", "expires", "rewrite",
                                   "setenvif", "reqtimeout"))
        _write(conf, """
%(load)s
ServerRoot "%(d)s"
ServerName localhost
Listen 127.0.0.1:%(port)d
PidFile "%(d)s/httpd.pid"
ErrorLog "%(d)s/error.log"
LogLevel warn
User www-data
Group www-data
TypesConfig /etc/mime.types
Mutex file:%(d)s
DefaultRuntimeDir "%(d)s"
Define CREWLOG_BACKEND "%(backend)s"
Define CREWLOG_STATUS_BACKEND "%(status)s"
Define CREWLOG_HTDOCS "%(htdocs)s"
<VirtualHost 127.0.0.1:%(port)d>
    Include "%(src)s/deploy/apache/crewlog.conf"
</VirtualHost>
""" % dict(load=load, d=self.dir, port=self.port, backend=backend,
           status=status,
           htdocs=self.htdocs, src=SRCDIR))
        self._spawn(["apache2", "-f", conf, "-DFOREGROUND"])
        wait_for(lambda: port_open(self.port), 10, "apache")
        return self

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        Server.stop(self, sig, timeout)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        import json
        return json.loads(self.body)

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.body[:200])


def http_request(method, url, body=None, headers=None, timeout=30):
    """One request on a fresh connection; dict bodies are sent as JSON."""
    import json
    u = urllib.parse.urlsplit(url)
    h = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        hdrs = {}
        for k, v in r.getheaders():
            k = k.lower()
            hdrs[k] = (hdrs[k] + "\n" + v) if k in hdrs else v
        return Response(r.status, hdrs, data)
    finally:
        conn.close()


def load(url, seconds=3.0, concurrency=8, method="GET", ok=(200,),
         stop=None):
    """Sends requests from `concurrency` threads for `seconds` (or until the
    event `stop` is set).  Returns counts: ok, failed, statuses, errors."""
    stats = {"ok": 0, "failed": 0, "statuses": collections.Counter(),
             "errors": collections.Counter()}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def worker():
        while time.monotonic() < end and not (stop and stop.is_set()):
            try:
                r = http_request(method, url, timeout=20)
                with lock:
                    stats["statuses"][r.status] += 1
                    stats["ok" if r.status in ok else "failed"] += 1
            except Exception as e:  # noqa: B902 - every failure counts
                with lock:
                    stats["failed"] += 1
                    stats["errors"][type(e).__name__] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats


class BackgroundLoad:
    """load() in a thread: start(), do things, then result() to stop it."""

    def __init__(self, url, concurrency=8, max_seconds=30, **kw):
        self.stop_event = threading.Event()
        self.stats = None
        self.thread = threading.Thread(target=self._run, args=(
            url, max_seconds, concurrency), kwargs=kw)

    def _run(self, url, seconds, concurrency, **kw):
        self.stats = load(url, seconds, concurrency, stop=self.stop_event,
                          **kw)

    def start(self):
        self.thread.start()
        return self

    def result(self):
        self.stop_event.set()
        self.thread.join()
        return self.stats


def start(pool=None, glob=None, **kw):
    """crewlog (with the /_test/ endpoints) behind nginx, once a worker
    answers /ping; returns (crewlog, nginx)."""
    p = {"test_endpoints": "yes"}
    p.update(pool or {})
    cw = Crewlog(pool=p, glob=glob, **kw).start()
    ng = Nginx(upstream=cw.listen,
               status_upstream=cw.pool.get("pm.status_listen")).start()
    # The first worker may still be starting: wait until one answers.
    wait_for(lambda: http_request("GET", ng.url + "/ping").status == 200,
             10, "a worker to answer /ping")
    return cw, ng


def start_app(database_url, migrate_url=None, pool=None):
    """crewlog (cheap password hashing) on database_url behind nginx,
    after `crewlog migrate` on migrate_url (default database_url); both
    kept until exit.  Returns (crewlog, nginx)."""
    p = {"database_url": database_url, "auth.pwhash_opslimit": "1",
         "auth.pwhash_memlimit": "8192"}
    p.update(pool or {})
    cw = Crewlog(pool=p)
    r = cw.run("migrate", "--database", migrate_url or database_url,
               "--sql", os.path.join(SRCDIR, "sql"))
    if r.returncode != 0:
        raise RuntimeError("crewlog migrate: " + r.stderr)
    cw.start().persist()
    ng = Nginx(upstream=cw.listen).start().persist()
    return cw, ng


def assert_clean_stop(cw):
    """Stops crewlog and fails on a sanitizer report or a crash in its log."""
    cw.stop()
    log = cw.output()
    for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                "signal 11", "signal 6"):
        assert bad not in log, log[-3000:]


def fcgi_get(sock_path, uri):
    """A bare FastCGI GET over a unix socket; returns the stdout bytes."""
    def rec(rtype, content, rid=1):
        pad = (8 - len(content) % 8) % 8
        return struct.pack("!BBHHBx", 1, rtype, rid, len(content),
                           pad) + content + b"\0" * pad

    def nv(k, v):
        k, v = k.encode(), v.encode()
        return bytes([len(k), len(v)]) + k + v
    path, _, query = uri.partition("?")
    params = b"".join(nv(k, v) for k, v in (
        ("REQUEST_METHOD", "GET"), ("REQUEST_URI", uri),
        ("DOCUMENT_URI", path), ("QUERY_STRING", query),
        ("SCRIPT_NAME", ""), ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("REMOTE_ADDR", "127.0.0.1")))
    msg = (rec(1, struct.pack("!HB5x", 1, 0)) + rec(4, params) +
           rec(4, b"") + rec(5, b""))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    s.sendall(msg)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    out = b""
    while len(data) >= 8:
        _, rtype, _, clen, pad = struct.unpack("!BBHHBx", data[:8])
        if rtype == 6:
            out += data[8:8 + clen]
        data = data[8 + clen + pad:]
    return out


class Skip(Exception):
    """Raised by a test that cannot run here; TAP "ok N - ... # SKIP"."""


class TestRun:
    """Collects @test functions and runs them, printing TAP."""

    def __init__(self, name):
        self.name = name
        self.tests = []
        self.teardowns = []

    def test(self, name):
        def deco(fn):
            self.tests.append((name, fn))
            return fn
        return deco

    def main(self):
        print("1..%d" % len(self.tests), flush=True)
        failed = 0
        for i, (name, fn) in enumerate(self.tests, 1):
            t0 = time.monotonic()
            try:
                fn()
                print("ok %d - %s: %s (%.1fs)" % (i, self.name, name,
                                                  time.monotonic() - t0),
                      flush=True)
            except Skip as e:
                print("ok %d - %s: %s # SKIP %s" % (i, self.name, name, e),
                      flush=True)
            except Exception:  # noqa: B902 - a failing test is reported
                failed += 1
                print("not ok %d - %s: %s" % (i, self.name, name),
                      flush=True)
                for line in traceback.format_exc().splitlines():
                    print("# " + line, flush=True)
            finally:
                stop_all()
        return 1 if failed else 0


def stop_all():
    """Stops every server still running, most recent first."""
    for s in list(reversed(_started)):
        try:
            s.stop()
        except Exception:  # noqa: B902 - best effort at teardown
            pass
