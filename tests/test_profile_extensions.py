"""What hand-writing profiles for real exports asked of the language: two files numbered
apart that feed one table (a legacy id computed by an expression), a placeholder only where
the export has no value (each one counted), and MySQL's empty CHAR(1) written as a NUL."""
import sqlite3

import pytest

from wizard.core.engine import Migration
from wizard.core.errors import ProfileError
from wizard.core.mapping import Profile
from wizard.core.readers import open_sources
from wizard.core.schema import init_db

PATIENTS = ["PID,NAME,SEX,TEL,FLAG",
            "1,Anna Rossi,F,+919811111111,\x00",     # line 2: an empty CHAR(1)
            "2,Ravi Bose,M,,Y",                      # line 3: no phone
            "3,Mia Chen,F,+919833333333,"]
OPD = ["OPD_ID,PAT,DATE", "7,1,2022-01-01", "8,2,2022-01-02"]
ADM = ["ADM_ID,PAT,DATE", "7,3,2022-02-01", "9,1,2022-02-02"]
BILLS = ["BID,PAT,ADM,AMOUNT", "1,3,7,100", "2,1,9,50"]


@pytest.fixture
def export(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    for name, lines in (("patients.csv", PATIENTS), ("opd.csv", OPD), ("adm.csv", ADM),
                        ("bills.csv", BILLS)):
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _profile(nul_empty=("FLAG",)) -> dict:
    return {"name": "t", "source_system": "t", "tables": {
        "patients.csv": {"target": "patients", "legacy_id": "PID", "nul_empty": list(nul_empty),
                         "leave_behind": ["FLAG"],
                         "fields": {"fullName": "NAME", "gender": "SEX",
                                    "phone": {"column": "TEL", "value": "+910000000000"}}},
        "opd.csv": {"target": "visits", "legacy_id": {"expr": "'OPD-' || OPD_ID"},
                    "fields": {"patientId": "PAT", "visitDate": "DATE",
                               "doctorId": {"expr": "NULL"}}},
        "adm.csv": {"target": "visits", "legacy_id": {"expr": "'ADM-' || ADM_ID"},
                    "fields": {"patientId": "PAT", "visitDate": "DATE",
                               "doctorId": {"expr": "NULL"}}},
        "bills.csv": {"target": "bills", "legacy_id": "BID",
                      "fields": {"patientId": "PAT", "amount": "AMOUNT",
                                 "visitId": {"expr": "'ADM-' || ADM"}}},
    }, "rules": {"visits.doctorId.required": "warning"}}


def _run(export, tmp_path, d):
    target = tmp_path / "t.db"
    init_db(target)
    tables, _ = open_sources([export])
    return target, Migration(tables, Profile.from_dict(d), target).run(no_backup=True)


def test_two_files_numbered_apart_feed_one_table_and_are_referred_to_by_their_ids(
        export, tmp_path):
    target, res = _run(export, tmp_path, _profile())
    assert res.validation.stats["visits"].valid == 4  # OPD 7 and admission 7 are two visits
    con = sqlite3.connect(target)
    billed = con.execute('SELECT b.amount, v."visitDate" FROM bills b JOIN visits v '
                         'ON v.id = b."visitId" ORDER BY b.amount').fetchall()
    con.close()
    assert billed == [(50.0, billed[0][1]), (100.0, billed[1][1])]
    assert billed[0][1].startswith("2022-02-02") and billed[1][1].startswith("2022-02-01")
    assert res.verification.passed


def test_a_placeholder_fills_only_the_records_without_a_value_and_each_is_counted(
        export, tmp_path):
    target, res = _run(export, tmp_path, _profile())
    p = res.validation.problems
    ph = p[p["rule"] == "patients.phone.placeholder"]
    assert list(ph["line"]) == [3] and set(ph["severity"]) == {"warning"}
    con = sqlite3.connect(target)
    phones = dict(con.execute('SELECT "fullName", phone FROM patients').fetchall())
    con.close()
    assert phones == {"Anna Rossi": "+919811111111", "Ravi Bose": "+910000000000",
                      "Mia Chen": "+919833333333"}
    saved = Profile.from_dict(_profile()).to_dict()["tables"]["patients.csv"]["fields"]
    assert saved["phone"] == {"column": "TEL", "value": "+910000000000"}


def test_a_nul_is_an_empty_value_only_in_the_columns_the_profile_names(export, tmp_path):
    _, res = _run(export, tmp_path, _profile())
    assert res.validation.stats["patients"].valid == 3
    (tmp_path / "again").mkdir()
    _, res = _run(export, tmp_path / "again", _profile(nul_empty=()))
    p = res.validation.problems
    bad = p[p["rule"] == "patients.record.corrupt"]
    assert list(bad["line"]) == [2]


def test_a_legacy_id_expression_is_checked_as_the_profile_loads():
    d = _profile()
    d["tables"]["opd.csv"]["legacy_id"] = {"expr": "'OPD-' || "}
    with pytest.raises(ProfileError, match="table 'opd.csv': legacy_id"):
        Profile.from_dict(d)
    d["tables"]["opd.csv"]["legacy_id"] = {"exp": "OPD_ID"}
    with pytest.raises(ProfileError, match=r"or \{expr: \.\.\.\} .*not a mapping of exp"):
        Profile.from_dict(d)


def test_the_mapping_document_says_the_id_expression_placeholder_and_nul_columns(export):
    from wizard.core.report import mapping_document
    d = _profile()
    d["tables"]["opd.csv"]["lookups"] = {"patient_name": {
        "table": "patients.csv", "key": "PID", "by": "PAT", "column": "NAME"}}
    html = mapping_document(Profile.from_dict(d), open_sources([export])[0])
    assert "opd.csv → visits (legacy id: &#x27;OPD-&#x27; || OPD_ID)" in html
    assert "a record without a value gets &#x27;+910000000000&#x27; (a placeholder" in html
    assert "A NUL character alone in FLAG is an empty value" in html
    assert "patient_name: looked up: first of patients.csv.NAME where PID = PAT" in html
