"""The container test: images, compose.yaml, a smoke test through each
web image, and ECS-shaped tasks (podman pods) behind HAProxy as the ALB
under continuous load: kill -9 of a task, a rolling deploy, a blue/green
canary, scaling out and in, and SIGTERM with slow requests in flight.

Prints TAP; figures (sizes, times, req/s) as "# figure:" lines.

Run as root from the top of the tree:
    top_srcdir=$PWD python3 tests/cluster/run.py
The health checks and the deregistration delay are read from
deploy/terraform/modules/alb (see cluster.py).
Environment: CLUSTER_PREFIX (names of everything made; default a
per-run one), CLUSTER_STEPS (e.g. "10,11": only these and what they
need), CLUSTER_CANARY_SECONDS (15), CLUSTER_STOP_TIMEOUT (30),
CLUSTER_DEREGISTRATION_DELAY (10), CLUSTER_HC_* (see cluster.py).
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True     # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as C  # noqa: E402

CANARY_SECONDS = float(os.environ.get("CLUSTER_CANARY_SECONDS", "15"))
LOAD_WORKERS = int(os.environ.get("CLUSTER_LOAD_WORKERS", "4"))
SIZE_GOALS = {"app": 20e6, "web": 15e6, "web-apache": 15e6}

S = {}          # state shared by the steps, in order
FIGURES = []
TESTS = []


def test(name, needed=False):
    """needed: later steps cannot run without this one."""
    def deco(fn):
        TESTS.append((name, fn, needed))
        return fn
    return deco


def figure(text):
    FIGURES.append(text)
    print("# figure: " + text, flush=True)


def note(text):
    print("# " + text, flush=True)


def start_tasks(n, version, web="web", env=None):
    """Starts n tasks at once and waits until each is healthy."""
    tasks = []
    for _ in range(n):
        S["ntask"] += 1
        t = C.Task(S["pm"], S["db"], "task%d" % S["ntask"],
                   S["images"][version], web=web, env=env)
        tasks.append(t.start())
    for t in tasks:
        t.wait_healthy()
        S["healthy_after"].append(t.healthy_after)
    return tasks


def in_service(tasks, weight=100):
    for t in tasks:
        S["alb"].register(t, weight)
    for t in tasks:
        S["alb"].wait_in_service(t)


def retire(tasks):
    """ECS's order: deregister (drain), then stop each task; in parallel
    for several tasks.  Returns [(drain s, stop s, exit codes)]."""
    res = [None] * len(tasks)

    def one(i, t):
        d = S["alb"].deregister(t)
        s = t.stop()
        res[i] = (d, s, t.exit_codes())
    ths = [threading.Thread(target=one, args=(i, t))
           for i, t in enumerate(tasks)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    for t, r in zip(tasks, res):
        assert r is not None, "retiring %s failed" % t.name
        S["drain"].append(r[0])
        S["stop"].append(r[1])
        assert set(r[2].values()) == {0}, (t.name, r[2])
    return res


def load():
    return C.Load(S["alb"].url, S["tokens"], max_seconds=300).start()


def assert_no_failures(records, what):
    failed = [r for r in records if r.failed]
    note("%s: %s" % (what, C.summary(records)))
    assert records, "no responses at all"
    assert not failed, "%d failed: %s" % (len(failed),
                                          C.describe_failures(records))


def assert_posts_stored(records):
    ids = [r.id for r in records if r.status == 201]
    assert ids, "no POST /api/hours got a 201"
    got = int(S["db"].psql("SELECT count(*) FROM hour_logs WHERE id = ANY("
                           "'{%s}'::bigint[])" % ",".join(map(str, ids))))
    assert got == len(ids), "%d of %d POSTs answered 201 are in the " \
        "database" % (got, len(ids))
    return len(ids)


# --- setup, images, compose -------------------------------------------------

def preflight():
    """Before the plan: podman must work and run a container from the
    base image, made offline first.  Returns None, or why to skip (the
    runtime cannot start containers here).  A failure to make the base
    image is an error, not a reason to skip."""
    r = S["pm"].run("info", check=False, timeout=120)
    if r.returncode != 0:
        return "podman info: " + (r.stderr.strip().splitlines() or
                                  ["failed"])[-1]
    t0 = time.monotonic()
    r = subprocess.run([os.path.join(C.TOP, "deploy/container/base-image")],
                       capture_output=True, text=True, env=S["pm"].env,
                       timeout=900)
    assert r.returncode == 0, "base-image failed: " + r.stderr[-2000:]
    base = r.stdout.strip()
    S["base_seconds"] = time.monotonic() - t0
    r = S["pm"].run("run", "--rm", "--pull=never", base, "true",
                    check=False, timeout=120)
    if r.returncode != 0:
        return "podman cannot run a container: " + (
            r.stderr.strip().splitlines() or ["failed"])[-1]
    return None


@test("images build: app, web, web-apache (A); app (B, C)",
      needed=True)
def _():
    figure("base image debian:bookworm-slim ready in %.0fs"
           % S["base_seconds"])
    # The database image builds meanwhile (mostly waiting on the mirror).
    S["db"] = C.Database(S["pm"])
    S["db_build"] = threading.Thread(target=S["db"].build_catching)
    S["db_build"].start()
    t0 = time.monotonic()
    S["images"], out = C.build_images(S["pm"], ["A", "B", "C"])
    for line in out.splitlines():
        note(line)
    figure("image builds (A: app, web, web-apache; B, C: app): %.0fs"
           % (time.monotonic() - t0))


@test("size goals: crewlog <= 20 MB, crewlog-web and -web-apache <= 15 MB")
def _():
    for target, goal in SIZE_GOALS.items():
        ref = S["images"]["A"][target]
        size = int(S["pm"].out("image", "inspect", "-f", "{{.Size}}", ref))
        figure("size %s %.1f MB (goal %.0f MB)" % (ref, size / 1e6,
                                                   goal / 1e6))
        assert size <= goal, "%s is %d bytes" % (ref, size)


@test("images: numeric non-root user, no shell, OCI labels, health check")
def _():
    pm = S["pm"]
    for target, ref in S["images"]["A"].items():
        cfg = json.loads(pm.out("image", "inspect", ref))[0]["Config"]
        assert re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*", cfg["User"]), cfg
        labels = cfg.get("Labels") or {}
        assert labels.get("org.opencontainers.image.version") == "A", labels
        assert re.fullmatch(r"[0-9a-f]{40}|unknown",
                            labels.get("org.opencontainers.image.revision",
                                       "")), labels
        # Every file of the image, read from its mounted layers.
        root = pm.out("image", "mount", ref)
        try:
            files = set()
            for d, _, names in os.walk(root):
                files.update(os.path.join(d, n)[len(root):] for n in names)
        finally:
            pm.run("image", "unmount", ref, check=False)
        assert "/usr/sbin/crewlog" in files or "/usr/sbin/nginx" in files \
            or "/usr/sbin/apache2" in files, (ref, sorted(files)[:20])
        for f in files:
            base = os.path.basename(f)
            assert base not in ("sh", "bash", "dash", "apt-get", "dpkg",
                                "gcc", "cc", "ld", "busybox"), (ref, f)
    hc = json.loads(pm.out("image", "inspect", S["images"]["A"]["app"]))[0][
        "Healthcheck"]["Test"]
    assert hc == ["CMD", "/usr/sbin/crewlog", "healthcheck"], hc


# The compose-spec keys this file may use; a typo is caught here.
COMPOSE_KEYS = {"build", "image", "command", "read_only", "user",
                "environment", "ports", "healthcheck", "depends_on",
                "network_mode", "tmpfs", "stop_signal", "stop_grace_period"}


@test("compose.yaml: valid, known keys only, the same task shape")
def _():
    import yaml
    path = os.path.join(C.TOP, "deploy/container/compose.yaml")
    if shutil.which("docker") and subprocess.run(
            ["docker", "compose", "version"], capture_output=True
    ).returncode == 0:
        r = subprocess.run(["docker", "compose", "-f", path, "config", "-q"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr[-2000:]
    with open(path) as f:
        doc = yaml.safe_load(f)
    assert set(doc) <= {"name", "services"}, sorted(doc)
    for name, svc in doc["services"].items():
        assert set(svc) <= COMPOSE_KEYS, (name, set(svc) - COMPOSE_KEYS)
        for dep, cond in svc.get("depends_on", {}).items():
            assert dep in doc["services"], (name, dep)
            assert cond["condition"] in (
                "service_started", "service_healthy",
                "service_completed_successfully"), (name, cond)
    sv = doc["services"]
    assert set(sv) >= {"db", "migrate", "app", "web"}, sorted(sv)
    with open(os.path.join(C.TOP, "deploy/container/Containerfile")) as f:
        targets = set(re.findall(r"^FROM \S+ AS (\S+)", f.read(), re.M))
    for name in ("migrate", "app", "web"):
        b = sv[name]["build"]
        assert b["target"] in targets, (name, b)
        assert os.path.exists(os.path.join(
            os.path.dirname(path), b["context"], b["dockerfile"])), b
        assert sv[name]["read_only"] is True, name
        assert sv[name]["user"] == "10001:10001", name
    assert sv["migrate"]["command"] == ["migrate"]
    assert sv["web"]["network_mode"] == "service:app"
    assert sv["app"]["depends_on"]["migrate"]["condition"] == \
        "service_completed_successfully"
    assert sv["app"]["healthcheck"]["test"] == [
        "CMD", "/usr/sbin/crewlog", "healthcheck"]
    assert any(str(p).endswith(":8080") for p in sv["app"]["ports"])


@test("PostgreSQL up; two migrate containers at once both succeed, "
      "each migration applied once", needed=True)
def _():
    S["db_build"].join()
    S["db"].start()
    res = C.migrate(S["pm"], S["db"], S["images"]["A"]["app"], n=2)
    for code, out in res:
        assert code == 0, out
    applied = "".join(out for _, out in res)
    sql = sorted(f for f in os.listdir(os.path.join(C.TOP, "sql"))
                 if f.endswith(".sql"))
    for f in sql:
        assert applied.count("applied " + f) == 1, (f, applied)
    rows = S["db"].psql("SELECT name FROM schema_migrations ORDER BY name")
    assert rows.split() == sql, rows


# --- smoke ----------------------------------------------------------------

def smoke(web):
    t, = start_tasks(1, "A", web=web)
    pm = S["pm"]
    for c in (t.app, t.web):
        assert t.inspect(c, "{{.HostConfig.ReadonlyRootfs}}") == "true", c
        assert re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*",
                            t.inspect(c, "{{.Config.User}}")), c
    top = pm.out("top", t.app, "user", "pid", "args")
    pid1 = [ln for ln in top.splitlines()[1:] if ln.split()[1] == "1"]
    assert pid1 and pid1[0].split()[0] != "root" and \
        "/usr/sbin/crewlog -F" in pid1[0], top
    st, _, body = C.api(t.url, "GET", "/signup")
    assert st == 200 and b"<form" in body, (st, body[:200])
    name = "Smoke%s" % web.replace("-", "")
    tok = C.new_astronaut(t.url, name)
    st, h, body = C.api(t.url, "POST", "/api/hours",
                        {"date": "2026-11-20", "hours": 1000,
                         "activity": "smoke"}, token=tok)
    assert st == 400 and b"hours" in body, (st, body)
    st, h, body = C.api(t.url, "POST", "/api/hours",
                        {"date": "2026-11-20", "hours": 20,
                         "activity": "smoke"}, token=tok)
    assert st == 201, (st, body)
    assert h.get("x-crewlog-version") == "A", h
    st, _, body = C.api(t.url, "GET", "/api/leaderboard")
    assert st == 200, st
    board = json.loads(body)
    assert name in json.dumps(board), board
    st, _, body = C.api(t.url, "GET", "/leaderboard")
    assert st == 200 and name.encode() in body, (st, body[:300])
    st, h, _ = C.api(t.url, "GET", "/static/crewlog.css")
    assert st == 200 and "x-crewlog-version" not in h, (st, h)
    logs = pm.run("logs", t.app)
    lines = [ln for ln in logs.stderr.splitlines() if ln.startswith("{")]
    assert lines and all(json.loads(ln)["time"] for ln in lines), \
        logs.stderr[-500:]
    code = t.stop()
    figure("smoke task (%s) stopped in %.1fs" % (web, code))
    assert set(t.exit_codes().values()) == {0}, t.exit_codes()


@test("smoke through nginx (crewlog-web): signup, log hours, leaderboard; "
      "read-only, non-root, crewlog -F is PID 1, JSON logs")
def _():
    smoke("web")


@test("smoke through Apache (crewlog-web-apache): the same")
def _():
    smoke("web-apache")


# --- cluster --------------------------------------------------------------

def wrk(url, seconds=5):
    r = subprocess.run(["wrk", "-t2", "-c16", "-d%ds" % seconds,
                        url + "/api/leaderboard"],
                       capture_output=True, text=True, timeout=seconds + 60)
    assert r.returncode == 0, r.stderr
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", r.stdout).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", r.stdout)
    errs = re.search(r"Socket errors: (.*)", r.stdout)
    assert bad is None and errs is None, r.stdout
    return rps


@test("ALB stand-in: two tasks in service; req/s of one and of two tasks",
      needed=True)
def _():
    S["alb"] = C.ALB(S["tmp"]).start()
    tasks = start_tasks(2, "A")
    S["tokens"] = [C.new_astronaut(tasks[0].url, "Load%d" % i)
                   for i in range(LOAD_WORKERS)]
    in_service(tasks[:1])
    if shutil.which("wrk"):
        one = wrk(S["alb"].url)
        in_service(tasks[1:])
        two = wrk(S["alb"].url)
        figure("GET /api/leaderboard through HAProxy: %.0f req/s with one "
               "task, %.0f with two (%.2fx; 2 shared cores)" % (
                   one, two, two / one))
    else:
        in_service(tasks[1:])
    S["tasks"] = tasks


@test("1. kill -9 a whole task: failures stop within the health-check "
      "window, none after, every 201 POST is stored")
def _():
    window = C.HC_INTERVAL * C.HC_UNHEALTHY
    note("health-check window: interval %.0fs x unhealthy threshold %d = "
         "%.0fs (+ %.0fs check timeout)" % (C.HC_INTERVAL, C.HC_UNHEALTHY,
                                           window, C.HC_TIMEOUT))
    ld = load()
    time.sleep(3)
    victim, keep = S["tasks"][1], S["tasks"][0]
    t_kill0 = time.monotonic()
    victim.kill()
    # Dead when podman returns (its own start-up takes a second or two
    # on a loaded machine): the window counts from here.
    t_kill = time.monotonic()
    note("podman pod kill took %.1fs" % (t_kill - t_kill0))
    # The service replaces it, as ECS does.
    new, = start_tasks(1, "A")
    in_service([new])
    left = t_kill + window + C.HC_TIMEOUT + 5 - time.monotonic()
    if left > 0:
        time.sleep(left)
    recs = ld.stop()
    for be in C.ALB.BACKENDS:     # ECS deregisters the stopped task
        S["alb"].cmd("set server %s/%s state maint" % (be, victim.slot))
    failed = [r for r in recs if r.failed]
    note(C.summary(recs))
    note("failures by second after the kill: " +
         C.failure_timeline(recs, t_kill))
    if failed:
        figure("kill -9: %d requests failed, the last one started %.1fs "
               "after podman pod kill returned" % (len(failed),
                                   max(r.t0 for r in failed) - t_kill))
    else:
        figure("kill -9: no request failed")
    early = [r for r in failed if r.t1 < t_kill0]
    assert not early, "failures before the kill: " + \
        C.describe_failures(early)
    late = [r for r in failed
            if r.t0 > t_kill + window + C.HC_TIMEOUT]
    assert not late, "failures after the window: " + \
        C.describe_failures(late)
    after = [r for r in recs if r.t0 > t_kill + window + C.HC_TIMEOUT]
    assert len(after) > 20, "too little load after the window"
    n = assert_posts_stored(recs)
    note("%d POSTs answered 201, all in hour_logs" % n)
    S["tasks"] = [keep, new]


@test("2. rolling deploy A -> B (start new, wait healthy, drain old, "
      "SIGTERM): 0 failed requests")
def _():
    ld = load()
    time.sleep(2)
    new = []
    for old in list(S["tasks"]):
        t, = start_tasks(1, "B")
        in_service([t])
        new.append(t)
        retire([old])
    time.sleep(2)
    recs = ld.stop()
    assert_no_failures(recs, "rolling deploy")
    versions = {r.version for r in recs}
    assert versions == {"A", "B"}, versions
    tail = recs[-20:]
    assert {r.version for r in tail} == {"B"}, [r.version for r in tail]
    assert_posts_stored(recs)
    S["tasks"] = new


@test("3. blue/green canary: 10% to green for a set time, then 100%, "
      "blue drained: 0 failed, split within 10 +- 3 points")
def _():
    blue = S["tasks"]
    alb = S["alb"]
    ld = load()
    for t in blue:
        alb.weight(t, 45)
    green = start_tasks(2, "C")
    in_service(green, weight=5)
    t0 = time.monotonic()
    time.sleep(CANARY_SECONDS)
    t1 = time.monotonic()
    for t in green:
        alb.weight(t, 100)
    retire(blue)
    time.sleep(2)
    recs = ld.stop()
    assert_no_failures(recs, "canary")
    win = [r for r in recs if r.t0 >= t0 and r.t1 <= t1]
    g = sum(1 for r in win if r.version == "C")
    b = sum(1 for r in win if r.version == "B")
    assert g + b == len(win), {r.version for r in win}
    share = 100.0 * g / len(win)
    figure("canary: %d of %d responses (%.1f%%) from green over %.0fs "
           "(weights 45+45 blue, 5+5 green)" % (g, len(win), share,
                                                  t1 - t0))
    assert abs(share - 10.0) <= 3.0, share
    tail = recs[-20:]
    assert {r.version for r in tail} == {"C"}, [r.version for r in tail]
    S["tasks"] = green


@test("4. scale in to 1, out to 3, back in to 1 under load: 0 failed")
def _():
    ld = load()
    time.sleep(2)
    keep, extra = S["tasks"]
    retire([extra])
    before = {k: int(v["stot"]) for k, v in S["alb"].stat().items()}
    more = start_tasks(2, "C")
    in_service(more)
    time.sleep(5)
    st = S["alb"].stat()
    for t in [keep] + more:
        served = sum(int(st[(be, t.slot)]["stot"]) -
                     before.get((be, t.slot), 0) for be in C.ALB.BACKENDS)
        assert served > 0, "%s got no requests at 3 tasks" % t.name
    retire(more)
    time.sleep(2)
    recs = ld.stop()
    assert_no_failures(recs, "scale 1 -> 3 -> 1")
    assert_posts_stored(recs)
    S["tasks"] = [keep]


@test("5. SIGTERM to a task with slow requests in flight: they finish "
      "inside the stopTimeout, the task exits 0, 0 failed")
def _():
    ld = load()
    t, = start_tasks(1, "C", env={"CREWLOG_WWW_TEST_ENDPOINTS": "yes"})
    in_service([t])
    time.sleep(2)
    slow_ms = 8000
    results = []

    def slow():
        t0 = time.monotonic()
        try:
            st, _, _ = C.api(t.url, "GET", "/_test/sleep?ms=%d" % slow_ms,
                             timeout=C.STOP_TIMEOUT + 30)
        except OSError as e:
            st = repr(e)
        results.append((st, time.monotonic() - t0, time.monotonic()))
    ths = [threading.Thread(target=slow) for _ in range(3)]
    for th in ths:
        th.start()
    time.sleep(1.5)
    drained = S["alb"].deregister(t)
    t_term = time.monotonic()
    took = t.stop(C.STOP_TIMEOUT)
    for th in ths:
        th.join(C.STOP_TIMEOUT + 40)
    codes = t.exit_codes()
    time.sleep(1)
    recs = ld.stop()
    figure("SIGTERM with %d requests of %.0fs in flight: task stopped in "
           "%.1fs (stopTimeout %ds), drained %.1fs before" % (
               len(ths), slow_ms / 1000.0, took, C.STOP_TIMEOUT, drained))
    assert len(results) == len(ths), results
    for st, dur, end in results:
        assert st == 200, results
        assert end - t_term < C.STOP_TIMEOUT, results
    assert took < C.STOP_TIMEOUT, "SIGKILLed after %.1fs" % took
    assert codes == {t.app: 0, t.web: 0}, codes
    assert_no_failures(recs, "SIGTERM")


@test("figures: podman run -> first healthy, drain and stop times")
def _():
    h = sorted(S["healthy_after"])
    figure("podman run -> first healthy check: median %.2fs, min %.2fs, "
           "max %.2fs over %d tasks" % (statistics.median(h), h[0], h[-1],
                                        len(h)))
    d, s = sorted(S["drain"]), sorted(S["stop"])
    figure("drain (deregistration until no request in flight): median "
           "%.2fs, max %.2fs; stop after SIGTERM: median %.2fs, max %.2fs"
           % (statistics.median(d), d[-1], statistics.median(s), s[-1]))
    assert h and d and s


# --- runner ---------------------------------------------------------------

def main():
    prefix = os.environ.get("CLUSTER_PREFIX") or "cl%d-" % os.getpid()
    tmp = tempfile.mkdtemp(prefix="crewlog-cluster-")
    S.update(pm=C.Podman(prefix, tmp), tmp=tmp, ntask=0, healthy_after=[],
             drain=[], stop=[])
    try:
        why = preflight()
    except AssertionError as e:
        print("1..1\nnot ok 1 - base image made offline\n# %s" % e)
        return 1
    if why is not None:
        print("1..0 # SKIP container runtime cannot start: %s" % why)
        return 0
    print("1..%d" % len(TESTS), flush=True)
    failed = 0
    skipping = None
    # CLUSTER_STEPS=10,11: run only these (and the steps they need).
    only = {int(x) for x in os.environ.get("CLUSTER_STEPS", "").split(",")
            if x.strip()}
    t_all = time.monotonic()
    try:
        for i, (name, fn, needed) in enumerate(TESTS, 1):
            if only and i not in only and not needed:
                print("ok %d - %s # SKIP not in CLUSTER_STEPS" % (i, name),
                      flush=True)
                continue
            if skipping is not None:
                print("ok %d - %s # SKIP %s" % (i, name, skipping),
                      flush=True)
                continue
            t0 = time.monotonic()
            try:
                fn()
                print("ok %d - %s (%.1fs)" % (i, name,
                                              time.monotonic() - t0),
                      flush=True)
            except Exception:  # noqa: B902 - a failing step is reported
                failed += 1
                print("not ok %d - %s" % (i, name), flush=True)
                for line in traceback.format_exc().splitlines():
                    print("# " + line, flush=True)
                if needed:
                    skipping = "needs step %d, which failed" % i
    finally:
        if "db_build" in S:
            S["db_build"].join()
        if "alb" in S:
            S["alb"].stop()
        S["pm"].cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    note("cluster test took %.0fs" % (time.monotonic() - t_all))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
