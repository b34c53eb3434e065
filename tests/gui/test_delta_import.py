"""A re-run in the wizard: the import page shows what the delta will do and asks what to
do with records changed both in the export and in HMSync."""
from __future__ import annotations

import csv
import os
import shutil
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from wizard.core.delta import OnConflict
from wizard.core.session import MigrationSession
from wizard.gui.pages import PageId
from wizard.gui.pages.importing import CONFLICT_CHOICES

from .helpers import go_next, to_import_page, wait_page, write_dirty_export

pytestmark = [pytest.mark.gui]


def _last_name(db, legacy_id):
    con = sqlite3.connect(db)
    try:
        return con.execute('SELECT "lastName" FROM patients p JOIN migration_legacy_ids l ON '
                           'l."hmsyncId" = p.id WHERE l."tableName" = \'patients\' AND '
                           'l."legacyId" = ?', (legacy_id,)).fetchone()[0]
    finally:
        con.close()


def test_the_import_page_asks_about_conflicts_and_the_export_can_win(
        qtbot, make_wizard, answers, tmp_path):
    from wizard.resources import demo_database
    export = write_dirty_export(tmp_path / "x", patients=60, visits=80)
    db = tmp_path / "hmsync.db"
    shutil.copy2(demo_database(), db)
    first = MigrationSession(source_system="x")
    first.add_sources([export.folder])
    first.target = db.resolve()
    first.open_sources([])
    first.suggest_profile()
    first.require_confirmed(accept=True)
    assert first.prepare_import(no_backup=True).run().result.committed
    # HMSync edits patient 1000 meanwhile; the export edits 1000 and 1001
    con = sqlite3.connect(db)
    con.execute('UPDATE patients SET address = \'edited in HMSync\' WHERE id = (SELECT '
                '"hmsyncId" FROM migration_legacy_ids WHERE "tableName" = \'patients\' AND '
                '"legacyId" = \'1000\')')
    con.commit()
    con.close()
    path = export.folder / "patients.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[1][2], rows[2][2] = "Changedlast0", "Changedlast1"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)

    wiz, ip = to_import_page(qtbot, make_wizard, export.folder, db, "x",
                             timeout=120_000)
    qtbot.waitUntil(lambda: wiz.currentId() == PageId.IMPORT)
    assert ip.delta_box.isVisible() and ip.on_conflict.isEnabled()
    text = ip.delta_text.text()
    assert "<b>1</b> changed in the export will be updated" in text
    assert "<b>1</b> changed both in the export and in HMSync" in text
    assert not ip.allow_untracked.isVisible()
    ip.on_conflict.setCurrentIndex(ip.on_conflict.findData(OnConflict.LEGACY_WINS))
    assert wiz.session.delta.on_conflict is OnConflict.LEGACY_WINS
    qtbot.mouseClick(ip.go, Qt.MouseButton.LeftButton)
    wait_page(qtbot, wiz, PageId.IMPORT, timeout=120_000)
    assert wiz.session.run_result.committed
    assert _last_name(db, "1000") == "Changedlast0" and _last_name(db, "1001") == "Changedlast1"
    assert ip.banner.state() == "ok" and "0 records imported, 2 updated" in ip.banner.text()
    d = wiz.session.run_report["delta"]
    assert d["conflicts"][0]["resolution"] == "legacy-wins"
    assert {u["legacy_id"] for u in d["updates"]} == {"1001"}


def _rerun_with_a_conflict(tmp_path):
    """The demo database after a first run of a small export; then HMSync edits patient
    1000, the export edits 1000 and 1001, drops 1002 and adds 1999."""
    from wizard.resources import demo_database
    export = write_dirty_export(tmp_path / "x", patients=60, visits=80)
    db = tmp_path / "hmsync.db"
    shutil.copy2(demo_database(), db)
    first = MigrationSession(source_system="x")
    first.add_sources([export.folder])
    first.target = db.resolve()
    first.open_sources([])
    first.suggest_profile()
    first.require_confirmed(accept=True)
    assert first.prepare_import(no_backup=True).run().result.committed
    con = sqlite3.connect(db)
    con.execute('UPDATE patients SET address = \'edited in HMSync\' WHERE id = (SELECT '
                '"hmsyncId" FROM migration_legacy_ids WHERE "tableName" = \'patients\' AND '
                '"legacyId" = \'1000\')')
    con.commit()
    con.close()
    path = export.folder / "patients.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[1][2], rows[2][2] = "Changedlast0", "Changedlast1"
    new = list(rows[4])
    new[0] = "1999"
    rows = rows[:3] + rows[4:] + [new]   # 1002 gone, 1999 new
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return export, db


