"""Issue 26 item 5's leftovers: a pilot validates without false errors (CLI, with its
problem list and quarantine), and `schema --upgrade` adds a missing table."""
import csv
import sqlite3
import subprocess
import sys

import pytest

from wizard.core.mapping import Profile
from wizard.core.schema import init_db
from wizard.core.schema_check import compare, upgrade


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "wizard.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=300)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    return p.returncode, p.stdout + p.stderr


def test_a_pilots_validate_lists_and_quarantines_only_the_pilots_problems(mini_export,
                                                                          tmp_path):
    """(Fixed before this round, in ce45877, for the engine; checked here through the
    command line, its problem list and its quarantine files.)"""
    prof = tmp_path / "p.yaml"
    assert cli("suggest", mini_export, "-o", prof)[0] == 0
    p = Profile.load(prof)
    p.pilot = {"patients": ["102"]}
    p.save(prof)
    issues, rej = tmp_path / "issues.csv", tmp_path / "rejected"
    rc, out = cli("validate", mini_export, "--profile", prof, "--issues", issues,
                  "--rejected", rej, "--accept-suggestions")
    assert "outside the pilot" in out
    with open(issues, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert not [r for r in rows if r["rule"].endswith("missing_parent")], rows
    assert not [r for r in rows if r["file"] == "visits.csv"]
    assert not (rej / "visits.rejected.csv").exists()


@pytest.mark.parametrize("missing", ["payments", "doctors", "patients"])
def test_schema_upgrade_adds_a_missing_table(tmp_path, missing):
    db = tmp_path / "hmsync.db"
    init_db(db)
    con = sqlite3.connect(db)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute(f"DROP TABLE {missing}")
    if missing != "doctors":
        con.execute("INSERT INTO doctors (id, fullName, specialty, phone) VALUES "
                    "('d1', 'Dr. A', 'ENT', '+919800000001')")
    con.commit()
    con.close()
    assert any(d.action == "add" and f"table {missing} is missing" in d.words
               for d in compare(db))
    r = upgrade(db, no_backup=True)
    assert any(f"table {missing} is missing" in a for a in r.applied)
    assert [d for d in compare(db) if d.action != "keep"] == []
    con = sqlite3.connect(db)
    try:
        names = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        kept = con.execute("SELECT COUNT(*) FROM doctors").fetchone()[0]
    finally:
        con.close()
    assert missing in names
    assert kept == (0 if missing == "doctors" else 1)
