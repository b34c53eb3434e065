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


def test_a_duplicate_of_a_rejected_record_says_neither_is_kept(tmp_path):
    """Line 3 repeats line 2's id and line 2 is rejected (no phone): "the first is kept"
    was said of a record that was not; both are rejected, in the quarantine, and the
    message says so. A duplicate of an accepted record keeps the old words. Across chunks
    too (chunk_rows=1: the first is in an earlier chunk)."""
    from wizard.core.engine import Migration
    from wizard.core.readers import open_sources
    from wizard.core.report import write_rejected
    src = tmp_path / "export"
    src.mkdir()
    (src / "patients.csv").write_text(
        "patientId,name,phone,gender\n"
        "7,Asha Rao,,F\n"                   # 2: rejected (no phone)
        "7,Asha Rao,+919800000007,F\n"      # 3: complete, same id
        "8,Ravi Kumar,+919800000008,M\n"    # 4: ok
        "8,Ravi Kumar,+919800000009,M\n")   # 5: a duplicate of an accepted record
    prof = Profile.from_dict({"tables": {"patients.csv": {
        "target": "patients", "legacy_id": "patientId", "fields": {
            "fullName": {"column": "name"}, "phone": {"column": "phone"},
            "gender": {"column": "gender"}}}}})
    for chunk_rows in (1000, 1):
        tables, _ = open_sources([src])
        m = Migration(tables, prof, chunk_rows=chunk_rows)
        res = m.validate()
        dup = res.problems[res.problems["rule"] == "patients.id.duplicate"]
        said = dict(zip(dup["line"].astype(int), dup["message"]))
        assert said[3].startswith("the same legacy id appears earlier in the export (line 2)"
                                  ", which is rejected too: neither record is imported")
        assert said[5].endswith("(line 4); the first is kept")
        assert res.stats["patients"].valid == 1 and res.stats["patients"].rejected == 3
    files = write_rejected([s for s, _ in m.plan], res.problems, tmp_path / "q")
    with open(files[0], newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [r["hmsync_rejected_line"] for r in rows] == ["2", "3", "5"]  # nothing lost
