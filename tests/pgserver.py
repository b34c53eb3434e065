"""A throwaway PostgreSQL server on loopback for tests: its own data folder, a free port,
password authentication, stopped and removed afterwards. Needs the server's binaries
(Debian's package postgresql); ``missing()`` says by name what is not there."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

PASSWORD = "s3cret-Pw"
kind = "postgresql"


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    cands = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return cands[-1] if cands else None


def missing() -> str | None:
    """Why a server cannot be started here (None: it can)."""
    for name in ("initdb", "pg_ctl"):
        if _bin(name) is None:
            return (f"PostgreSQL's {name} is not installed (Debian package postgresql): "
                    "the PostgreSQL tests cannot run")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed: the PostgreSQL tests cannot run"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("nobody")
        except KeyError:
            return "running as root with no user 'nobody' to run PostgreSQL as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    kind = kind

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="hmsync-pg-")
        self.port = _free_port()
        self._as = {}
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self._as = {"user": nobody.pw_uid, "group": nobody.pw_gid}
        data = os.path.join(self.dir, "data")
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self._as:
            os.chown(pwfile, self._as["user"], self._as["group"])
        self._run([_bin("initdb"), "-D", data, "-U", "postgres", "-E", "UTF8", "--locale=C",
                   "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"])
        self._run([_bin("pg_ctl"), "-D", data, "-l", os.path.join(self.dir, "log"), "-w",
                   "-t", "60", "-o", f"-p {self.port} -k {self.dir} "
                   "-c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
                   "start"])
        self.data = data

    def _run(self, cmd):
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.dir,
                           **self._as)
        if p.returncode:
            raise RuntimeError(f"{os.path.basename(cmd[0])} failed: {p.stderr[-500:]}")

    @staticmethod
    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def create_database(self, name: str) -> None:
        c = self.connect()
        c.execute(f"CREATE DATABASE {self.quote(name)}")
        c.close()

    def url(self, database: str = "postgres", password: bool = False) -> str:
        pw = f":{PASSWORD}" if password else ""
        return f"postgresql+psycopg://postgres{pw}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        import psycopg
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                               password=PASSWORD, dbname=database, autocommit=True)

    def stop(self):
        try:
            self._run([_bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
