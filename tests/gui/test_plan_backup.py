"""The session's "is the backup still current" answer, which pages ask often: counted again
only when the target file changed, and never stale."""
import sqlite3

from wizard.core.backup import make_backup
from wizard.core.schema import init_db
from wizard.core.session import MigrationSession


def test_backup_current_follows_every_change_of_the_target(tmp_path, monkeypatch):
    target = tmp_path / "hmsync.db"
    init_db(target)
    session = MigrationSession()
    session.set_target(target)
    session.backup = make_backup(session.target, tmp_path / "b")
    calls = []
    from wizard.core import backup as backup_mod
    real = backup_mod.data_counts
    monkeypatch.setattr(backup_mod, "data_counts", lambda p: calls.append(p) or real(p))
    assert session.backup_current() and session.backup_current() and session.backup_current()
    assert len(calls) == 1  # the file did not change: counted once
    con = sqlite3.connect(target)
    con.execute("INSERT INTO doctors (id, \"fullName\") VALUES ('d1', 'Dr A')")
    con.commit()
    con.close()
    assert not session.backup_current()
    # a write that HMSync leaves in a WAL file is seen too
    target2 = tmp_path / "wal.db"
    init_db(target2)
    con = sqlite3.connect(target2)
    con.execute("PRAGMA journal_mode=WAL")
    con.commit()
    session.set_target(target2)
    session.backup = make_backup(session.target, tmp_path / "b2")
    assert session.backup_current()
    con.execute("INSERT INTO doctors (id, \"fullName\") VALUES ('d2', 'Dr B')")
    con.commit()
    assert not session.backup_current()
    con.close()
