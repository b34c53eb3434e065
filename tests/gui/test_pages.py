"""Single pages: the project file and recent projects, the target's schema check, unreadable
files and drag and drop, the mapping's blocking reasons, transforms and profiles."""
from __future__ import annotations

import json
import os
import re
import sqlite3

import pandas as pd
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QScrollArea, QWizard

from wizard.core.schema import init_db
from wizard.gui import settings
from wizard.gui.models.dataframe import BAD_BG
from wizard.gui.models import OptionsRole, ValueRole
from wizard.gui.models.mapping import SOURCE
from wizard.gui.pages import PageId
from wizard.core.session import MigrationSession

from .helpers import go_next, wait_page

pytestmark = pytest.mark.gui


def plan_for(export, db, system="hcplus"):
    session = MigrationSession(source_system=system)
    session.source_paths = [export]
    session.target = db.resolve()
    return session


# --- project files ------------------------------------------------------------------------
def test_project_saves_and_reopens_the_work(qtbot, make_wizard, answers, demo, tmp_path):
    export, db = demo
    wiz = make_wizard(plan_for(export, db))
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES):
        go_next(qtbot, wiz, pid)
    mapping = wait_page(qtbot, wiz, PageId.MAPPING)
    mapping.select_table("patients.csv")
    mapping.set_field_source("address", None)
    # a column with values no field reads is decided about (here: left behind)
    assert not mapping.isComplete()
    wiz.session.set_left_behind("patients.csv", "address", True)
    wiz.session.set_rule("patients.age.range", "warning")
    project = tmp_path / "clinic"
    answers.push("save_file", str(project))
    qtbot.mouseClick(wiz.button(QWizard.WizardButton.CustomButton1), Qt.MouseButton.LeftButton)
    saved = tmp_path / "clinic.hmsync-migration"
    assert saved.is_file() and not wiz.session.dirty
    d = json.loads(saved.read_text(encoding="utf-8"))
    assert d["target"] == str(db.resolve()) and d["sources"] == [str(export.resolve())]
    assert "address" not in d["profile"]["tables"]["patients.csv"]["fields"]
    assert d["profile"]["tables"]["patients.csv"]["leave_behind"] == ["address"]
    assert d["profile"]["rules"] == {"patients.age.range": "warning"}
    assert settings.recent_projects() == [saved.resolve()]
    assert "clinic" in wiz.windowTitle()

    # a new window: the project is among the recent ones and opens where it was left
    wiz2 = make_wizard()
    start = wiz2.page(PageId.START)
    assert start.recent.count() == 1
    start.recent.setCurrentRow(0)
    assert start.open.isChecked() and start.path.text() == str(saved.resolve())
    go_next(qtbot, wiz2, PageId.START)
    assert wiz2.session.project_path == saved.resolve() or wiz2.session.project_path == saved
    target = wait_page(qtbot, wiz2, PageId.TARGET)
    assert target.path.text() == str(db.resolve())
    go_next(qtbot, wiz2, PageId.TARGET)
    go_next(qtbot, wiz2, PageId.SOURCES)
    m2 = wait_page(qtbot, wiz2, PageId.MAPPING)
    m2.select_table("patients.csv")
    assert m2.model.data(m2.model.index(m2.model.row_of("address"), SOURCE)) == "(not mapped)"
    assert wiz2.session.profile.rules == {"patients.age.range": "warning"}


def test_bad_project_file_is_refused_in_plain_words(qtbot, make_wizard, answers, tmp_path):
    bad = tmp_path / "x.hmsync-migration"
    bad.write_text("{not json", encoding="utf-8")
    wiz = make_wizard()
    start = wiz.page(PageId.START)
    start.open.setChecked(True)
    start.path.setText(str(bad))
    wiz.next()
    assert wiz.currentId() == PageId.START
    assert "not a migration project file" in answers.errors()[-1]


def test_window_geometry_is_remembered_in_the_test_settings(qtbot, make_wizard, answers,
                                                            isolated_settings):
    wiz = make_wizard()
    wiz.resize(760, 560)       # fits the offscreen screen (restoreGeometry keeps it on it)
    wiz.close()
    assert isolated_settings.is_file()
    assert "geometry" in isolated_settings.read_text(encoding="utf-8")
    wiz2 = make_wizard()
    assert (wiz2.width(), wiz2.height()) == (760, 560)


