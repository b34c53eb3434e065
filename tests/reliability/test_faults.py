"""Disk full (injected, and a real size-capped tmpfs) and a target locked by another
process: one clear line, exit 2, and the target untouched — byte for byte where SQLite
allows it, row for row always, and intact."""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from wizard.core import backup as backup_mod
from wizard.core import engine
from wizard.core.errors import OperatorError
from wizard.core.schema import init_db
from wizard.testing.legacy_export import generate

from .helpers import (ROOT, Child, add_native_rows, assert_clean_exit, assert_intact, cli,
                      file_sha256, snapshot)

DISK_FULL = "database or disk is full"


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    d = tmp_path_factory.mktemp("faults") / "export"
    generate(d, patients=1500, visits=6000, seed=9, dirty=0.03)
    (d / "manifest.json").unlink()
    return d


@pytest.fixture
def target(tmp_path):
    db = tmp_path / "target.db"
    init_db(db)
    add_native_rows(db)
    return db


def _factory(fail_on):
    """A connect() for the engine whose connections fail like a full disk on ``fail_on``
    (a predicate over (method, sql, call number))."""
    calls = {"n": 0}

    class Full(sqlite3.Connection):
        def execute(self, sql, *a):
            calls["n"] += 1
            if fail_on("execute", sql, calls["n"]):
                raise sqlite3.OperationalError(DISK_FULL)
            return super().execute(sql, *a)

        def executemany(self, sql, *a):
            calls["n"] += 1
            if fail_on("executemany", sql, calls["n"]):
                raise sqlite3.OperationalError(DISK_FULL)
            return super().executemany(sql, *a)

        def backup(self, target, **kw):
            if fail_on("backup", "", 0):
                raise sqlite3.OperationalError(DISK_FULL)
            return super().backup(target, **kw)

    def connect(path, readonly=False):
        uri = f"file:{os.path.realpath(path)}" + ("?mode=ro" if readonly else "")
        return sqlite3.connect(uri, uri=True, timeout=backup_mod.LOCK_TIMEOUT_S,
                               isolation_level=None, factory=Full)
    return connect


def _assert_untouched(db, before_snap, before_sha):
    assert_intact(db)
    assert snapshot(db) == before_snap
    assert file_sha256(db) == before_sha
    assert not os.path.exists(str(db) + "-journal")


# --- disk full, injected ----------------------------------------------------------------------
@pytest.mark.parametrize("where", ["insert of visits", "legacy-id map", "index rebuild",
                                   "commit"])
def test_disk_full_during_import_rolls_back_with_a_clear_message(export, target, tmp_path,
                                                                 monkeypatch, where):
    fail = {
        "insert of visits": lambda m, sql, n: m == "executemany" and 'INTO "visits"' in sql,
        "legacy-id map": lambda m, sql, n: m == "executemany" and "migration_legacy_map" in sql
        and n > 20,
        "index rebuild": lambda m, sql, n: m == "execute" and sql.startswith("CREATE INDEX"),
        "commit": lambda m, sql, n: m == "execute" and sql.strip().upper() == "COMMIT",
    }[where]
    monkeypatch.setattr(engine, "connect", _factory(fail))
    before, sha = snapshot(target), file_sha256(target)
    rc, out, err = cli("run", export, "--target", target, "--backup-dir", tmp_path / "b",
                       "--quiet")
    assert rc == 2, err
    assert "disk is full" in err and "rolled back" in err and "unchanged" in err, err
    assert "Traceback" not in out + err
    _assert_untouched(target, before, sha)


