"""Shared tools of the reliability suite: database states, child processes that report
their progress line by line (the synchronisation points for SIGKILL), and in-process CLI
runs with captured output."""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from dbdump import dump, table_names
from wizard.core.schema import DATA_TABLES

ROOT = Path(__file__).resolve().parents[2]
AUDIT = ["migration_runs", "migration_legacy_ids"]


def file_sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


tables_of = table_names


def snapshot(db) -> dict:
    """Every row of every table (data and audit), sorted: equality means 'exactly as before'."""
    return dump(db)


def signature(db) -> dict:
    """What a complete import leaves, independent of the fresh UUIDs it draws: row counts of
    every table, which legacy records are in HMSync, and the status of every run."""
    con = sqlite3.connect(db)
    try:
        sig = {"counts": {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                          for t in tables_of(con)}}
        # (the legacy-id map is read by its name: a view over the map's tables today)
        if con.execute("SELECT 1 FROM sqlite_master WHERE name='migration_legacy_ids'"
                       ).fetchone():
            sig["legacy"] = sorted(con.execute(
                'SELECT "sourceSystem", "tableName", "legacyId", "sourceFile", "sourceLine" '
                "FROM migration_legacy_ids"))
            sig["runs"] = [r[0] for r in con.execute("SELECT status FROM migration_runs "
                                                     "ORDER BY id")]
            sig["unmapped ids"] = sum(con.execute(
                f'SELECT count(*) FROM migration_legacy_ids l WHERE l."tableName"=\'{t}\' AND '
                f'l."hmsyncId" NOT IN (SELECT id FROM "{t}")').fetchone()[0]
                for t in DATA_TABLES)
        return sig
    finally:
        con.close()


def assert_intact(db):
    """PRAGMA integrity_check says ok, and no reference points at a missing record."""
    con = sqlite3.connect(db)
    try:
        res = [r[0] for r in con.execute("PRAGMA integrity_check")]
        assert res == ["ok"], res
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        assert fk == [], fk[:5]
    finally:
        con.close()


def add_native_rows(db):
    """Data HMSync itself wrote before the migration: must survive everything."""
    con = sqlite3.connect(db)
    con.execute("INSERT INTO doctors (id, \"fullName\", specialty) VALUES "
                "('native-doctor-1', 'Dr. Already Here', 'Cardiology')")
    con.commit()
    con.close()


class Child:
    """A Python child process whose stdout is read line by line with a deadline."""

    def __init__(self, code: str, *args, env=None):
        e = dict(os.environ)
        e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
        e.update(env or {})
        self.proc = subprocess.Popen([sys.executable, "-u", "-c", code, *map(str, args)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=e, cwd=str(ROOT))
        self._buf = b""
        self.lines: list[str] = []

    def readline(self, deadline: float) -> str | None:
        """The next line, or None at end of output; fails the test past the deadline."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise AssertionError(f"child produced no line in time; last lines: "
                                     f"{self.lines[-5:]}; stderr: {self.stderr()}")
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            data = os.read(fd, 65536)
            if not data:
                if self._buf:
                    line, self._buf = self._buf, b""
                    self.lines.append(line.decode(errors="replace"))
                    return self.lines[-1]
                return None
            self._buf += data
        line, _, self._buf = self._buf.partition(b"\n")
        self.lines.append(line.decode(errors="replace"))
        return self.lines[-1]

    def wait_for(self, pred, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.readline(deadline)
            if line is None:
                self.proc.wait(timeout=30)
                raise AssertionError(f"child ended (rc {self.proc.returncode}) before the "
                                     f"awaited line; last lines: {self.lines[-5:]}; "
                                     f"stderr: {self.stderr()}")
            if pred(line):
                return line

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def finish(self, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while self.readline(deadline) is not None:
            pass
        return self.proc.wait(timeout=max(1, deadline - time.monotonic()))

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read().decode(errors="replace")[-3000:]


def cli(*args, env: dict | None = None) -> tuple[int, str, str]:
    """wizard.cli.main in this process: (exit code, stdout, stderr)."""
    from wizard.cli import main
    out, err = io.StringIO(), io.StringIO()
    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main([str(a) for a in args])
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return rc, out.getvalue(), err.getvalue()


def assert_clean_exit(rc, out, err, allowed=(0, 1, 2)):
    """An exit code of the contract, never a traceback, never the catch-all path."""
    assert rc in allowed, (rc, out[-2000:], err[-2000:])
    assert "Traceback" not in out + err, err[-3000:]
    assert "unexpected" not in err, err[-3000:]
    if rc == 2:
        assert "error:" in err, err[-2000:]