# --- target -------------------------------------------------------------------------------
def test_target_schema_differences_are_shown_and_upgraded(qtbot, make_wizard, answers,
                                                            tmp_path):
    old = tmp_path / "old.db"
    init_db(old, version=1)              # an older HMSync: no doctors.department
    wiz = make_wizard(MigrationSession())
    go_next(qtbot, wiz, PageId.START)
    page = wiz.page(PageId.TARGET)
    page.path.setText(str(old))
    page._path_edited()
    wait_page(qtbot, wiz, PageId.TARGET)
    assert page.banner.state() == "warning"
    assert "doctors.department is missing" in page.banner.text()
    rows = {page.model.row_values(r)["Table"]: page.model.row_values(r)["Schema"]
            for r in range(page.model.rowCount())}
    assert "department is missing" in rows["doctors"] and rows["patients"] == "matches"
    assert page.upgrade.isVisible()
    # bring it up to date: backed up first, then the column is added
    wiz.session.backup_dir = tmp_path / "backups"
    page.upgrade.click()
    assert "Back up and upgrade" not in answers.errors()
    qtbot.waitUntil(lambda: not page.busy and wiz.session.target_info is not None and
                    wiz.session.target_info.matches, timeout=30_000)
    con = sqlite3.connect(old)
    cols = {r[1] for r in con.execute("PRAGMA table_info(doctors)")}
    con.close()
    assert "department" in cols
    assert list((tmp_path / "backups").glob("backup-*.db"))
    assert page.banner.state() == "ok" and not page.upgrade.isVisible()
    assert answers.errors() == []


def test_target_that_is_not_hmsync_blocks_next(qtbot, make_wizard, answers, tmp_path):
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    notdb = tmp_path / "notes.db"
    notdb.write_text("hello, this is not a database " * 50, encoding="utf-8")
    wiz = make_wizard(MigrationSession())
    go_next(qtbot, wiz, PageId.START)
    page = wiz.page(PageId.TARGET)
    answers.push("open_file", str(other))
    page.browse.click()
    qtbot.waitUntil(lambda: not page.busy and wiz.session.target_info is not None)
    assert page.banner.state() == "error" and "not an HMSync database" in page.banner.text()
    assert not page.isComplete()
    answers.push("open_file", str(notdb))
    page.browse.click()
    qtbot.waitUntil(lambda: not page.busy and page.banner.state() == "error" and
                    "cannot be opened" in page.banner.text())
    assert not page.isComplete()


def test_create_a_new_database(qtbot, make_wizard, answers, tmp_path):
    wiz = make_wizard(MigrationSession())
    go_next(qtbot, wiz, PageId.START)
    page = wiz.page(PageId.TARGET)
    answers.push("save_file", str(tmp_path / "fresh"))
    page.create.click()
    wait_page(qtbot, wiz, PageId.TARGET)
    assert (tmp_path / "fresh.db").is_file()
    assert page.banner.state() == "ok"
    # never over an existing database
    answers.push("save_file", str(tmp_path / "fresh.db"))
    page.create.click()
    assert "never overwrites" in answers.errors()[-1]


# --- sources -----------------------------------------------------------------------------
def test_unreadable_files_are_listed_with_the_reason(qtbot, make_wizard, answers, demo,
                                                     tmp_path):
    export, db = demo
    (export / "empty.csv").write_bytes(b"")
    (export / "blob.csv").write_bytes(b"\x00\x01\x02binary" * 100)
    wiz = make_wizard(plan_for(export, db))
    go_next(qtbot, wiz, PageId.START)
    go_next(qtbot, wiz, PageId.TARGET)
    page = wait_page(qtbot, wiz, PageId.SOURCES)
    m = page.model
    errors = {m.item(r).path.name: m.data(m.index(r, 6)) for r in range(m.rowCount())
              if m.kind(r) == "error"}
    assert errors == {"empty.csv": "the file is empty",
                      "blob.csv": "this is not a text export (it contains binary data)"}
    assert page.banner.state() == "warning" and "cannot be read" in page.banner.text()
    assert page.isComplete()                      # the readable tables can go ahead
    # selecting an unreadable file says why instead of a preview
    page.view.selectRow(m.rowCount() - 1)
    assert "cannot be read" in page.preview_label.text()


