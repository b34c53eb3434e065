"""Cell accounting inside nested JSON objects: a column a profile reads by path
(``personalDetails.firstName``) is accounted key by key, so that a key no field reads is
left behind by name, in the report's cell table, ``verify TARGET`` and the sign-off."""
import json

import pytest
import yaml

from wizard.cli import main
from wizard.core.engine import Migration
from wizard.core.mapping import Profile
from wizard.core.readers import open_sources
from wizard.core.schema import init_db
from wizard.core.signoff import signoff_html

PATIENTS = [
    {"patientId": "P1", "personalDetails": {"firstName": "Asha", "lastName": "Rao",
                                            "phone": "9876543210"},
     "address": {"line1": "12 MG Road", "city": "Pune"}},
    {"patientId": "P2", "personalDetails": {"firstName": "Ravi", "lastName": "Kumar",
                                            "phone": "9123456780"},
     "address": {"line1": "4 Park St", "city": "Kolkata"}},
    # no phone, and a city with only spaces: neither is a cell
    {"patientId": "P3", "personalDetails": {"firstName": "Meena", "lastName": "Shah"},
     "address": {"line1": "7 Hill Rd", "city": "  "}},
    # an address that is no object: a cell of the column itself (the path cannot read
    # it: the record is rejected)
    {"patientId": "P4", "personalDetails": {"firstName": "Arun", "lastName": "Das",
                                            "phone": "9000000001"},
     "address": "1 Lake View"},
]


def _profile(address="address.line1") -> dict:
    return {"name": "nested", "source_system": "legacy",
            "defaults": {"phone_region": "IN"},
            "tables": {"patients.json": {
                "target": "patients", "legacy_id": "patientId",
                "fields": {
                    "firstName": {"expr": "personalDetails.firstName"},
                    "lastName": {"expr": "personalDetails.lastName"},
                    "fullName": {"expr": "personalDetails.firstName || ' ' || "
                                         "personalDetails.lastName"},
                    "phone": {"expr": "personalDetails.phone", "value": "9000000009"},
                    "address": {"expr": address},
                    "gender": {"value": "O"}}}}}


@pytest.fixture
def export(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "patients.json").write_text(json.dumps(PATIENTS), encoding="utf-8")
    return folder


def _run(export, tmp_path, profile=None):
    target = tmp_path / "t.db"
    init_db(target)
    tables, _ = open_sources([export])
    res = Migration(tables, Profile.from_dict(profile or _profile()), target).run(
        no_backup=True)
    return target, res


def _columns(res):
    (tc,) = res.verification.cells.tables
    return tc.columns


def test_each_key_of_an_object_read_by_path_is_a_cell_of_its_own(export, tmp_path):
    _, res = _run(export, tmp_path)
    assert res.committed and res.passed
    assert res.validation.errors == 1
    cols = _columns(res)
    first = cols["personalDetails.firstName"]
    assert (first.role, first.inside, first.non_empty, first.imported, first.rejected) == \
        ("field", "personalDetails", 4, 3, 1)
    assert first.fields == ["firstName", "fullName"]
    assert cols["personalDetails.phone"].non_empty == 3
    assert cols["address.line1"].imported == 3
    city = cols["address.city"]
    assert (city.role, city.inside, city.non_empty, city.left_behind, city.imported) == \
        ("left_behind", "address", 2, 2, 0)
    # every cell of personalDetails is an object: the column is shown by its keys alone;
    # address's one text stays a cell of its own, read by the field that reads address
    assert "personalDetails" not in cols
    assert (cols["address"].non_empty, cols["address"].rejected) == (1, 1)
    assert cols["address"].inside is None
    assert all(c.balances for c in cols.values())
    check = next(c for c in res.verification.checks if c.name == "cells: patients.json")
    assert check.passed and "address.city" in check.detail
    assert "left behind on purpose 0" in check.detail


def test_a_rejected_records_keys_are_counted_rejected(export, tmp_path):
    bad = [dict(p) for p in PATIENTS]
    bad[1] = {**bad[1], "personalDetails": {**bad[1]["personalDetails"], "phone": "12"}}
    (export / "patients.json").write_text(json.dumps(bad), encoding="utf-8")
    _, res = _run(export, tmp_path)
    cols = _columns(res)
    assert cols["address.city"].rejected == 1 and cols["address.city"].left_behind == 1
    assert cols["personalDetails.lastName"].rejected == 2
    assert cols["personalDetails.lastName"].imported == 2
    assert all(c.balances for c in cols.values())


def test_an_object_read_whole_stays_one_cell(export, tmp_path):
    _, res = _run(export, tmp_path, _profile(address="json_extract(address, '$.line1')"))
    cols = _columns(res)
    assert cols["address"].non_empty == 4 and "address.city" not in cols
    assert all(c.balances for c in cols.values())
    assert "personalDetails.phone" in cols


def test_verify_and_the_signoff_list_the_keys_left_behind_by_path(export, tmp_path,
                                                                   capsys):
    target, res = _run(export, tmp_path)
    capsys.readouterr()
    assert main(["verify", str(target)]) == 0
    out = capsys.readouterr().out
    assert "left behind inside objects (no field reads them): address.city" in out
    init_db(tmp_path / "u.db")
    assert main(["run", str(export), "--target", str(tmp_path / "u.db"), "--no-backup",
                 "--profile", str(_profile_file(tmp_path)),
                 "--report", str(tmp_path / "r.json")]) == 1  # (P4's rejected record)
    rep = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    (tc,) = rep["cells"]["tables"]
    city = next(c for c in tc["columns"] if c["column"] == "address.city")
    assert city["inside"] == "address" and city["left_behind"] == 2
    html = signoff_html(rep)
    left = html[html.index("Columns and files left behind"):html.index("<h2>Checks")]
    assert "address.city" in left and "keys inside JSON objects" in left


def _profile_file(tmp_path):
    p = tmp_path / "profile.yaml"
    p.write_text(yaml.safe_dump(_profile()), encoding="utf-8")
    return p


def test_a_rerun_that_reads_the_file_again_counts_the_keys_the_same(export, tmp_path):
    target, first = _run(export, tmp_path)
    changed = [dict(p) for p in PATIENTS]
    changed[0] = {**changed[0], "personalDetails": {**changed[0]["personalDetails"],
                                                    "lastName": "Rao-Iyer"}}
    (export / "patients.json").write_text(json.dumps(changed), encoding="utf-8")
    tables, _ = open_sources([export])
    # (a re-run that updates a record is accounted from the file read again)
    res = Migration(tables, Profile.from_dict(_profile()), target).run(no_backup=True)
    assert res.committed
    cols = _columns(res)
    last = cols["personalDetails.lastName"]
    assert (last.non_empty, last.imported, last.updated, last.duplicates, last.rejected) \
        == (4, 1, 1, 2, 1)
    assert cols["address.city"].left_behind == 1 and cols["address.city"].duplicates == 1
    assert "personalDetails" not in cols
    assert all(c.balances for c in cols.values())
