"""Import: progress per table with counts and time left, a log (counts only, never patient
data), and Cancel, which rolls everything back."""
from __future__ import annotations

import html
import time
from datetime import datetime

from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from ...core.schema import DATA_TABLES
from ...core.backup import data_counts
from ...core.delta import OnConflict
from ...core.delta_summary import delta_rows
from .. import dialogs
from ..delta_panel import DeltaPanel
from ..models.delegates import ProgressDelegate
from ..models.progress import BAR, ImportProgressModel
from ..widgets import (Banner, ProgressPanel, button, fit_height, fmt_duration, fmt_int, label,
                       table_view)
from .base import BasePage
from ...core.words import counted, plural


#: the choices for records changed both in the export and in HMSync, as the page words them
CONFLICT_CHOICES = [
    ("List them; keep HMSync's values (decide later)", None),
    ("The export's values win (overwrite HMSync's)", OnConflict.LEGACY_WINS),
    ("HMSync's values win (and do not ask again)", OnConflict.HMSYNC_WINS),
    ("Skip them (list them again next time)", OnConflict.SKIP),
]

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
        # a re-run: what to do with records changed on both sides, and with files that
        # have no legacy id (shown only when the validation's preview found them)
        self.delta_box = QWidget()
        dl = QVBoxLayout(self.delta_box)
        dl.setContentsMargins(0, 0, 0, 0)
        self.delta_text = label("", rich=True)
        self.on_conflict = QComboBox()
        for text, how in CONFLICT_CHOICES:
            self.on_conflict.addItem(text, how)
        self.on_conflict.setAccessibleName("Records changed in the export and in HMSync")
        conflict_label = QLabel("C&hanged on both sides:")
        conflict_label.setBuddy(self.on_conflict)
        crow = QHBoxLayout()
        crow.addWidget(conflict_label)
        crow.addWidget(self.on_conflict, 1)
        self.allow_untracked = QCheckBox("Import files without a legacy id anyway (their "
                                         "changed records come in as new ones)")
        self.delta_panel = DeltaPanel("What the re-run will do with each table's records "
                                      "(the validation's preview):", compact=True)
        dl.addWidget(self.delta_text)
        dl.addWidget(self.delta_panel)
        dl.addLayout(crow)
        dl.addWidget(self.allow_untracked)
        self.delta_box.hide()
        self.on_conflict.currentIndexChanged.connect(self._conflict_chosen)
        self.allow_untracked.toggled.connect(self._untracked_chosen)
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
        lay.addWidget(self.delta_box)
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
        self._conflicts_decided = False   # the operator chose what becomes of conflicts

    def initializePage(self):
        session = self.session
        mapped = session.mapped()
        v = session.validation
        will = sum(s.valid for s in v.stats.values()) if v is not None else 0
        self.summary.setText(
            f"<b>{fmt_int(will)}</b> new {plural(will, 'record')} from "
            f"{counted(len(mapped), 'legacy table')} will go "
            f"into <b>{html.escape(session.target.name) if session.target else '?'}</b>"
            + (f"; {counted(v.errors, 'problem record')} {plural(v.errors, 'is', 'are')} "
               "left out" if v and v.errors else "")
            + f". Backup: {html.escape(session.backup.path.name) if session.backup else 'none'}.")
        self._show_delta(v.delta if v is not None else None)
        if session.run_report is not None and session.run_result is not None and \
                session.run_result.delta is not None:
            self._show_run_delta(session.run_report)
        if session.run_result is None and not self.busy:
            self.model.set_tables([(tm.target, st.name, session.row_counts.get(st.name, 0))
                                   for st, tm in mapped])
            self._fit()
            self.banner.set("Press “Start the import” when you are ready. HMSync should not "
                            "be in use while the wizard writes to its database.", "info")
        self._enable()

    def _show_delta(self, delta):
        """A re-run: what the validation's preview found, and the operator's choices."""
        self.delta_box.setVisible(delta is not None)
        if delta is None:
            return
        up = sum(c.updated for c in delta.counts.values())
        same = sum(c.unchanged for c in delta.counts.values())
        gone = sum(len(v) for v in delta.gone.values())
        n = len(delta.conflicts)
        self.delta_text.setText(
            f"This database holds records of an earlier run: <b>{fmt_int(up)}</b> changed in "
            f"the export will be updated, {fmt_int(same)} are unchanged"
            + (f", <b>{fmt_int(n)}</b> changed both in the export and in HMSync" if n else "")
            + (f"; {fmt_int(gone)} are no longer in the export (they stay in HMSync)"
               if gone else "") + ".")
        v = self.session.validation
        self.delta_panel.counts_label.setText("What the re-run will do (the validation's "
                                              "preview; tables with no change: in the "
                                              "total):")
        self.delta_panel.show_delta({t: st.to_dict() for t, st in v.stats.items()},
                                    delta.to_dict())
        self.on_conflict.setEnabled(n > 0)
        i = self.on_conflict.findData(self.session.delta.on_conflict)
        self.on_conflict.blockSignals(True)
        self.on_conflict.setCurrentIndex(max(i, 0))
        self.on_conflict.blockSignals(False)
        self.allow_untracked.setVisible(bool(delta.untracked))
        self.allow_untracked.setText(
            "Import anyway: " + ", ".join(delta.untracked) + " have no legacy id, so their "
            "changed records come in as new ones" if delta.untracked else "")
        self.allow_untracked.setChecked(self.session.delta.allow_untracked)

    def _show_run_delta(self, rep: dict):
        """After the run: what it did, table by table, and the conflicts."""
        self.delta_panel.counts_label.setText("What the re-run did (tables with no "
                                              "change: in the total):")
        self.delta_panel.show_delta(rep.get("tables"), rep.get("delta"))
        rows = delta_rows(rep.get("tables") or {}, rep.get("delta"))
        if rows:
            r = rows[-1]   # (the total, or the only table)
            self.delta_text.setText(
                f"Done: <b>{fmt_int(r.inserted)}</b> new {plural(r.inserted, 'record')} "
                "inserted, "
                f"<b>{fmt_int(r.updated)}</b> updated, {fmt_int(r.unchanged)} unchanged, "
                f"<b>{fmt_int(r.conflicts)}</b> {plural(r.conflicts, 'conflict')}"
                + (f" ({fmt_int(r.kept)} left as HMSync has them)" if r.kept else "")
                + f", {fmt_int(r.gone)} no longer in the export (kept in HMSync).")

    def _conflict_chosen(self, *_):
        self._conflicts_decided = True
        self.session.set_on_conflict(self.on_conflict.currentData())

    def _ask_conflicts(self) -> bool:
        """Before a re-run with conflicts: what becomes of them, unless the operator chose
        already (here, or in the project reopened). False: cancelled."""
        delta = self.session.validation.delta if self.session.validation else None
        n = len(delta.conflicts) if delta is not None else 0
        if not n or self._conflicts_decided or self.session.delta.on_conflict is not None:
            return True
        at = dialogs.choose(
            self, f"{counted(n, 'record')} {plural(n, 'was', 'were')} changed both in the "
                  "legacy export and in "
            "HMSync since the last run. What should the import do with them?",
            "Whatever you choose, each is listed in the report, with before and after in "
            "the audit trail.", [text for text, _ in CONFLICT_CHOICES], default=0)
        if at is None:
            return False
        self.on_conflict.setCurrentIndex(at)
        self._conflict_chosen()
        return True

    def _untracked_chosen(self, on: bool):
        self.session.set_allow_untracked(on)

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
        if not self._ask_conflicts():
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
        self._log(f"import started: {counted(len(sources), 'legacy table')}, "
                  f"{counted(self.model.total, 'record')}, into {target.name}")
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
        self.progress.update(f"Importing {p.table} from {p.source}: "
                             f"{counted(p.done, 'record')}",
                             done, max(total, done))

    def _log_table_done(self, source: str):
        i = self.model.row_of(source)
        if i >= 0:
            r = self.model.rows[i]
            self._log(f"{r['table']}: {counted(r['done'], 'record')} read from {source}")

    def _finished(self, outcome):
        self.session.apply_import(outcome)
        res, rep = outcome.result, outcome.report
        self.progress.finish()
        spent = fmt_duration(time.monotonic() - self._t0)
        imported = sum(t.get("imported", 0) for t in rep["tables"].values())
        updated = sum(t.get("updated", 0) for t in rep["tables"].values())
        if res.committed and res.delta is not None:
            self._show_run_delta(rep)
        if res.committed:
            self.model.finish_all("done")
            also = f", {fmt_int(updated)} updated" if res.delta is not None else ""
            self._log(f"committed: {counted(imported, 'record')} imported{also} in {spent}")
            left = res.delta.unresolved if res.delta is not None else 0
            if left:
                self._log(f"{counted(left, 'conflict', thousands=False)} left as HMSync "
                          "has them")
            self.banner.set(f"Done: {counted(imported, 'record')} imported{also} and "
                            "committed "
                            f"in {spent}; every check passed." +
                            (f" {counted(left, 'record')} changed both in the export and "
                             "in "
                             "HMSync were left as HMSync has them: the report lists them."
                             if left else "") + " Next shows the verification.",
                            "warning" if left else "ok")
        else:
            self.model.finish_all("rolled back")
            failed = [c.name for c in res.verification.failed()]
            self._log(f"rolled back: {counted(len(failed), 'verification check')} failed")
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
