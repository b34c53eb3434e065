"""Problems in the operator's words: cascades traced to the problem that started them, rules
named in words, what "Warning" does, and the values it stores empty."""
from __future__ import annotations

from wizard.core import cascades, remedies
from wizard.core.engine import Migration
from wizard.core.readers import open_sources
from wizard.core.schema import known_tables
from wizard.core.suggest import suggest_profile

PATIENTS = """patientId,firstName,lastName,phoneNumber,age,gender,address,registrationDate
P1,Asha,Rao,+919812345670,34,F,1 MG Road,2021-03-04
P2,Ravi,Kumar,+919812345671,-3,M,2 MG Road,2021-03-05
P3,Meena,Iyer,+919812345672,40,F,3 MG Road,someday
"""
VISITS = """visitId,patientId,doctorId,visitDate,consultationFee
V1,P1,D1,2022-01-01,500
V2,P2,D1,2022-01-02,500
V3,P2,D1,2022-01-03,500
V4,P9,D1,2022-01-04,500
"""
DOCTORS = """doctorId,name,specialty
D1,Dr A Shah,General
"""
BILLS = """billId,visitId,patientId,billDate,amount
B1,V2,P1,2022-01-02,500
B2,V1,P1,2022-01-01,500
"""


def _export(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    for name, text in (("patients.csv", PATIENTS), ("visits.csv", VISITS),
                       ("doctors.csv", DOCTORS), ("bills.csv", BILLS)):
        (d / name).write_text(text, encoding="utf-8")
    tables, _ = open_sources([d])
    return tables, suggest_profile(tables, known_tables())


def test_cascades_are_traced_to_the_problem_that_started_them(tmp_path):
    tables, profile = _export(tmp_path)
    res = Migration(tables, profile).validate()
    p = res.problems.reset_index(drop=True)
    c = cascades.trace(p, known_tables())
    age = p.index[(p.rule == "patients.age.range")][0]
    # V2 and V3 (patient P2) and B1 (through V2) all go back to P2's age
    for file, line in (("visits.csv", 3), ("visits.csv", 4), ("bills.csv", 2)):
        rows = p.index[(p.file == file) & (p.line == line) &
                       p.rule.str.endswith(".rejected_parent")]
        assert len(rows) == 1, (file, line)
        assert c.caused_by(rows[0]) == age
    assert c.consequences[age] == {"visits": 2, "bills": 1}
    assert c.cascade_count == 3
    # a problem of the record's own is no cascade; a missing parent is not one either
    assert c.caused_by(age) == -1
    missing = p.index[p.rule == "visits.patientId.missing_parent"][0]
    assert c.caused_by(missing) == -1


def test_rules_in_words_and_what_warning_does(tmp_path):
    t = known_tables()
    assert remedies.rule_title("visits.consultationFee.range", t) == \
        "Visits: consultation fee is outside the allowed range"
    assert remedies.rule_title("visits.patientId.rejected_parent", t) == \
        "Visits: left out because its patient was left out"
    assert remedies.expected("patients.age.range", t) == "a number from 0 to 150"
    w = remedies.warning_effect("patients.registrationDate.format", t)
    assert w.allowed and w.blanks
    assert w.text == "import the record with registration date left empty"
    w = remedies.warning_effect("patients.age.range", t)
    assert w.allowed and not w.blanks and "as it is" in w.text
    # a NOT NULL field HMSync cannot store empty: the rule cannot be relaxed
    assert not remedies.warning_effect("visits.visitDate.format", t).allowed
    # a date failure names the control that changes how dates are read
    a = remedies.advice("patients.registrationDate.format", t, "45213", "date, day first")
    assert "“date, day first”" in a and "Excel day numbers" in a and "Day/month" in a
    assert "Excel" not in remedies.advice("patients.registrationDate.format", t, "someday")


def test_warning_lists_every_value_it_stores_empty(tmp_path):
    tables, profile = _export(tmp_path)
    profile.rules["patients.registrationDate.format"] = "warning"
    profile.rules["patients.age.range"] = "warning"
    res = Migration(tables, profile).validate()
    blanked = remedies.blanked_values(res.problems)
    # the unreadable date is stored empty; the age out of range is stored as it is
    assert [(b.file, b.line, b.legacy_id, b.target_field) for b in blanked] == \
        [("patients.csv", 4, "P3", "registrationDate")]
    assert blanked[0].value == "someday"
    # no cascade once the patient is imported
    assert not cascades.trace(res.problems, known_tables()).cascade_count


# --- fix in place -------------------------------------------------------------------------------
def test_a_value_corrected_in_the_wizard_is_imported_reported_and_kept(tmp_path, empty_target):
    import json
    import sqlite3

    import yaml

    from wizard.core import corrections
    from wizard.core.mapping import Profile
    from wizard.core.report import run_report
    tables, profile = _export(tmp_path)
    before = (tmp_path / "export" / "patients.csv").read_bytes()
    fix = corrections.made_now("patients.csv", 3, "age", "-3", "33", "patients", "P2")
    profile.corrections = corrections.replace(profile.corrections, fix)
    res = Migration(tables, profile, empty_target).validate()
    p = res.problems
    assert p[p.rule == "patients.age.range"].empty            # the fix is checked, not -3
    assert p[p.rule.str.endswith("rejected_parent")].empty     # P2's visits come back
    # kept in the profile (so in the project) as it was made
    again = Profile.from_dict(yaml.safe_load(profile.to_text()))
    assert again.corrections == [fix] and fix.who and fix.when
    # imported as corrected; the legacy file untouched
    m = Migration(tables, profile, empty_target)
    run = m.run(no_backup=True)
    assert run.passed, [c for c in run.verification.checks if not c.passed]
    con = sqlite3.connect(empty_target)
    try:
        age = con.execute('SELECT p.age FROM patients p JOIN migration_legacy_ids l ON '
                          'l."hmsyncId" = p.id WHERE l."legacyId" = \'P2\'').fetchone()
        trail = con.execute("SELECT profile FROM migration_runs").fetchone()[0]
    finally:
        con.close()
    assert age == (33,)
    assert (tmp_path / "export" / "patients.csv").read_bytes() == before
    # the audit trail holds the profile that ran, with who/when/before/after
    assert Profile.from_dict(yaml.safe_load(trail)).corrections == [fix]
    rep = run_report(run, empty_target, tables, False, corrections=profile.corrections)
    assert rep["manual_corrections"] == [fix.to_dict()]
    assert json.loads(json.dumps(rep, default=str))["manual_corrections"][0]["after"] == "33"


def test_a_correction_the_file_no_longer_fits_is_not_applied_and_said(tmp_path):
    from wizard.core import corrections
    tables, profile = _export(tmp_path)
    profile.corrections = [corrections.made_now("patients.csv", 3, "age", "-5", "33")]
    res = Migration(tables, profile).validate()
    assert not res.problems[res.problems.rule == "patients.age.range"].empty
    assert any("patients.csv line 3: the correction of age was not applied" in n
               for n in res.notes)
    # giving the file's own value back drops the correction
    same = corrections.made_now("patients.csv", 3, "age", "-5", "-5")
    assert corrections.replace(profile.corrections, same) == []
