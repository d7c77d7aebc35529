"""Astronauts that write and read through nginx while the database fails,
for the failover tests.

Each Astronaut thread logs entries with POST /api/hours, one
Idempotency-Key per entry, and retries a request that got no answer or a
502/503/504 with the same key until it gets a 2xx (or its deadline
passes), as a careful client would.  Between writes it reads its own log
and /api/me and notes anything that is not its own.  Every attempt is
recorded with its send and answer times, so the outage can be measured
from the client's side.
"""

import datetime
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness  # noqa: E402

RETRY = (502, 503, 504)
DAY0 = datetime.date(2001, 1, 1)


class Astronaut(threading.Thread):
    """One account writing and reading until stop is set."""

    def __init__(self, url, idx, stop, retry_deadline=30.0, pause=0.0):
        threading.Thread.__init__(self, daemon=True)
        self.url = url
        self.idx = idx
        self.stop = stop
        self.retry_deadline = retry_deadline
        self.pause = pause
        self.tag = "fo%d-%d" % (os.getpid(), idx)
        self.email = "%s@crew.test" % self.tag
        self.token = None
        self.acked = {}         # key -> (entry id, body sent, answer)
        self.gave_up = []       # keys never answered 2xx
        self.unexpected = []    # (key, status, body) not 2xx nor retryable
        self.attempts = []      # (sent, answered, status or None, key)
        self.reads = 0
        self.read_failures = []  # (path, status)
        self.foreign = []       # what a read showed that was not ours
        self.no_retry_after = 0  # 503s without a Retry-After header

    def signup(self):
        r = harness.http_request("POST", self.url + "/api/users", {
            "email": self.email, "name": "Astro %d" % self.idx,
            "password": "correct horse"})
        assert r.status == 201, r
        r = harness.http_request("POST", self.url + "/api/sessions", {
            "email": self.email, "password": "correct horse"})
        assert r.status == 201, r
        self.token = r.json()["token"]
        return self

    def _req(self, method, path, body=None, key=None):
        h = {"Authorization": "Bearer " + self.token}
        if key is not None:
            h["Idempotency-Key"] = key
        return harness.http_request(method, self.url + path, body=body,
                                    headers=h, timeout=10)

    def body(self, seq):
        day = DAY0 + datetime.timedelta(days=seq)
        return {"date": day.isoformat(), "hours": 0.25,
                "activity": "%s-%d" % (self.tag, seq)}

    def write(self, seq):
        """One entry, retried with its key until a 2xx."""
        key = "%s-%d" % (self.tag, seq)
        body = self.body(seq)
        end = time.monotonic() + self.retry_deadline
        while True:
            t0 = time.monotonic()
            try:
                r = self._req("POST", "/api/hours", body, key)
                status = r.status
            except OSError:
                r, status = None, None
            self.attempts.append((t0, time.monotonic(), status, key))
            if status is not None and 200 <= status < 300:
                self.acked[key] = (r.json()["id"], body, r.body)
                return
            if status == 503 and "retry-after" not in r.headers:
                self.no_retry_after += 1
            if status is not None and status not in RETRY:
                self.unexpected.append((key, status, r.body[:300]))
                return
            if time.monotonic() > end:
                self.gave_up.append(key)
                return
            time.sleep(0.05)

    def read(self):
        """Our log and /api/me: never anyone else's data."""
        for path in ("/api/hours?limit=20", "/api/me"):
            try:
                r = self._req("GET", path)
            except OSError:
                self.read_failures.append((path, None))
                continue
            self.reads += 1
            if r.status != 200:
                self.read_failures.append((path, r.status))
                continue
            j = r.json()
            if path == "/api/me":
                if j.get("email") != self.email:
                    self.foreign.append((path, j.get("email")))
                continue
            for e in j.get("entries", []):
                if not e["activity"].startswith(self.tag + "-"):
                    self.foreign.append((path, e["activity"]))

    def run(self):
        seq = 0
        while not self.stop.is_set():
            seq += 1
            self.write(seq)
            self.read()
            if self.pause:
                time.sleep(self.pause)


def first_write_after(crew, t):
    """The first 2xx answer to a POST sent at or after t, or None."""
    best = None
    for a in crew:
        for sent, answered, status, _ in list(a.attempts):
            if sent >= t and status is not None and 200 <= status < 300:
                if best is None or answered < best:
                    best = answered
    return best


def last_write_before(crew, t):
    """The last 2xx answer received before t, or None."""
    best = None
    for a in crew:
        for _, answered, status, _ in list(a.attempts):
            if answered < t and status is not None and 200 <= status < 300:
                if best is None or answered > best:
                    best = answered
    return best