@pytest.mark.parametrize("how", ["sqlite copy", "creating the file"])
def test_disk_full_during_backup_is_clear_and_leaves_nothing(export, target, tmp_path,
                                                             monkeypatch, how):
    if how == "sqlite copy":
        monkeypatch.setattr(backup_mod, "connect",
                            _factory(lambda m, sql, n: m == "backup"))
    else:
        real_open = os.open

        class FullOs:
            def __getattr__(self, name):
                return getattr(os, name)

            @staticmethod
            def open(path, flags, mode=0o777, **kw):
                if "backup-" in os.fspath(path):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(path))
                return real_open(path, flags, mode, **kw)
        monkeypatch.setattr(backup_mod, "os", FullOs())
    before, sha = snapshot(target), file_sha256(target)
    rc, out, err = cli("run", export, "--target", target, "--backup-dir", tmp_path / "b",
                       "--quiet")
    assert rc == 2, err
    assert ("disk is full" in err or "No space left on device" in err), err
    assert "backup" in err and "Traceback" not in out + err
    assert list((tmp_path / "b").glob("*")) == []  # no partial backup left behind
    _assert_untouched(target, before, sha)


# --- disk full, for real: a size-capped tmpfs -------------------------------------------------
@pytest.fixture
def tmpfs(tmp_path):
    """mount(size) -> a fresh folder on a tmpfs of that size (skipped where mounting is not
    permitted: not root, or a container without CAP_SYS_ADMIN)."""
    mounted = []

    def mount(size: str):
        d = tmp_path / f"tmpfs-{len(mounted)}"
        d.mkdir()
        if os.geteuid() != 0 or not shutil.which("mount"):
            pytest.skip("mounting a size-capped tmpfs needs root")
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                            str(d)], capture_output=True, text=True)
        if p.returncode != 0:
            pytest.skip(f"cannot mount a size-capped tmpfs here: {p.stderr.strip()}")
        mounted.append(d)
        return d
    yield mount
    for d in reversed(mounted):
        if subprocess.run(["umount", str(d)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(d)], capture_output=True)


def test_real_disk_full_during_import(export, tmp_path, tmpfs):
    fs = tmpfs("2m")
    db = fs / "target.db"
    init_db(db)
    add_native_rows(db)
    before, sha = snapshot(db), file_sha256(db)
    rc, out, err = cli("run", export, "--target", db, "--backup-dir", tmp_path / "b",
                       "--quiet")
    assert rc == 2, out[-2000:] + err
    assert "disk is full" in err and "unchanged" in err, err
    _assert_untouched(db, before, sha)
    # room again: the same run now completes
    big = tmpfs("64m")
    shutil.copy(db, big / "target.db")
    rc, out, err = cli("run", export, "--target", big / "target.db", "--backup-dir",
                       tmp_path / "b", "--quiet")
    assert rc in (0, 1) and "committed" in out, err
    assert_intact(big / "target.db")


def _full_backup_folder(export, target, tmpfs):
    rc, out, err = cli("run", export, "--target", target, "--no-backup", "--quiet")
    assert rc in (0, 1), err  # the target now holds a few MB
    before, sha = snapshot(target), file_sha256(target)
    fs = tmpfs("256k")
    rc, out, err = cli("run", export, "--target", target, "--backup-dir", fs, "--quiet")
    assert rc == 2, err
    assert "disk is full" in err and "backup" in err, err
    _assert_untouched(target, before, sha)
    rc, out, err = cli("backup", target, "--dir", fs)
    assert rc == 2 and "disk is full" in err, err
    _assert_untouched(target, before, sha)
    return fs


def test_real_disk_full_during_backup(export, target, tmpfs):
    fs = _full_backup_folder(export, target, tmpfs)
    assert list(fs.glob("*.db")) == []  # the partial backup itself was removed


def test_real_disk_full_during_backup_leaves_no_file_at_all(export, target, tmpfs):
    fs = _full_backup_folder(export, target, tmpfs)
    assert list(fs.iterdir()) == []


