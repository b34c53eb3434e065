"""Delta sync (issue 26, item 1) and composite legacy ids (issue 25): a re-run applies the
export's changes, lists conflicts and records gone, and reconciles."""
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.core.delta import DeltaOptions, OnConflict, fingerprints, mask
from wizard.core.engine import Migration, MigrationError
from wizard.core.mapping import Profile, ProfileError, composite_id
from wizard.core.readers import open_sources
from wizard.core.schema import init_db, known_tables
from wizard.core.session import MigrationSession
from old_legacy_map import make_old

PROFILE = """\
name: delta test
source_system: clinic
defaults: {phone_region: IN, date_order: YMD}
tables:
  doctors.csv:
    target: doctors
    legacy_id: doctorId
    fields:
      fullName: {column: fullName}
      phone: {column: phone}
  patients.csv:
    target: patients
    legacy_id: patientId
    fields:
      firstName: {column: firstName}
      lastName: {column: lastName}
      fullName: {columns: [firstName, lastName], steps: [{concat: ' '}]}
      phone: {column: phone}
      age: {column: age}
      gender: {column: gender}
  visits.csv:
    target: visits
    legacy_id: visitId
    fields:
      patientId: {column: patientId}
      doctorId: {column: doctorId}
      visitDate: {column: visitDate}
      consultationFee: {column: fee}
"""

DOCTORS = ["doctorId,fullName,phone", "D1,Dr. Asha Rao,+919800000001",
           "D2,Dr. Li Wei,+919800000002"]
PATIENTS = ["patientId,firstName,lastName,phone,age,gender",
            "101,Ravi,Kumar,+919811111111,40,M",
            "102,Meera,Iyer,+919822222222,35,F",
            "103,Omar,Ali,+919833333333,50,M",
            "104,Anna,Rossi,+919844444444,28,F"]
VISITS = ["visitId,patientId,doctorId,visitDate,fee",
          "V1,101,D1,2022-02-01,500",
          "V2,102,D2,2022-03-01,300",
          "V3,103,D1,2022-03-02,400",
          "V4,104,D2,2022-03-03,250"]