def test_files_dropped_on_the_page_are_added(qtbot, make_wizard, answers, demo, tmp_path):
    export, db = demo
    session = MigrationSession(source_system="x")
    session.target = db.resolve()
    wiz = make_wizard(session)
    go_next(qtbot, wiz, PageId.START)
    go_next(qtbot, wiz, PageId.TARGET)
    page = wiz.page(PageId.SOURCES)
    assert not page.isComplete()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(export / "patients.csv")),
                  QUrl.fromLocalFile(str(export / "doctors.csv"))])
    ev = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                    Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    page.dropEvent(ev)
    wait_page(qtbot, wiz, PageId.SOURCES)
    assert {t.name for t in wiz.session.tables} == {"patients.csv", "doctors.csv"}
    # a table can be left out, or fed into another HMSync table
    m = page.model
    r = m.row_of("doctors.csv")
    m.setData(m.index(r, 5), None, ValueRole)
    assert wiz.session.table_map("doctors.csv") is None
    assert m.data(m.index(m.row_of("doctors.csv"), 5)) == "(not imported)"
    m.setData(m.index(m.row_of("doctors.csv"), 5), "doctors", ValueRole)
    assert wiz.session.table_map("doctors.csv").target == "doctors"
    # remove a file
    page.view.selectRow(m.row_of("doctors.csv"))
    page.remove.click()
    wait_page(qtbot, wiz, PageId.SOURCES)
    assert {t.name for t in wiz.session.tables} == {"patients.csv"}


# --- mapping ---------------------------------------------------------------------------------
def test_required_field_unmapped_blocks_next_with_a_reason(qtbot, make_wizard, answers, demo):
    export, db = demo
    wiz = make_wizard(plan_for(export, db))
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES):
        go_next(qtbot, wiz, pid)
    page = wait_page(qtbot, wiz, PageId.MAPPING)
    page.select_table("patients.csv")
    idx = page.model.index(page.model.row_of("phone"), SOURCE)
    page.model.setData(idx, "", ValueRole)
    assert not page.isComplete()
    assert not wiz.button(QWizard.WizardButton.NextButton).isEnabled()
    assert page.banner.state() == "error"
    assert "required HMSync field patients.phone is not mapped" in page.banner.text()
    assert page.model.data(page.model.index(page.model.row_of("phone"), 4)) == "required"
    page.model.setData(idx, "c:phoneNumber", ValueRole)
    assert page.isComplete() and page.banner.state() == "ok"
    # the new choice gets the transform its type needs
    fm = wiz.session.table_map("patients.csv").fields["phone"]
    assert fm.steps == [{"phone": {"region": "IN"}}] and fm.reason == "chosen by you"


def test_transforms_change_the_live_preview(qtbot, make_wizard, answers, demo, tmp_path):
    export, db = demo
    wiz = make_wizard(plan_for(export, db))
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES):
        go_next(qtbot, wiz, pid)
    page = wait_page(qtbot, wiz, PageId.MAPPING)
    page.select_table("patients.csv")
    ed = page.editor
    # date order: month first turns 16/02/2022 into a bad value
    page.view.selectRow(page.model.row_of("registrationDate"))
    assert ed.date_order.isVisible() and ed.date_order.currentData() == "DMY"
    frame = page.preview_model.frame
    line = list(frame["__line__"]).index(3)            # 16/02/2022 in the demo export
    assert frame["registrationDate"].iloc[line] == "2022-02-16"
    fm = wiz.session.table_map("patients.csv").fields["registrationDate"]
    fm.steps = [{"date": {"order": "DMY", "timezone": "Asia/Kolkata"}}]
    ed.date_order.setCurrentIndex(ed.date_order.findData("MDY"))
    ed.date_order.activated.emit(ed.date_order.currentIndex())
    assert fm.steps == [{"date": {"order": "MDY", "timezone": "Asia/Kolkata"}}]  # zone kept
    page._update_preview()
    frame = page.preview_model.frame
    # the value that fails is shown as the file has it, in red, on the column in focus
    assert frame["registrationDate"].iloc[line] == "16/02/2022"
    pm = page.preview_model
    cell = pm.index(line, pm.column_of("registrationDate"))
    assert pm.data(cell, Qt.ItemDataRole.BackgroundRole).color() == BAD_BG
    assert pm.focus == "registrationDate" and not page.preview.selectionModel().hasSelection()
    assert "cannot be converted" in pm.data(cell, Qt.ItemDataRole.ToolTipRole)
    said = page.model.data(page.model.index(page.model.row_of("registrationDate"), 3))
    assert re.search(r"; (1 sample value fails|\d+ sample values fail)$", said), said
    # value map: 'Female' becomes O instead of F
    page.view.selectRow(page.model.row_of("gender"))
    assert ed.values_view.isVisible()
    vm = ed.values
    row = next(i for i, (v, _) in enumerate(vm.rows) if v == "Female")
    assert vm.data(vm.index(row, 2)) == "F"
    vm.setData(vm.index(row, 2), "O", ValueRole)
    page._update_preview()
    fm = wiz.session.table_map("patients.csv").fields["gender"]
    assert [s for s in fm.steps if "map" in s][0]["map"]["female"] == "O"
    # save and load the profile
    answers.push("save_file", str(tmp_path / "profile"))
    page.save.click()
    assert (tmp_path / "profile.yaml").is_file()
    page.set_field_source("address", None)
    answers.push("open_file", str(tmp_path / "profile.yaml"))
    page.load.click()
    assert "address" in wiz.session.table_map("patients.csv").fields
    assert wiz.session.table_map("patients.csv").fields["gender"].steps[0]["map"]["female"] == "O"
    assert answers.errors() == []


