"""Backups of the HMSync file with SQLite's online backup API, verified before use, and
restore from them.

A backup is ``backup-YYYYmmdd-HHMMSS.db`` beside the target (or in a chosen folder), owner
read/write only, checked with ``PRAGMA integrity_check`` and table row counts equal to the
original's. Its SHA-256 is recorded beside it, in ``backup-….db.sha256`` (the format of
``sha256sum``): restore refuses a backup that no longer matches its record. The copy is
made under ``backup-….db.partial`` and takes its name only once verified and recorded, so
a backup cut short (the program killed, the machine off) never looks like a backup.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from .dbfiles import file_uri, write_problem  # noqa: F401 (used from here too)
from .errors import BackupError  # noqa: F401 (raised here, imported from here)
from .errors import CannotWrite
from .schema import DATA_TABLES, table_counts

LOCK_TIMEOUT_S = 10.0


@dataclass
class BackupResult:
    path: Path
    target: Path
    created: str
    size: int
    sha256: str
    counts: dict[str, int] = field(default_factory=dict)
    integrity: str = ""
    verified: bool = False

    def to_dict(self) -> dict:
        d = asdict(self)
        d["path"], d["target"] = str(self.path), str(self.target)
        return d


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    return sqlite3.connect(file_uri(path, readonly), uri=True, timeout=LOCK_TIMEOUT_S,
                           isolation_level=None)


def _cannot_write_message(e: sqlite3.Error, path: Path, what: str) -> str | None:
    """The words for SQLite's "readonly database" / "unable to open" on ``path``."""
    msg = str(e)
    if "readonly" not in msg and "unable to open" not in msg:
        return None
    why = write_problem(path) or msg
    return f"{path.name} cannot be written: {why}; {what} was not done"


def connect_to_read(path: Path) -> sqlite3.Connection:
    """A read-only connection to a database that may hold an unfinished write: a hot
    journal left by a program stopped mid-write (a killed restore, a crashed HMSync).
    SQLite rolls that back on the first read, which a read-only connection cannot do
    ("attempt to write a readonly database"); it is rolled back here first through a
    read-write connection, as HMSync itself would on opening the file. Where this user
    cannot write, CannotWrite says what is needed."""
    path = Path(path)
    con = connect(path, readonly=True)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return con
    except sqlite3.OperationalError as e:
        con.close()
        if "readonly" not in str(e):
            raise
    try:
        rw = connect(path)
        try:
            rw.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            rw.close()
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            raise
        raise CannotWrite(
            f"{path.name} holds an unfinished write (its journal {path.name}-journal, left "
            f"by a program stopped while writing) that must be rolled back before it can be "
            f"read, and {write_problem(path) or 'this user cannot write it'}: open it once "
            "where it can be written (HMSync does this on start), then try again") from None
    return connect(path, readonly=True)


def begin_writing(con: sqlite3.Connection, path: Path, what: str, error: type) -> None:
    """Open the write transaction of ``what`` on ``path`` holding the whole file (SQLite's
    EXCLUSIVE lock), or raise ``error`` saying who holds it.

    With a rollback journal, a writer must also wait for every reader to finish before it
    writes a page into the file: when its page cache fills, and at its commit. Taken
    lazily, that wait comes back at every statement that needs room in the cache, each
    time for the whole busy timeout, and a program that keeps a read transaction open
    made an import sit silent for hours. Taken here, once, it is one wait of
    LOCK_TIMEOUT_S, as for another writer. (In WAL mode EXCLUSIVE is IMMEDIATE: readers
    never block the writer there.)"""
    problem = write_problem(path)
    if problem:
        raise error(f"{path.name} cannot be written: {problem}; {what} was not done")
    try:
        con.execute("BEGIN EXCLUSIVE")
        return
    except sqlite3.OperationalError as e:
        if "locked" not in str(e) and "busy" not in str(e):
            raise
    if con.in_transaction:
        con.execute("ROLLBACK")
    # who holds it: a writer refuses even the reserved lock, readers only the exclusive one
    con.execute("PRAGMA busy_timeout = 0")
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        reading = True
    except sqlite3.OperationalError:
        reading = False
    finally:
        con.execute(f"PRAGMA busy_timeout = {int(LOCK_TIMEOUT_S * 1000)}")
    if reading:
        raise error(f"{path.name} is busy: another program is reading it (HMSync, a report "
                    f"or a database viewer that keeps it open); {what} was not done: close "
                    "that program and try again")
    raise error(_locked_message(path, what))


def _unique_name(folder: Path, stamp: str) -> Path:
    p = folder / f"backup-{stamp}.db"
    n = 1
    while any(x.exists() for x in (p, record_path(p), _partial_path(p))):
        p = folder / f"backup-{stamp}-{n}.db"
        n += 1
    return p


def record_path(backup: Path) -> Path:
    """Where the SHA-256 of ``backup`` is recorded when it is made."""
    return backup.with_name(backup.name + ".sha256")


def _partial_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".partial")


def _write_record(backup: Path, sha256: str) -> None:
    fd = os.open(record_path(backup), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"{sha256}  {backup.name}\n")
        f.flush()
        os.fsync(f.fileno())


