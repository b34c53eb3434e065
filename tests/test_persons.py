"""Same-person duplicates: fuzzy candidate clusters, and the operator's decisions carried
through validation and import (never merged unasked)."""
from __future__ import annotations

import sqlite3

import pandas as pd
import yaml

from wizard.core import persons
from wizard.core.engine import Migration
from wizard.core.mapping import Profile
from wizard.core.person_search import find_clusters
from wizard.core.readers import open_sources
from wizard.core.schema import known_tables
from wizard.core.suggest import suggest_profile

PATIENTS = """patientId,firstName,lastName,phoneNumber,age,gender,address,registrationDate
P1,John,Smith,+919812345670,40,M,1 MG Road,2021-03-04
P2,Jon,Smith,+919812345670,40,M,1 MG Road,2021-03-05
P3,Asha,Rao,+919812345671,30,F,5 Park Street,2021-03-06
P4,Aasha,Rao,+919812345679,30,F,5 Park St,2021-03-07
P5,Ravi,Kumar,+919812345672,52,M,9 Lake View,2021-03-08
P6,Meena,Iyer,+919812345673,52,F,9 Lake View,2021-03-09
"""
VISITS = """visitId,patientId,doctorId,visitDate,consultationFee
V1,P1,D1,2022-01-01,500
V2,P2,D1,2022-01-02,500
V3,P4,D1,2022-01-03,500
"""
DOCTORS = "doctorId,name,specialty\nD1,Dr A Shah,General\n"


def _export(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    for name, text in (("patients.csv", PATIENTS), ("visits.csv", VISITS),
                       ("doctors.csv", DOCTORS)):
        (d / name).write_text(text, encoding="utf-8")
    tables, _ = open_sources([d])
    return tables, suggest_profile(tables, known_tables())


def test_alike_names_with_a_shared_phone_or_age_and_address_are_clustered():
    df = pd.DataFrame({"file": "p.csv", "line": [2, 3, 4, 5, 6, 7],
                       "legacy_id": ["1", "2", "3", "4", "5", "6"],
                       "name": ["John Smith", "Jon Smith", "Asha Rao", "Aasha Rao",
                                "John Smith", "Ravi Kumar"],
                       "phone": ["+911", "+911", "+922", "+933", "+944", "+955"],
                       "age": ["40", "40", "30", "30", "41", "40"],
                       "address": ["1 MG Road", "x", "5 Park Street", "5 Park St",
                                   "far away", "1 MG Road"]})
    got = {c.ids: c.why for c in persons.clusters("patients", df)}
    assert got == {("1", "2"): "names 95% alike, same phone number",
                   ("3", "4"): "names 94% alike, same age and address"}
    # the same name with another phone, age and address is someone else; so is another
    # name at the same address


def test_clusters_found_in_an_export_and_decisions_carried_through(tmp_path, empty_target):
    tables, profile = _export(tmp_path)
    m = Migration(tables, profile)
    found = find_clusters(m)
    assert [c.ids for c in found] == [("P1", "P2"), ("P3", "P4")]
    # never merged unasked: both of each pair are imported
    res = m.validate()
    assert res.stats["patients"].valid == 6
    # merge P2 into P1 (its visit follows), leave P4 out (its visit goes with it)
    profile.person_decisions = [persons.decided_now("patients", ("P1", "P2"), persons.MERGE,
                                                    "P1"),
                                persons.decided_now("patients", ("P3", "P4"),
                                                    persons.LEAVE_OUT, "P4")]
    assert persons.undecided(found, profile.person_decisions) == []
    again = Profile.from_dict(yaml.safe_load(profile.to_text()))
    assert again.person_decisions == profile.person_decisions
    run = Migration(tables, profile, empty_target).run(no_backup=True)
    assert run.passed
    assert run.validation.stats["patients"].valid == 4
    assert run.validation.stats["visits"].valid == 2     # V3's patient was left out
    said = dict(zip(run.validation.problems.legacy_id, run.validation.problems.message))
    assert said["P2"] == "merged into legacy record P1 (the same person), by the operator"
    assert said["P4"] == "left out by the operator"
    con = sqlite3.connect(empty_target)
    try:
        def hid(table, legacy):
            r = con.execute('SELECT "hmsyncId" FROM migration_legacy_ids WHERE "tableName"=? '
                            'AND "legacyId"=?', (table, legacy)).fetchone()
            return r[0] if r else None
        p1 = hid("patients", "P1")
        assert hid("patients", "P2") is None and hid("patients", "P4") is None
        owners = dict(con.execute('SELECT l."legacyId", v."patientId" FROM visits v JOIN '
                                  'migration_legacy_ids l ON l."hmsyncId" = v.id'))
        trail = con.execute("SELECT profile FROM migration_runs").fetchone()[0]
    finally:
        con.close()
    assert owners == {"V1": p1, "V2": p1}
    decided = Profile.from_dict(yaml.safe_load(trail)).person_decisions
    assert [(d.decision, d.keep) for d in decided] == [("merge", "P1"), ("leave_out", "P4")]
    assert all(d.who and d.when for d in decided)
