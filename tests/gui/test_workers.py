"""Workers: the engine step runs off the UI thread, progress and outcome come back as
signals, cancel goes through the engine's CancelToken; errors are explained in plain words
and unexpected ones logged without their message (which may quote a record)."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread

from wizard.core.engine import Progress
from wizard.core.readers import SourceError
from wizard.gui import dialogs
from wizard.gui.workers import Task, TaskRunner


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    r.wait_all()
    qtbot.waitUntil(lambda: not r.tasks, timeout=10_000)


def test_task_runs_off_the_ui_thread_and_reports(qtbot, runner):
    main = QThread.currentThread()
    seen = {}

    def work(progress, cancel):
        seen["thread"] = QThread.currentThread()
        for i in range(3):
            progress(Progress("validate", "patients", "p.csv", i, 2))
        return 42

    task = Task(work, "t")
    got, results = [], []
    task.progress.connect(lambda p: got.append(p.done))
    task.finished.connect(results.append)
    with qtbot.waitSignal(task.done, timeout=10_000):
        runner.start(task)
    assert results == [42]
    assert seen["thread"] is not main
    assert got[0] == 0 and got[-1] == 2
    qtbot.waitUntil(lambda: not runner.tasks)


def test_task_failure_and_cancel(qtbot, runner):
    boom = Task(lambda p, c: (_ for _ in ()).throw(SourceError("x.csv", "the file is empty")),
                "boom")
    with qtbot.waitSignal(boom.failed, timeout=10_000) as b:
        runner.start(boom)
    assert isinstance(b.args[0], SourceError)

    started = threading.Event()

    def slow(progress, cancel):
        started.set()
        while True:
            cancel.check()
            threading.Event().wait(0.01)

    task = Task(slow, "slow")
    runner.start(task)
    qtbot.waitUntil(started.is_set)
    with qtbot.waitSignal(task.cancelled, timeout=10_000):
        task.cancel()
    qtbot.waitUntil(lambda: not runner.tasks)


def test_one_write_job_at_a_time(qtbot, runner):
    gate = threading.Event()
    a = Task(lambda p, c: gate.wait(10), "a", writes=True)
    runner.start(a)
    with pytest.raises(RuntimeError):
        runner.start(Task(lambda p, c: None, "b", writes=True))
    gate.set()
    qtbot.waitUntil(lambda: not runner.tasks)


def test_errors_in_plain_words_and_unexpected_ones_logged_without_data(tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("HMSYNC_WIZARD_LOG_DIR", str(tmp_path))
    text, more = dialogs.explain(SourceError("visits.csv", "the file is empty"),
                                 "reading the files")
    assert text == "Reading the files failed: visits.csv: the file is empty"
    assert "Traceback" not in text + more
    try:
        raise KeyError("Testfirst00042 Testlast00042")   # a message quoting a record
    except KeyError as e:
        text, more = dialogs.explain(e, "the validation")
    assert "KeyError" in text and "Testfirst" not in text + more
    log = (tmp_path / "wizard.log").read_text(encoding="utf-8")
    assert "KeyError" in log and "Testfirst" not in log
    assert str(tmp_path) in more


def test_signals_emitted_from_python_keep_true_alive(qtbot):
    """PySide6 6.12 returns a borrowed True from emit(); wizard.gui.qtfix compensates, so
    thousands of progress signals do not abort the interpreter."""
    import sys
    from PySide6.QtCore import QObject, Signal
    import wizard.gui  # noqa: F401 - installs the fix

    class O(QObject):
        s = Signal(object)

    o = O()
    got = []
    o.s.connect(got.append)
    before = sys.getrefcount(True)
    for i in range(5000):
        o.s.emit(i)
    assert len(got) == 5000
    assert sys.getrefcount(True) >= before - 50


def test_a_thread_or_timer_left_running_is_named(qtbot, monkeypatch):
    """The guard of every GUI test (conftest.LeakGuard) names a worker thread and a timer
    a test leaves running, where they were started, and stops them."""
    from PySide6.QtCore import QTimer
    from .conftest import LeakGuard
    guard = LeakGuard(monkeypatch, grace_ms=200)
    runner = TaskRunner()
    ended = threading.Event()

    def forever(progress, cancel):
        try:
            while True:
                cancel.check()
                threading.Event().wait(0.01)
        finally:
            ended.set()
    runner.start(Task(forever, "forever"))
    timer = QTimer()
    timer.start(1000)
    quick = Task(lambda p, c: None, "quick")
    with qtbot.waitSignal(quick.done, timeout=10_000):
        runner.start(quick)
    left = guard.left()
    assert len(left) == 2, left
    assert left[0].startswith("a QThread (_Thread) started at workers.py")
    assert "test_workers.py" in left[0] and "test_a_thread_or_timer_left_running" in left[0]
    assert left[1].startswith("an active QTimer (every 1000 ms) started at test_workers.py")
    assert not timer.isActive()
    assert ended.wait(10)  # the worker was cancelled
    qtbot.waitUntil(lambda: not runner.tasks, timeout=10_000)
    assert guard.left() == []