# --- keyboard ------------------------------------------------------------------------------
def focus_chain(first, count):
    out, w = [], first
    for _ in range(count):
        out.append(w)
        w = w.nextInFocusChain()
    return out


def test_mapping_can_be_changed_with_the_keyboard(qtbot, make_wizard, answers, demo):
    from PySide6.QtWidgets import QComboBox
    export, db = demo
    wiz = make_wizard(plan_for(export, db))
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES):
        go_next(qtbot, wiz, pid)
    page = wait_page(qtbot, wiz, PageId.MAPPING)
    page.select_table("patients.csv")
    idx = page.model.index(page.model.row_of("address"), SOURCE)
    page.view.setCurrentIndex(idx)
    qtbot.keyClick(page.view, Qt.Key.Key_F2)                  # open the drop-down
    editors = [w for w in page.view.viewport().findChildren(QComboBox) if w.isVisible()]
    assert len(editors) == 1
    qtbot.keyClick(editors[0], Qt.Key.Key_Home)               # "(not mapped)"
    qtbot.waitUntil(lambda: "address" not in wiz.session.table_map("patients.csv").fields)
    assert page.model.data(page.model.index(page.model.row_of("address"), SOURCE)) == \
        "(not mapped)"
    # Tab walks the page in reading order
    chain = [w for w in focus_chain(page.table, 40)]
    order = [page.table, page.legacy_id, page.view, page.preview, page.load, page.save]
    positions = [chain.index(w) for w in order]
    assert positions == sorted(positions)


def test_validation_tab_order_follows_the_page(qtbot, make_wizard, answers, demo):
    export, db = demo
    wiz = make_wizard(plan_for(export, db))
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES, PageId.MAPPING):
        go_next(qtbot, wiz, pid)
    val = wiz.page(PageId.VALIDATION)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    chain = focus_chain(val.ack, 60)
    order = [val.ack, val.tables_view, val.rules_view, val.severity, val.search,
             val.problems_view, val.record_view, val.export_problems, val.revalidate]
    positions = [chain.index(w) for w in order]
    assert positions == sorted(positions)
    # the wizard's own buttons are reached from the page's last button: a few Tab stops
    # on (the raw chain also holds every hidden page's widgets, however many)
    after = [w for w in focus_chain(val.revalidate, 5000)[1:]
             if w.isVisible() and w.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert wiz.button(QWizard.WizardButton.NextButton) in after[:10]


def test_about_box_shows_the_package_version(qtbot):
    from wizard import __version__
    from wizard.gui.wizard import MigrationWizard
    from PySide6.QtWidgets import QWizard
    w = MigrationWizard()
    qtbot.addWidget(w)
    assert w.button(QWizard.WizardButton.HelpButton).text() == "&About"
    assert __version__ in w.about_text()


def test_mapping_table_names_the_profiles_time_zone(qtbot, make_wizard, answers, demo):
    """A date step without a zone of its own takes the profile's: the transform column
    says so (and names a step's own zone before the profile's)."""
    export, db = demo
    wiz = make_wizard(plan_for(export, db))
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES):
        go_next(qtbot, wiz, pid)
    page = wait_page(qtbot, wiz, PageId.MAPPING)
    wiz.session.profile.timezone = "Asia/Kolkata"
    fm = wiz.session.table_map("patients.csv").fields["registrationDate"]
    fm.steps = [{"date": {"order": "DMY"}}]
    page.select_table("patients.csv")
    page._show_table()

    def transform_text():
        return page.model.data(page.model.index(page.model.row_of("registrationDate"), 3))
    assert transform_text() == "date, day first, local time Asia/Kolkata"
    fm.steps = [{"date": {"order": "DMY", "timezone": "UTC"}}]
    page._show_table()
    assert transform_text() == "date, day first, local time UTC"
    wiz.session.profile.timezone = None
    fm.steps = [{"date": {"order": "DMY"}}]
    page._show_table()
    assert transform_text() == "date, day first"