def test_report_disk_full_after_commit_does_not_claim_nothing_changed(export, target,
                                                                      tmp_path, monkeypatch):
    from wizard.core import report
    real = report._private_open

    def full(path, *a, **kw):
        if str(path).endswith(".json"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, *a, **kw)
    monkeypatch.setattr(report, "_private_open", full)
    rc, out, err = cli("run", export, "--target", target, "--no-backup", "--quiet",
                       "--report", tmp_path / "r.json")
    con = sqlite3.connect(target)
    committed = con.execute("SELECT count(*) FROM migration_runs WHERE status='committed'"
                            ).fetchone()[0]
    con.close()
    assert committed == 1
    assert rc == 2 and "nothing was changed" not in err, err
    assert "committed" in err or "imported" in err, err


# --- the target locked by another process -----------------------------------------------------
HOLDER = textwrap.dedent("""
    import sqlite3, sys
    db, mode, wal = sys.argv[1], sys.argv[2], sys.argv[3] == "wal"
    con = sqlite3.connect(db, isolation_level=None, timeout=0)
    if wal:
        con.execute("PRAGMA journal_mode=WAL")
    con.execute("BEGIN " + mode)
    con.execute("INSERT INTO doctors (id, \\"fullName\\") VALUES ('held', 'Dr. Holder')")
    if len(sys.argv) > 4:  # spill: uncommitted pages written into the file (a hot journal)
        con.execute("PRAGMA cache_size=2")
        con.executemany("INSERT INTO doctors (id, \\"fullName\\") VALUES (?, ?)",
                        ((f"held-{i}", "x" * 500) for i in range(3000)))
    print("locked", flush=True)
    cmd = sys.stdin.readline().strip()
    con.execute(cmd)
    print("released", flush=True)
""")


def _short_lock_waits(monkeypatch):
    """Lock waits of 0.3 s instead of 10 s (the engine's and the schema check's: both read
    backup.LOCK_TIMEOUT_S when they connect)."""
    monkeypatch.setattr(backup_mod, "LOCK_TIMEOUT_S", 0.3)


@pytest.mark.parametrize("mode", ["IMMEDIATE", "EXCLUSIVE"])
def test_locked_target_message_says_another_program_holds_it(export, target, tmp_path,
                                                             monkeypatch, mode):
    _short_lock_waits(monkeypatch)
    holder = Child(HOLDER, target, mode, "delete")
    try:
        holder.wait_for(lambda line: line == "locked", timeout=60)
        rc, out, err = cli("run", export, "--target", target, "--backup-dir", tmp_path / "b",
                           "--quiet")
    finally:
        holder.kill()
    assert rc == 2 and "locked by another program" in err, err
    assert "not a readable" not in err and "cannot be opened" not in err, err


@pytest.mark.parametrize("mode,journal", [("IMMEDIATE", "delete"), ("EXCLUSIVE", "delete"),
                                          ("IMMEDIATE", "wal"), ("EXCLUSIVE", "wal")])
def test_locked_target_clear_message_and_never_corrupted(export, target, tmp_path,
                                                         monkeypatch, mode, journal):
    _short_lock_waits(monkeypatch)
    if journal == "wal":
        con = sqlite3.connect(target)
        con.execute("PRAGMA journal_mode=WAL")
        con.close()
    before = snapshot(target)
    holder = Child(HOLDER, target, mode, journal)
    try:
        holder.wait_for(lambda line: line == "locked", timeout=60)
        rc, out, err = cli("run", export, "--target", target, "--backup-dir", tmp_path / "b",
                           "--quiet")
        assert rc == 2, out[-1500:] + err
        assert "locked" in err and "Traceback" not in err, err
        rc, out, err = cli("validate", export, "--target", target, "--quiet")
        assert rc in (0, 1) or ("locked" in err and rc == 2), err
        holder.proc.stdin.write(b"COMMIT\n")
        holder.proc.stdin.flush()
        holder.wait_for(lambda line: line == "released", timeout=60)
    finally:
        holder.kill()
    # the other program's write is there, nothing of the refused import is
    after = snapshot(target)
    assert after["doctors"] == sorted(before["doctors"] + [("held", "Dr. Holder", None, None,
                                                             None, None, "General")],
                                      key=repr)
    assert {t: v for t, v in after.items() if t != "doctors"} == \
        {t: v for t, v in before.items() if t != "doctors"}
    assert_intact(target)
    rc, out, err = cli("run", export, "--target", target, "--backup-dir", tmp_path / "b",
                       "--quiet")
    assert rc in (0, 1) and "committed" in out, err


