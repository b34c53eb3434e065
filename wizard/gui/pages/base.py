"""What every page shares: the session, the task runner and a way to run engine steps."""
from __future__ import annotations

import functools
from typing import Callable

from PySide6.QtWidgets import QWizardPage

from .. import dialogs
from ..workers import Task


#: the page methods Qt calls (C++ calling Python) and what each gives back when it fails
_QT_CALLS = {"initializePage": None, "cleanupPage": None, "validatePage": False,
             "isComplete": False}


def _guarded(name: str, fn: Callable, fallback):
    """``fn``, which Qt calls, with its exception shown to the operator and logged, and
    ``fallback`` returned: PySide6 6.12 crashes the whole program (a segmentation fault
    in shiboken, printing the exception) when one escapes into C++, and the operator
    would lose the window without a word."""
    @functools.wraps(fn)
    def call(self, *args):
        try:
            return fn(self, *args)
        except Exception as e:  # noqa: BLE001 - shown and logged by dialogs.explain
            dialogs.show_exception(self, e, f"showing the {self.title() or 'page'} page")
            return fallback
    return call


class BasePage(QWizardPage):
    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        for name, fallback in _QT_CALLS.items():
            if name in cls.__dict__:
                setattr(cls, name, _guarded(name, cls.__dict__[name], fallback))

    def __init__(self, title: str, subtitle: str, parent=None):
        super().__init__(parent)
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.task: Task | None = None

    @property
    def session(self):
        return self.wizard().session

    @property
    def runner(self):
        return self.wizard().runner

    @property
    def busy(self) -> bool:
        return self.task is not None

    def run_task(self, fn: Callable, name: str, *, on_finished: Callable,
                 on_progress: Callable | None = None, on_cancelled: Callable | None = None,
                 on_failed: Callable | None = None, doing: str = "", writes: bool = False,
                 cancel_discards_result: bool = False) -> Task:
        """Run ``fn(progress, cancel)`` in a worker; this page is busy until it ends."""
        task = Task(fn, name, writes=writes, cancel_discards_result=cancel_discards_result)
        hook = getattr(self.wizard(), "progress_hook", None)
        if hook is not None:
            task.progress_hook = hook

        def current(fn):
            """Only the page's current task speaks: a superseded one (files added while
            the first were still being read) is ignored."""
            def call(*args):
                if self.task is task:
                    fn(*args)
            return call

        if on_progress:
            task.progress.connect(current(on_progress))
        task.finished.connect(current(on_finished))
        task.cancelled.connect(current(on_cancelled or (lambda: None)))
        task.failed.connect(current(on_failed or (lambda e: dialogs.show_exception(self, e,
                                                                                   doing))))
        task.done.connect(lambda t=task: self._task_done(t))
        self.task = task
        self.runner.start(task)
        self.completeChanged.emit()
        self.wizard().update_buttons()
        return task

    def _task_done(self, task: Task):
        if self.task is task:
            self.task = None
        self.task_ended()
        self.completeChanged.emit()
        if self.wizard() is not None:
            self.wizard().update_buttons()

    def task_ended(self):
        """Called when this page's worker has ended (its result already handled): pages
        re-enable what waited for it."""

    def cancel_task(self):
        if self.task is not None:
            self.task.cancel()