def test_a_page_error_is_shown_not_a_crash(qtbot, make_wizard, answers, demo, monkeypatch):
    """An exception in a method Qt calls (here the Legacy exports page's initializePage)
    is shown to the operator; PySide6 6.12 would end the program with a segmentation fault
    if it reached C++ (found when a test handed the page a wrong kind of path)."""
    from wizard.gui.pages.sources import SourcesPage
    export, db = demo
    session = MigrationSession(source_system="demo-hms")
    session.source_paths = [export]
    session.target = db.resolve()
    wiz = make_wizard(session)
    for pid in (PageId.START, PageId.TARGET):
        go_next(qtbot, wiz, pid)
    monkeypatch.setattr(session, "sources_key", lambda: 1 / 0)
    wiz.back()
    wiz.next()  # initializePage again, which now raises
    assert any("ZeroDivisionError" in e for e in answers.errors()), answers.shown
    assert wiz.currentId() == PageId.SOURCES and isinstance(wiz.currentPage(), SourcesPage)


def test_unsure_suggestions_wait_for_the_operator(qtbot, make_wizard, answers, demo,
                                                   tmp_path):
    """The review gate in the wizard: suggestions under 90% are amber, Next waits until
    each is confirmed or changed, and the confirmed mapping is what the import uses."""
    from wizard.gui.models.mapping import REVIEW_COLOUR
    wiz, page = open_mapping(qtbot, make_wizard, demo, tmp_path, "patients.csv",
                             "PAT_FNAME,PAT_SURNAME,MOB,SEX,DOB\n"  # no id; an age to compute
                             "Ravi,Kumar,9811111111,M,1980-02-03\n"
                             "Meera,Iyer,9822222222,F,1975-05-06\n")
    next_button = wiz.button(QWizard.WizardButton.NextButton)
    waiting = wiz.session.unconfirmed()
    assert waiting and not page.isComplete() and not next_button.isEnabled()
    assert page.banner.state() == "warning" and "not sure enough" in page.banner.text()
    row = page.model.row_of("age")
    assert page.model.data(page.model.index(row, 4)).endswith("to confirm")
    assert page.model.data(page.model.index(row, 0),
                           Qt.ItemDataRole.BackgroundRole).color().name() == REVIEW_COLOUR
    assert page.confirm_table.isVisibleTo(page)  # no legacy id column was found
    page.confirm_table.click()
    # changing a field settles it; confirming settles the rest, one after the other
    page.set_field_source("age", None)        # leave the age out: nothing left to confirm
    assert "age" not in wiz.session.table_map("patients.csv").fields
    # ... but its birth dates are now read by no field: a decision of their own
    assert any(u.column == "DOB" for u in wiz.session.unconfirmed())
    wiz.session.set_left_behind("patients.csv", "DOB", True)
    fm = wiz.session.table_map("patients.csv").fields
    fm["phone"].review = True  # one more to confirm with the button
    page._fill_tables("patients.csv")
    while wiz.session.unconfirmed():
        assert page.confirm_field.isEnabled()
        page.confirm_field.click()
    assert page.isComplete() and next_button.isEnabled() and page.banner.state() == "ok"
    assert not page.confirm_table.isVisibleTo(page)


def test_the_legacy_exports_page_says_how_sure_and_what_to_check(qtbot, make_wizard, answers,
                                                                 demo, tmp_path):
    """Which file feeds which table is decided before the columns: the page shows how sure
    each choice is, amber where it waits for the operator, and says plainly what to check
    (a file with no id column, tables no file feeds)."""
    from wizard.gui.models.sources import SURE
    _, db = demo
    export = tmp_path / "clinic"
    export.mkdir()
    (export / "patients.csv").write_text("name,gender,phone\nAsha Rao,F,9811111111\n",
                                         encoding="utf-8")
    wiz = make_wizard(plan_for(export, db))
    go_next(qtbot, wiz, PageId.START)
    go_next(qtbot, wiz, PageId.TARGET)
    page = wiz.page(PageId.SOURCES)
    qtbot.waitUntil(lambda: wiz.currentId() == PageId.SOURCES and not page.busy and
                    page.model.rowCount() == 1)
    m = page.model
    assert m.data(m.index(0, SURE)).endswith("to confirm")
    assert page.banner.state() == "warning"
    text = page.banner.text()
    assert "patients.csv has no legacy id column" in text
    assert "no file feeds doctors, visits" in text
    assert "may feed another table than suggested" in text