def _crash_mid_write(target):
    """HMSync killed in the middle of a write: uncommitted pages in the file, the originals
    in a hot journal beside it."""
    sha = file_sha256(target)
    holder = Child(HOLDER, target, "EXCLUSIVE", "delete", "spill")
    holder.wait_for(lambda line: line == "locked", timeout=60)
    holder.kill()
    assert file_sha256(target) != sha and os.path.getsize(str(target) + "-journal") > 0


def test_hot_journal_left_by_a_crash_is_never_made_worse(export, target, tmp_path):
    before = snapshot(target)
    _crash_mid_write(target)
    rc, out, err = cli("run", export, "--target", target, "--backup-dir", tmp_path / "b",
                       "--quiet")
    assert rc in (0, 1, 2) and "Traceback" not in err and "unexpected" not in err, err
    if rc == 2:  # refused: opening it normally rolls the crashed write back
        assert snapshot(target) == before
    assert_intact(target)
    con = sqlite3.connect(target)
    assert con.execute("SELECT count(*) FROM doctors WHERE id LIKE 'held%'").fetchone()[0] == 0
    con.close()


def test_program_killed_while_holding_the_lock_then_import_works(export, target, tmp_path):
    """HMSync crashed mid-write (a hot journal beside the target): the wizard's backup and
    import see the state before that write, and complete."""
    before = snapshot(target)
    _crash_mid_write(target)
    rc, out, err = cli("run", export, "--target", target, "--backup-dir", tmp_path / "b",
                       "--quiet")
    assert rc in (0, 1) and "committed" in out, err
    assert_intact(target)
    con = sqlite3.connect(target)
    assert con.execute("SELECT count(*) FROM doctors WHERE id LIKE 'held%'").fetchone()[0] == 0
    con.close()
    backup = next((tmp_path / "b").glob("backup-*.db"))
    assert snapshot(backup) == before


# --- the target read by another process -------------------------------------------------------
READER = textwrap.dedent("""
    import sqlite3, sys
    con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
    con.execute("BEGIN")
    con.execute("SELECT count(*) FROM doctors").fetchone()
    print("reading", flush=True)
    sys.stdin.readline()
    con.execute("COMMIT")
    print("released", flush=True)
""")

