"""Validation: every rule located at file, line and field; cascade; duplicates; overrides."""
import pytest

from conftest import MINI_CLEAN, MINI_ERRORS
from wizard.core.engine import Migration
from wizard.core.mapping import Exclusion
from wizard.core.readers import open_sources
from wizard.core.schema import known_tables
from wizard.core.suggest import suggest_profile


def validate(folder, profile=None, target=None):
    tables, _ = open_sources([folder])
    profile = profile or suggest_profile(tables, known_tables(), source_system="hcp")
    return Migration(tables, profile, target).validate(), profile


def test_every_rule_reported_at_file_line_and_rule(mini_export):
    res, _ = validate(mini_export)
    p = res.problems
    errs = p[p.severity == "error"]
    got = {(r.file, r.line): r.rule for r in errs.itertuples()}
    for where, rule in MINI_ERRORS.items():
        assert where in got, f"not reported: {where} {rule}"
        rules_here = set(errs[(errs.file == where[0]) & (errs.line == where[1])].rule)
        assert rule in rules_here, f"{where}: {rules_here}"
    # no error on a clean record
    assert set(got) == set(MINI_ERRORS)
    assert {t: s.valid for t, s in res.stats.items()} == MINI_CLEAN


def test_problem_names_field_value_and_message(mini_export):
    res, _ = validate(mini_export)
    p = res.problems.set_index(["file", "line", "rule"])
    age = p.loc[("patients.csv", 6, "patients.age.range")]
    assert age.field == "age" and age.value == "151" and age.legacy_id == "105"
    assert "range" in age.message and age.severity == "error"
    name = p.loc[("patients.csv", 4, "patients.fullName.required")]
    assert name.field == "firstName+lastName"
    cascade = p.loc[("visits.csv", 10, "visits.patientId.rejected_parent")]
    assert "rejected" in cascade.message and cascade.value == "105"
    dup = p.loc[("patients.csv", 10, "patients.id.duplicate")]
    assert "line 2" in dup.message


def test_same_person_under_two_ids_is_a_warning(mini_export):
    res, _ = validate(mini_export)
    w = res.problems[res.problems.severity == "warning"]
    assert list(zip(w.line, w.rule)) == [(11, "patients.person.possible_duplicate")]
    assert "101" in w.message.iloc[0]
    assert res.stats["patients"].warnings == 1


def test_profile_switches_rules_off_or_to_warning(mini_export):
    tables, _ = open_sources([mini_export])
    prof = suggest_profile(tables, known_tables())
    prof.rules = {"patients.age.range": "warning", "*.*.future": "off"}
    res, _ = validate(mini_export, prof)
    p = res.problems
    assert set(p[p.rule == "patients.age.range"].severity) == {"warning"}
    assert not (p.rule == "patients.registrationDate.future").any()
    # patient 105 is now accepted, so its visit and the visit's bill and payment are too
    assert res.stats["patients"].valid == MINI_CLEAN["patients"] + 2
    assert not (p.rule == "visits.patientId.rejected_parent").any()
    assert res.stats["payments"].valid == 2


def test_required_not_null_cannot_be_switched_off(mini_export):
    tables, _ = open_sources([mini_export])
    prof = suggest_profile(tables, known_tables())
    prof.rules = {"patients.phone.required": "off"}
    res, _ = validate(mini_export, prof)
    assert (res.problems.rule == "patients.phone.required").any()


def test_operator_exclusion_rejects_record_and_children(mini_export):
    tables, _ = open_sources([mini_export])
    prof = suggest_profile(tables, known_tables())
    prof.exclude = [Exclusion("patients", "102")]
    res, _ = validate(mini_export, prof)
    ex = res.problems[res.problems.rule == "patients.record.excluded"]
    assert list(ex.line) == [3]
    assert res.stats["visits"].valid == MINI_CLEAN["visits"] - 2  # V2 and V9 belonged to 102


def test_validation_is_chunked_consistently(mini_export):
    tables, _ = open_sources([mini_export])
    prof = suggest_profile(tables, known_tables())
    a = Migration(tables, prof).validate().problems
    m = Migration(tables, prof, chunk_rows=2)
    b = m.validate().problems
    key = ["file", "line", "rule"]
    assert a.sort_values(key).reset_index(drop=True)[key].equals(
        b.sort_values(key).reset_index(drop=True)[key])


