"""Drive the real wizard through every page unattended (``--demo --walkthrough DIR``): the
suggested mapping is accepted, each page is saved as a PNG, the report is saved, and the
exit code says whether the verification passed.

A generator of conditions, polled by a timer: the event loop keeps running (workers report
back as usual), nothing sleeps.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from . import dialogs
from .pages import TITLES, PageId

STEP_TIMEOUT_S = 600
SETTLE_S = 0.3


def _answer(kind, title, text, default):
    """Unattended answers: yes to confirmations, no file to choose, errors noted."""
    print(f"walkthrough: {kind}: {title}: {text.splitlines()[0] if text else ''}",
          file=sys.stderr)
    if kind == "confirm":
        return True
    if kind == "save_discard_cancel":
        return "discard"
    return default


class Walkthrough(QObject):
    finished = Signal(int)      # the exit code: 0 verification passed, 1 failed, 2 stuck

    def __init__(self, wizard, out_dir: Path, parent=None, size: tuple[int, int] | None = None):
        super().__init__(parent)
        self.wiz = wizard
        self.size = size
        self.out = Path(out_dir)
        self.code = 2
        self.shots: list[Path] = []
        self._gen = None
        self._cond = None
        self._what = ""
        self._deadline = 0.0
        self._not_before = 0.0
        self._previous_responder = None
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._tick)

    def start(self, answer=_answer):
        from .wizard import DEFAULT_SIZE
        # the same size on every screen, for comparable PNGs
        self.wiz.resize(*self.size) if self.size else self.wiz.resize(DEFAULT_SIZE)
        self._previous_responder = dialogs.responder
        dialogs.responder = answer
        self._gen = self._steps()
        self._timer.start()
        self._advance()

    # --- the driver --------------------------------------------------------------------------
    def _advance(self):
        try:
            self._what, self._cond, settle = next(self._gen)
        except StopIteration:
            self._finish()
            return
        except Exception as e:  # noqa: BLE001
            print(f"walkthrough: stopped: {type(e).__name__}: {e}", file=sys.stderr)
            self.code = 2
            self._finish()
            return
        now = time.monotonic()
        self._deadline = now + STEP_TIMEOUT_S
        self._not_before = now + settle

    def _tick(self):
        if self._cond is None:
            return
        if time.monotonic() < self._not_before:
            return
        if self._cond():
            self._cond = None
            self._advance()
        elif time.monotonic() > self._deadline:
            print(f"walkthrough: timed out waiting for: {self._what}", file=sys.stderr)
            self.code = 2
            self._finish()

    def _finish(self):
        self._timer.stop()
        self._cond = None
        dialogs.responder = self._previous_responder
        self.wiz.runner.wait_all()
        self.wiz.session.dirty = False      # nothing to save from a walkthrough
        self.finished.emit(self.code)

    @staticmethod
    def wait(what, cond, settle: float = SETTLE_S):
        return what, cond, settle

    def shot(self, pid: PageId):
        name = f"{int(pid) + 1:02d}-{TITLES[pid].lower().replace(' ', '-')}.png"
        path = self.out / name
        if not self.wiz.grab().save(str(path)):
            raise RuntimeError(f"could not save {path}")
        self.shots.append(path)
        print(f"walkthrough: {TITLES[pid]}: {path}", file=sys.stderr)

    # --- the steps ---------------------------------------------------------------------------
    def _steps(self):
        w = self.wiz
        p = w.pages

        def on(pid):
            return lambda: w.currentId() == pid and not p[pid].busy and p[pid].isComplete()

        yield self.wait("the wizard to show", lambda: w.isVisible() and on(PageId.START)())
        self.shot(PageId.START)
        w.next()
        yield self.wait("the HMSync database to be read", on(PageId.TARGET))
        self.shot(PageId.TARGET)
        w.next()
        yield self.wait("the legacy export to be read", on(PageId.SOURCES))
        self.shot(PageId.SOURCES)
        w.next()
        yield self.wait("the suggested mapping", on(PageId.MAPPING))
        mp = p[PageId.MAPPING]
        i = mp.table.findData("patients.csv")
        if i >= 0:
            mp.table.setCurrentIndex(i)
        row = mp.model.row_of("gender")
        if row >= 0:
            mp.view.selectRow(row)
        yield self.wait("the mapping preview", lambda: mp.preview_model.rowCount() > 0)
        self.shot(PageId.MAPPING)
        w.next()
        vp = p[PageId.VALIDATION]
        yield self.wait("the validation", lambda: w.currentId() == PageId.VALIDATION and
                        not vp.busy and w.session.validation_current)
        if vp.problems.rowCount():
            # a record left out because of another's problem, if there is one: the page
            # shows the cause it is grouped under
            casc = [r for r in range(vp.problems.rowCount())
                    if vp.problems.problem(r)["root"] >= 0]
            vp.problems_view.selectRow(casc[0] if casc else 0)
            yield self.wait("the source record of a problem",
                            lambda: vp.record_model.rowCount() > 0)
        vp.ack.setChecked(True)
        yield self.wait("Next on the validation page", on(PageId.VALIDATION))
        self.shot(PageId.VALIDATION)
        w.next()
        bp = p[PageId.BACKUP]
        yield self.wait("the backup page", lambda: w.currentId() == PageId.BACKUP)
        bp.back_up()
        yield self.wait("the verified backup", on(PageId.BACKUP))
        self.shot(PageId.BACKUP)
        w.next()
        ip = p[PageId.IMPORT]
        yield self.wait("the import page", lambda: w.currentId() == PageId.IMPORT)
        ip.start_import()
        yield self.wait("the import", on(PageId.IMPORT))
        self.shot(PageId.IMPORT)
        w.next()
        vf = p[PageId.VERIFICATION]
        yield self.wait("the verification", on(PageId.VERIFICATION))
        self.shot(PageId.VERIFICATION)
        for suffix in (".html", ".pdf"):
            path = vf.save_report(self.out / f"migration-report{suffix}")
            print(f"walkthrough: report: {path}", file=sys.stderr)
        self.code = 0 if vf.passed else 1
        print(f"walkthrough: verification {'passed' if vf.passed else 'FAILED'}",
              file=sys.stderr)
