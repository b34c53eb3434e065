"""The mapping page's filter and expression editors: a row filter shows how many sample
records it keeps and is applied to the mapping; an expression previews its value record by
record, failing records named, and computes the field once applied."""
from __future__ import annotations

import os

import pytest

from wizard.core.session import MigrationSession
from wizard.gui.models.mapping import SOURCE
from wizard.gui.pages import PageId

from .helpers import go_next, wait_page

pytestmark = pytest.mark.gui


def _mapping_page(qtbot, make_wizard, demo):
    export, db = demo
    s = MigrationSession(source_system="demo-hms")
    s.source_paths = [export]
    s.target = db.resolve()
    wiz = make_wizard(s)
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES):
        go_next(qtbot, wiz, pid)
    page = wait_page(qtbot, wiz, PageId.MAPPING)
    page.select_table("patients.csv")
    page.side.setCurrentWidget(page.expressions)
    return wiz, page


def test_the_filter_editor_counts_what_it_keeps_and_applies_it(qtbot, make_wizard, demo):
    wiz, page = _mapping_page(qtbot, make_wizard, demo)
    ed = page.expressions
    sample = wiz.session.samples["patients.csv"]
    want = int((sample["gender"].str.strip().str.upper() == "F").sum())
    qtbot.keyClicks(ed.where, "upper(gender) = 'F'")
    qtbot.waitUntil(lambda: ed.where_status.text().startswith("Keeps"), timeout=5_000)
    assert ed.where_status.text().startswith(f"Keeps {want} of {len(sample)}")
    ed.where.setText("uper(gender) = 'F'")
    ed.refresh()
    assert "did you mean 'upper'" in ed.where_status.text()
    assert not ed.where_apply.isEnabled()
    ed.where.setText("upper(gender) = 'F'")
    ed.refresh()
    ed.where_apply.click()
    assert wiz.session.table_map("patients.csv").where == "upper(gender) = 'F'"
    # the page's preview shows only the records kept
    assert f"{len(sample) - want} left out by the table's filter" in page.preview_label.text()
    ed.where_clear.click()
    assert wiz.session.table_map("patients.csv").where is None


def test_the_expression_editor_previews_each_record_and_computes_the_field(
        qtbot, make_wizard, demo):
    wiz, page = _mapping_page(qtbot, make_wizard, demo)
    ed = page.expressions
    page.view.selectRow(page.model.row_of("fullName"))
    assert "fullName" in ed.ebox.title()
    qtbot.keyClicks(ed.expr, "upper(lastName) || ', ' || firstName")
    qtbot.waitUntil(lambda: ed.preview_model.rowCount() > 0, timeout=5_000)
    frame = ed.preview_model.frame
    sample = wiz.session.samples["patients.csv"]
    first = sample.iloc[0]
    assert frame["value"].iloc[0] == f"{first['lastName'].strip().upper()}, " \
        f"{first['firstName'].strip()}"
    assert "every one computed" in ed.expr_status.text()
    # a date that is no date fails that record, named by its line (16*02*2022 is none)
    page.view.selectRow(page.model.row_of("age"))
    ed.expr.setText("age_at(replace(registrationDate, '/', '*'))")
    ed.refresh()
    frame = ed.preview_model.frame
    failing = [(ln, p) for ln, p in zip(frame["line"], frame["problem"]) if p]
    bad_dates = [int(ln) for ln, v in zip(sample["__line__"][:20], sample["registrationDate"][:20])
                 if "/" in str(v)]
    assert bad_dates and [ln for ln, _ in failing] == bad_dates
    assert f"it fails on {len(bad_dates)} (red)" in ed.expr_status.text()
    assert all("not a date" in p for _, p in failing)
    if os.environ.get("HMSYNC_SCREENSHOTS"):  # (for a person to look at: both editors)
        ed.where.setText("upper(gender) IN ('F', 'FEMALE')")
        ed.refresh()
        wiz.resize(1280, 720)
        wiz.grab().save(os.environ["HMSYNC_SCREENSHOTS"])
    ed.expr.setText("regexp_replace(firstName, '[aeiou]', '') || ' ' || lastName")
    ed.refresh()
    page.view.selectRow(page.model.row_of("fullName"))
    ed.expr.setText("regexp_replace(firstName, '[aeiou]', '') || ' ' || lastName")
    ed.refresh()
    ed.expr_apply.click()
    fm = wiz.session.table_map("patients.csv").fields["fullName"]
    assert fm.expr == "regexp_replace(firstName, '[aeiou]', '') || ' ' || lastName"
    assert fm.columns == ["firstName", "lastName"]
    row = page.model.row_of("fullName")
    assert page.model.data(page.model.index(row, SOURCE)).startswith("= regexp_replace")
    page._update_preview()
    pf = page.preview_model.frame
    assert pf["fullName"].iloc[0] == \
        f"{''.join(c for c in first['firstName'].strip() if c not in 'aeiou')} " \
        f"{first['lastName'].strip()}"


def test_the_previews_read_a_tables_named_lookups_as_the_run_does(qtbot, make_wizard, demo,
                                                                   tmp_path):
    """A table's named lookup (lookups:) is a column its expressions and filter read: the
    editors' previews look it up in the other table's sample, through the run's own
    with_named_lookups, rather than saying the record has no such column."""
    from wizard.core.lookups import Lookup
    wiz, page = _mapping_page(qtbot, make_wizard, demo)
    ed = page.expressions
    tm = wiz.session.table_map("patients.csv")
    tm.lookups = {"visits_n": Lookup.from_dict(
        {"table": "visits.csv", "key": "patientId", "by": "patientId",
         "aggregate": "count"}, "test")}
    page.view.selectRow(page.model.row_of("age"))
    ed.expr.setText("visits_n")
    ed.refresh()
    assert "no column" not in ed.expr_status.text(), ed.expr_status.text()
    visits = wiz.session.samples["visits.csv"]
    patients = wiz.session.samples["patients.csv"]
    frame = ed.preview_model.frame
    want = [str(int((visits["patientId"].str.strip() == p.strip()).sum()))
            for p in patients["patientId"][:len(frame)]]
    assert frame["value"].tolist() == want and any(w != "0" for w in want)
    ed.where.setText("number(visits_n) > 0")
    ed.refresh()
    kept = sum(1 for p in patients["patientId"]
               if (visits["patientId"].str.strip() == p.strip()).any())
    assert "visits.csv" in ed.where_status.toolTip()
    assert ed.where_status.text().startswith(f"Keeps {kept} of {len(patients)}"), \
        ed.where_status.text()
    if os.environ.get("HMSYNC_SCREENSHOTS_DIR"):  # (for a person to look at)
        wiz.resize(1280, 720)
        wiz.grab().save(os.path.join(os.environ["HMSYNC_SCREENSHOTS_DIR"],
                                     "named-lookup-preview.png"))