def test_ambiguous_dates_noted(tmp_path):
    d = tmp_path / "x"
    d.mkdir()
    (d / "patients.csv").write_text("patientId,name,phone,gender,regDate\n"
                                    "1,A B,+919800000001,M,01/02/2022\n")
    res, prof = validate(d)
    assert any("ambiguous" in n for n in prof.notes)


def test_rerun_validation_recognises_already_imported_records(mini_export, empty_target):
    tables, _ = open_sources([mini_export])
    prof = suggest_profile(tables, known_tables(), source_system="hcp")
    m = Migration(tables, prof, empty_target)
    m.make_backup()
    m.run()
    res = Migration(tables, prof, empty_target).validate()
    for t, n in MINI_CLEAN.items():
        assert res.stats[t].duplicates == n and res.stats[t].valid == 0
    # the defects are still reported, the imported records are not errors
    errs = res.problems[res.problems.severity == "error"]
    assert set(zip(errs.file, errs.line)) == set(MINI_ERRORS)


def test_problems_export_to_xlsx_neutralised(mini_export, tmp_path):
    import openpyxl
    from wizard.core.report import write_problems
    res, _ = validate(mini_export)
    df = res.problems.copy()
    df.loc[0, "value"] = "=HYPERLINK(\"x\")"
    path = write_problems(df, tmp_path / "issues.xlsx")
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["file", "line", "table", "legacy_id"]
    assert ws.cell(2, header.index("value") + 1).value == "'=HYPERLINK(\"x\")"
    assert ws.max_row == len(df) + 1


@pytest.mark.parametrize("chunk_rows", [1, 3])
def test_chunk_size_changes_no_problem_and_no_count(mini_export, chunk_rows):
    """Duplicates, cascades and relationships cross chunk boundaries: the registry of ids
    seen earlier must give what one chunk per file gives."""
    whole, profile = validate(mini_export)
    tables, _ = open_sources([mini_export])
    small = Migration(tables, profile, chunk_rows=chunk_rows).validate()
    key = ["file", "line", "rule"]
    a = whole.problems.sort_values(key).reset_index(drop=True)
    b = small.problems.sort_values(key).reset_index(drop=True)
    assert len(a) and a.equals(b)
    assert {t: s.to_dict() for t, s in whole.stats.items()} == \
        {t: s.to_dict() for t, s in small.stats.items()}


def test_same_person_already_in_hmsync_is_named_as_such(mini_export, empty_target):
    res, profile = validate(mini_export)
    tables, _ = open_sources([mini_export])
    Migration(tables, profile, empty_target).run(no_backup=True)
    # a later export: patient 102 again under a new id
    later = mini_export.parent / "later"
    later.mkdir()
    rows = (mini_export / "patients.csv").read_text().splitlines()
    again = next(r for r in rows if r.startswith("102,")).replace("102,", "902,", 1)
    (later / "patients.csv").write_text("\n".join([rows[0], again]) + "\n")
    tables, _ = open_sources([later])
    res = Migration(tables, profile, empty_target).validate()
    w = res.problems[res.problems.rule == "patients.person.possible_duplicate"]
    assert list(w.legacy_id) == ["902"]
    assert "(in HMSync)" in w.message.iloc[0]


def test_same_person_across_two_patient_files_then_forgotten(mini_export, monkeypatch):
    """The names-and-phones registry serves every patients file of the export, and is let
    go once the last one is read (its memory serves the rest of the load)."""
    import copy
    from wizard.core import engine
    rows = (mini_export / "patients.csv").read_text().splitlines()
    (mini_export / "patients.csv").write_text("\n".join(rows[:5]) + "\n")  # has 101
    (mini_export / "patients_more.csv").write_text("\n".join(rows[:1] + rows[5:]) + "\n")
    tables, _ = open_sources([mini_export])
    profile = suggest_profile([t for t in tables if t.name != "patients_more.csv"],
                              known_tables(), source_system="hcp")
    first = next(tm for tm in profile.tables if tm.target == "patients")
    more = copy.deepcopy(first)
    more.source = "patients_more.csv"
    profile.tables.insert(profile.tables.index(first) + 1, more)
    forgotten = []
    real = engine._Registry.forget_persons

    def spy(self, table):
        forgotten.append((table, len(self.persons[table])))  # what was let go
        real(self, table)
    monkeypatch.setattr(engine._Registry, "forget_persons", spy)
    m = Migration(tables, profile, None)
    assert [tm.source for _, tm in m.plan][:2] == ["patients.csv", "patients_more.csv"]
    res = m.validate()
    w = res.problems[res.problems.rule == "patients.person.possible_duplicate"]
    assert list(zip(w.file, w.line)) == [("patients_more.csv", 7)]
    assert "101" in w.message.iloc[0]
    assert len(forgotten) == 1 and forgotten[0][0] == "patients" and forgotten[0][1] >= 1


