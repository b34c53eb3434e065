"""Import: progress per table with counts and time left, a log (counts only, never patient
data), and Cancel, which rolls everything back."""
from __future__ import annotations

import html
import time
from datetime import datetime

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout

from ...core.schema import DATA_TABLES
from ...core.backup import data_counts
from .. import dialogs
from ..models.delegates import ProgressDelegate
from ..models.progress import BAR, ImportProgressModel
from ..widgets import (Banner, ProgressPanel, button, fit_height, fmt_duration, fmt_int, label,
                       table_view)
from .base import BasePage


FINISHING = {"index": ("Building the database's indexes…", "building indexes"),
             "verify": ("Verifying the imported records…",
                        "verifying: reconciliation, relationships, totals, spot check")}


class ImportPage(BasePage):
    def __init__(self, parent=None):
        super().__init__("Import",
                         "The records go into HMSync in one transaction: if anything fails, or "
                         "you cancel, the database stays exactly as it was.", parent)
        self.summary = label("", rich=True)
        self.go = button("&Start the import", "import")
        self.go.setProperty("primary", True)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.go)
        self.progress = ProgressPanel()
        self.progress.cancel.setText("&Cancel import")
        self.banner = Banner()
        self.model = ImportProgressModel(self)
        self.view = table_view()
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(BAR, ProgressDelegate(self.view))
        self.view.setAccessibleName("Progress per table")
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setAccessibleName("Import log")
        self.log.setMaximumBlockCount(5000)
        log_label = QLabel("&Log (counts only):")
        log_label.setBuddy(self.log)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.progress)
        lay.addWidget(self.banner)
        lay.addWidget(self.view)
        lay.addWidget(log_label)
        lay.addWidget(self.log, 1)
        self.go.clicked.connect(self.start_import)
        self.progress.cancelRequested.connect(self._cancel)
        self._last_source = None
        self._last_stage = None
        self._t0 = 0.0

    def initializePage(self):
        session = self.session
        mapped = session.mapped()
        v = session.validation
        will = sum(s.valid for s in v.stats.values()) if v is not None else 0
        self.summary.setText(
            f"<b>{fmt_int(will)}</b> new records from {len(mapped)} legacy table(s) will go "
            f"into <b>{html.escape(session.target.name) if session.target else '?'}</b>"
            + (f"; {fmt_int(v.errors)} problem record(s) are left out" if v and v.errors else "")
            + f". Backup: {html.escape(session.backup.path.name) if session.backup else 'none'}.")
        if session.run_result is None and not self.busy:
            self.model.set_tables([(tm.target, st.name, session.row_counts.get(st.name, 0))
                                   for st, tm in mapped])
            self._fit()
            self.banner.set("Press “Start the import” when you are ready. HMSync should not "
                            "be in use while the wizard writes to its database.", "info")
        self._enable()

    def task_ended(self):
        self._enable()

    def _fit(self):
        self.view.resizeColumnsToContents()
        bar = self.view.horizontalHeader()
        bar.resizeSection(BAR, max(bar.sectionSize(BAR), self.fontMetrics().horizontalAdvance(
            "x" * 24)))
        bar.resizeSection(3, max(bar.sectionSize(3), self.fontMetrics().horizontalAdvance(
            "0,000,000 of 0,000,000")))
        fit_height(self.view, max_rows=12)

    def isComplete(self):
        return not self.busy and self.session.run_result is not None

    def _enable(self):
        # a new import needs a backup of the database as it is now (after a committed
        # import it is not: the Backup page makes a new one)
        self.go.setEnabled(not self.busy and self.session.backup_current())
        self.completeChanged.emit()

    def _log(self, text: str):
        self.log.appendPlainText(f"{datetime.now():%H:%M:%S}  {text}")

    # --- running -------------------------------------------------------------------------
    def start_import(self):
        session = self.session
        if self.busy:
            return
        if not session.backup_current():
            dialogs.error(self, "There is no verified backup of the database as it is now.",
                          "Go back to the Backup step and make one.")
            return
        try:
            job = session.prepare_import()
        except Exception as e:  # noqa: BLE001
            dialogs.show_exception(self, e, "starting the import")
            return
        target = session.target
        sources = job.sources
        self.model.set_tables([(tm.target, st.name, session.row_counts.get(st.name, 0))
                               for st, tm in job.migration.plan])
        self._fit()
        self._last_source = None
        self._last_stage = None
        self._t0 = time.monotonic()

        session.run_result, session.run_report, session.restored = None, None, False

        work = job.run

        self.log.clear()
        self._log(f"import started: {len(sources)} legacy table(s), "
                  f"{fmt_int(self.model.total)} records, into {target.name}")
        self.progress.start("Importing…")
        self.banner.set("")
        self.run_task(work, "import", on_finished=self._finished, on_progress=self._progress,
                      on_cancelled=self._cancelled, on_failed=self._failed, writes=True)
        self._enable()

    def _progress(self, p):
        if p.stage != "import" or not p.source:
            # after the records: the engine's finishing steps (indexes, verification)
            if self._last_source is not None:
                self._log_table_done(self._last_source)
                self.model.finish_all("done")
                self._last_source = None
            if p.stage != self._last_stage:
                self._last_stage = p.stage
                text, log = FINISHING.get(p.stage, ("Finishing…", p.stage))
                self.progress.update(text, 0, 0)
                self.progress.eta.setText("")
                self._log(log)
            return
        if p.source != self._last_source:
            if self._last_source is not None:
                self._log_table_done(self._last_source)
            self._last_source = p.source
            self._log(f"{p.table}: reading {p.source}")
        known = self.model.rows[self.model.row_of(p.source)]["total"] if \
            self.model.row_of(p.source) >= 0 else 0
        self.model.update(p.source, p.done, max(known, p.done) if known else p.total)
        done, total = self.model.done, self.model.total
        self.progress.update(f"Importing {p.table} from {p.source}: {fmt_int(p.done)} records",
                             done, max(total, done))

    def _log_table_done(self, source: str):
        i = self.model.row_of(source)
        if i >= 0:
            r = self.model.rows[i]
            self._log(f"{r['table']}: {fmt_int(r['done'])} records read from {source}")

    def _finished(self, outcome):
        self.session.apply_import(outcome)
        res, rep = outcome.result, outcome.report
        self.progress.finish()
        spent = fmt_duration(time.monotonic() - self._t0)
        imported = sum(t.get("imported", 0) for t in rep["tables"].values())
        if res.committed:
            self.model.finish_all("done")
            self._log(f"committed: {fmt_int(imported)} records imported in {spent}")
            self.banner.set(f"Done: {fmt_int(imported)} records imported and committed in "
                            f"{spent}; every check passed. Next shows the verification.", "ok")
        else:
            self.model.finish_all("rolled back")
            failed = [c.name for c in res.verification.failed()]
            self._log(f"rolled back: {len(failed)} verification check(s) failed")
            self.banner.set("The verification failed, so the import was rolled back: the "
                            "database is unchanged. Next shows which checks failed.", "error")
        self._enable()

    def _cancel(self):
        if self.task is None:
            return
        if dialogs.confirm(self, "Stop the import?",
                           "Everything imported so far is rolled back; the database stays as "
                           "it was.", yes="Stop the import", no="Keep importing",
                           default_yes=True):
            self.progress.cancel.setEnabled(False)
            self.progress.text.setText("Cancelling: rolling back…")
            self.cancel_task()

    def _unchanged_text(self) -> str:
        session = self.session
        try:
            same = data_counts(session.target) == session.backup.counts
        except Exception:  # noqa: BLE001
            same = False
        if same:
            # HMSync's records, not the wizard's own bookkeeping (the schema-info row)
            n = sum(v for t, v in session.backup.counts.items() if t in DATA_TABLES)
            return (f"The database is unchanged: {fmt_int(n)} record{'' if n == 1 else 's'} "
                    "in HMSync's tables, as in the backup.")
        return ("The database was rolled back. It now differs from the backup; check it, or "
                "restore the backup.")

    def _cancelled(self):
        self.progress.finish()
        self.model.finish_all("cancelled")
        self._log("cancelled by the operator: rolled back")
        self.banner.set("Import cancelled. Everything was rolled back. " +
                        self._unchanged_text() + " Press “Start the import” to try again.",
                        "warning")
        self._enable()

    def _failed(self, e):
        self.progress.finish()
        self.model.finish_all("failed")
        self._log(f"stopped: {type(e).__name__}; rolled back")
        text, more = dialogs.explain(e, "the import")
        self.banner.set(f"{text} Everything was rolled back. {self._unchanged_text()}",
                        "error")
        dialogs.error(self, text, more)
        self._enable()
