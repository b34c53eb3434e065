"""After a bulk load the run checks the file with SQLite's quick_check (the whole
integrity_check on request, and always on the backup and in `verify TARGET`)."""
import json
import sqlite3
import subprocess
import sys

from wizard.core.engine import Migration
from wizard.core.readers import open_sources
from wizard.core.schema import known_tables
from wizard.core.suggest import suggest_profile
from wizard.core.verify import CheckKind, quick_check


def _run(folder, target, **kw):
    tables, _ = open_sources([folder])
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    profile.confirm_all()
    return Migration(tables, profile, target).run(no_backup=True, **kw)


def _integrity(res):
    return [c for c in res.verification.checks if c.kind == CheckKind.INTEGRITY]


def test_a_run_quick_checks_the_file_after_the_commit(mini_export, empty_target):
    res = _run(mini_export, empty_target)
    assert res.committed and res.passed
    assert [(c.name, c.passed) for c in _integrity(res)] == [("quick_check", True)]
    # the checks that matter after a bulk load are there beside it
    names = {c.name for c in res.verification.checks}
    assert "relationships: foreign_key_check" in names
    assert any(n.startswith("reconciliation: ") for n in names)
    assert any(n.startswith("spot check") for n in names)


def test_the_whole_integrity_check_on_request(mini_export, empty_target):
    res = _run(mini_export, empty_target, full_integrity_check=True)
    assert res.committed and res.passed
    assert [(c.name, c.passed) for c in _integrity(res)] == [("integrity_check", True)]


def test_quick_check_finds_a_damaged_page(tmp_path):
    path = tmp_path / "bad.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT)")
    con.executemany("INSERT INTO a (x) VALUES (?)", [(f"x{i}" * 20,) for i in range(5000)])
    con.commit()
    page = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name='a'").fetchone()[0]
    con.close()
    assert quick_check(sqlite3.connect(path)) == ["ok"]
    with open(path, "r+b") as f:  # scribble over the table's root page (an interior page)
        f.seek((root - 1) * page + 8)
        f.write(b"\xff" * 64)
    found = quick_check(sqlite3.connect(path))
    assert found != ["ok"]


def test_the_command_takes_full_integrity_check(mini_export, tmp_path):
    for flag, name in (([], "quick_check"), (["--full-integrity-check"], "integrity_check")):
        db = tmp_path / f"t{len(flag)}.db"
        subprocess.run([sys.executable, "-m", "wizard.cli", "init-db", str(db)], check=True,
                       capture_output=True)
        report = tmp_path / f"r{len(flag)}.json"
        p = subprocess.run([sys.executable, "-m", "wizard.cli", "run", str(mini_export),
                            "--target", str(db), "--no-backup", "--report", str(report),
                            *flag], capture_output=True, text=True, timeout=300)
        assert p.returncode in (0, 1), p.stderr
        assert f"PASS  {name}" in p.stdout
        checks = json.loads(report.read_text())["checks"]
        assert [c["name"] for c in checks if c["kind"] == "integrity"] == [name]


def test_a_check_failing_after_the_commit_never_says_rolled_back(mini_export, empty_target,
                                                                  monkeypatch):
    """The whole integrity_check can raise on a malformed file after the COMMIT: the
    import stands, and the message says so (not "rolled back, target unchanged")."""
    import pytest

    from wizard.core import verify
    from wizard.core.errors import MigrationError

    def breaks(self, full=False):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(verify.Verifier, "post_commit", breaks)
    with pytest.raises(MigrationError) as err:
        _run(mini_export, empty_target, full_integrity_check=True)
    said = str(err.value)
    assert "committed (run 1)" in said and "rolled back" not in said
    assert "hmsync-migrate verify" in said
    con = sqlite3.connect(empty_target)
    assert con.execute("SELECT count(*) FROM patients").fetchone()[0] > 0
