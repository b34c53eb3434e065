"""Fixtures for driving the real wizard offscreen: temporary settings, scripted answers to
dialogs, a copy of the demo export and database, a small dirty export."""
from __future__ import annotations

import shutil
import sys
import weakref

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


# --- no thread or timer outlives its test ----------------------------------------------------
#: threads left running by a test: referenced here, since a QThread deleted while it runs
#: aborts the interpreter (and every test after it)
_LEAKED: list = []
_HERE = __file__.replace("\\", "/")
#: how long a thread may take to end after its test (one whose work returned a moment ago)
THREAD_GRACE_MS = 2_000


def _started_at() -> str:
    """Where a thread or timer was started: the innermost frames of the tests and the
    wizard (a timer restarted at each key press costs a walk up the stack, no more)."""
    out = []
    f = sys._getframe(2)
    while f is not None and len(out) < 4:
        path = f.f_code.co_filename.replace("\\", "/")
        if ("/tests/" in path or "/wizard/" in path) and path != _HERE:
            out.append(f"{path.rsplit('/', 1)[-1]}:{f.f_lineno} in {f.f_code.co_name}")
        f = f.f_back
    return " <- ".join(out) or "(unknown)"


def _alive(obj) -> bool:
    from shiboken6 import isValid
    return obj is not None and isValid(obj)


class LeakGuard:
    """Notes every QThread and QTimer started while it is on; :meth:`left` names those
    still running (a thread given ``grace_ms`` to end) and stops them."""

    def __init__(self, monkeypatch, grace_ms: int = THREAD_GRACE_MS):
        from PySide6.QtCore import QThread, QTimer
        self.grace_ms = grace_ms
        self.threads: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.timers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        thread_start, timer_start = QThread.start, QTimer.start

        def start_thread(th, *args):
            self.threads[th] = _started_at()
            return thread_start(th, *args)

        def start_timer(tm, *args):
            self.timers[tm] = _started_at()
            return timer_start(tm, *args)

        monkeypatch.setattr(QThread, "start", start_thread)
        monkeypatch.setattr(QTimer, "start", start_timer)

    def left(self) -> list[str]:
        from PySide6.QtCore import QCoreApplication, QEvent
        out = []
        for th, where in list(self.threads.items()):
            if not _alive(th) or th.wait(self.grace_ms):
                continue
            out.append(f"a QThread ({type(th).__name__}) started at {where}")
            task = getattr(th, "task", None)
            if task is not None:  # the wizard's worker: stopped as closing the wizard does
                task.cancel()
            _LEAKED.append(th)
        # what was closed with deleteLater() goes now, its timers with it
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        for tm, where in list(self.timers.items()):
            if _alive(tm) and tm.isActive():
                out.append(f"an active QTimer (every {tm.interval()} ms) started at {where}")
                tm.stop()
        return out


@pytest.fixture(autouse=True)
def no_leaked_threads_or_timers(request, qapp):
    """Fail a test that leaves a QThread running or a QTimer active behind it (as napari's
    test suite does): the next test would run beside it, or crash when the thread's objects
    are deleted under it. Checked after the test's fixtures are torn down (the wizard
    closed, its jobs waited for)."""
    with pytest.MonkeyPatch.context() as mp:
        guard = LeakGuard(mp)
        yield guard
    left = guard.left()
    if left:
        pytest.fail(f"{request.node.nodeid} left behind: " + "; ".join(left), pytrace=False)


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