def read_record(backup: Path) -> str | None:
    """The SHA-256 recorded for ``backup`` when it was made; None when there is no record."""
    rec = record_path(backup)
    try:
        text = rec.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise BackupError(f"the record of {backup.name}'s SHA-256, {rec}, cannot be read "
                          f"({e.strerror})") from None
    word = text.split()[0].lower() if text.split() else ""
    if len(word) != 64 or any(c not in "0123456789abcdef" for c in word):
        raise BackupError(f"refusing to restore {backup.name}: its record {rec.name} holds "
                          "no SHA-256, so the backup cannot be checked against it")
    return word


def _sqlite_message(e: sqlite3.Error, what: str, path: Path) -> str:
    msg = str(e)
    cannot = _cannot_write_message(e, path, what)
    if cannot:
        return cannot
    if "locked" in msg or "busy" in msg:
        return (f"{path.name} is locked by another program (is HMSync still running?); "
                f"close it and try again")
    if "not a database" in msg or "malformed" in msg:
        return f"{path.name} is not a valid SQLite database ({msg})"
    if "disk" in msg or "full" in msg:
        return f"{what} failed: the disk is full ({msg})"
    return f"{what} failed: {msg}"


def verify_backup(path: Path, expected_counts: dict[str, int] | None = None,
                  require_hmsync: bool = True) -> tuple[bool, str, dict[str, int]]:
    """(ok, explanation, row counts) for a backup file."""
    path = Path(path)
    if path.is_dir():
        return False, f"{path} is a folder, not a backup file", {}
    if not path.is_file():
        return False, f"{path} does not exist", {}
    try:
        con = connect(path, readonly=True)
        try:
            integrity = "; ".join(r[0] for r in con.execute("PRAGMA integrity_check"))
            counts = table_counts(con)
            pages = con.execute("PRAGMA page_count").fetchone()[0]
            page_size = con.execute("PRAGMA page_size").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error as e:
        return False, f"{path.name} is not a readable SQLite database ({e})", {}
    if integrity != "ok":
        return False, f"integrity check failed: {integrity[:200]}", counts
    size = path.stat().st_size
    if size != pages * page_size:
        return False, (f"the file is {size:,} bytes where its {pages:,} pages need "
                       f"{pages * page_size:,}: it was cut or padded"), counts
    if require_hmsync:
        missing = [t for t in DATA_TABLES if t not in counts]
        if missing:
            return False, (f"{path.name} is not an HMSync database (no table "
                           f"{', '.join(missing)})"), counts
    if expected_counts is not None and counts != expected_counts:
        diff = {t: (expected_counts.get(t), counts.get(t)) for t in set(counts) |
                set(expected_counts) if expected_counts.get(t) != counts.get(t)}
        return False, f"row counts differ from the original: {diff}", counts
    return True, "ok", counts


class _StillLocked(Exception):
    """Another program kept the database locked for LOCK_TIMEOUT_S while it was copied."""


def _copy(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
    """SQLite's online backup of ``src`` into ``dst``. Python's own loop retries a locked
    database for ever, and Ctrl-C cannot stop it; here a lock held for LOCK_TIMEOUT_S
    raises _StillLocked, and Ctrl-C is honoured between attempts."""
    since = [None]

    def progress(status, remaining, total):
        if status in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED: someone else holds the file
            now = time.monotonic()
            if since[0] is None:
                since[0] = now
            elif now - since[0] > LOCK_TIMEOUT_S:
                raise _StillLocked()
        else:
            since[0] = None

    src.backup(dst, progress=progress, sleep=0.1)


def _locked_message(path: Path, what: str) -> str:
    return (f"{path.name} is locked by another program (is HMSync still running?); {what} "
            "was not done: close it and try again")


def make_backup(target: str | Path, folder: str | Path | None = None,
                source: sqlite3.Connection | None = None) -> BackupResult:
    """Back up ``target`` online and verify the copy; raises BackupError when it cannot.
    ``source``: a connection to the target to copy through, one that already holds its
    lock (a restore), used and left open; otherwise a connection of its own."""
    target = Path(target).resolve()
    if not target.is_file():
        raise BackupError(f"{target} does not exist")
    folder = Path(folder).resolve() if folder else target.parent
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"{folder} is a file: give a folder for the backup")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BackupError(f"cannot create the backup folder {folder}: {e.strerror}") from None
    now = datetime.now()
    final = _unique_name(folder, now.strftime("%Y%m%d-%H%M%S"))
    dest = _partial_path(final)  # the copy's name until it is verified and recorded
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except OSError as e:
        raise BackupError(f"cannot create the backup file in {folder}: {e.strerror}") from None
    src = dst = None
    try:
        try:
            src = source or connect(target)
            # a read transaction: counts and copy see the same snapshot
            src.execute("BEGIN")
            counts = table_counts(src)
            dst = sqlite3.connect(dest)
            _copy(src, dst)
            src.execute("COMMIT")
        finally:
            if src is not None and src.in_transaction:
                src.execute("ROLLBACK")
            for c in (dst, src if source is None else None):
                if c is not None:
                    try:
                        c.close()
                    except sqlite3.Error:
                        pass
    except _StillLocked:
        _discard(dest)
        raise BackupError(_locked_message(target, "the backup")) from None
    except sqlite3.Error as e:
        _discard(dest)
        raise BackupError(_sqlite_message(e, "the backup", target)) from None
    except OSError as e:
        _discard(dest)
        raise BackupError(f"the backup failed: {e.strerror}") from None
    os.chmod(dest, 0o600)
    ok, why, got = verify_backup(dest, counts, require_hmsync=False)
    if not ok:
        _discard(dest)
        raise BackupError(f"the backup did not verify: {why}")
    sha = sha256_file(dest)
    try:
        # the record first: a file named backup-….db always has one
        _write_record(final, sha)
        os.replace(dest, final)
    except OSError as e:
        _discard(dest)
        _discard(record_path(final))
        raise BackupError(f"the backup could not be completed in {folder}: "
                          f"{e.strerror}") from None
    return BackupResult(final, target, now.isoformat(timespec="seconds"), final.stat().st_size,
                        sha, got, "ok", True)


