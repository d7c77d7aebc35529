"""A PostgreSQL primary and a synchronous standby, started from Debian's
packages for the failover tests, the shape RDS Multi-AZ or Aurora give.

The primary streams WAL to the standby (pg_basebackup -R), which is named
in synchronous_standby_names, and synchronous_commit = on: a commit is
acknowledged only once the standby has flushed it, so a write crewlog
answered 2xx survives the loss of the primary.  Promotion is `pg_ctl
promote` (no failover manager: the test decides when the primary is
dead).  Both servers run as the postgres user on free loopback ports in
temporary directories, each in its own session, so that crash() can kill
every process of one server (postmaster and backends, as a host failure
would) by its process group, which is our child's pid.

Settings go on the command line, and synchronous_standby_names is set
with ALTER SYSTEM only once the standby runs: before, every commit on the
primary would wait for a standby that does not exist yet, and a standby
whose copy of the primary's files held the setting would, once promoted,
wait forever for a standby of its own.
"""

import os
import pwd
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness  # noqa: E402

STANDBY_NAME = "standby1"


def _as_postgres():
    if os.geteuid() != 0:
        return {}
    pw = pwd.getpwnam("postgres")
    return dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])


def _chown_postgres(path):
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(path, pw.pw_uid, pw.pw_gid)


class Node(harness.Postgres):
    """One server of the pair; psql(), url and port as harness.Postgres."""

    def __init__(self, role, dir):
        harness.Postgres.__init__(self, dir)
        self.name = "postgres-" + role
        self.role = role

    def start(self, settings):
        if harness.PG_BINDIR is None:
            raise RuntimeError("PostgreSQL server binaries not installed")
        os.makedirs(self.sockdir, exist_ok=True)
        _chown_postgres(self.dir)
        _chown_postgres(self.sockdir)
        argv = [harness.PG_BINDIR + "/postgres", "-D", self.data,
                "-k", self.sockdir, "-h", "127.0.0.1", "-p", str(self.port),
                "-c", "max_connections=200", "-c", "fsync=on",
                "-c", "synchronous_commit=on"]
        for k, v in settings.items():
            argv += ["-c", "%s=%s" % (k, v)]
        self._spawn(argv, start_new_session=True, **_as_postgres())
        harness.wait_for(self._ready, 60, "%s to accept connections"
                         % self.name)
        return self

    def crash(self):
        """kill -9 of every process of this server, as a host failure."""
        if not self.running():
            return
        shm = self._shm_id()
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        # A SIGKILLed postmaster leaves its small System V segment behind.
        if shm is not None:
            subprocess.run(["ipcrm", "-m", shm], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)

    def _shm_id(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                lines = f.read().splitlines()
            return lines[6].split()[1]
        except (OSError, IndexError):
            return None

    def is_primary(self):
        return self.psql("SELECT pg_is_in_recovery()",
                         db="postgres").strip() == "f"


class Pair:
    """Primary + synchronous standby.  start(), then crash the primary and
    promote() the standby; stop() ends both and removes their files."""

    def __init__(self):
        self.dir = harness.tmpdir("crewlog-failover-")
        _chown_postgres(self.dir)
        self.primary = Node("primary", os.path.join(self.dir, "primary"))
        self.standby = Node("standby", os.path.join(self.dir, "standby"))
        for n in (self.primary, self.standby):
            os.makedirs(n.dir, exist_ok=True)
            _chown_postgres(n.dir)

    def start(self):
        p, s = self.primary, self.standby
        subprocess.run([harness.PG_BINDIR + "/initdb", "-D", p.data,
                        "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--locale=C.UTF-8"], check=True,
                       stdout=subprocess.DEVNULL, **_as_postgres())
        # initdb's pg_hba.conf (trust) already admits replication from
        # 127.0.0.1.
        p.start({"wal_level": "replica", "max_wal_senders": "4",
                 "wal_keep_size": "64MB"})
        p.psql("CREATE DATABASE crewlog", db="postgres")
        subprocess.run([harness.PG_BINDIR + "/pg_basebackup",
                        "-h", "127.0.0.1", "-p", str(p.port),
                        "-U", "postgres", "-D", s.data, "-X", "stream",
                        "--checkpoint=fast", "-R"], check=True,
                       stdout=subprocess.DEVNULL, **_as_postgres())
        s.start({"hot_standby": "on",
                 "primary_conninfo": "host=127.0.0.1 port=%d "
                 "user=postgres application_name=%s"
                 % (p.port, STANDBY_NAME)})
        # Only now: with no standby yet, every commit would wait for one.
        # ALTER SYSTEM writes the primary's postgresql.auto.conf, which
        # the standby copied before.
        p.psql("ALTER SYSTEM SET synchronous_standby_names = '%s'"
               % STANDBY_NAME, db="postgres")
        p.psql("SELECT pg_reload_conf()", db="postgres")
        harness.wait_for(self._sync, 60, "the standby to be synchronous")
        return self

    def _sync(self):
        return self.primary.psql(
            "SELECT sync_state FROM pg_stat_replication WHERE "
            "application_name = '%s'" % STANDBY_NAME,
            db="postgres").strip() == "sync"

    @property
    def url(self):
        """The multi-host URL crewlog is given: primary first."""
        return ("postgresql://postgres@127.0.0.1:%d,127.0.0.1:%d/crewlog"
                % (self.primary.port, self.standby.port))

    def promote(self):
        """pg_ctl promote -w: returns once the standby takes writes."""
        subprocess.run([harness.PG_BINDIR + "/pg_ctl", "promote", "-w",
                        "-t", "60", "-D", self.standby.data], check=True,
                       stdout=subprocess.DEVNULL, **_as_postgres())
        harness.wait_for(self.standby.is_primary, 30,
                         "the standby to leave recovery")

    def stop(self):
        for n in (self.standby, self.primary):
            try:
                n.stop()
            except Exception:  # noqa: B902 - best effort at teardown
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