def test_ids_of_a_table_go_once_nothing_to_come_refers_to_it(mini_export, monkeypatch):
    """The registry lets a table's ids go once its records are read and no table still to
    come refers to it (bills after the payments, which refer to them), and keeps those
    a later table needs (visits and patients for the pathology tests)."""
    from wizard.core import engine
    tables, _ = open_sources([mini_export])
    m = Migration(tables, suggest_profile(tables, known_tables()), None)
    held: dict[str, set] = {}
    real = Migration._link_checks

    narrow: dict[str, set] = {}

    def spy(self, file, tm, target, mc, checked, reg, probs):
        held[tm.target] = {t for t in reg.ids if len(reg.ids[t])}
        # the parents held keep only what a child asks of them (their lines went)
        narrow[tm.target] = {t for t in held[tm.target]
                             if "line" not in reg.ids[t].payload.names}
        return real(self, file, tm, target, mc, checked, reg, probs)
    monkeypatch.setattr(Migration, "_link_checks", spy)
    compacted = []
    real_compact = engine.IdIndex.compact

    def spy_compact(self):
        compacted.append(len(self))
        real_compact(self)
    monkeypatch.setattr(engine.IdIndex, "compact", spy_compact)
    res = m.validate()
    # the referred-to tables are compacted once read (their children look up one run);
    # payments and pathology tests, referred to by none, are let go instead
    assert len(compacted) == 4
    assert held["visits"] >= {"patients", "doctors"}
    assert held["payments"] >= {"patients", "visits", "bills"}
    assert "doctors" not in held["payments"]  # only visits refer to doctors
    assert held["pathology_tests"] >= {"patients", "visits"}
    assert not held["pathology_tests"] & {"doctors", "bills", "payments"}
    assert narrow["payments"] == held["payments"] - {"payments"}
    assert narrow["pathology_tests"] == held["pathology_tests"] - {"pathology_tests"}
    # what the pathology tests refer to is still found: their problems are the planted ones
    got = res.problems[res.problems.table == "pathology_tests"]
    assert set(zip(got.file, got.line, got.rule)) == {
        (f, line, r) for (f, line), r in MINI_ERRORS.items() if f == "pathology_tests.csv"}


def test_a_mapped_file_the_export_lacks_is_named_in_the_notes(mini_export):
    """A delta may leave files out, so it is no error; but a cutover whose patients file is
    missing must not pass in silence."""
    tables, _ = open_sources([mini_export])
    profile = suggest_profile(tables, known_tables())
    res = Migration([t for t in tables if t.name != "patients.csv"], profile).validate()
    absent = [n for n in res.notes if "export has no such file" in n]
    assert absent == ["the profile maps patients.csv to patients, but the export has no such "
                      "file: nothing was read for patients from it"]
    full = Migration(tables, profile).validate()
    assert not [n for n in full.notes if "export has no such file" in n]


def test_columns_no_field_reads_are_named_in_the_notes(mini_export):
    """A column the mapping leaves out is not imported: the run says which, per file."""
    tables, _ = open_sources([mini_export])
    profile = suggest_profile(tables, known_tables())
    patients = next(tm for tm in profile.tables if tm.target == "patients")
    address = next(n for n, fm in patients.fields.items() if fm.columns == ["address"])
    res = Migration(tables, profile).validate()
    assert not [n for n in res.notes if "not mapped to any HMSync field" in n]
    del patients.fields[address]
    res = Migration(tables, profile).validate()
    assert [n for n in res.notes if "not mapped to any HMSync field" in n] == [(
        "patients.csv: 1 column(s) not mapped to any HMSync field, so their values are not "
        "imported: address")]


def test_an_export_as_one_json_object_of_tables_validates_like_its_csv_files(mini_export,
                                                                             tmp_path):
    """{"patients": [...], "visits": [...], ...}: each array is mapped by its name, and the
    records pass and fail as the same records in CSV files do."""
    import csv
    import json
    whole = {"exported": "2026-11-01"}
    for f in sorted(mini_export.glob("*.csv")):
        with open(f, encoding="utf-8", newline="") as fh:
            whole[f.stem] = list(csv.DictReader(fh))
    p = tmp_path / "hcp.json"
    p.write_text(json.dumps(whole), encoding="utf-8")
    res, profile = validate(p)
    assert {tm.source: tm.target for tm in profile.tables} == {
        f"hcp.json#{t}": t for t in whole if t != "exported"}
    assert {t: s.valid for t, s in res.stats.items()} == MINI_CLEAN
    csv_res, _ = validate(mini_export)
    assert sorted(res.problems.rule) == sorted(csv_res.problems.rule)