def test_columns_no_field_reads_are_shown_with_their_values_and_a_choice(
        qtbot, make_wizard, answers, demo, tmp_path):
    wiz, page = open_mapping(qtbot, make_wizard, demo, tmp_path, "patients.csv",
                             "patientId,fullName,phone,gender,insuranceNo,ward\n"
                             "1,Asha Rao,+919811111111,F,INS-1,\n"
                             "2,Li Wei,+919822222222,M,INS-2,\n")
    rows = [page.left_model.row_values(r) for r in range(page.left_model.rowCount())]
    assert [(r["Column"], r["Values"], r["Decision"]) for r in rows] == [
        ("insuranceNo", "2", "not decided"), ("ward", "0", "not decided")]
    assert page.side.tabText(1) == "Columns left out (2)"
    page.left_view.selectRow(0)
    assert page.leave.isEnabled() and not page.undecide.isEnabled()
    page.leave.click()
    assert wiz.session.table_map("patients.csv").leave_behind == ["insuranceNo"]
    assert page.left_model.row_values(0)["Decision"] == "on purpose"
    page.undecide.click()
    assert wiz.session.table_map("patients.csv").leave_behind == []
    # kept instead: stored beside each record, the other choice undone
    page.left_view.selectRow(0)
    assert page.keep.isEnabled()
    page.leave.click()
    page.keep.click()
    tm = wiz.session.table_map("patients.csv")
    assert (tm.keep, tm.leave_behind) == (["insuranceNo"], [])
    assert page.left_model.row_values(0)["Decision"] == "kept beside the record"
    assert not page.keep.isEnabled() and page.undecide.isEnabled()
    page.undecide.click()
    assert (tm.keep, tm.leave_behind) == ([], [])
    assert page.left_model.row_values(0)["Decision"] == "not decided"


def test_a_date_fields_time_zone_and_excel_day_numbers_are_set_in_the_wizard(
        qtbot, make_wizard, answers, demo, tmp_path):
    """What the profile can say of a date, the wizard can: times written in UTC become
    the clinic's local dates once a zone is chosen; Excel day numbers are read once the
    box is ticked (both were YAML-only)."""
    wiz, page = open_mapping(qtbot, make_wizard, demo, tmp_path, "visits.csv",
                             "visitId,patientId,doctorId,visitDate,regDay\n"
                             "v1,p1,d1,2019-02-17T20:15:00Z,45213\n"
                             "v2,p2,d1,2019-03-01T10:00:00Z,45214\n")
    page.view.selectRow(page.model.row_of("visitDate"))
    editor = page.editor
    assert editor.form.isRowVisible(editor.zone) and editor.form.isRowVisible(editor.serial)
    editor.zone.setCurrentText("Asia/Kolkata")
    editor._zone()
    fm = wiz.session.table_map("visits.csv").fields["visitDate"]
    assert fm.steps[-1]["date"]["timezone"] == "Asia/Kolkata"
    qtbot.waitUntil(lambda: "visitDate" in page.preview_model.frame.columns)
    page._update_preview()
    dates = page.preview_model.frame["visitDate"].tolist()
    assert dates[0].startswith("2019-02-18T01:45")     # 20:15 UTC is the next day there
    editor.zone.setCurrentText("Nowhere/Atlantis")
    editor._zone()
    assert "Nowhere/Atlantis" in answers.errors()[-1]
    assert fm.steps[-1]["date"]["timezone"] == "Asia/Kolkata"
    # the day numbers: tick the box, and the step reads them
    wiz.session.set_field_source("visits.csv", "visitDate", ["regDay"])
    page._after_edit("visitDate")
    editor.serial.setChecked(True)
    fm = wiz.session.table_map("visits.csv").fields["visitDate"]
    assert fm.steps[-1]["date"]["excel_serial"] is True


def test_a_field_the_export_lacks_takes_a_fixed_value_counted_as_placeholders(
        qtbot, make_wizard, answers, demo, tmp_path):
    """A required phone the export does not have (Synthea has none) blocked the mapping
    page for good: now a fixed value fills it, and validation counts each record that got
    one."""
    wiz, page = open_mapping(qtbot, make_wizard, demo, tmp_path, "patients.csv",
                             "patientId,fullName,gender\n1,Asha Rao,F\n2,Li Wei,M\n")
    assert not page.isComplete()            # patients.phone is required
    row = page.model.row_of("phone")
    opts = page.model.data(page.model.index(row, SOURCE), OptionsRole)
    assert opts[-1] == ("a fixed value…", "v:")
    answers.push("ask_text", "+910000000000")
    page.model.setData(page.model.index(row, SOURCE), "v:", ValueRole)
    fm = wiz.session.table_map("patients.csv").fields["phone"]
    assert fm.value == "+910000000000" and not fm.columns
    assert page.model.data(page.model.index(row, SOURCE)) == "constant '+910000000000'"
    assert page.isComplete()
    go_next(qtbot, wiz, PageId.MAPPING)
    val = wiz.page(PageId.VALIDATION)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    rules = {val.rules_model.row_values(r)["Code"]: val.rules_model.row_values(r)["Records"]
             for r in range(val.rules_model.rowCount())}
    assert rules == {"patients.phone.placeholder": "2"}