def _discard(path: Path):
    """Remove a failed backup and whatever SQLite left beside it."""
    for p in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            p.unlink()
        except OSError:
            pass


def data_counts(target: Path) -> dict[str, int]:
    try:
        con = connect_to_read(target)
        try:
            return table_counts(con)
        finally:
            con.close()
    except sqlite3.Error as e:  # a lock held past LOCK_TIMEOUT_S, above all
        raise BackupError(_sqlite_message(e, "counting its rows", Path(target))) from None


@dataclass
class RestoreResult:
    restored_from: Path
    target: Path
    safety_backup: BackupResult | None
    counts: dict[str, int]


def _check_record(backup: Path, force: bool, expected: str | None) -> None:
    recorded = read_record(backup)
    if recorded is None and expected is None:
        if force:
            return
        raise BackupError(f"refusing to restore {backup.name}: there is no record of its "
                          f"SHA-256 ({record_path(backup).name}, written beside every backup "
                          "when it is made), so it cannot be checked against its record; if "
                          "you are sure of this file, restore it with --force")
    try:
        actual = sha256_file(backup)
    except OSError as e:
        raise BackupError(f"refusing to restore {backup.name}: it cannot be read "
                          f"({e.strerror})") from None
    for want, where in ((recorded, record_path(backup).name),
                        (expected, "this migration's record")):
        if want is not None and actual != want.lower():
            raise BackupError(f"refusing to restore {backup.name}: it was changed after it "
                              f"was made (its SHA-256 no longer matches the one in {where})")


def restore(backup: str | Path, target: str | Path, safety_folder: str | Path | None = None,
            force: bool = False, expected_sha256: str | None = None) -> RestoreResult:
    """Put a verified backup back over ``target``, after backing up the current state.

    The backup must match the SHA-256 recorded when it was made (its ``.sha256`` record,
    and ``expected_sha256`` when the caller knows it): a backup edited since, even to the
    same length and still a valid database, is refused. One without a record is refused
    unless ``force``.

    The target is locked first, and stays locked from the safety backup to the end of the
    restore: a write another program commits in between cannot be left out of both."""
    backup, target = Path(backup).resolve(), Path(target).resolve()
    if target.exists() and backup.exists() and os.path.samefile(backup, target):
        raise BackupError(f"refusing to restore {backup.name} over itself: choose a backup "
                          "file, not the target")
    ok, why, counts = verify_backup(backup)
    if not ok:
        raise BackupError(f"refusing to restore {backup.name}: {why}")
    _check_record(backup, force, expected_sha256)
    problem = write_problem(target)
    if problem:
        raise BackupError(f"{target.name} cannot be written: {problem}; the restore was "
                          "not done")
    safety = None
    existed = target.is_file() and target.stat().st_size > 0
    src = dst = None
    try:
        dst = connect(target)
        if existed:
            # first wait for a write under way elsewhere to end (taking the file at once
            # would make that program's commit fail)
            dst.execute("BEGIN IMMEDIATE")
            dst.execute("ROLLBACK")
            # then hold the file from here to the end: SQLite's exclusive locking mode keeps
            # the lock of a transaction after it ends (the online backup needs a connection
            # outside any transaction, and the lock must not be let go in between)
            dst.execute("PRAGMA locking_mode = EXCLUSIVE")
            dst.execute("BEGIN EXCLUSIVE")
            dst.execute("COMMIT")
            safety = make_backup(target, safety_folder, source=dst)
        src = connect(backup, readonly=True)
        _copy(src, dst)
    except _StillLocked:
        raise BackupError(_locked_message(target, "the restore")) from None
    except sqlite3.Error as e:
        raise BackupError(_sqlite_message(e, "the restore", target)) from None
    finally:
        for c in (src, dst):
            if c is not None:
                c.close()
    ok, why, got = verify_backup(target, counts)
    if not ok:
        raise BackupError(f"the restored database did not verify: {why}; the state before the "
                          f"restore is in {safety.path if safety else 'no backup'}")
    return RestoreResult(backup, target, safety, got)
