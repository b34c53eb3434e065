"""A delta sync of a table with kept columns (``keep:``, delta_kept.py): the kept values of
updated records are rewritten and their cells accounted as imported (updated), a change
of a kept column alone is applied, and an unchanged re-run changes nothing."""
import json
import sqlite3
from pathlib import Path

import pytest

from wizard.core.delta import DeltaOptions, OnConflict
from wizard.core.engine import Migration
from wizard.core.mapping import Profile
from wizard.core.readers import open_sources
from wizard.core.schema import init_db

PROFILE = """\
name: delta keep test
source_system: clinic
defaults: {phone_region: IN, date_order: YMD}
tables:
  patients.csv:
    target: patients
    legacy_id: patientId
    keep: [insuranceNo]
    fields:
      firstName: {column: firstName}
      lastName: {column: lastName}
      fullName: {columns: [firstName, lastName], steps: [{concat: ' '}]}
      phone: {column: phone}
      age: {column: age}
      gender: {column: gender}
"""

HEAD = "patientId,firstName,lastName,phone,age,gender,insuranceNo"
ROWS = ["101,Ravi,Kumar,+919811111111,40,M,INS-1",
        "102,Meera,Iyer,+919822222222,35,M,INS-2",
        "103,Omar,Ali,+919833333333,50,M,",
        "104,Anna,Rossi,+919844444444,28,M,INS-4"]


def write(folder: Path, rows) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "patients.csv").write_text("\r\n".join([HEAD, *rows]) + "\r\n",
                                         encoding="utf-8")
    return folder


def run(folder, profile, target):
    tables, _ = open_sources([folder])
    return Migration(tables, Profile.load(profile), target,
                     delta=DeltaOptions()).run(no_backup=True)


@pytest.fixture
def first(tmp_path):
    """A first run (every record and its kept value in), then the export's folder."""
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    target = tmp_path / "hmsync.db"
    init_db(target)
    export = write(tmp_path / "export", ROWS)
    res = run(export, profile, target)
    assert res.committed and res.passed
    assert extras(target) == {"101": "INS-1", "102": "INS-2", "104": "INS-4"}
    return export, profile, target


def extras(target) -> dict:
    con = sqlite3.connect(target)
    try:
        return dict(con.execute(
            'SELECT l."legacyId", x.value FROM migration_extras x JOIN migration_legacy_ids '
            'l ON l."hmsyncId" = x."hmsyncId" AND l."tableName" = x."tableName" '
            'WHERE x."column" = \'insuranceNo\'').fetchall())
    finally:
        con.close()


def column(res, name):
    t = next(t for t in res.verification.cells.tables if t.source == "patients.csv")
    return t.columns[name]


def audit(target) -> list:
    con = sqlite3.connect(target)
    try:
        return [(r[0], r[1], json.loads(r[2])) for r in con.execute(
            'SELECT "legacyId", kind, changes FROM migration_changes ORDER BY id')]
    finally:
        con.close()


def balanced(res) -> None:
    cells = res.verification.cells
    assert cells.not_accounted == 0
    for t in cells.tables:
        for c in t.columns.values():
            assert c.balances and c.updated <= c.imported, c.column


def test_a_delta_of_an_edited_field_rewrites_the_kept_value_too(first, tmp_path):
    export, profile, target = first
    rows = list(ROWS)
    rows[0] = "101,Ravi,Kumaran,+919811111111,40,M,INS-1b"   # a field and the kept value
    rows[1] = "102,Meera,Iyengar,+919822222222,35,M,INS-2"   # a field only
    res = run(write(export, rows), profile, target)
    assert res.committed and res.passed, [c.detail for c in res.verification.checks
                                          if not c.passed]
    balanced(res)
    assert extras(target) == {"101": "INS-1b", "102": "INS-2", "104": "INS-4"}
    ins = column(res, "insuranceNo")
    # the updated records' kept cells went in again; the unchanged ones' are duplicates
    assert (ins.non_empty, ins.imported, ins.updated, ins.duplicates) == (3, 2, 2, 1)
    last = column(res, "lastName")
    assert (last.imported, last.updated, last.duplicates) == (2, 2, 2)
    s = res.validation.stats["patients"]
    assert (s.updated, s.unchanged) == (2, 2)
    got = {(x, k): ch for x, k, ch in audit(target)}
    assert got[("101", "updated")]["keep:insuranceNo"] == ["INS-1", "INS-1b"]
    assert "keep:insuranceNo" not in got[("102", "updated")]


