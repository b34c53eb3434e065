"""A throwaway MariaDB server on loopback for tests: its own data folder in a temporary
folder, a free port, a user with a password, no system service; run as 'nobody' when the
tests run as root (as tests/pgserver.py runs PostgreSQL), stopped and removed afterwards.
Needs the server's binaries (Debian's package mariadb-server); ``missing()`` says by name
what is not there."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

from pgserver import PASSWORD  # noqa: F401 (one password: the tests look for it in files)
USER = "consultant"
kind = "mariadb"


def _bin(name: str) -> str | None:
    for cand in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def _server_bin() -> str | None:
    return _bin("mariadbd") or _bin("mysqld")


def _install_bin() -> str | None:
    return _bin("mariadb-install-db") or _bin("mysql_install_db")


def missing() -> str | None:
    """Why a server cannot be started here (None: it can)."""
    if _server_bin() is None:
        return ("MariaDB's mariadbd is not installed (Debian package mariadb-server): "
                "the MariaDB tests cannot run")
    if _install_bin() is None:
        return ("MariaDB's mariadb-install-db is not installed (Debian package "
                "mariadb-server): the MariaDB tests cannot run")
    try:
        import pymysql  # noqa: F401
    except ImportError:
        return "the PyMySQL driver is not installed: the MariaDB tests cannot run"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("nobody")
        except KeyError:
            return "running as root with no user 'nobody' to run MariaDB as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    kind = kind

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="hmsync-my-")
        self.port = _free_port()
        self.sock = os.path.join(self.dir, "sock")
        self._as = {}
        if os.geteuid() == 0:  # not the server's business to run as root
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self._as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        data = os.path.join(self.dir, "data")
        p = subprocess.run([_install_bin(), "--no-defaults", f"--datadir={data}",
                            "--auth-root-authentication-method=normal", "--skip-test-db",
                            "--skip-name-resolve"], capture_output=True, text=True,
                           timeout=180, cwd=self.dir, **self._as)
        if p.returncode:
            raise RuntimeError(f"mariadb-install-db failed: {(p.stdout + p.stderr)[-500:]}")
        self.log = os.path.join(self.dir, "log")
        self._proc = subprocess.Popen(
            [_server_bin(), "--no-defaults", f"--datadir={data}", f"--socket={self.sock}",
             f"--port={self.port}", "--bind-address=127.0.0.1", f"--log-error={self.log}",
             f"--pid-file={os.path.join(self.dir, 'pid')}", "--skip-name-resolve",
             "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0",
             "--innodb-buffer-pool-size=64M", "--character-set-server=utf8mb4",
             "--collation-server=utf8mb4_bin"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.dir, **self._as)
        self._wait()
        import pymysql
        root = pymysql.connect(unix_socket=self.sock, user="root", password="",
                               autocommit=True)
        with root.cursor() as cur:
            cur.execute(f"CREATE USER '{USER}'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}'")
            cur.execute(f"GRANT ALL ON *.* TO '{USER}'@'127.0.0.1'")
        root.close()

    def _wait(self) -> None:
        import pymysql
        deadline = time.monotonic() + 60
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"mariadbd stopped at start: {self._log_tail()}")
            try:
                pymysql.connect(unix_socket=self.sock, user="root", password="").close()
                return
            except pymysql.Error:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"mariadbd did not answer: {self._log_tail()}")
                time.sleep(0.2)

    def _log_tail(self) -> str:
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()[-500:]
        except OSError:
            return "(no log)"

    @staticmethod
    def quote(name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def url(self, database: str = "mysql", password: bool = False) -> str:
        pw = f":{PASSWORD}" if password else ""
        return f"mysql+pymysql://{USER}{pw}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str | None = None):
        import pymysql
        return pymysql.connect(host="127.0.0.1", port=self.port, user=USER,
                               password=PASSWORD, database=database, charset="utf8mb4",
                               autocommit=True)

    def create_database(self, name: str) -> None:
        c = self.connect()
        with c.cursor() as cur:
            cur.execute(f"CREATE DATABASE {self.quote(name)} CHARACTER SET utf8mb4")
        c.close()

    def stop(self):
        try:
            if self._proc.poll() is None:
                self._proc.terminate()  # mariadbd shuts down cleanly on SIGTERM
                try:
                    self._proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(timeout=30)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
