"""deploy/dev up: PostgreSQL, crewlog and nginx on http://127.0.0.1:8080/.

Stays in the foreground until Ctrl-C or SIGTERM, then stops everything it
started, by PID, and removes its temporary directory.
"""

import os
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PORT = int(os.environ.get("CREWLOG_PORT", "8080"))


def main():
    top = tmp = None
    stopping = []

    def on_signal(sig, frame):
        stopping.append(sig)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        if harness.port_open(PORT):
            print("deploy/dev up: 127.0.0.1:%d is already in use" % PORT,
                  file=sys.stderr)
            return 1
        tmp = harness.tmpdir("crewlog-dev-")
        pg = harness.Postgres(os.path.join(tmp, "pg"))
        os.makedirs(pg.dir)
        os.chmod(pg.dir, 0o755)
        pg.start()
        cw = harness.Crewlog(os.path.join(tmp, "crewlog"), pool={
            "pm": "dynamic", "pm.max_children": "4",
            "pm.min_spare_servers": "1", "pm.max_spare_servers": "2",
            "pm.start_servers": "2", "database_url": pg.url,
            "cookie_secure": "auto"})
        os.makedirs(cw.dir, exist_ok=True)
        cw.write_config()
        for args in (["migrate", "-c", cw.conf],
                     ["seed", "-c", cw.conf, "--demo"]):
            r = cw.run(*args)
            sys.stderr.write(r.stdout + r.stderr)
            if r.returncode != 0:
                print("deploy/dev up: crewlog %s failed" % args[0],
                      file=sys.stderr)
                return 1
        cw.start()
        ng = harness.Nginx(os.path.join(tmp, "nginx"), upstream=cw.listen,
                           port=PORT)
        os.makedirs(ng.dir, exist_ok=True)
        ng.start()
        print("\ncrewlog is running: http://127.0.0.1:%d/\n"
              "  logs: %s\n  database: %s\nPress Ctrl-C to stop.\n"
              % (PORT, cw.dir, pg.url), flush=True)
        while cw.running() and ng.running() and pg.running():
            cw.wait_exit(1.0)
        if not stopping:
            print("deploy/dev up: a server exited; stopping", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping ...", file=sys.stderr)
        harness.stop_all()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