def _frame(model):
    return model.frame.to_dict(orient="records")


def test_the_wizard_asks_about_conflicts_shows_the_delta_and_keeps_the_choice(
        qtbot, make_wizard, answers, tmp_path):
    export, db = _rerun_with_a_conflict(tmp_path)
    wiz, ip = to_import_page(qtbot, make_wizard, export.folder, db, "x", timeout=120_000)
    qtbot.waitUntil(lambda: wiz.currentId() == PageId.IMPORT)
    # the preview: per table, and the conflict with masked values
    assert ip.delta_panel.isVisible()
    counts = {r["HMSync table"]: r for r in _frame(ip.delta_panel.counts_model)}
    p = counts["patients"]
    assert (p["Inserted (new)"], p["Updated"], p["Conflicts"], p["Gone from the export"]) == \
        (1, 1, 1, 1)
    (c,) = _frame(ip.delta_panel.conflicts_model)
    assert (c["HMSync table"], c["Legacy id"]) == ("patients", "1000")
    assert "lastName: T" in c["Fields: HMSync's → the export's (masked)"]
    assert "Testlast" not in str(c) and "Changedlast" not in str(c)
    # Start asks what becomes of the conflict: HMSync's values win
    answers.push("choose", [t for t, _ in CONFLICT_CHOICES].index(
        next(t for t, how in CONFLICT_CHOICES if how is OnConflict.HMSYNC_WINS)))
    qtbot.mouseClick(ip.go, Qt.MouseButton.LeftButton)
    assert [k for k, _, _ in answers.shown].count("choose") == 1
    assert wiz.session.delta.on_conflict is OnConflict.HMSYNC_WINS
    wait_page(qtbot, wiz, PageId.IMPORT, timeout=120_000)
    assert wiz.session.run_result.committed
    assert _last_name(db, "1000") == "Testlast00000" and _last_name(db, "1001") == "Changedlast1"
    (c,) = _frame(ip.delta_panel.conflicts_model)
    assert c["What became of it"] == "HMSync's values kept (not asked again)"
    assert "<b>1</b> new record inserted, <b>1</b> updated" in ip.delta_text.text()
    # the verification page shows the same
    go_next(qtbot, wiz, PageId.IMPORT)
    vp = wiz.page(PageId.VERIFICATION)
    assert vp.delta.isVisible() and vp.delta.conflicts.isVisible()
    counts = {r["HMSync table"]: r for r in _frame(vp.delta.counts_model)}
    assert counts["patients"]["Of those, HMSync's kept"] == 1
    assert counts["patients"]["Gone from the export"] == 1
    assert [r["Legacy id"] for r in _frame(vp.delta.conflicts_model)] == ["1000"]
    # the updated record's cells went in: imported, and among them the updated ones
    cells = vp.cells_model.frame
    last = cells[(cells["Legacy table"] == "patients.csv") & (cells["Column"] == "lastName")]
    assert int(last["Of them updated"].iloc[0]) == 1 and int(last["Imported"].iloc[0]) == 2
    if os.environ.get("HMSYNC_SCREENSHOTS_DIR"):  # (for a person to look at)
        wiz.resize(1280, 720)
        vp.cells.setFocus()
        vp.findChild(QScrollArea).ensureWidgetVisible(vp.cells)
        wiz.grab().save(os.path.join(os.environ["HMSYNC_SCREENSHOTS_DIR"],
                                     "verification-cells-updated.png"))
    # the project file keeps the choice; reopened, the Import page shows it
    saved = wiz.session.save_project(tmp_path / "cutover")
    again = MigrationSession.load_project(saved)
    assert again.delta.on_conflict is OnConflict.HMSYNC_WINS
    # (the Import page of a wizard on the reopened project, given a preview to show)
    again.validation = wiz.session.validation
    wiz2 = make_wizard(again)
    ip2 = wiz2.page(PageId.IMPORT)
    ip2.initializePage()
    assert OnConflict.parse(ip2.on_conflict.currentData()) is OnConflict.HMSYNC_WINS
