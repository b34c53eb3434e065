"""The validation page on a dirty export with known defects: the counts shown, decisions
per rule and per record, re-validation, export, and re-validation after going back."""
from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt

from wizard.gui.pages import PageId
from wizard.core.mapping import Exclusion
from wizard.core.session import MigrationSession

from .helpers import go_next, wait_page

pytestmark = pytest.mark.gui


def table_row(page, name):
    m = page.tables_model
    for r in range(m.rowCount()):
        v = m.row_values(r)
        if v["HMSync table"] == name:
            return v
    raise KeyError(name)


def rules_shown(page):
    m = page.rules_model
    return {m.row_values(r)["Code"]: int(m.row_values(r)["Records"].replace(",", ""))
            for r in range(m.rowCount())}


def open_validation(qtbot, make_wizard, dirty):
    export, db = dirty
    session = MigrationSession(source_system="hcplus")
    session.source_paths = [export.folder]
    session.target = db.resolve()
    wiz = make_wizard(session)
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES, PageId.MAPPING):
        go_next(qtbot, wiz, pid)
    val = wiz.page(PageId.VALIDATION)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    return wiz, val, export


def select_rule(qtbot, val, code):
    m = val.rules_model
    for r in range(m.rowCount()):
        if m.row_values(r)["Code"] == code:
            val.rules_view.setCurrentIndex(m.index(r, 0))
            return
    raise KeyError(code)


def revalidate(qtbot, wiz, val):
    assert not val.isComplete()          # Next waits for the new check
    qtbot.mouseClick(val.revalidate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)


def test_counts_match_the_known_defects(qtbot, make_wizard, dirty, answers):
    wiz, val, export = open_validation(qtbot, make_wizard, dirty)
    for t in ("patients", "doctors", "visits"):
        row = table_row(val, t)
        assert int(row["Records"]) == export.rows[t]
        assert int(row["Rejected"]) == export.rejected[t]
        assert int(row["Import"]) == export.rows[t] - export.rejected[t]
    assert rules_shown(val) == export.defects
    total = sum(export.defects.values())
    assert val.count.text() == f"{total} problems"
    assert val.banner.state() == "warning"
    # filters: severity + rule, then text
    val.set_filters(rule="patients.gender.enum")
    assert val.problems.rowCount() == 2
    assert {val.problems.problem(r)["value"] for r in range(2)} == {"X"}
    val.set_filters(rule="", text="999999")
    assert val.problems.rowCount() == export.defects["visits.patientId.missing_parent"]
    # sorting by line, both ways
    val.set_filters(text="", table="visits")
    line_col = 2
    val.problems_view.sortByColumn(line_col, Qt.SortOrder.DescendingOrder)
    lines = [val.problems.problem(r)["line"] for r in range(val.problems.rowCount())]
    assert lines == sorted(lines, reverse=True)
    # Next waits for the acknowledgement
    assert not val.isComplete()
    val.ack.setChecked(True)
    assert val.isComplete()


def test_rule_and_record_decisions_revalidate(qtbot, make_wizard, dirty, answers):
    wiz, val, export = open_validation(qtbot, make_wizard, dirty)
    # a locked rule (HMSync cannot store a patient without a phone) cannot be relaxed
    select_rule(qtbot, val, "patients.phone.required")
    assert val.problems.filters()["rule"] == "patients.phone.required"
    assert val.problems.rowCount() == 3
    assert not val.rule_warning.isEnabled() and not val.rule_off.isEnabled()
    assert "cannot be relaxed" in val.rule_note.text()
    # age out of range: import them anyway, as warnings
    select_rule(qtbot, val, "patients.age.range")
    assert val.rule_warning.isEnabled()
    visits_rejected_before = int(table_row(val, "visits")["Rejected"])
    qtbot.mouseClick(val.rule_warning, Qt.MouseButton.LeftButton)
    assert wiz.session.profile.rules["patients.age.range"] == "warning"
    assert val.banner.state() == "warning" and "Re-validate" in val.banner.text()
    revalidate(qtbot, wiz, val)
    row = table_row(val, "patients")
    assert int(row["Rejected"]) == export.rejected["patients"] - 3
    assert int(row["Warnings"]) == 3
    assert int(table_row(val, "visits")["Rejected"]) < visits_rejected_before
    # leave one record out
    val.set_filters(rule="visits.consultationFee.range")
    val.problems_view.selectRow(0)
    problem = val.problems.problem(0)
    qtbot.waitUntil(lambda: val.exclude.isEnabled())
    qtbot.mouseClick(val.exclude, Qt.MouseButton.LeftButton)
    assert Exclusion("visits", problem["legacy_id"]) in wiz.session.profile.exclude
    revalidate(qtbot, wiz, val)
    assert rules_shown(val)["visits.record.excluded"] == 1
    # back to the mapping and forward again: validated again
    key = wiz.session.validation_key
    wiz.back()
    mapping = wait_page(qtbot, wiz, PageId.MAPPING)
    mapping.select_table("visits.csv")
    mapping.set_field_source("notes", None)
    go_next(qtbot, wiz, PageId.MAPPING)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    assert wiz.session.validation_key != key