def test_files_added_later_are_suggested_with_the_whole_export_in_view(
        qtbot, make_wizard, answers, demo, tmp_path):
    """Adding files in two batches suggested the second batch alone: a reference only the
    first batch's ids reveal (visits.who holds patients.csv's ids) was missed."""
    _, db = demo
    first = tmp_path / "patients.csv"
    first.write_text("patientId,fullName,gender,phone\nP1,Asha Rao,F,9811111111\n"
                     "P2,Li Wei,M,9822222222\nP3,Omar Ali,M,9833333333\n", encoding="utf-8")
    second = tmp_path / "visits.csv"
    second.write_text("visitId,who,visitDate\nv1,P1,2022-01-02\nv2,P2,2022-01-03\n"
                      "v3,P1,2022-01-04\n", encoding="utf-8")
    session = MigrationSession(source_system="x")
    session.source_paths = [first]
    session.target = db.resolve()
    wiz = make_wizard(session)
    go_next(qtbot, wiz, PageId.START)
    go_next(qtbot, wiz, PageId.TARGET)
    page = wait_page(qtbot, wiz, PageId.SOURCES)
    assert wiz.session.table_map("patients.csv") is not None
    page.add_paths([second])
    qtbot.waitUntil(lambda: not page.busy and wiz.session.table_map("visits.csv") is not None,
                    timeout=20_000)
    assert wiz.session.table_map("visits.csv").fields["patientId"].columns == ["who"]


def open_mapping(qtbot, make_wizard, demo, tmp_path, name: str, text: str):
    """A one-file export of ``text``, walked to the Column mapping page (which need not be
    complete): (wizard, mapping page)."""
    _, db = demo
    export = tmp_path / "clinic"
    export.mkdir()
    (export / name).write_text(text, encoding="utf-8")
    wiz = make_wizard(plan_for(export, db))
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES):
        go_next(qtbot, wiz, pid)
    page = wiz.page(PageId.MAPPING)
    qtbot.waitUntil(lambda: wiz.currentId() == PageId.MAPPING and not page.busy)
    return wiz, page


def test_a_field_is_made_of_several_columns_or_of_a_part_of_one(
        qtbot, make_wizard, answers, demo, tmp_path):
    """The wizard can say what a profile can: a full name of first and last names joined,
    a first name that is the first word of a full name."""
    from wizard.gui.dialogs import ColumnPart, ColumnsJoined
    wiz, page = open_mapping(qtbot, make_wizard, demo, tmp_path, "patients.csv",
                             "pid,given,family,phone,gender\n1,Asha,Rao,9811111111,F\n"
                             "2,Li,Wei,9822222222,M\n")
    row = page.model.row_of("fullName")
    opts = [v for _, v in page.model.data(page.model.index(row, SOURCE), OptionsRole)]
    assert "j:" in opts and "p:" in opts
    answers.push("join_columns", ColumnsJoined(["given", "family"], " "))
    page.model.setData(page.model.index(row, SOURCE), "j:", ValueRole)
    fm = wiz.session.table_map("patients.csv").fields["fullName"]
    assert fm.columns == ["given", "family"] and fm.steps == [{"concat": " "}]
    assert page.model.data(page.model.index(row, SOURCE)) == "given + family"
    answers.push("column_part", ColumnPart("given", " ", "first"))
    row = page.model.row_of("firstName")
    page.model.setData(page.model.index(row, SOURCE), "p:", ValueRole)
    fm = wiz.session.table_map("patients.csv").fields["firstName"]
    assert fm.columns == ["given"] and fm.steps == [{"split": {"sep": " ", "part": "first"}}]
    shown = [page.preview_model.data(page.preview_model.index(0, c))
             for c in range(page.preview_model.columnCount())]
    assert "Asha Rao" in shown and "Asha" in shown