# the command line with a lock wait of 0.3 s and a page cache of 10 pages: the import must
# write pages into the file (a spill) long before its commit
SMALL_CACHE_CLI = textwrap.dedent("""
    import sys
    from wizard.core import backup, engine
    backup.LOCK_TIMEOUT_S = 0.3
    engine.LOAD_CACHE = 10
    from wizard.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def _cli_small_cache(*args, timeout=60) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", SMALL_CACHE_CLI, *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=str(ROOT))


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_reader_on_the_target_stops_run_at_the_lock_deadline(export, target, tmp_path,
                                                               journal):
    """Another program holding a read transaction (BEGIN; SELECT ...): with a rollback
    journal the import cannot write into the file, and stops after the lock wait with a
    message that says so; it sat silent at "import doctors" for minutes, waiting the whole
    lock wait again at every statement that needed room in its cache. In WAL mode a reader
    does not stand in the way, and the import goes through."""
    if journal == "wal":
        con = sqlite3.connect(target)
        con.execute("PRAGMA journal_mode=WAL")
        con.close()
    before, sha = snapshot(target), file_sha256(target)
    reader = Child(READER, target)
    try:
        reader.wait_for(lambda line: line == "reading", timeout=60)
        t0 = time.monotonic()
        p = _cli_small_cache("run", export, "--target", target, "--backup-dir",
                             tmp_path / "b", "--quiet")
        took = time.monotonic() - t0
        reader.proc.stdin.write(b"\n")
        reader.proc.stdin.flush()
        reader.wait_for(lambda line: line == "released", timeout=60)
    finally:
        reader.kill()
    assert "Traceback" not in p.stderr and "unexpected" not in p.stderr, p.stderr
    if journal == "wal":
        assert p.returncode in (0, 1) and "committed" in p.stdout, p.stderr
        return
    assert p.returncode == 2, p.stdout[-1500:] + p.stderr
    assert "another program is reading it" in p.stderr, p.stderr
    assert took < 30, took
    assert snapshot(target) == before and file_sha256(target) == sha
    assert_intact(target)


def test_a_reader_on_the_target_stops_a_schema_upgrade_with_the_same_words(tmp_path,
                                                                          monkeypatch):
    _short_lock_waits(monkeypatch)
    old = tmp_path / "v1.db"
    init_db(old, version=1)
    before = snapshot(old)
    reader = Child(READER, old)
    try:
        reader.wait_for(lambda line: line == "reading", timeout=60)
        rc, out, err = cli("schema", old, "--upgrade", "--no-backup")
    finally:
        reader.kill()
    assert rc == 2 and "another program is reading it" in err, err
    assert snapshot(old) == before


def test_vacuum_refused_by_a_reader_after_a_committed_import_says_the_import_stands(
        export, target, tmp_path, monkeypatch):
    _short_lock_waits(monkeypatch)
    from wizard.core import schema_check
    real = schema_check.optimise

    def optimise_while_read(path, vacuum=False):
        reader = Child(READER, path)
        try:
            reader.wait_for(lambda line: line == "reading", timeout=60)
            return real(path, vacuum)
        finally:
            reader.kill()
    monkeypatch.setattr(schema_check, "optimise", optimise_while_read)
    rc, out, err = cli("run", export, "--target", target, "--no-backup", "--quiet",
                       "--vacuum")
    assert rc in (0, 1) and "committed" in out, err
    assert "the import was committed" in err and "VACUUM was not done" in err, err
    assert "VACUUM done" not in out and "unexpected" not in err


# --- a target left mid-write, and places that cannot be written --------------------------------
def test_verify_of_a_target_left_mid_write_rolls_the_write_back(export, target, tmp_path):
    """A restore (or HMSync) killed mid-write leaves a hot journal: verify said "not a
    readable SQLite database (attempt to write a readonly database)"; the file is fine and
    rolls back on opening, as it now does."""
    before = snapshot(target)
    _crash_mid_write(target)
    rc, out, err = cli("verify", target)
    assert_clean_exit(rc, out, err, (0,))
    assert "not a readable" not in err and "PASS  integrity_check" in out, out + err
    assert snapshot(target) == before
    assert not os.path.exists(str(target) + "-journal")


def test_the_wizard_and_suggest_read_a_target_left_mid_write(export, target, tmp_path):
    """The wizard's target page and `suggest --target` read the target read-only too."""
    from wizard.core.session import inspect_target
    before = snapshot(target)
    _crash_mid_write(target)
    info = inspect_target(target)
    assert info.counts["doctors"] == len(before["doctors"]) and info.usable
    _crash_mid_write(target)
    rc, out, err = cli("suggest", export, "-o", tmp_path / "p.yaml", "--target", target)
    assert_clean_exit(rc, out, err, (0,))
    assert snapshot(target) == before


@pytest.fixture
def read_only(tmp_path):
    """make(folder) -> the folder, remounted read-only in place (skipped where mounting is
    not permitted). A read-only mount refuses root too, unlike a folder's mode bits."""
    mounted = []

    def make(folder):
        if os.geteuid() != 0 or not shutil.which("mount"):
            pytest.skip("a read-only bind mount needs root")
        for args in (["--bind", str(folder), str(folder)],
                     ["-o", "remount,ro,bind", str(folder)]):
            p = subprocess.run(["mount", *args], capture_output=True, text=True)
            if p.returncode != 0:
                if mounted or args[0] == "-o":
                    subprocess.run(["umount", str(folder)], capture_output=True)
                pytest.skip(f"cannot mount read-only here: {p.stderr.strip()}")
            if args[0] == "--bind":
                mounted.append(folder)
        return folder
    yield make
    for d in reversed(mounted):
        if subprocess.run(["umount", str(d)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(d)], capture_output=True)


def test_verify_of_a_target_left_mid_write_where_it_cannot_be_written_says_so(
        export, target, tmp_path, read_only):
    _crash_mid_write(target)
    read_only(target.parent)
    rc, out, err = cli("verify", target)
    assert_clean_exit(rc, out, err, (2,))
    assert "unfinished write" in err and "target.db-journal" in err, err
    assert "read-only file system" in err and "not a readable" not in err, err


def test_a_read_only_folder_is_named_with_its_cause_by_every_writer(export, tmp_path,
                                                                   read_only):
    """init-db said "unexpected OperationalError", run and restore "unable to open
    database file" or "attempt to write a readonly database"."""
    ro = tmp_path / "ro"
    ro.mkdir()
    db = ro / "target.db"
    init_db(db)
    old = ro / "v1.db"
    init_db(old, version=1)
    good = backup_mod.make_backup(db, tmp_path / "backups").path
    read_only(ro)
    before = {p: file_sha256(p) for p in (db, old)}
    for args in (("init-db", ro / "new.db"),
                 ("run", export, "--target", db, "--no-backup", "--quiet"),
                 ("run", export, "--target", db, "--backup-dir", tmp_path / "b", "--quiet"),
                 ("restore", good, "--target", db, "--dir", tmp_path / "safety"),
                 ("schema", old, "--upgrade", "--backup-dir", tmp_path / "b")):
        rc, out, err = cli(*args)
        assert_clean_exit(rc, out, err, (2,))
        assert f"{ro} is on a read-only file system" in err, (args[0], err)
        assert "unable to open" not in err and "readonly database" not in err, err
    assert {p: file_sha256(p) for p in (db, old)} == before
    assert not (ro / "new.db").exists()


def test_a_folder_this_user_cannot_write_is_named(tmp_path, monkeypatch):
    """(Root writes any folder whatever its mode, so the check is shown as another user
    would meet it.) SQLite's own words were "unable to open database file"."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    db = folder / "hmsync.db"
    init_db(db)
    real = os.access
    monkeypatch.setattr(backup_mod.os, "access",
                        lambda p, mode: False if str(p) == str(folder) else real(p, mode))
    why = backup_mod.write_problem(db)
    assert why == (f"the folder {folder} is read-only for this user (SQLite writes its "
                   "journal, hmsync.db-journal, beside the database)")
    msg = backup_mod._sqlite_message(sqlite3.OperationalError("unable to open database file"),
                                     "the restore", db)
    assert msg == f"hmsync.db cannot be written: {why}; the restore was not done"
    rc, out, err = cli("init-db", folder / "new.db")
    assert rc == 2 and f"cannot create {folder / 'new.db'}: the folder {folder} is " \
        "read-only" in err, err


def test_backup_dir_naming_a_file_is_refused_naming_it(target, tmp_path):
    """It was "unexpected FileExistsError"."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    rc, out, err = cli("backup", target, "--dir", a_file)
    assert_clean_exit(rc, out, err, (2,))
    assert f"{a_file} is a file: give a folder for the backup" in err, err
    rc, out, err = cli("backup", target, "--dir", a_file / "sub")
    assert_clean_exit(rc, out, err, (2,))
    assert f"cannot create the backup folder {a_file / 'sub'}" in err, err


def test_a_target_locked_outright_after_the_backup_stops_run_with_words(export, target,
                                                                       tmp_path, monkeypatch):
    """Between the backup and the import another program takes the whole file: the
    import's check that the target is as backed up waited, then let SQLite's "database is
    locked" out as "unexpected"."""
    _short_lock_waits(monkeypatch)
    before = snapshot(target)
    from wizard.core.engine import Migration
    from wizard.core.readers import open_sources
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    tables, _ = open_sources([export])
    m = Migration(tables, suggest_profile(tables, known_tables()), target)
    m.make_backup(tmp_path / "b")
    holder = Child(HOLDER, target, "EXCLUSIVE", "delete")
    try:
        holder.wait_for(lambda line: line == "locked", timeout=60)
        with pytest.raises(OperatorError, match="locked by another program"):
            m.run()
    finally:
        holder.kill()
    assert snapshot(target) == before


def test_verify_report_into_a_read_only_folder_is_refused_before_the_checks(
        target, tmp_path, read_only):
    """It was "unexpected OSError" after the checks had run."""
    ro = tmp_path / "ro"
    ro.mkdir()
    read_only(ro)
    rc, out, err = cli("verify", target, "--report", ro / "verify.json")
    assert_clean_exit(rc, out, err, (2,))
    assert f"{ro / 'verify.json'} cannot be written" in err, err


def test_a_folder_where_a_database_file_belongs_is_named_as_a_folder(target, tmp_path):
    folder = tmp_path / "folder.db"
    folder.mkdir()
    for args, words in ((("init-db", folder), f"{folder} is a folder: give the file name"),
                        (("restore", folder, "--target", target),
                         f"{folder} is a folder, not a backup file")):
        rc, out, err = cli(*args)
        assert_clean_exit(rc, out, err, (2,))
        assert words in err, err


def test_vacuum_refused_by_a_reader_after_an_upgrade_says_the_upgrade_stands(
        tmp_path, monkeypatch):
    """`schema --upgrade --vacuum`: the VACUUM after the committed upgrade let "database
    is locked" out as "unexpected" when another program was reading."""
    _short_lock_waits(monkeypatch)
    old = tmp_path / "v1.db"
    init_db(old, version=1)
    real = backup_mod.connect
    readers = []

    def connect(path, readonly=False):
        # the upgrade's only read-write connection of its own is the VACUUM's, after the
        # commit: another program starts reading just then
        if not readonly and not readers:
            readers.append(Child(READER, path))
            readers[0].wait_for(lambda line: line == "reading", timeout=60)
        return real(path, readonly)
    monkeypatch.setattr(backup_mod, "connect", connect)
    try:
        rc, out, err = cli("schema", old, "--upgrade", "--no-backup", "--vacuum")
    finally:
        for r in readers:
            r.kill()
    assert readers
    assert_clean_exit(rc, out, err, (0,))
    assert "schema version 0001 -> 0002" in out, out
    assert "warning: the upgrade was committed, but v1.db: VACUUM was not done" in err, err
    con = sqlite3.connect(old)
    assert "department" in {r[1] for r in con.execute("PRAGMA table_info(doctors)")}
    con.close()


def test_a_problem_list_cut_short_leaves_the_earlier_one_whole(tmp_path, monkeypatch):
    """A problem list (or report) whose write failed half way was left truncated under
    its name, looking complete, and the earlier run's file was lost with it."""
    import pandas as pd
    from wizard.core import report
    path = tmp_path / "issues.csv"
    probs = pd.DataFrame({"file": ["patients.csv"], "line": [2], "table": ["patients"],
                          "rule": ["patients.age.range"], "severity": ["error"],
                          "message": ["age out of range"]})
    report.write_problems(probs, path)
    report.write_json({"run": 1}, tmp_path / "r.json")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def cut_short(self, f, **kw):
        f.write("file,line,ta")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(pd.DataFrame, "to_csv", cut_short)
    monkeypatch.setattr(report.json, "dump", lambda obj, f, **kw: cut_short(None, f))
    with pytest.raises(OSError):
        report.write_problems(probs, path)
    with pytest.raises(OSError):
        report.write_json({"run": 2}, tmp_path / "r.json")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