def write_export(folder: Path, doctors=DOCTORS, patients=PATIENTS, visits=VISITS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in (("doctors.csv", doctors), ("patients.csv", patients),
                        ("visits.csv", visits)):
        (folder / name).write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return folder


@pytest.fixture
def setup(tmp_path):
    export = write_export(tmp_path / "export")
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    target = tmp_path / "hmsync.db"
    init_db(target)
    return export, profile, target


def run(export, profile, target, on_conflict=None, allow_untracked=False):
    tables, _ = open_sources([export])
    p = profile if isinstance(profile, Profile) else Profile.load(profile)
    m = Migration(tables, p, target, delta=DeltaOptions(OnConflict.parse(on_conflict),
                                                        allow_untracked))
    return m.run(no_backup=True)


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "wizard.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=300)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    return p.returncode, p.stdout + p.stderr


def hmsync_row(target, table, legacy_id, *cols):
    con = sqlite3.connect(target)
    try:
        return con.execute(
            f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM {table} t JOIN '
            'migration_legacy_ids l ON l."hmsyncId" = t.id WHERE l."tableName" = ? AND '
            'l."legacyId" = ?', (table, legacy_id)).fetchone()
    finally:
        con.close()


def hmsync_edit(target, table, legacy_id, col, value):
    """An edit made in HMSync itself, between two runs."""
    con = sqlite3.connect(target)
    con.execute(f'UPDATE {table} SET "{col}" = ? WHERE id = (SELECT "hmsyncId" FROM '
                'migration_legacy_ids WHERE "tableName" = ? AND "legacyId" = ?)',
                (value, table, legacy_id))
    con.commit()
    con.close()


def balanced(tables: dict) -> None:
    for t, s in tables.items():
        assert s["source_rows"] == s["imported"] + s["duplicates"] + s["rejected"], t
        assert s["duplicates"] == s["updated"] + s["unchanged"] + s["conflicts_kept"], t
        assert s["inserted"] == s["imported"]


def cutover_export(tmp_path) -> Path:
    """The legacy export at cutover: 101's surname and phone edited, 102's surname edited
    (and 102's age edited in HMSync meanwhile), 104 and its visit deleted, 105 new with a
    visit, V2's fee corrected."""
    patients = [PATIENTS[0], "101,Ravi,Kumaran,+919811111199,40,M",
                "102,Meera,Iyengar,+919822222222,35,F", PATIENTS[3],
                "105,Kwame,Mensah,+919855555555,61,M"]
    visits = [VISITS[0], VISITS[1], "V2,102,D2,2022-03-01,350", VISITS[3],
              "V5,105,D1,2022-06-01,700"]
    return write_export(tmp_path / "cutover", patients=patients, visits=visits)


# --- the done-when: a scripted cutover ------------------------------------------------------
def test_scripted_cutover_through_the_command_line(setup, tmp_path):
    export, profile, target = setup
    rc, out = cli("run", export, "--target", target, "--profile", profile, "--no-backup")
    assert rc == 0, out
    hmsync_edit(target, "patients", "102", "age", 36)          # HMSync's own edit
    hmsync_edit(target, "patients", "103", "age", 51)          # export leaves 103 as it was
    cut = cutover_export(tmp_path)
    report = tmp_path / "sync.json"
    rc, out = cli("run", cut, "--target", target, "--profile", profile, "--no-backup",
                  "--report", report)
    assert rc == 1, out                                         # a conflict is left listed
    assert "1 conflict(s) left as HMSync has them" in out
    rep = json.loads(report.read_text())
    assert rep["passed"] and rep["committed"]
    balanced(rep["tables"])
    cells_balance(rep)
    p = rep["tables"]["patients"]
    assert (p["source_rows"], p["inserted"], p["updated"], p["unchanged"], p["conflicts"],
            p["conflicts_kept"]) == (4, 1, 1, 1, 1, 1)
    v = rep["tables"]["visits"]
    assert (v["inserted"], v["updated"], v["unchanged"]) == (1, 1, 2)
    # the export's edit applied, HMSync's edits kept, the new record in, nothing deleted
    assert hmsync_row(target, "patients", "101", "lastName", "phone", "fullName") == \
        ("Kumaran", "+919811111199", "Ravi Kumaran")
    assert hmsync_row(target, "patients", "102", "lastName", "age") == ("Iyer", 36)
    assert hmsync_row(target, "patients", "103", "age") == (51,)
    assert hmsync_row(target, "patients", "104", "lastName") == ("Rossi",)
    assert hmsync_row(target, "patients", "105", "lastName") == ("Mensah",)
    assert hmsync_row(target, "visits", "V2", "consultationFee") == (350.0,)
    # the report: updates by field with masked values, the conflict, the records gone
    d = rep["delta"]
    up = {(u["table"], u["legacy_id"]): u for u in d["updates"]}
    assert set(up) == {("patients", "101"), ("visits", "V2")}
    assert set(up[("patients", "101")]["fields"]) == {"lastName", "fullName", "phone"}
    assert up[("patients", "101")]["fields"]["lastName"] == {"before": "K****",
                                                             "after": "K******"}
    assert "Kumar" not in report.read_text()
    (c,) = d["conflicts"]
    assert (c["table"], c["legacy_id"], c["resolution"]) == ("patients", "102", "listed")
    assert set(c["fields"]) == {"lastName", "fullName", "age"}
    assert d["gone"] == {"patients": {"count": 1, "legacy_ids": ["104"]},
                         "visits": {"count": 1, "legacy_ids": ["V4"]}}
    html = (tmp_path / "sync.html").read_text()
    assert "Conflicts: changed in the export and in HMSync: 1" in html and "V4" in html
    # the sign-off lists them too, per table and one by one, values masked
    from wizard.core.signoff import signoff_html
    doc = signoff_html(rep)
    assert "<h3>Conflicts: values masked</h3>" in doc and "<td>102</td>" in doc
    assert "listed: HMSync&#x27;s values kept, decide later" in doc
    assert "2 records an earlier run imported are no longer in the export" in doc
    assert "Iyengar" not in doc and "Iyer" not in doc
    # before and after, in full, in the audit table
    con = sqlite3.connect(target)
    rows = con.execute('SELECT "legacyId", kind, resolution, changes FROM migration_changes '
                       'ORDER BY id').fetchall()
    con.close()
    got = {(r[0], r[1], r[2]): json.loads(r[3]) for r in rows}
    assert got[("101", "updated", None)]["lastName"] == ["Kumar", "Kumaran"]
    assert got[("102", "conflict", "listed")]["age"] == [36, 35]

    # the final sync, the operator having chosen: the export wins; then nothing is left
    rc, out = cli("run", cut, "--target", target, "--profile", profile, "--no-backup",
                  "--on-conflict", "legacy-wins", "--report", report)
    assert rc == 0, out
    rep = json.loads(report.read_text())
    balanced(rep["tables"])
    assert rep["tables"]["patients"]["updated"] == 1
    assert hmsync_row(target, "patients", "102", "lastName", "age") == ("Iyengar", 35)
    rc, out = cli("run", cut, "--target", target, "--profile", profile, "--no-backup",
                  "--report", report)
    assert rc == 0, out
    rep = json.loads(report.read_text())
    assert {t: s["unchanged"] for t, s in rep["tables"].items()} == \
        {"doctors": 2, "patients": 4, "visits": 4}
    assert rep["delta"]["updates_total"] == rep["delta"]["conflicts_total"] == 0
    cells_balance(rep)

    # verify TARGET, without the export: every run's cells as it counted them
    rc, out = cli("verify", target, "--report", tmp_path / "verify.json")
    assert rc == 0, out
    ver = json.loads((tmp_path / "verify.json").read_text())
    assert [r["run_id"] for r in ver["cells"]["runs"]] == [1, 2, 3, 4]
    assert all(r["balances"] for r in ver["cells"]["runs"])
    first = ver["cells"]["runs"][0]["totals"]
    assert first["non_empty"] == first["imported"] > 0 and first["not_accounted"] == 0
    assert "counted by each run from its legacy files" in out
    assert "PASS  cells: run 2" in out

    # a wrong mapping at the final sync: the surname column read by no field. Refused
    # unless waved through; then its cells show as not imported, left behind
    wrong = profile.read_text().replace(
        "      lastName: {column: lastName}\n", "").replace(
        "{columns: [firstName, lastName], steps: [{concat: ' '}]}", "{column: firstName}")
    (tmp_path / "wrong.yaml").write_text(wrong)
    late = write_export(tmp_path / "late", patients=[
        *cut.joinpath("patients.csv").read_text().splitlines(),
        "106,Lena,Novak,+919866666666,44,F"])
    for name in ("doctors.csv", "visits.csv"):
        late.joinpath(name).write_text(cut.joinpath(name).read_text())
    rc, out = cli("run", late, "--target", target, "--profile", tmp_path / "wrong.yaml",
                  "--no-backup", "--report", report)
    assert rc == 2 and "column lastName holds values no field reads" in out
    rc, out = cli("run", late, "--target", target, "--profile", tmp_path / "wrong.yaml",
                  "--no-backup", "--accept-suggestions", "--dry-run", "--report", report)
    rep = json.loads(report.read_text())
    (pt,) = [t for t in rep["cells"]["tables"] if t["source"] == "patients.csv"]
    last = next(c for c in pt["columns"] if c["column"] == "lastName")
    # the new record and the three the wrong mapping updates (their full names now the
    # first names alone) went in without their surnames; the fourth, not written again,
    # is a duplicate
    assert (last["non_empty"], last["imported"], last["left_behind"], last["duplicates"]) \
        == (5, 0, 4, 1)
    first_name = next(c for c in pt["columns"] if c["column"] == "firstName")
    assert (first_name["imported"], first_name["updated"]) == (4, 3)
    assert any("lastName" in n and "without review" in n for n in rep["notes"])
    assert "column lastName left behind" in (tmp_path / "sync.html").read_text()
    assert hmsync_row(target, "patients", "106", "lastName") is None   # (a dry run)


def cells_balance(rep: dict) -> None:
    """Every non-empty cell of every legacy column is accounted for."""
    assert rep["cells"]["not_accounted"] == 0
    for t in rep["cells"]["tables"]:
        for c in t["columns"]:
            assert c["balances"], (t["source"], c["column"])
            assert c["non_empty"] == sum(c[k] for k in (
                "imported", "rejected", "duplicates", "left_behind", "filtered", "deferred",
                "blanked", "not_accounted")), (t["source"], c["column"])


def test_cutover_through_the_session_with_the_typed_option(setup, tmp_path):
    export, profile, target = setup
    s = MigrationSession(source_system="clinic")
    s.add_sources([export])
    s.target = target
    s.open_sources([])
    s.load_profile(profile)
    s.prepare_import(no_backup=True).run()
    hmsync_edit(target, "patients", "102", "age", 36)
    s2 = MigrationSession(source_system="clinic")
    s2.add_sources([cutover_export(tmp_path)])
    s2.target = target
    s2.open_sources([])
    s2.load_profile(profile)
    # the validation previews what the import will do (the wizard asks before it)
    preview = s2.validate().delta
    assert [(c.table, c.legacy_id) for c in preview.conflicts] == [("patients", "102")]
    s2.set_on_conflict("hmsync-wins")
    out = s2.prepare_import(no_backup=True).run()
    assert out.result.committed and out.result.passed
    assert hmsync_row(target, "patients", "102", "lastName", "age") == ("Iyer", 36)
    assert out.report["delta"]["conflicts"][0]["resolution"] == "hmsync-wins"
    # decided: the next run finds nothing to ask about
    again = s2.prepare_import(no_backup=True).run()
    assert again.result.delta.conflicts == []
    assert again.report["tables"]["patients"]["unchanged"] == 4
    with pytest.raises(MigrationError, match="legacy-wins, hmsync-wins, skip"):
        s2.set_on_conflict("export-wins")


def test_skip_leaves_a_conflict_to_be_listed_again(setup, tmp_path):
    export, profile, target = setup
    run(export, profile, target)
    hmsync_edit(target, "patients", "102", "age", 36)
    cut = cutover_export(tmp_path)
    for _ in range(2):
        res = run(cut, profile, target, on_conflict="skip")
        assert res.committed and [c.legacy_id for c in res.delta.conflicts] == ["102"]
        assert res.delta.unresolved == 0
    assert hmsync_row(target, "patients", "102", "age") == (36,)


def test_an_edit_in_hmsync_alone_is_kept_and_counted_unchanged(setup):
    export, profile, target = setup
    run(export, profile, target)
    hmsync_edit(target, "visits", "V1", "consultationFee", 999)
    res = run(export, profile, target)
    assert res.committed and res.passed, [c.detail for c in res.verification.failed()]
    assert res.verification.tables["visits"]["unchanged"] == 4
    assert hmsync_row(target, "visits", "V1", "consultationFee") == (999.0,)


def test_a_target_from_a_version_without_fingerprints(setup, tmp_path):
    """Records imported before fingerprints existed: equal ones are fingerprinted, changed
    ones cannot be told apart and are conflicts, and the notes say so."""
    export, profile, target = setup
    run(export, profile, target)
    make_old(target, without=("fingerprint",))
    res = run(cutover_export(tmp_path), profile, target)
    assert res.committed and res.passed
    assert any("kept no fingerprints" in n for n in res.validation.notes)
    p = res.verification.tables["patients"]
    assert (p["unchanged"], p["conflicts"], p["updated"]) == (1, 2, 0)
    assert {c.legacy_id for c in res.delta.conflicts} == {"101", "102", "V2"}
    assert all("without a fingerprint" in c.reason for c in res.delta.conflicts)
    assert hmsync_row(target, "patients", "101", "lastName") == ("Kumar",)
    con = sqlite3.connect(target)
    missing = {r[0] for r in con.execute('SELECT "legacyId" FROM migration_legacy_ids '
                                         "WHERE fingerprint IS NULL")}
    con.close()
    assert missing == {"104", "V4"}  # gone from the export: nothing to fingerprint
    res = run(cutover_export(tmp_path), profile, target)  # now told apart: 101 updated
    assert res.verification.tables["patients"]["updated"] == 0
    assert res.verification.tables["patients"]["unchanged"] == 4


def test_a_file_without_legacy_id_refuses_a_delta_unless_allowed(setup, tmp_path):
    export, profile, target = setup
    p = Profile.load(profile)
    p.table_for("doctors.csv", "doctors").legacy_id = None
    p.table_for("doctors.csv", "doctors").leave_behind = ["doctorId"]  # (read by nothing)
    run(export, p, target)
    with pytest.raises(MigrationError, match=r"doctors.csv \(doctors\): no legacy id column"):
        run(export, p, target)
    res = run(export, p, target, allow_untracked=True)
    assert res.committed
    assert any("cannot be tracked" in n and "--allow-untracked" in n
               for n in res.validation.notes)
    # the command line: refused with one line, exit 2
    text = profile.read_text().replace("    legacy_id: doctorId\n",
                                       "    leave_behind: [doctorId]\n", 1)
    untracked = tmp_path / "untracked.yaml"
    untracked.write_text(text)
    rc, out = cli("run", export, "--target", target, "--profile", untracked, "--no-backup")
    assert rc == 2 and "--allow-untracked" in out


def test_fingerprints_are_stable_and_read_numbers_as_numbers():
    t = known_tables()["visits"]
    a = fingerprints(t, {"consultationFee": [500, None], "notes": ["x", None]})
    b = fingerprints(t, {"notes": ["x", float("nan")], "consultationFee": [500.0, None]})
    assert a == b and len(set(a)) == 2
    assert fingerprints(t, {"notes": ["x"]}) != fingerprints(t, {"diagnosis": ["x"]})
    assert mask("Kumar") == "K****" and mask(None) is None


# --- composite legacy ids ------------------------------------------------------------------
LABS = ["PATIENT,ENCOUNTER,CODE,DATE,VALUE",
        "101,E1,CBC,2022-02-01,13.5",
        "101,E1,LFT,2022-02-01,40",
        "102,E2,CBC,2022-03-01,12",
        "101,E1,CBC,2022-02-01,14.0"]   # 5: the first record's id again


def labs_setup(tmp_path, lines=LABS):
    export = write_export(tmp_path / "labs")
    (export / "labs.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    text = PROFILE + """\
  labs.csv:
    target: pathology_tests
    legacy_id: [PATIENT, ENCOUNTER, CODE, DATE]
    fields:
      patientId: {column: PATIENT}
      testCode: {column: CODE}
      orderedOn: {column: DATE}
      resultValue: {column: VALUE}
"""
    profile = tmp_path / "labs.yaml"
    profile.write_text(text, encoding="utf-8")
    target = tmp_path / "labs.db"
    init_db(target)
    return export, profile, target


def test_a_composite_legacy_id_is_read_stored_and_recognised_again(tmp_path):
    export, profile, target = labs_setup(tmp_path)
    p = Profile.load(profile)
    tm = p.table_for("labs.csv", "labs")
    assert tm.id_columns == ["PATIENT", "ENCOUNTER", "CODE", "DATE"] and tm.legacy_id is None
    assert Profile.from_dict(p.to_dict()).table_for("labs.csv", "labs").legacy_key == \
        tm.legacy_key                                       # saved and loaded as a list
    res = run(export, profile, target)
    assert res.committed
    probs = res.validation.problems
    dup = probs[probs["rule"] == "pathology_tests.id.duplicate"]
    assert dup[["file", "line"]].values.tolist() == [["labs.csv", 5]]
    assert "line 2" in dup["message"].iloc[0]
    assert dup["field"].iloc[0] == "PATIENT + ENCOUNTER + CODE + DATE"
    con = sqlite3.connect(target)
    rows = con.execute('SELECT "legacyId", "legacyIdColumns" FROM migration_legacy_ids WHERE '
                       '"tableName" = \'pathology_tests\' ORDER BY "sourceLine"').fetchall()
    con.close()
    assert rows[0] == ('["101","E1","CBC","2022-02-01"]',
                       '["PATIENT", "ENCOUNTER", "CODE", "DATE"]')
    assert len(rows) == 3
    # stable across runs: the same records are recognised, a corrected value updates
    lines = LABS[:3] + ["102,E2,CBC,2022-03-01,12.5"]
    (export / "labs.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    res = run(export, profile, target)
    s = res.verification.tables["pathology_tests"]
    assert (s["inserted"], s["updated"], s["unchanged"]) == (0, 1, 2)
    assert hmsync_row(target, "pathology_tests", '["102","E2","CBC","2022-03-01"]',
                      "resultValue") == ("12.5",)


def test_composite_ids_keep_parts_apart_and_a_blank_id_is_missing():
    assert composite_id(["a,b", "c"]) != composite_id(["a", "b,c"])
    assert composite_id(['a"', ""]) == '["a\\"",""]'
    assert composite_id(["", None]) == ""


@pytest.mark.parametrize("value, error", [
    ([], None),
    (["patientId"], None),
    (["patientId", "patientId"], "listed twice"),
    ([["x"]], "a column name"),
])
def test_a_legacy_id_list_is_checked(value, error):
    d = {"tables": {"patients.csv": {"target": "patients", "legacy_id": value,
                                     "fields": {"fullName": {"column": "n"}}}}}
    if error:
        with pytest.raises(ProfileError, match=error):
            Profile.from_dict(d)
    else:
        tm = Profile.from_dict(d).tables[0]
        assert tm.id_columns == value and tm.legacy_key == []


def test_a_delta_keeps_the_legacy_id_index_it_looks_records_up_by(setup, tmp_path,
                                                                  monkeypatch):
    """A re-run bringing more records than the map holds still finds each earlier record
    by the map's unique index (dropped for a bulk load, a lookup would read the whole
    map)."""
    export, profile, target = setup
    run(export, profile, target)
    more = PATIENTS + [f"{200 + i},New{i},Person,+9198000{i:05d},30,F" for i in range(12)]
    seen = []
    drop = Migration._drop_indexes_for_bulk_load

    def spy(self, con):
        seen.extend(drop(self, con))
        return seen

    monkeypatch.setattr(Migration, "_drop_indexes_for_bulk_load", spy)
    res = run(write_export(tmp_path / "more", patients=more), profile, target)
    assert res.committed and res.verification.tables["patients"]["inserted"] == 12
    assert not any("uq_legacy_ids" in sql for sql in seen)


def test_a_field_mapped_since_the_last_run_is_an_update_not_a_conflict(setup, tmp_path):
    """The first run left age unmapped; the final sync maps it. Only the fields both runs
    mapped decide what changed where: the new field comes in as an update, HMSync's own
    edits stand, and a record changed on both sides is still a conflict."""
    export, profile, target = setup
    first = Profile.load(profile)
    tm = first.table_for("patients.csv", "patients")
    del tm.fields["age"]
    tm.leave_behind = ["age"]
    assert run(export, first, target).committed
    assert hmsync_row(target, "patients", "103", "age") == (None,)
    hmsync_edit(target, "patients", "103", "phone", "+919833333399")   # in HMSync only
    hmsync_edit(target, "patients", "102", "phone", "+919822222299")   # the export edits 102
    cut = cutover_export(tmp_path)
    res = run(cut, profile, target)
    assert res.committed and res.passed, [c.detail for c in res.verification.failed()]
    p = res.verification.tables["patients"]
    assert (p["inserted"], p["updated"], p["unchanged"], p["conflicts"]) == (1, 2, 0, 1)
    assert [c.legacy_id for c in res.delta.conflicts] == ["102"]
    updates = {c.legacy_id: set(c.fields) for c in res.delta.changes if c.kind == "updated"
               and c.table == "patients"}
    assert updates == {"101": {"lastName", "fullName", "phone", "age"}, "103": {"age"}}
    assert hmsync_row(target, "patients", "103", "phone", "age") == ("+919833333399", 50)
    assert hmsync_row(target, "patients", "101", "lastName", "age") == ("Kumaran", 40)
    assert hmsync_row(target, "patients", "102", "lastName", "age") == ("Iyer", None)
    # the doctors mapped the same fields: nothing to update there
    assert res.verification.tables["doctors"]["unchanged"] == 2
    # the same mapping again: nothing changed, the conflict listed again
    res = run(cut, profile, target)
    p = res.verification.tables["patients"]
    assert (p["inserted"], p["updated"], p["unchanged"], p["conflicts"]) == (0, 0, 3, 1)
    # a field mapped no longer (lastName; fullName still reads its column): nothing changed
    fewer = Profile.load(profile)
    del fewer.table_for("patients.csv", "patients").fields["lastName"]
    res = run(cut, fewer, target)
    p = res.verification.tables["patients"]
    assert (p["updated"], p["unchanged"], p["conflicts"]) == (0, 3, 1)
    assert hmsync_row(target, "patients", "101", "lastName") == ("Kumaran",)


def test_the_project_file_keeps_the_re_runs_choices(tmp_path):
    from wizard.core.errors import ProjectError
    s = MigrationSession(source_system="clinic")
    s.set_on_conflict("skip")
    s.set_allow_untracked(True)
    path = s.save_project(tmp_path / "cutover")
    again = MigrationSession.load_project(path)
    assert again.delta == DeltaOptions(OnConflict.SKIP, True)
    # not chosen: nothing written, nothing read back
    plain = MigrationSession.load_project(MigrationSession().save_project(tmp_path / "p"))
    assert plain.delta == DeltaOptions()
    d = json.loads(path.read_text())
    d["choices"]["on_conflict"] = "export-wins"
    path.write_text(json.dumps(d))
    with pytest.raises(ProjectError, match="on-conflict: 'export-wins' is none of"):
        MigrationSession.load_project(path)


def _map_rows(target) -> list[tuple]:
    con = sqlite3.connect(target)
    try:
        return sorted(con.execute(
            'SELECT "sourceSystem", "tableName", "legacyId", "hmsyncId", "runId", "sourceFile", '
            '"sourceLine", fingerprint, "legacyIdColumns", "fieldSet" FROM migration_legacy_ids'
        ).fetchall(), key=repr)
    finally:
        con.close()


def _shape(target) -> dict:
    con = sqlite3.connect(target)
    try:
        return dict(con.execute("SELECT name, type FROM sqlite_master WHERE name LIKE "
                                "'%legacy%'").fetchall())
    finally:
        con.close()


def test_a_target_an_earlier_version_made_is_read_rerun_and_synced(setup, tmp_path):
    """A map kept as earlier versions kept it (one table, its texts on every row): read as
    it is, turned into the lean tables by the next run with every row kept (the run finds
    nothing new), and a delta sync afterwards updates what changed."""
    export, profile, target = setup
    assert run(export, profile, target).committed
    before = _map_rows(target)
    assert make_old(target) == len(before) == 10
    assert _shape(target) == {"migration_legacy_ids": "table", "uq_legacy_ids": "index"}
    assert _map_rows(target) == before
    rc, out = cli("verify", target)  # read-only: the old table read as it is
    assert rc == 0, out
    assert _shape(target)["migration_legacy_ids"] == "table"

    again = run(export, profile, target)  # the same export: nothing new, nothing changed
    assert again.committed and again.passed
    assert {t: (s["imported"], s["unchanged"]) for t, s in again.verification.tables.items()
            } == {"doctors": (0, 2), "patients": (0, 4), "visits": (0, 4)}
    assert _map_rows(target) == before  # every row, its HMSync id and fingerprint kept
    shape = _shape(target)
    assert shape["migration_legacy_ids"] == "view" and "uq_legacy_ids" not in shape
    assert {"migration_legacy_map", "migration_legacy_scopes", "migration_legacy_files",
            "uq_legacy_map"} <= set(shape)

    res = run(cutover_export(tmp_path), profile, target)
    assert res.committed and res.passed
    assert res.verification.tables["patients"]["updated"] == 2
    assert hmsync_row(target, "patients", "101", "lastName") == ("Kumaran",)
    assert hmsync_row(target, "patients", "105", "lastName") is not None


def test_an_upgrade_stopped_midway_leaves_the_old_table(setup, tmp_path, monkeypatch):
    """The map is turned lean inside the run's transaction: a run that stops after it
    leaves the earlier version's table exactly as it was."""
    from wizard.core import engine
    export, profile, target = setup
    assert run(export, profile, target).committed
    make_old(target)
    before = _map_rows(target)

    def stop(*a, **k):
        raise MigrationError("stopped on purpose")

    monkeypatch.setattr(engine.Migration, "_ready_for_load", stop)
    with pytest.raises(MigrationError):
        run(cutover_export(tmp_path), profile, target)
    assert _shape(target) == {"migration_legacy_ids": "table", "uq_legacy_ids": "index"}
    assert _map_rows(target) == before
