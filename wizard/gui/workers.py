"""Long work off the UI thread: an engine step runs in a QThread; its progress callback and
its outcome come back as Qt signals (queued to the UI thread).

    task = Task(lambda progress, cancel: migration.validate(progress, cancel), "validate")
    task.progress.connect(...); task.finished.connect(...); task.failed.connect(...)
    runner.start(task)
    ... task.cancel()   # the engine's CancelToken: the step raises Cancelled, rolls back

Every task ends with exactly one of ``finished(result)``, ``failed(exception)`` or
``cancelled()``, then ``done()``. A :class:`TaskRunner` keeps the running tasks alive,
allows one write job per target at a time, and cancels and waits for all on close.
"""
from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QObject, QThread, Signal

from ..core.engine import Cancelled, CancelToken


class _Thread(QThread):
    def __init__(self, task: "Task"):
        super().__init__()
        self.task = task

    def run(self):
        t = self.task
        try:
            result = t.fn(t._progress, t.token)
        except Cancelled:
            t._outcome = ("cancelled", None)
        except BaseException as e:  # noqa: BLE001 - reported to the UI, never lost
            t._outcome = ("failed", e)
        else:
            if t.token.cancelled and t.cancel_discards_result:
                t._outcome = ("cancelled", None)
            else:
                t._outcome = ("finished", result)


class Task(QObject):
    """One engine step in a worker thread. ``fn(progress, cancel) -> result``."""
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()

    def __init__(self, fn: Callable, name: str, *, writes: bool = False,
                 cancel_discards_result: bool = False, progress_interval: float = 0.05,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.fn, self.name, self.writes = fn, name, writes
        self.cancel_discards_result = cancel_discards_result
        self.token = CancelToken()
        self.progress_interval = progress_interval
        self.progress_hook: Callable | None = None   # called in the worker (tests)
        self._last_emit = 0.0
        self._outcome: tuple[str, object] | None = None
        self._thread: _Thread | None = None
        self.started_at: float | None = None

    def _progress(self, p):
        """The engine's progress callback, in the worker thread: throttled to a few signals
        a second, except the first and last of a table."""
        if self.progress_hook is not None:
            self.progress_hook(p)
        now = time.monotonic()
        first_or_last = getattr(p, "done", 0) == 0 or getattr(p, "done", 0) >= getattr(
            p, "total", 1)
        if first_or_last or now - self._last_emit >= self.progress_interval:
            self._last_emit = now
            self.progress.emit(p)

    def start(self):
        self.started_at = time.monotonic()
        self._thread = _Thread(self)
        self._thread.finished.connect(self._on_thread_finished)
        self._thread.start()

    def cancel(self):
        self.token.cancel()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def wait(self, ms: int = -1) -> bool:
        if self._thread is None:
            return True
        return self._thread.wait(ms) if ms >= 0 else self._thread.wait()

    def _on_thread_finished(self):
        kind, value = self._outcome or ("failed", RuntimeError("the worker stopped"))
        th, self._thread = self._thread, None
        if th is not None:
            th.wait()        # the thread has ended; dropping the last reference deletes it
        if kind == "finished":
            self.finished.emit(value)
        elif kind == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(value)
        self.done.emit()


class TaskRunner(QObject):
    """Starts tasks, keeps them alive while they run, one write job at a time."""
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.tasks: list[Task] = []

    def start(self, task: Task) -> Task:
        if task.writes and self.writing:
            raise RuntimeError("another job is writing to the database")
        self.tasks.append(task)
        task.setParent(self)
        task.done.connect(lambda t=task: self._forget(t))
        task.start()
        self.busyChanged.emit(True)
        return task

    def _forget(self, task: Task):
        if task in self.tasks:
            self.tasks.remove(task)
        task.deleteLater()
        self.busyChanged.emit(self.busy)

    @property
    def busy(self) -> bool:
        return any(t.running for t in self.tasks)

    @property
    def writing(self) -> bool:
        return any(t.writes and t.running for t in self.tasks)

    def cancel_all(self):
        for t in list(self.tasks):
            t.cancel()

    def wait_all(self, ms: int = 30_000) -> bool:
        """Cancel every task and wait for the threads to end (on close)."""
        self.cancel_all()
        deadline = time.monotonic() + ms / 1000
        ok = True
        for t in list(self.tasks):
            left = max(0, int((deadline - time.monotonic()) * 1000))
            ok = t.wait(left) and ok
        return ok