def test_a_kept_column_edited_alone_is_an_update(first):
    export, profile, target = first
    rows = list(ROWS)
    rows[3] = "104,Anna,Rossi,+919844444444,28,M,INS-4b"     # the kept value only
    rows[2] = "103,Omar,Ali,+919833333333,50,M,INS-3"        # kept, empty before
    rows[1] = "102,Meera,Iyer,+919822222222,35,M,"           # kept, emptied
    res = run(write(export, rows), profile, target)
    assert res.committed and res.passed
    balanced(res)
    assert extras(target) == {"101": "INS-1", "103": "INS-3", "104": "INS-4b"}
    s = res.validation.stats["patients"]
    assert (s.updated, s.unchanged) == (3, 1)
    ins = column(res, "insuranceNo")
    assert (ins.non_empty, ins.imported, ins.updated, ins.duplicates) == (3, 2, 2, 1)
    # the fields stay as HMSync has them: their cells are duplicates
    assert column(res, "lastName").duplicates == 4 and column(res, "lastName").imported == 0
    ups = {u.legacy_id: u for u in res.delta.changes}
    assert set(ups) == {"102", "103", "104"}
    assert ups["104"].fields == {"keep:insuranceNo": ("INS-4", "INS-4b")}
    assert ups["102"].fields == {"keep:insuranceNo": ("INS-2", None)}
    assert all(u.kind == "updated" and u.partial for u in ups.values())


def test_an_unchanged_re_run_changes_nothing(first):
    export, profile, target = first
    rows = list(ROWS)
    rows[0] = "101,Ravi,Kumaran,+919811111111,40,M,INS-1b"
    rows[3] = "104,Anna,Rossi,+919844444444,28,M,INS-4b"
    assert run(write(export, rows), profile, target).committed   # the delta, once
    done = audit(target)
    assert len(done) == 2
    for _ in range(2):  # the same export again: nothing to do
        res = run(export, profile, target)
        assert res.committed and res.passed
        balanced(res)
        assert extras(target) == {"101": "INS-1b", "102": "INS-2", "104": "INS-4b"}
        s = res.validation.stats["patients"]
        assert (s.valid, s.updated, s.unchanged) == (0, 0, 4)
        ins = column(res, "insuranceNo")
        assert (ins.imported, ins.updated, ins.duplicates) == (0, 0, 3)
    assert audit(target) == done


def test_the_reports_cell_line_counts_the_updated_within_the_imported(first):
    export, profile, target = first
    rows = list(ROWS)
    rows[0] = "101,Ravi,Kumaran,+919811111111,40,M,INS-1"
    res = run(write(export, rows), profile, target)
    assert res.passed
    line = next(c.detail for c in res.verification.checks
                if c.name.startswith("cells: patients.csv"))
    # 101's 7 cells in again, 3 records' 7 + 6 + 7 cells unchanged
    assert line.startswith("27 non-empty cells = imported 7 (7 of them updated) + "
                           "rejected 0 + duplicates 20"), line


def test_a_conflict_keeps_its_kept_value_until_the_export_wins(first):
    export, profile, target = first
    con = sqlite3.connect(target)   # an edit made in HMSync itself, between two runs
    con.execute('UPDATE patients SET age = 41 WHERE id = (SELECT "hmsyncId" FROM '
                'migration_legacy_ids WHERE "legacyId" = \'101\')')
    con.commit()
    con.close()
    rows = list(ROWS)
    rows[0] = "101,Ravi,Kumar,+919811111111,42,M,INS-1b"
    write(export, rows)
    res = run(export, profile, target)
    assert res.committed and res.passed
    balanced(res)
    assert extras(target)["101"] == "INS-1"     # listed: the record stays as it is
    assert column(res, "insuranceNo").duplicates == 3
    tables, _ = open_sources([export])
    res = Migration(tables, Profile.load(profile), target,
                    delta=DeltaOptions(OnConflict.LEGACY_WINS)).run(no_backup=True)
    assert res.committed and res.passed
    balanced(res)
    assert extras(target)["101"] == "INS-1b"
    ins = column(res, "insuranceNo")
    assert (ins.imported, ins.updated, ins.duplicates) == (1, 1, 2)
