"""A temporary PostgreSQL cluster for the integration tests, as the shared PEERS.md and
tests/unit/store/pg-cluster.c make it: initdb in a scratch folder (owned by the postgres
user when run as root), the server on a free loopback port with its socket in that folder,
stopped and removed by stop(). Settings for tests only: fsync off, small buffers."""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile


def _bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run scripts/install-deps")
    return os.path.dirname(found[-1])


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Cluster:
    def __init__(self):
        self.bin = _bin()
        self.dir = tempfile.mkdtemp(prefix="fct-pg-")
        os.chmod(self.dir, 0o755)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.port = _free_port()
        self.data = f"{self.dir}/data"
        self._run(f"{self.bin}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")
        self.start()

    def _run(self, *argv, check=True):
        if os.geteuid() == 0:
            argv = ("runuser", "-u", "postgres", "--") + argv
        p = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd="/")
        if check and p.returncode != 0:
            raise RuntimeError(f"{argv}: {p.stdout}{p.stderr}")
        return p

    def start(self):
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
                " -c full_page_writes=off -c shared_buffers=16MB -c max_connections=100")
        self._run(f"{self.bin}/pg_ctl", "-D", self.data, "-w", "-t", "60", "-l",
                  f"{self.dir}/log", "-o", opts, "start")

    def stop_server(self):
        """An outage: immediate shutdown, as a crash or a cut cable."""
        self._run(f"{self.bin}/pg_ctl", "-D", self.data, "-w", "-m", "immediate", "stop")

    def uri(self, db="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def create(self, db):
        self.sql(f"CREATE DATABASE {db}")
        return self.uri(db)

    def sql(self, query, db="postgres"):
        """Runs query with psql; returns the rows as lists of strings."""
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            "-d", self.uri(db), "-c", query],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"psql {query!r}: {p.stderr}")
        return [line.split("\t") for line in p.stdout.splitlines() if line != ""]

    def scalar(self, query, db="postgres"):
        rows = self.sql(query, db)
        return rows[0][0] if rows else None

    def stop(self):
        self._run(f"{self.bin}/pg_ctl", "-D", self.data, "-w", "-m", "immediate", "stop",
                  check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