def test_export_problems_and_rejected_records(qtbot, make_wizard, dirty, answers, tmp_path):
    wiz, val, export = open_validation(qtbot, make_wizard, dirty)
    out = tmp_path / "out"
    answers.push("save_file", str(out / "problems.csv"))
    qtbot.mouseClick(val.export_problems, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not val.busy, timeout=30_000)
    with open(out / "problems.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(export.defects.values())
    answers.push("open_folder", str(out))
    qtbot.mouseClick(val.export_rejected, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not val.busy, timeout=30_000)
    with open(out / "visits.rejected.csv", encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == export.rejected["visits"]
    assert (out / "patients.rejected.csv").is_file()
    assert answers.errors() == []


def test_the_runs_notes_are_shown_beside_the_problems(qtbot, make_wizard, dirty, answers):
    """A column no field reads is not imported: the page says so (it was in the command
    line's output and the report only)."""
    export, db = dirty
    p = export.folder / "patients.csv"
    with open(p, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    with open(p, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([r + (["insuranceNo"] if i == 0 else [f"INS-{i}"])
                                 for i, r in enumerate(rows)])
    wiz, val, _ = open_validation(qtbot, make_wizard, dirty)
    assert val.notes.isVisible()
    assert ("Note: patients.csv: 1 column(s) not mapped to any HMSync field, so their values "
            "are not imported: insuranceNo") in val.notes.text()


# --- read by a non-programmer on a laptop's screen ---------------------------------------------
def _visible_rows(view) -> int:
    return view.viewport().height() // view.verticalHeader().defaultSectionSize()


def _shot(widget, name):
    """Saved where HMSYNC_WIZARD_SHOTS points (to look at them), nowhere otherwise."""
    import os
    folder = os.environ.get("HMSYNC_WIZARD_SHOTS")
    if folder:
        widget.grab().save(os.path.join(folder, name))


@pytest.mark.parametrize("size", [(1280, 720), (1024, 640)])
def test_problems_read_in_full_without_scrolling_sideways(qtbot, make_wizard, dirty, answers,
                                                          size):
    wiz, val, export = open_validation(qtbot, make_wizard, dirty)
    wiz.resize(*size)
    assert wiz.minimumSize().width() <= size[0], "the page does not fit the screen's width"
    qtbot.waitUntil(lambda: wiz.width() == size[0])
    qtbot.wait(50)
    _shot(wiz, f"validation-{size[0]}x{size[1]}.png")
    # rules in words, the code beside them; a cascade's rule after the rules of their own
    titles = [val.rules_model.row_values(r)["Rule"] for r in range(val.rules_model.rowCount())]
    assert "Patients: age is outside the allowed range" in titles
    assert titles[-1] == "Visits: left out because its patient was left out"
    h = val.rules_view.horizontalHeader()
    fm = val.rules_view.fontMetrics()
    widest = max(fm.horizontalAdvance(t) for t in titles)
    assert h.sectionSize(0) >= widest, "a rule's words are cut off"
    assert h.sectionViewportPosition(0) + h.sectionSize(0) <= val.rules_view.viewport().width()
    assert _visible_rows(val.rules_view) >= 4
    assert _visible_rows(val.problems_view) >= 5
    # the problem in words is the list's first column, and in view
    ph = val.problems_view.horizontalHeader()
    assert val.problems.headerData(0, Qt.Orientation.Horizontal) == "Problem"
    assert ph.sectionViewportPosition(0) == 0
    assert ph.sectionSize(0) >= val.problems_view.fontMetrics().horizontalAdvance("x" * 24)
    # a cascade: its cause named, and the cause's pane says what else it leaves out
    m = val.problems
    casc = next(r for r in range(m.rowCount()) if m.problem(r)["root"] >= 0)
    val.problems_view.selectRow(casc)
    qtbot.waitUntil(lambda: val.record_model.rowCount() > 0)
    p = m.problem(casc)
    assert p["message"].startswith("left out because its patient was: patients.csv line ")
    text = val.detail.text()
    assert "What to do:" in text and val.show_cause.isVisible()
    # wrapped in its pane: nothing to scroll sideways
    assert val.detail.width() <= val.detail.parentWidget().width()
    _shot(wiz, f"validation-cascade-{size[0]}x{size[1]}.png")
    qtbot.mouseClick(val.show_cause, Qt.MouseButton.LeftButton)
    root = m.problem(val.problems_view.currentIndex().row())
    assert root["index"] == p["root"] and root["table"] == "patients"
    assert "Because of this, also left out:" in val.detail.text()
    assert val.show_consequences.isVisible()
    qtbot.mouseClick(val.show_consequences, Qt.MouseButton.LeftButton)
    shown = [m.problem(r) for r in range(m.rowCount())]
    assert shown and all(x["root"] == root["index"] or x["index"] == root["index"]
                         for x in shown)
    assert sum(x["root"] == root["index"] for x in shown) == \
        sum(m.cascades.consequences[root["index"]].values())
    assert val.cause_bar.isVisible() and val.count.text().startswith(f"{len(shown)} of ")
    qtbot.waitUntil(lambda: val.record_model.rowCount() > 0)   # the cause's own record
    _shot(wiz, f"validation-cause-{size[0]}x{size[1]}.png")
    qtbot.mouseClick(val.show_all, Qt.MouseButton.LeftButton)
    assert m.rowCount() == m.total and not val.cause_bar.isVisible()


def test_warning_says_what_it_does_to_the_record(qtbot, make_wizard, dirty, answers):
    wiz, val, export = open_validation(qtbot, make_wizard, dirty)
    select_rule(qtbot, val, "patients.age.range")
    assert "import the record with age as it is" in val.rule_warning.toolTip()
    assert "Warning would import the record with age as it is" in val.rule_note.text()
    # the banner counts the records left out only because of another's problem
    casc = export.defects["visits.patientId.rejected_parent"]
    assert f"({casc} of them only because a record they refer to was left out)" in \
        val.banner.text()


def _patients_with_date(qtbot, make_wizard, demo, tmp_path, last_date):
    """Nine patients, the last registered on ``last_date``, walked to the validation."""
    _, db = demo
    export = tmp_path / "clinic"
    export.mkdir()
    rows = [f"P{i},Name{i},Last{i},+9198{i:08d},30,F,Street {i},2021-03-{i + 1:02d}"
            for i in range(1, 9)] + [f"P9,Name9,Last9,+919800000009,30,F,Street 9,{last_date}"]
    (export / "patients.csv").write_text(
        "patientId,firstName,lastName,phoneNumber,age,gender,address,registrationDate\n"
        + "\n".join(rows) + "\n", encoding="utf-8")
    session = MigrationSession(source_system="hcplus")
    session.source_paths = [export]
    session.target = db.resolve()
    wiz = make_wizard(session)
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES, PageId.MAPPING):
        go_next(qtbot, wiz, pid)
    val = wiz.page(PageId.VALIDATION)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    return wiz, val


def test_a_date_problem_offers_the_controls_that_change_how_dates_are_read(
        qtbot, make_wizard, demo, answers, tmp_path):
    """An Excel day number among real dates: the page says so, one button reads the
    field's numbers as day numbers (checked again at once), another goes to the field on
    the mapping page: no YAML instruction."""
    wiz, val = _patients_with_date(qtbot, make_wizard, demo, tmp_path, "45213")
    assert rules_shown(val) == {"patients.registrationDate.format": 1}
    val.problems_view.selectRow(0)
    text = val.detail.text()
    assert "45213 looks like an Excel day number" in text and "Day/month" in text
    assert "Deciding “Warning” for its rule would import the record with registration " \
        "date left empty" in text
    assert val.excel_days.isVisible() and val.to_mapping.isVisible()
    # back to the field on the mapping page, and forward again
    qtbot.mouseClick(val.to_mapping, Qt.MouseButton.LeftButton)
    mp = wiz.page(PageId.MAPPING)
    assert wiz.currentId() == PageId.MAPPING and mp.current_source() == "patients.csv"
    assert mp.model.field_at(mp.view.currentIndex().row()).name == "registrationDate"
    go_next(qtbot, wiz, PageId.MAPPING)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    val.problems_view.selectRow(0)
    qtbot.mouseClick(val.excel_days, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    assert wiz.session.validation.problems.empty
    fm = wiz.session.table_map("patients.csv").fields["registrationDate"]
    assert fm.typed_steps[-1].excel_serial is True


def test_warning_stores_the_value_empty_and_verification_lists_it(
        qtbot, make_wizard, demo, answers, tmp_path):
    import sqlite3
    wiz, val = _patients_with_date(qtbot, make_wizard, demo, tmp_path, "someday")
    select_rule(qtbot, val, "patients.registrationDate.format")
    assert "import the record with registration date left empty" in \
        val.rule_warning.toolTip()
    qtbot.mouseClick(val.rule_warning, Qt.MouseButton.LeftButton)
    revalidate(qtbot, wiz, val)
    assert val.isComplete()                       # a warning: nothing is left out
    go_next(qtbot, wiz, PageId.VALIDATION)
    bp = wiz.page(PageId.BACKUP)
    bp.back_up()
    go_next(qtbot, wiz, PageId.BACKUP)
    ip = wiz.page(PageId.IMPORT)
    ip.start_import()
    go_next(qtbot, wiz, PageId.IMPORT, timeout=120_000)
    vf = wait_page(qtbot, wiz, PageId.VERIFICATION)
    assert vf.passed and vf.blanked_box.isVisible()
    wiz.resize(1280, 720)
    qtbot.waitUntil(lambda: wiz.width() == 1280)
    _shot(wiz, "verification-blanked-1280x720.png")
    rows = [vf.blanked_model.row_values(r) for r in range(vf.blanked_model.rowCount())]
    assert [(r["Field left empty"], r["Legacy value"], r["Line"], r["Legacy id"])
            for r in rows] == [("registrationDate", "someday", "10", "P9")]
    con = sqlite3.connect(wiz.session.target)
    try:
        got = con.execute('SELECT p."registrationDate" FROM patients p JOIN '
                          'migration_legacy_ids l ON l."hmsyncId" = p.id WHERE '
                          'l."legacyId" = \'P9\'').fetchall()
    finally:
        con.close()
    assert got == [(None,)]


def test_fix_in_place_rechecks_imports_and_reports_the_correction(
        qtbot, make_wizard, dirty, answers):
    import sqlite3

    import yaml

    from wizard.core.mapping import Profile
    wiz, val, export = open_validation(qtbot, make_wizard, dirty)
    before = (export.folder / "patients.csv").read_bytes()
    val.set_filters(rule="patients.age.range")
    val.problems_view.selectRow(0)
    p = val.problems.problem(0)
    qtbot.waitUntil(lambda: val.record_model.rowCount() > 0 and val.fix.isEnabled())
    casc = val.problems.cascades.consequences.get(p["index"], {}).get("visits", 0)
    wiz.resize(1280, 720)
    qtbot.waitUntil(lambda: wiz.width() == 1280)
    qtbot.wait(100)     # the page fits its parts to the new size once the events are in
    _shot(wiz, "fix-in-place-1280x720.png")
    answers.push("ask_text", "45")
    qtbot.mouseClick(val.fix, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    shown = rules_shown(val)
    assert shown["patients.age.range"] == export.defects["patients.age.range"] - 1
    assert shown.get("visits.patientId.rejected_parent", 0) == \
        export.defects["visits.patientId.rejected_parent"] - casc
    fixes = wiz.session.corrections_of(p["file"], p["line"])
    assert fixes["age"].before == "200" and fixes["age"].after == "45"
    # through to HMSync, the report and the audit trail
    val.ack.setChecked(True)
    go_next(qtbot, wiz, PageId.VALIDATION)
    wiz.page(PageId.BACKUP).back_up()
    go_next(qtbot, wiz, PageId.BACKUP)
    wiz.page(PageId.IMPORT).start_import()
    go_next(qtbot, wiz, PageId.IMPORT, timeout=120_000)
    vf = wait_page(qtbot, wiz, PageId.VERIFICATION)
    assert vf.passed
    rep = wiz.session.run_report
    assert [(c["file"], c["line"], c["column"], c["before"], c["after"])
            for c in rep["manual_corrections"]] == [(p["file"], p["line"], "age", "200", "45")]
    assert rep["manual_corrections"][0]["who"] and rep["manual_corrections"][0]["when"]
    con = sqlite3.connect(wiz.session.target)
    try:
        age = con.execute('SELECT p.age FROM patients p JOIN migration_legacy_ids l ON '
                          'l."hmsyncId" = p.id WHERE l."legacyId" = ?',
                          (p["legacy_id"],)).fetchone()
        trail = con.execute("SELECT profile FROM migration_runs").fetchone()[0]
    finally:
        con.close()
    assert age == (45,)
    assert [c.after for c in Profile.from_dict(yaml.safe_load(trail)).corrections] == ["45"]
    assert (export.folder / "patients.csv").read_bytes() == before


def test_same_person_clusters_reviewed_and_decided_through_to_the_import(
        qtbot, make_wizard, demo, answers, tmp_path):
    import sqlite3

    from wizard.core import persons
    _, db = demo
    export = tmp_path / "clinic"
    export.mkdir()
    (export / "patients.csv").write_text(
        "patientId,firstName,lastName,phoneNumber,age,gender,address,registrationDate\n"
        "P1,John,Smith,+919812345670,40,M,1 MG Road,2021-03-04\n"
        "P2,Jon,Smith,+919812345670,40,M,1 MG Road,2021-03-05\n"
        "P3,Asha,Rao,+919812345671,30,F,5 Park Street,2021-03-06\n"
        "P4,Aasha,Rao,+919812345679,30,F,5 Park St,2021-03-07\n"
        "P5,Ravi,Kumar,+919812345672,52,M,9 Lake View,2021-03-08\n", encoding="utf-8")
    session = MigrationSession(source_system="hcplus")
    session.source_paths = [export]
    session.target = db.resolve()
    wiz = make_wizard(session)
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES, PageId.MAPPING):
        go_next(qtbot, wiz, pid)
    val = wiz.page(PageId.VALIDATION)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    assert rules_shown(val) == {}             # alike is not equal: nothing said yet
    wiz.resize(1280, 720)
    qtbot.mouseClick(val.same_person, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: val.persons_dialog is not None, timeout=60_000)
    dlg = val.persons_dialog
    assert [c.ids for c in dlg.clusters] == [("P1", "P2"), ("P3", "P4")]
    assert dlg.groups_model.row_values(0)["Decision"] == "not decided"
    dlg.groups.selectRow(0)
    dlg.select_member("P1")
    _shot(dlg, "same-person-review.png")
    qtbot.mouseClick(dlg.merge, Qt.MouseButton.LeftButton)
    assert dlg.groups_model.row_values(0)["Decision"] == "merge into P1"
    dlg.groups.selectRow(1)
    qtbot.mouseClick(dlg.keep_both, Qt.MouseButton.LeftButton)
    dlg.accept()
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    decided = wiz.session.profile.person_decisions
    assert [(d.ids, d.decision, d.keep) for d in decided] == [
        (("P1", "P2"), persons.MERGE, "P1"), (("P3", "P4"), persons.KEEP_BOTH, "")]
    assert rules_shown(val) == {"patients.record.excluded": 1}    # P2, merged into P1
    val.ack.setChecked(True)
    go_next(qtbot, wiz, PageId.VALIDATION)
    wiz.page(PageId.BACKUP).back_up()
    go_next(qtbot, wiz, PageId.BACKUP)
    wiz.page(PageId.IMPORT).start_import()
    go_next(qtbot, wiz, PageId.IMPORT, timeout=120_000)
    vf = wait_page(qtbot, wiz, PageId.VERIFICATION)
    assert vf.passed
    assert [d["decision"] for d in wiz.session.run_report["person_decisions"]] == \
        ["merge", "keep_both"]
    con = sqlite3.connect(wiz.session.target)
    try:
        ids = {r[0] for r in con.execute('SELECT "legacyId" FROM migration_legacy_ids WHERE '
                                         '"tableName" = \'patients\'')}
        trail = con.execute("SELECT profile FROM migration_runs").fetchone()[0]
    finally:
        con.close()
    assert ids == {"P1", "P3", "P4", "P5"}
    assert "person_decisions" in trail and "merge" in trail
