"""Target schema check and evolution (Alembic): report drift, upgrade keeping every row."""
import sqlite3

import pytest

from dbdump import dump
from wizard.core.schema import init_db
from wizard.core.schema_check import SchemaError, compare, upgrade
from test_cli import cli


def fill(db):
    con = sqlite3.connect(db)
    con.execute("INSERT INTO doctors (id, \"fullName\") VALUES ('d1', 'Dr. A'), ('d2', 'Dr. B')")
    con.execute("INSERT INTO patients (id, \"fullName\", phone, gender) VALUES "
                "('p1', 'Pat One', '+919800000001', 'F')")
    con.execute("INSERT INTO visits (id, \"patientId\", \"doctorId\", \"visitDate\") VALUES "
                "('v1', 'p1', 'd1', '2022-01-01')")
    con.commit()
    con.close()


def rows(db):
    return dump(db, ("patients", "doctors", "visits"))


def test_current_schema_matches(empty_target):
    assert compare(empty_target) == []
    rc, out = cli("schema", empty_target)
    assert rc == 0 and "matches" in out


def test_older_version_upgraded_rows_kept_and_department_defaulted(tmp_path):
    db = tmp_path / "old.db"
    init_db(db, version=1)
    fill(db)
    before = rows(db)
    diffs = compare(db)
    assert [(d.kind, d.table, d.column) for d in diffs] == [
        ("missing_column", "doctors", "department")]
    r = upgrade(db, backup_folder=tmp_path / "b")
    assert r.from_version == "0001" and r.to_version == "0002"
    assert r.backup.verified
    after = rows(db)
    assert after["patients"] == before["patients"] and after["visits"] == before["visits"]
    assert [d[:-1] for d in after["doctors"]] == before["doctors"]
    assert {d[-1] for d in after["doctors"]} == {"General"}
    assert compare(db) == []
    con = sqlite3.connect(db)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
    con.close()


def test_drift_reported_precisely_and_extra_column_kept(tmp_path):
    db = tmp_path / "drift.db"
    init_db(db)
    fill(db)
    con = sqlite3.connect(db)
    con.execute('ALTER TABLE patients ADD COLUMN "bloodGroup" TEXT')
    con.execute("ALTER TABLE visits DROP COLUMN notes")
    con.execute('DROP INDEX "ix_bills_visitId"')
    con.commit()
    con.close()
    words = {(d.kind, d.table, d.column): d for d in compare(db)}
    assert set(words) == {("extra_column", "patients", "bloodGroup"),
                          ("missing_column", "visits", "notes"),
                          ("missing_index", "bills", "visitId")}
    assert words[("extra_column", "patients", "bloodGroup")].action == "keep"
    rc, out = cli("schema", db)
    assert rc == 1 and "visits.notes is missing" in out and "bloodGroup" in out
    rc, out = cli("schema", db, "--upgrade", "--backup-dir", tmp_path / "b")
    assert rc == 0, out
    assert [(d.kind, d.column) for d in compare(db)] == [("extra_column", "bloodGroup")]
    con = sqlite3.connect(db)
    assert "bloodGroup" in {r[1] for r in con.execute("PRAGMA table_info(patients)")}
    con.close()


def test_destructive_change_refused_without_force(tmp_path):
    db = tmp_path / "loose.db"
    init_db(db)
    fill(db)
    con = sqlite3.connect(db)
    # an HMSync file whose patients.fullName allows empty values and age holds text
    con.executescript("""
        PRAGMA foreign_keys=OFF;
        CREATE TABLE p2 (id TEXT PRIMARY KEY, "firstName" TEXT, "lastName" TEXT,
          "fullName" TEXT, phone TEXT NOT NULL, age TEXT, gender TEXT NOT NULL
          CHECK (gender IN ('M','F','O')), address TEXT, "registrationDate" TEXT);
        INSERT INTO p2 SELECT * FROM patients;
        DROP TABLE patients;
        ALTER TABLE p2 RENAME TO patients;
    """)
    con.close()
    before = rows(db)
    risky = [d for d in compare(db) if d.action == "destructive"]
    assert {(d.kind, d.column) for d in risky} == {("nullable", "fullName"), ("type", "age")}
    with pytest.raises(SchemaError, match="refusing destructive changes"):
        upgrade(db)
    rc, out = cli("schema", db, "--upgrade")
    assert rc == 2 and "--force" in out and "0 rows have no value" in out
    assert rows(db) == before
    rc, out = cli("schema", db, "--upgrade", "--force", "--backup-dir", tmp_path / "b")
    assert rc == 0, out
    assert rows(db) == before
    assert not [d for d in compare(db) if d.action == "destructive"]


def test_run_vacuum_on_request_after_the_import(mini_export, tmp_path):
    db = tmp_path / "t.db"
    init_db(db)
    rc, out = cli("run", mini_export, "--target", db, "--no-backup", "--vacuum")
    assert rc == 1 and "VACUUM done" in out
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0  # ANALYZE ran
    assert con.execute("PRAGMA freelist_count").fetchone()[0] == 0
    con.close()


def test_the_quick_schema_answer_agrees_with_the_full_comparison(tmp_path, monkeypatch):
    """compare() skips Alembic when the file declares HMSync's tables word for word; the
    answer must be what the full comparison gives, for a new database and after imports."""
    from wizard.core import schema_check
    from wizard.core.schema import init_db
    db = tmp_path / "new.db"
    init_db(db)
    assert schema_check._declared_as_hmsync(db)
    assert schema_check.compare(db) == []
    monkeypatch.setattr(schema_check, "_declared_as_hmsync", lambda p: False)
    assert schema_check.compare(db) == []   # the full comparison agrees
    monkeypatch.undo()
    old = tmp_path / "v1.db"
    init_db(old, version=1)
    assert not schema_check._declared_as_hmsync(old)
    assert [d.column for d in schema_check.compare(old)] == ["department"]
