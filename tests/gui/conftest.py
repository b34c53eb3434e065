"""Fixtures for driving the real wizard offscreen: temporary settings, scripted answers to
dialogs, a copy of the demo export and database, a small dirty export."""
from __future__ import annotations

import shutil

import pytest

pytest.importorskip("PySide6")

from wizard.gui import dialogs, settings  # noqa: E402
from wizard.resources import demo_database, demo_export  # noqa: E402

from .helpers import Answers, write_dirty_export  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path):
    """The operator's settings are never touched: a settings file per test."""
    path = tmp_path / "settings.ini"
    settings.use_file(path)
    yield path
    settings.use_file(None)


@pytest.fixture
def answers():
    a = Answers()
    dialogs.responder = a
    yield a
    dialogs.responder = None


# --- data --------------------------------------------------------------------------------------
@pytest.fixture
def demo(tmp_path):
    """A copy of the demo export and of the (empty) demo HMSync database."""
    export = tmp_path / "export"
    shutil.copytree(demo_export(), export)
    db = tmp_path / "hmsync.db"
    shutil.copy2(demo_database(), db)
    return export, db


@pytest.fixture
def dirty(tmp_path):
    export = write_dirty_export(tmp_path / "dirty")
    db = tmp_path / "hmsync.db"
    shutil.copy2(demo_database(), db)
    return export, db


# --- the wizard ------------------------------------------------------------------------------
@pytest.fixture
def make_wizard(qtbot, answers):
    """Create the real wizard on a session; closed (jobs waited for) after the test."""
    from wizard.gui.app import setup_application
    from wizard.gui.wizard import MigrationWizard
    from PySide6.QtWidgets import QApplication
    setup_application(QApplication.instance())
    made = []

    def make(session=None):
        w = MigrationWizard(session)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.runner.wait_all()
        qtbot.waitUntil(lambda w=w: not w.runner.tasks, timeout=30_000)
        w.session.dirty = False
        w.close()


