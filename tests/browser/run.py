"""Browser test driver: PostgreSQL + crewlog + nginx from the integration
harness, then browser.test.js (playwright-core driving Debian's chromium,
axe-core on every page).  Prints TAP.  Screenshots go to $SCREENSHOT_DIR
(default: build/browser-screenshots under the source tree's build dir).
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402


def main():
    shots = os.environ.get("SCREENSHOT_DIR") or os.path.join(
        harness.SRCDIR, "build", "browser-screenshots")
    os.makedirs(shots, exist_ok=True)
    try:
        pg = harness.Postgres().start()
        cw = harness.Crewlog(pool={
            "database_url": pg.url, "auth.pwhash_opslimit": "1",
            "auth.pwhash_memlimit": "8192"})
        for args in (["migrate", "--database", pg.url, "--sql",
                      os.path.join(harness.SRCDIR, "sql")],
                     ["seed", "-c", cw.conf, "--demo"]):
            r = cw.run(*args)
            if r.returncode != 0:
                print("1..1\nnot ok 1 - setup: crewlog %s\n# %s"
                      % (args[0], r.stderr.replace("\n", "\n# ")))
                return 1
        cw.start()
        ng = harness.Nginx(upstream=cw.listen).start()
        r = subprocess.run(["node", os.path.join(HERE, "browser.test.js"),
                            ng.url, shots], cwd=HERE)
        print("# screenshots: %s" % shots)
        return r.returncode
    finally:
        harness.stop_all()


if __name__ == "__main__":
    sys.exit(main())
