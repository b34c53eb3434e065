"""Cancel during the import rolls everything back: the database is unchanged, and says so."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from wizard.gui.pages import PageId
from wizard.core.session import INTERACTIVE_CHUNK_ROWS as GUI_CHUNK_ROWS, MigrationSession

from .helpers import db_counts, go_next, to_import_page, wait_page, write_dirty_export

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def test_cancel_mid_import_leaves_the_database_unchanged(qtbot, make_wizard, answers,
                                                         tmp_path):
    import shutil
    from wizard.resources import demo_database
    export = write_dirty_export(tmp_path / "big", patients=3000, visits=3 * GUI_CHUNK_ROWS)
    db = tmp_path / "hmsync.db"
    shutil.copy2(demo_database(), db)
    before = db_counts(db)
    session = MigrationSession(source_system="big")
    session.source_paths = [export.folder]
    session.target = db.resolve()
    wiz = make_wizard(session)
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES, PageId.MAPPING):
        go_next(qtbot, wiz, pid)
    val = wiz.page(PageId.VALIDATION)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=120_000)
    val.ack.setChecked(True)
    go_next(qtbot, wiz, PageId.VALIDATION)
    wiz.page(PageId.BACKUP).back_up()
    go_next(qtbot, wiz, PageId.BACKUP)

    # hold the worker on the first chunk of visits, so the cancel lands mid-import
    reached, gate = threading.Event(), threading.Event()

    def hook(p):
        if p.stage == "import" and p.table == "visits" and 0 < p.done < p.total \
                and not reached.is_set():
            reached.set()
            gate.wait(60)

    wiz.progress_hook = hook
    ip = wiz.page(PageId.IMPORT)
    qtbot.mouseClick(ip.go, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set, timeout=120_000)
    assert not wiz.button(QWizard.WizardButton.BackButton).isEnabled()   # writing
    qtbot.waitUntil(lambda: ip.progress.cancel.isVisible() and ip.progress.cancel.isEnabled())
    qtbot.mouseClick(ip.progress.cancel, Qt.MouseButton.LeftButton)
    assert answers.shown[-1][0] == "confirm" and "Stop the import" in answers.shown[-1][2]
    assert ip.task.token.cancelled
    gate.set()
    qtbot.waitUntil(lambda: not ip.busy, timeout=60_000)

    assert db_counts(db) == before
    assert wiz.session.run_result is None
    assert ip.banner.state() == "warning"
    assert "Import cancelled" in ip.banner.text() and "unchanged" in ip.banner.text()
    assert "cancelled by the operator: rolled back" in ip.log.toPlainText()
    assert not ip.isComplete() and ip.go.isEnabled()
    assert wiz.button(QWizard.WizardButton.BackButton).isEnabled()

    # the backup still matches the unchanged database: the import can run again
    wiz.progress_hook = None
    qtbot.mouseClick(ip.go, Qt.MouseButton.LeftButton)
    wait_page(qtbot, wiz, PageId.IMPORT, timeout=120_000)
    assert wiz.session.run_result.committed
    assert db_counts(db)["visits"] == 3 * GUI_CHUNK_ROWS - wiz.session.run_report["tables"][
        "visits"]["rejected"]


def test_closing_the_window_during_the_import_rolls_back(qtbot, make_wizard, answers,
                                                         tmp_path):
    import shutil
    import time
    from wizard.resources import demo_database
    export = write_dirty_export(tmp_path / "mid", patients=600, visits=2 * GUI_CHUNK_ROWS)
    db = tmp_path / "hmsync.db"
    shutil.copy2(demo_database(), db)
    before = db_counts(db)
    wiz, ip = to_import_page(qtbot, make_wizard, export.folder, db, "mid",
                             timeout=120_000)
    reached = threading.Event()

    def hook(p):     # in the worker: hold mid-import until the close cancels it
        if p.stage == "import" and p.table == "visits" and 0 < p.done < p.total:
            reached.set()
            deadline = time.monotonic() + 30
            while not ip.task.token.cancelled and time.monotonic() < deadline:
                time.sleep(0.01)

    wiz.progress_hook = hook
    ip.start_import()
    qtbot.waitUntil(reached.is_set, timeout=60_000)
    answers.push("confirm", False)              # "Keep working": the window stays
    wiz.close()
    assert wiz.isVisible() and ip.busy and not ip.task.token.cancelled
    answers.push("confirm", True)               # "Stop and close"
    wiz.close()
    assert not wiz.isVisible()
    assert any("writing to the database" in text for _, _, text in answers.shown)
    qtbot.waitUntil(lambda: not wiz.runner.tasks, timeout=60_000)
    assert db_counts(db) == before
