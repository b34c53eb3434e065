"""Dates stored as Unix time in the wizard: the mapping page's date options read them (the
preview shows the clinic's local date), and the validation page's remedy reads them after
asking for the clinic's time zone."""
from __future__ import annotations

import os

from PySide6.QtCore import Qt

from wizard.gui.pages import PageId
from wizard.core.session import MigrationSession

from .helpers import go_next
from .test_pages import open_mapping

# 2022-05-16 22:00 UTC and 2022-01-16 23:00 UTC: midnight of the 17th in Berlin
APPOINTMENTS = ("visitId,patientId,doctorId,visitDate,stamp\n"
                "v1,p1,d1,2022-05-17,1652738400\n"
                "v2,p2,d1,2022-01-17,1642374000000\n")


def _shot(wiz, name):
    if os.environ.get("HMSYNC_SCREENSHOTS_DIR"):  # (for a person to look at)
        wiz.resize(1280, 720)
        wiz.grab().save(os.path.join(os.environ["HMSYNC_SCREENSHOTS_DIR"], name))


def test_unix_times_are_read_on_the_mapping_page_in_the_clinics_zone(
        qtbot, make_wizard, answers, demo, tmp_path):
    wiz, page = open_mapping(qtbot, make_wizard, demo, tmp_path, "visits.csv", APPOINTMENTS)
    wiz.session.set_field_source("visits.csv", "visitDate", ["stamp"])
    page._after_edit("visitDate")
    editor = page.editor
    fm = wiz.session.table_map("visits.csv").fields["visitDate"]
    # a column of Unix times chosen for a date: the box comes ticked, as the suggestion does
    assert editor.form.isRowVisible(editor.unix) and editor.unix.isChecked()
    assert fm.steps[-1]["date"]["unix_time"] is True
    editor.unix.setChecked(False)
    assert "unix_time" not in fm.steps[-1]["date"]
    page._update_preview()
    assert page.preview_model.frame["visitDate"].tolist() == ["1652738400", "1642374000000"]
    editor.unix.setChecked(True)
    assert fm.steps[-1]["date"]["unix_time"] is True
    # no zone yet: not read (the preview shows the file's values, in red), and said so
    assert "Unix times are read in the clinic's time zone" in editor.hint.text()
    page._update_preview()
    assert page.preview_model.frame["visitDate"].tolist() == ["1652738400", "1642374000000"]
    _shot(wiz, "mapping-unix-time-no-zone.png")
    editor.zone.setCurrentText("Europe/Berlin")
    editor._zone()
    assert "Unix times" not in editor.hint.text()
    page._update_preview()
    assert page.preview_model.frame["visitDate"].tolist() == ["2022-05-17", "2022-01-17"]
    _shot(wiz, "mapping-unix-time.png")
    # unticked, the step reads them no more, though its zone stays
    editor.unix.setChecked(False)
    assert fm.steps[-1]["date"] == {"timezone": "Europe/Berlin"}
    page._update_preview()
    assert page.preview_model.frame["visitDate"].tolist() == ["1652738400", "1642374000000"]


def _patients_registered_by_unix_time(qtbot, make_wizard, demo, tmp_path):
    _, db = demo
    export = tmp_path / "clinic"
    export.mkdir()
    rows = [f"P{i},Name{i},Last{i},+9198{i:08d},30,F,Street {i},2021-03-{i + 1:02d}"
            for i in range(1, 9)] + ["P9,Name9,Last9,+919800000009,30,F,Street 9,1652738400"]
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


def test_a_unix_time_problem_is_read_after_the_clinics_zone_is_asked(
        qtbot, make_wizard, demo, answers, tmp_path):
    wiz, val = _patients_registered_by_unix_time(qtbot, make_wizard, demo, tmp_path)
    problems = wiz.session.validation.problems
    assert problems.rule.tolist() == ["patients.registrationDate.format"]
    assert problems.line.tolist() == [10]
    val.problems_view.selectRow(0)
    assert "looks like a Unix time (2022-05-16 22:00:00 UTC" in val.detail.text()
    assert val.unix_time.isVisible() and not val.excel_days.isVisible()
    _shot(wiz, "validation-unix-time.png")
    # asked for the zone: a wrong one changes nothing, cancelling neither
    answers.push("ask_text", "Europe/Berlinn")
    qtbot.mouseClick(val.unix_time, Qt.MouseButton.LeftButton)
    assert "Unknown time zone 'Europe/Berlinn'" in answers.errors()[-1]
    answers.push("ask_text", None)
    qtbot.mouseClick(val.unix_time, Qt.MouseButton.LeftButton)
    fm = wiz.session.table_map("patients.csv").fields["registrationDate"]
    assert fm.typed_steps[-1].unix_time is False
    answers.push("ask_text", "Europe/Berlin")
    qtbot.mouseClick(val.unix_time, Qt.MouseButton.LeftButton)
    assert [k for k, _, _ in answers.shown].count("ask_text") == 3
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    assert wiz.session.validation.problems.empty
    step = fm.typed_steps[-1]
    assert (step.unix_time, step.timezone) == (True, "Europe/Berlin")