@pytest.mark.parametrize("size", [(1280, 720), (1024, 640)])
def test_mapping_page_text_is_not_cut_off_on_a_laptop(qtbot, make_wizard, answers, demo,
                                                      tmp_path, size):
    """The mapping table's words (its transform in words, why) and the date controls are
    read whole at 1280x720 and 1024x640; the value map is not shown for free text; fees
    are money."""
    import os
    export, db = demo
    wiz = make_wizard(plan_for(export, db))
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES):
        go_next(qtbot, wiz, pid)
    page = wait_page(qtbot, wiz, PageId.MAPPING)
    wiz.resize(*size)
    qtbot.waitUntil(lambda: wiz.width() == size[0])
    qtbot.wait(100)
    page.select_table("patients.csv")
    page.view.selectRow(page.model.row_of("registrationDate"))
    qtbot.wait(50)
    if os.environ.get("HMSYNC_WIZARD_SHOTS"):
        wiz.grab().save(os.path.join(os.environ["HMSYNC_WIZARD_SHOTS"],
                                     f"mapping-{size[0]}x{size[1]}.png"))
    view, m = page.view, page.model
    fm = view.fontMetrics()
    h = view.horizontalHeader()
    for col in (0, 2, 3):      # the field, its column, the transform in words
        widest = max(fm.horizontalAdvance(str(m.data(m.index(r, col)) or ""))
                     for r in range(m.rowCount()))
        assert h.sectionSize(col) >= widest, m.headerData(col, Qt.Orientation.Horizontal)
        assert h.sectionViewportPosition(col) + h.sectionSize(col) <= view.viewport().width()
    ed = page.editor
    combo = ed.date_order
    assert combo.width() >= combo.fontMetrics().horizontalAdvance(combo.currentText())
    page.view.selectRow(page.model.row_of("firstName"))
    assert not ed.values_view.isVisible()            # free text: no value map
    page.select_table("visits.csv")
    qtbot.waitUntil(lambda: "consultationFee" in page.preview_model.frame.columns)
    fees = page.preview_model.frame["consultationFee"].dropna().tolist()
    assert fees and all(f.endswith(".00") or f[-3] == "." for f in fees), fees[:5]


def test_the_verification_page_names_a_json_key_no_field_reads(qtbot, make_wizard, tmp_path):
    """A column read by path is accounted key by key (core/nested_cells.py): a key no field
    reads is shown by its path as left behind, not "on purpose"."""
    from wizard.core.engine import Migration
    from wizard.core.mapping import Profile
    from wizard.core.readers import open_sources
    from wizard.gui.pages.verification import INSIDE_LEFT
    export = tmp_path / "export"
    export.mkdir()
    (export / "patients.json").write_text(json.dumps([
        {"id": f"P{i}", "name": {"first": f"A{i}", "last": "Rao", "title": "Dr"},
         "phone": f"98111111{i:02d}", "gender": "F"} for i in range(3)]), encoding="utf-8")
    init_db(tmp_path / "t.db")
    tables, _ = open_sources([export])
    res = Migration(tables, Profile.from_dict({
        "name": "n", "source_system": "n", "defaults": {"phone_region": "IN"},
        "tables": {"patients.json": {"target": "patients", "legacy_id": "id", "fields": {
            "firstName": {"expr": "name.first"}, "lastName": {"expr": "name.last"},
            "fullName": {"expr": "name.first || ' ' || name.last"},
            "phone": "phone", "gender": "gender"}}}}), tmp_path / "t.db").run(
        no_backup=True)
    assert res.committed
    wiz = make_wizard()
    vp = wiz.page(PageId.VERIFICATION)
    vp._show_cells(res.verification.cells.to_dict())
    rows = {vp.cells_model.row_values(r)["Column"]: vp.cells_model.row_values(r)
            for r in range(vp.cells_model.rowCount())}
    assert "name" not in rows
    assert rows["name.title"]["Goes to"] == INSIDE_LEFT
    assert int(rows["name.title"]["Left behind"]) == 3
    assert rows["name.first"]["Goes to"] == "firstName, fullName"
    if os.environ.get("HMSYNC_SCREENSHOTS_NESTED"):  # (for a person to look at)
        wiz.resize(1280, 720)
        wiz.show()
        vp.setVisible(True)  # (shown in place of the current page: a picture only)
        wiz.page(wiz.currentId()).setVisible(False)
        qtbot.wait(50)
        vp.findChild(QScrollArea).ensureWidgetVisible(vp.cells)
        wiz.grab().save(os.environ["HMSYNC_SCREENSHOTS_NESTED"])