def test_a_long_list_of_columns_not_imported_is_cut_short(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    extra = [f"x{i}" for i in range(25)]
    (d / "patients.csv").write_text("patientId,fullName,phone,gender," + ",".join(extra) +
                                    "\n1,A B,+919800000001,M," + ",".join("v" * 25) + "\n")
    res, _ = validate(d)
    (note,) = [n for n in res.notes if "not mapped to any HMSync field" in n]
    assert note.startswith("patients.csv: 25 column(s) not mapped") and \
        note.endswith(": x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, "
                      "x16, x17, x18, x19 and 5 more")


def test_columns_left_behind_on_purpose_are_said_apart_from_undecided_ones(tmp_path):
    """A column no field reads is either left behind on purpose (the profile's
    leave_behind, the wizard's "Leave behind") or not decided: the run's notes say which,
    so that a report shows what the operator chose to leave out."""
    from wizard.core.mapping import Profile
    from wizard.core.readers import open_sources
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    export = tmp_path / "export"
    export.mkdir()
    (export / "patients.csv").write_text(
        "patientId,fullName,phone,gender,insuranceNo,ward\n"
        "1,Asha Rao,+919811111111,F,INS-1,W2\n", encoding="utf-8")
    tables, _ = open_sources([export])
    profile = suggest_profile(tables, known_tables())
    profile.tables[0].leave_behind = ["insuranceNo"]
    again = Profile.from_dict(__import__("yaml").safe_load(profile.to_text()))
    assert again.tables[0].leave_behind == ["insuranceNo"]
    notes = Migration(tables, again).validate().notes
    assert "patients.csv: 1 column(s) left behind on purpose (the profile's leave_behind): " \
           "insuranceNo" in notes
    assert any(n.startswith("patients.csv: 1 column(s) not mapped to any HMSync field") and
               n.endswith(": ward") for n in notes), notes


def test_a_placeholder_for_a_required_field_is_counted_as_a_warning(tmp_path):
    """A required phone the export lacks can be filled with a fixed value; every record
    that got one is a warning of its own rule, so the report counts them."""
    from wizard.core.readers import open_sources
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    from wizard.core.mapping import FieldMap
    export = tmp_path / "export"
    export.mkdir()
    (export / "patients.csv").write_text("patientId,fullName,gender\n1,Asha Rao,F\n"
                                         "2,Li Wei,M\n3,Omar Ali,M\n", encoding="utf-8")
    tables, _ = open_sources([export])
    profile = suggest_profile(tables, known_tables())
    profile.tables[0].fields["phone"] = FieldMap("phone", [], value="+910000000000")
    res = Migration(tables, profile).validate()
    assert res.errors == 0 and res.stats["patients"].valid == 3
    summ = {r.rule: r.count for r in res.summary().itertuples()}
    assert summ == {"patients.phone.placeholder": 3}
    assert res.stats["patients"].warnings == 3
    msg = res.problems["message"].iloc[0]
    assert msg == "phone number is not in the export: the profile's fixed value " \
                  "'+910000000000' is stored"


def test_a_pilots_validation_lists_no_problems_of_records_left_for_the_full_run(mini_export):
    """With a pilot of one patient, the other patients' visits are deferred, not checked:
    their parents are outside the pilot, so "missing parent" errors would be false (1,386
    of them in a clinic's rehearsal), and they went to the rejected files too."""
    from wizard.core.readers import open_sources
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    tables, _ = open_sources([mini_export])
    profile = suggest_profile(tables, known_tables())
    full = Migration(tables, profile).validate()
    profile.pilot = {"patients": ["102"]}
    res = Migration(tables, profile).validate()
    assert res.stats["visits"].deferred > 0
    visits = res.problems[res.problems["file"] == "visits.csv"]
    assert visits.empty, visits[["line", "rule"]].to_dict("records")
    assert res.errors == sum(s.rejected for s in res.stats.values())
    assert len(full.problems[full.problems["file"] == "visits.csv"]) > 0
