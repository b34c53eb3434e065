"""restore() refuses any backup that is corrupt, truncated or not an HMSync database
(BackupError, exit 2 from the CLI), and the target stays exactly as it was."""
from __future__ import annotations

import gzip
import os
import random
import sqlite3
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_mini
from wizard.core.backup import (BackupError, make_backup, read_record, record_path, restore,
                                verify_backup)
from wizard.core.engine import Migration
from wizard.core.readers import open_sources
from wizard.core.schema import init_db, known_tables
from wizard.core.suggest import suggest_profile

from .helpers import cli, file_sha256


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("restore")
    target = d / "target.db"
    init_db(target)
    tables, _ = open_sources([write_mini(d / "export")])
    m = Migration(tables, suggest_profile(tables, known_tables()), target)
    m.run(no_backup=True)
    good = make_backup(target, d / "backups").path
    s = {"dir": d, "target": target, "good": good, "bytes": good.read_bytes(),
         "sha": file_sha256(target)}
    s["bad"] = _bad_backups(s)
    return s


def _page_size(data: bytes) -> int:
    n = int.from_bytes(data[16:18], "big")
    return 65536 if n == 1 else n


def _bad_backups(s) -> dict[str, bytes]:
    good = s["bytes"]
    ps = _page_size(good)
    pages = len(good) // ps
    rng = random.Random(7)

    def garbage_pages(first, last):
        b = bytearray(good)
        for p in range(first, last):
            b[p * ps:(p + 1) * ps] = rng.randbytes(ps)
        return bytes(b)

    def zero_page(p):
        b = bytearray(good)
        b[p * ps:(p + 1) * ps] = bytes(ps)
        return bytes(b)

    master = bytearray(good)
    master[100:ps] = rng.randbytes(ps - 100)  # the schema's b-tree page
    foreign = s["dir"] / "foreign-src.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    con.execute("INSERT INTO invoices (total) VALUES (1.5)")
    con.commit()
    con.close()
    partial = s["dir"] / "partial-src.db"
    partial.write_bytes(good)
    con = sqlite3.connect(partial)
    con.execute("DROP TABLE pathology_tests")
    con.commit()
    con.close()
    return {
        "truncated to half": good[:len(good) // 2],
        "truncated to one page": good[:ps],
        "truncated by one byte": good[:-1],
        "truncated by one page": good[:-ps],
        "header only": good[:100],
        "data pages overwritten": garbage_pages(2, max(3, pages // 2)),
        "a b-tree page zeroed": zero_page(1),
        "schema page overwritten": bytes(master),
        "another database": foreign.read_bytes(),
        "HMSync without one table": partial.read_bytes(),
        "not SQLite (text)": b"patientId,name\n1,Asha\n" * 100,
        "gzipped backup": gzip.compress(good),
        "empty file": b"",
    }


CASES = ["truncated to half", "truncated to one page", "truncated by one page",
         "header only", "data pages overwritten", "a b-tree page zeroed",
         "schema page overwritten", "another database", "HMSync without one table",
         "not SQLite (text)", "gzipped backup", "empty file"]


@pytest.fixture
def target(setup, tmp_path):
    t = tmp_path / "target.db"
    t.write_bytes(setup["target"].read_bytes())
    return t


def _refused(bad, target, tmp_path):
    sha = file_sha256(target)
    with pytest.raises(BackupError, match="refusing"):
        restore(bad, target, tmp_path / "safety")
    assert file_sha256(target) == sha
    rc, out, err = cli("restore", bad, "--target", target, "--dir", tmp_path / "s2")
    assert rc == 2 and "refusing" in err and bad.name in err and "Traceback" not in err, err
    assert file_sha256(target) == sha


@pytest.mark.parametrize("case", CASES)
def test_restore_refuses_bad_backup_and_keeps_target(setup, target, tmp_path, case):
    bad = tmp_path / "backup-20260101-000000.db"
    bad.write_bytes(setup["bad"][case])
    _refused(bad, target, tmp_path)


def test_restore_refuses_a_backup_truncated_by_one_byte(setup, target, tmp_path):
    bad = tmp_path / "backup-20260101-000000.db"
    bad.write_bytes(setup["bytes"][:-1])
    _refused(bad, target, tmp_path)


def test_the_good_backup_is_accepted(setup, target, tmp_path):
    """The control: the same backup, unharmed, with its record, restores."""
    good = tmp_path / "backup-good.db"
    good.write_bytes(setup["bytes"])
    record_path(good).write_text(f"{file_sha256(good)}  {good.name}\n")
    r = restore(good, target, tmp_path / "safety")
    assert r.counts["patients"] > 0 and r.safety_backup is not None


def _rows_changed_same_length(data: bytes) -> bytes:
    """The backup with a patient's name changed inside its page: the same length, still a
    valid database with the same row counts (what an edit after the backup leaves)."""
    b = bytearray(data)
    i = b.find(b"Ravi")
    assert i > 0
    b[i:i + 4] = b"Ravo"
    return bytes(b)


def test_a_backup_edited_after_it_was_made_is_refused(setup, target, tmp_path):
    """A backup changed since it was made, to the same length and still a good database,
    was restored and reported "verified": the SHA-256 recorded beside it is checked."""
    folder = tmp_path / "backups"
    b = make_backup(setup["target"], folder)
    assert read_record(b.path) == b.sha256 == file_sha256(b.path)
    assert stat.S_IMODE(os.stat(record_path(b.path)).st_mode) == 0o600
    edited = _rows_changed_same_length(b.path.read_bytes())
    b.path.write_bytes(edited)
    assert verify_backup(b.path)[0]  # a valid HMSync database all the same
    sha = file_sha256(target)
    with pytest.raises(BackupError, match="changed after it was made"):
        restore(b.path, target, tmp_path / "safety")
    rc, out, err = cli("restore", b.path, "--target", target, "--dir", tmp_path / "s2",
                       "--force")
    assert rc == 2 and "changed after it was made" in err and b.path.name in err, err
    assert file_sha256(target) == sha


def test_a_backup_without_its_record_is_refused_unless_forced(setup, target, tmp_path):
    b = make_backup(setup["target"], tmp_path / "backups")
    record_path(b.path).unlink()
    sha = file_sha256(target)
    rc, out, err = cli("restore", b.path, "--target", target, "--dir", tmp_path / "s")
    assert rc == 2 and "cannot be checked against its record" in err and "--force" in err, err
    assert file_sha256(target) == sha
    rc, out, err = cli("restore", b.path, "--target", target, "--dir", tmp_path / "s",
                       "--force")
    assert rc == 0, err
    record_path(b.path).write_text("not a hash\n")
    with pytest.raises(BackupError, match="holds no SHA-256"):
        restore(b.path, target, tmp_path / "s", force=True)


def test_the_wizard_restores_only_the_backup_it_made(setup, target, tmp_path):
    """The session knows its backup's SHA-256: a file changed in its place, record and
    all, is refused."""
    b = make_backup(setup["target"], tmp_path / "backups")
    b.path.write_bytes(_rows_changed_same_length(b.path.read_bytes()))
    record_path(b.path).write_text(f"{file_sha256(b.path)}  {b.path.name}\n")
    with pytest.raises(BackupError, match="this migration's record"):
        restore(b.path, target, tmp_path / "s", expected_sha256=b.sha256)


def test_a_backup_cut_short_never_takes_a_backup_name(setup, tmp_path, monkeypatch):
    """The copy is made under a .partial name: a backup killed half way leaves no
    backup-*.db that looks real."""
    from wizard.core import backup as backup_mod
    seen = []
    real = backup_mod._copy

    def copy_then_look(src, dst):
        real(src, dst)
        seen.append(sorted(p.name for p in (tmp_path / "backups").iterdir()))
        raise KeyboardInterrupt  # as if killed here
    monkeypatch.setattr(backup_mod, "_copy", copy_then_look)
    with pytest.raises(KeyboardInterrupt):
        make_backup(setup["target"], tmp_path / "backups")
    assert len(seen[0]) == 1 and seen[0][0].endswith(".db.partial"), seen
    assert not list((tmp_path / "backups").glob("backup-*.db"))


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(min_value=0.0, max_value=1.0))
def test_restore_refuses_a_backup_missing_a_page_or_more(setup, target, tmp_path, cut):
    data = setup["bytes"]
    n = int((len(data) - _page_size(data)) * cut)  # at least one whole page is gone
    bad = tmp_path / "backup-cut.db"
    bad.write_bytes(data[:n])
    sha = file_sha256(target)
    with pytest.raises(BackupError, match="refusing"):
        restore(bad, target, tmp_path / "safety")
    assert file_sha256(target) == sha
