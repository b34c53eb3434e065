"""Validation: counts by table and rule, then every problem (sortable, filterable, fast at
100,000s of rows); the whole source record of a problem; decisions per rule and record;
export of the problems and of the rejected records."""
from __future__ import annotations

import html
import time

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit,
                               QSizePolicy, QSplitter, QVBoxLayout, QWidget)

from ...core import report
from .. import dialogs, settings
from ..models.dataframe import DataFrameModel
from ..models.problems import ProblemsModel, prepare_problems
from ...core import rules as R
from ...core.errors import OutputError
from ...core.outputs import Outputs
from ...core.session import find_record
from ..widgets import (Banner, ProgressPanel, button, fit_columns, fmt_int, icon, label,
                       needed_width, table_view)
from .base import BasePage

ALL = "All"
NOTES_SHOWN = 4  # notes written out on the page; the report has them all


class ValidationPage(BasePage):
    def __init__(self, parent=None):
        super().__init__("Validation",
                         "Every record is checked against HMSync's rules. Nothing is written "
                         "yet: records with errors will be left out, and you can decide what "
                         "to do about each rule or record.", parent)
        self.progress = ProgressPanel()
        self.banner = Banner()
        # what the check noted beside the problems: columns not imported, mapped files the
        # export lacks, date orders guessed, times with a zone not read
        self.notes = Banner()
        self.notes.hide()

        # summary: by table, by rule
        self.tables_model = DataFrameModel()
        self.tables_view = table_view(stretch_last=False)
        self.tables_view.setModel(self.tables_model)
        self.tables_view.setAccessibleName("Records by HMSync table")
        self.rules_model = DataFrameModel()
        self.rules_view = table_view()
        self.rules_view.setModel(self.rules_model)
        self.rules_view.setAccessibleName("Problems by rule")
        self.rule_warning = button("&Warning", "warning",
                                   "Treat as a warning: import these records anyway, and list "
                                   "them as warnings")
        self.rule_off = button("I&gnore", "exclude", "Ignore this rule: do not check it at all")
        self.rule_error = button("E&rror", "fail",
                                 "Treat as an error: leave records that break this rule out "
                                 "(the default)")
        self.rule_note = label("")
        self.rule_note.setProperty("role", "hint")
        t_box = QWidget()
        tl = QVBoxLayout(t_box)
        tl.setContentsMargins(0, 0, 0, 0)
        lab = QLabel("Records by &HMSync table")
        lab.setBuddy(self.tables_view)
        lab.setProperty("role", "subheading")
        tl.addWidget(lab)
        tl.addWidget(self.tables_view, 1)
        r_box = QWidget()
        rl = QVBoxLayout(r_box)
        rl.setContentsMargins(0, 0, 0, 0)
        lab = QLabel("Problems by r&ule: select one to filter and decide")
        lab.setBuddy(self.rules_view)
        lab.setProperty("role", "subheading")
        rl.addWidget(lab)
        rl.addWidget(self.rules_view, 1)
        self.rule_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        rl.addWidget(self.rule_note)
        rb = QHBoxLayout()
        rb.addWidget(QLabel("Decide:"))
        for b in (self.rule_warning, self.rule_off, self.rule_error):
            rb.addWidget(b)
        rb.addStretch(1)
        rl.addLayout(rb)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(t_box)
        top.addWidget(r_box)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setChildrenCollapsible(False)
        self.top_split = top

        # problems: filters, list, record
        self.severity = QComboBox()
        self.table = QComboBox()
        self.rule = QComboBox()
        self.rule.setMinimumContentsLength(12)
        for cb, n in ((self.severity, 6), (self.table, 8)):
            cb.setMinimumContentsLength(n)
            cb.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.rule.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search problems, values, ids…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance("x" * 14))
        self.count = QLabel()
        fl = QHBoxLayout()
        for text, w in (("&Severity:", self.severity), ("T&able:", self.table),
                        ("Ru&le:", self.rule)):
            lab = QLabel(text)
            lab.setBuddy(w)
            fl.addWidget(lab)
            fl.addWidget(w)
        fl.addWidget(self.search, 1)
        self.problems = ProblemsModel(self)
        self.problems_view = table_view(sortable=True)
        self.problems_view.setModel(self.problems)
        self.problems_view.setAccessibleName("Problems")
        self.problems_view.horizontalHeader().setSortIndicatorShown(True)
        self.problems_view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.record_model = DataFrameModel()
        self.record_view = table_view()
        self.record_view.setModel(self.record_model)
        self.record_view.setAccessibleName("The whole legacy record")
        self.record_label = label("Select a problem to see its whole legacy record.", rich=True)
        self.record_label.setMinimumHeight(self.fontMetrics().lineSpacing() * 3)
        self.record_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.exclude = button("Leave it &out", "exclude",
                              "Do not import this record (it is listed as excluded)")
        self.include = button("I&nclude it", "include", "Undo “Leave it out”")
        rec = QWidget()
        rcl = QVBoxLayout(rec)
        rcl.setContentsMargins(0, 0, 0, 0)
        rcl.addWidget(self.record_label)
        rcl.addWidget(self.record_view, 1)
        eb = QHBoxLayout()
        eb.addWidget(self.exclude)
        eb.addWidget(self.include)
        eb.addStretch(1)
        rcl.addLayout(eb)
        plist = QWidget()
        pl = QVBoxLayout(plist)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.problems_view, 1)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(plist)
        lower.addWidget(rec)
        lower.setStretchFactor(0, 2)
        lower.setStretchFactor(1, 1)
        lower.setChildrenCollapsible(False)
        lower_box = QWidget()
        lbl = QVBoxLayout(lower_box)
        lbl.setContentsMargins(0, 0, 0, 0)
        lbl.addLayout(fl)
        lbl.addWidget(lower, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(lower_box)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self.split = split

        self.export_problems = button("Export &problems…", "export",
                                      "Every problem to a CSV or Excel file")
        self.export_rejected = button("Export re&jected records…", "export",
                                      "The records that will be left out, unchanged, one CSV "
                                      "file per legacy table")
        self.revalidate = button("Re-&validate", "refresh")
        self.ack = QCheckBox("I understand that records with errors will not be imported")
        bl = QHBoxLayout()
        bl.addWidget(self.export_problems)
        bl.addWidget(self.export_rejected)
        bl.addWidget(self.revalidate)
        bl.addStretch(1)
        bl.addWidget(self.count)

        lay = QVBoxLayout(self)
        lay.addWidget(self.progress)
        lay.addWidget(self.banner)
        lay.addWidget(self.notes)
        lay.addWidget(self.ack)
        lay.addWidget(split, 1)
        lay.addLayout(bl)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self._apply_filters)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        for cb in (self.severity, self.table, self.rule):
            cb.activated.connect(lambda *_: self._apply_filters())
        self.problems.filtered.connect(self._count_changed)
        self.problems.modelReset.connect(self._problem_selected)
        self.problems_view.selectionModel().currentRowChanged.connect(
            lambda cur, _: self._problem_selected())
        self.rules_view.selectionModel().currentRowChanged.connect(
            lambda cur, _: self._rule_clicked())
        self.rule_warning.clicked.connect(lambda: self._decide_rule("warning"))
        self.rule_off.clicked.connect(lambda: self._decide_rule("off"))
        self.rule_error.clicked.connect(lambda: self._decide_rule(None))
        self.exclude.clicked.connect(lambda: self._decide_record(True))
        self.include.clicked.connect(lambda: self._decide_record(False))
        self.export_problems.clicked.connect(self._export_problems)
        self.export_rejected.clicked.connect(self._export_rejected)
        self.revalidate.clicked.connect(self.validate)
        self.progress.cancelRequested.connect(self.cancel_task)
        self.ack.toggled.connect(self._ack)
        order = [self.ack, self.tables_view, self.rules_view, self.rule_warning, self.rule_off,
                 self.rule_error, self.severity, self.table, self.rule, self.search,
                 self.problems_view, self.record_view, self.exclude, self.include,
                 self.export_problems, self.export_rejected, self.revalidate]
        for a, b in zip(order, order[1:]):
            self.setTabOrder(a, b)
        self._record_task = None
        self._record_key = None
        self._prepared = None
        self._done_per_source: dict[str, int] = {}
        self._t0 = 0.0

    # --- life cycle -----------------------------------------------------------------------
    def initializePage(self):
        self.ack.setChecked(self.session.errors_acknowledged)
        if not self.session.validation_current:
            self.validate()
        else:
            self._show()

    def cleanupPage(self):
        self.cancel_task()

    def task_ended(self):
        self._enable()

    def isComplete(self):
        v = self.session.validation
        if self.busy or not self.session.validation_current or v is None:
            return False
        return v.errors == 0 or self.ack.isChecked()

    def _ack(self, on):
        self.session.errors_acknowledged = bool(on)
        self.completeChanged.emit()

    # --- validating ----------------------------------------------------------------------
    def validate(self):
        if self.busy:
            return
        session = self.session
        try:
            m = session.make_migration()
        except Exception as e:  # noqa: BLE001 - ProfileError/MigrationError in plain words
            dialogs.show_exception(self, e, "starting the validation")
            return
        key = session.profile_key()
        total = session.mapped_row_total()
        self._done_per_source = {}
        self._t0 = time.monotonic()

        def progressed(p):
            self._done_per_source[p.source] = p.done
            done = sum(self._done_per_source.values())
            self.progress.update(f"Checking {p.source} ({fmt_int(p.done)} records)…", done,
                                 max(total, done))

        def finished(result):
            res, self._prepared = result
            session.apply_validation(res, key)
            self.progress.finish()
            self._show()

        def cancelled():
            self.progress.finish()
            self._show()
            self.banner.set("Validation cancelled. Press Re-validate to check the records.",
                            "warning")

        def failed(e):
            self.progress.finish()
            self._show()
            dialogs.show_exception(self, e, "the validation")

        self.progress.start("Checking every record…")
        self.banner.set("")
        def work(progress, cancel):
            res = m.validate(progress, cancel)
            return res, prepare_problems(res.problems)   # the list's arrays, off the UI

        self.run_task(work, "validate",
                      on_finished=finished, on_progress=progressed, on_cancelled=cancelled,
                      on_failed=failed)
        self._enable()

    # --- showing -------------------------------------------------------------------------
    def _show(self):
        v = self.session.validation
        current = self.session.validation_current
        if v is None:
            self.tables_model.set_frame(pd.DataFrame())
            self.rules_model.set_frame(pd.DataFrame())
            self.problems.set_problems(None)
            self.banner.set("")
            self.notes.hide()
            self._enable()
            return
        notes = list(v.notes) + [f"{s} is not mapped and is left out"
                                 for s in v.unmapped_sources]
        self.notes.set("\n".join(f"Note: {n}" for n in notes[:NOTES_SHOWN]) + (
            f"\n… and {len(notes) - NOTES_SHOWN} more (all of them in the report)"
            if len(notes) > NOTES_SHOWN else ""), "info")
        self.notes.setVisible(bool(notes))
        rows = [(t, s.source_rows, s.valid, s.duplicates, s.rejected, s.warnings)
                for t, s in v.stats.items()]
        df = pd.DataFrame(rows, columns=["HMSync table", "Records", "Import", "In HMSync",
                                         "Rejected", "Warnings"])
        if len(df):
            tot = df.drop(columns="HMSync table").sum()
            df.loc[len(df)] = ["Total", *tot.tolist()]
        for c in df.columns[1:]:
            df[c] = df[c].astype("int64")
        rej = df["Rejected"].to_numpy() > 0 if len(df) else np.zeros(0, bool)
        self.tables_model.set_frame(df, bad={"Rejected": rej}, tips=[
            "", "Records in the legacy export", "New records that will be imported",
            "Already imported by an earlier run: skipped", "Records with errors: left out",
            "Imported records that carry a warning"])
        fit_columns(self.tables_view)
        summ = v.summary()
        if len(summ):
            summ = summ.sort_values(["severity", "count"], ascending=[True, False])
            locked = [R.code_is_locked(c, self.session.targets) for c in summ["rule"]]
            desc = [R.describe_code(c) for c in summ["rule"]]
            sev = summ["severity"].to_numpy()
            rdf = pd.DataFrame({"Rule": summ["rule"].to_numpy(),
                                "Records": summ["count"].astype("int64").to_numpy()})
            icons = np.array([icon("fail") if s == "error" else icon("warning")
                              for s in sev], dtype=object)
            tips = np.array([f"{s}: {d}" + (" — HMSync cannot store these records, so this "
                                            "rule cannot be relaxed" if lk else "")
                             for s, d, lk in zip(sev, desc, locked)], dtype=object)
            self.rules_model.set_frame(rdf, icons={"Rule": icons}, cell_tips={"Rule": tips})
        else:
            self.rules_model.set_frame(pd.DataFrame(columns=["Rule", "Records"]))
        fit_columns(self.rules_view)
        total = sum(self.top_split.sizes())
        need = needed_width(self.tables_view)
        if total > 0 and need < total - 200:
            self.top_split.setSizes([need, total - need])
        # the summary as tall as the table of counts; the problem list gets the rest
        sizes = self.split.sizes()
        tall = self.tables_view.horizontalHeader().sizeHint().height() + \
            self.tables_view.verticalHeader().defaultSectionSize() * self.tables_model.rowCount() \
            + 2 * self.tables_view.frameWidth() + 4 + self.fontMetrics().height() * 2
        if sum(sizes) > 0 and tall < sum(sizes) * 0.6:
            self.split.setSizes([tall, sum(sizes) - tall])
        filters = self.problems.filters()
        prepared = self._prepared
        if prepared is None or prepared.n != len(v.problems):
            prepared = v.problems
        self.problems.set_problems(prepared)
        self._fill_filter(self.severity, self.problems.values("severity"),
                          filters["severity"])
        self._fill_filter(self.table, self.problems.values("table"), filters["table"])
        self._fill_filter(self.rule, self.problems.values("rule"), filters["rule"])
        self._apply_filters()
        fit_columns(self.problems_view, self.problems_view.fontMetrics().horizontalAdvance(
            "x" * 30))
        # the message column gets what is left
        self.problems_view.horizontalHeader().setStretchLastSection(True)
        imported = sum(s.valid for s in v.stats.values())
        if not current:
            self.banner.set("You changed the mapping or a decision since this check. Press "
                            "Re-validate to see the effect (Next waits for it).", "warning")
        elif v.errors:
            rejected = sum(s.rejected for s in v.stats.values())
            self.banner.set(
                f"{fmt_int(v.errors)} error(s) in {fmt_int(rejected)} record(s): those records "
                f"will be left out; {fmt_int(imported)} will be imported"
                + (f"; {fmt_int(v.warnings)} warning(s)" if v.warnings else "") +
                ". Export them to fix in the legacy system, decide per rule or record, or "
                "tick the box to continue.", "warning")
        else:
            self.banner.set(f"No errors: all {fmt_int(imported)} new records can be imported"
                            + (f" ({fmt_int(v.warnings)} warning(s) to review)."
                               if v.warnings else "."), "ok")
        self.ack.setVisible(bool(v.errors))
        self._enable()
        self.completeChanged.emit()

    def _fill_filter(self, cb: QComboBox, values: list[str], current: str):
        cb.blockSignals(True)
        cb.clear()
        cb.addItem(ALL, "")
        for v in values:
            cb.addItem(v, v)
        i = cb.findData(current)
        cb.setCurrentIndex(max(i, 0))
        cb.blockSignals(False)

    def _enable(self):
        v = self.session.validation
        has = v is not None and len(v.problems) > 0 and not self.busy
        for w in (self.export_problems, self.export_rejected):
            w.setEnabled(has)
        self.export_rejected.setEnabled(has and v.errors > 0)
        self.revalidate.setEnabled(not self.busy)
        self.revalidate.setProperty("attention", not self.session.validation_current and
                                    not self.busy)
        self.revalidate.style().unpolish(self.revalidate)
        self.revalidate.style().polish(self.revalidate)
        self._rule_selected()
        self._problem_buttons()

    # --- filtering ---------------------------------------------------------------------------
    def _apply_filters(self):
        self.problems.set_filter(severity=self.severity.currentData() or "",
                                 table=self.table.currentData() or "",
                                 rule=self.rule.currentData() or "",
                                 text=self.search.text())

    def set_filters(self, severity=None, table=None, rule=None, text=None):
        for cb, v in ((self.severity, severity), (self.table, table), (self.rule, rule)):
            if v is not None:
                cb.setCurrentIndex(max(cb.findData(v), 0))
        if text is not None:
            self.search.setText(text)
        self._search_timer.stop()
        self._apply_filters()

    def _count_changed(self, shown: int, total: int):
        self.count.setText(f"{fmt_int(shown)} of {fmt_int(total)} problems" if shown != total
                           else f"{fmt_int(total)} problems")

    # --- rules -----------------------------------------------------------------------------
    def _selected_rule(self) -> str | None:
        idx = self.rules_view.currentIndex()
        if not idx.isValid() or not self.rules_model.rowCount():
            return None
        return self.rules_model.row_values(idx.row())["Rule"]

    def _rule_selected(self):
        code = self._selected_rule()
        locked = code is not None and R.code_is_locked(code, self.session.targets)
        cur = self.session.profile.rules.get(code) if (code and self.session.profile) else None
        can = code is not None and not locked and not self.busy
        self.rule_warning.setEnabled(can and cur != "warning")
        self.rule_off.setEnabled(can and cur != "off")
        self.rule_error.setEnabled(can and cur is not None)
        if code is None:
            self.rule_note.setText("Select a rule to see what it means.")
        else:
            what = R.describe_code(code)
            what = what[:1].upper() + what[1:] + "." if what else ""
            if locked:
                what += " HMSync cannot store these records: this rule cannot be relaxed."
            elif cur:
                what += f" Your decision: {'ignore it' if cur == 'off' else cur}."
            self.rule_note.setText(what)

    def _rule_clicked(self):
        self._rule_selected()
        code = self._selected_rule()
        if code is not None:
            self.set_filters(rule=code, severity="", table="")

    def _decide_rule(self, severity: str | None):
        code = self._selected_rule()
        if code is None:
            return
        self.session.set_rule(code, severity)
        self._show()

    def decide_rule(self, code: str, severity: str | None):
        self.session.set_rule(code, severity)
        self._show()

    # --- records -------------------------------------------------------------------------
    def _current_problem(self) -> dict | None:
        idx = self.problems_view.currentIndex()
        if not idx.isValid():
            return None
        return self.problems.problem(idx.row())

    def _problem_buttons(self):
        p = self._current_problem()
        ok = p is not None and bool(p["legacy_id"]) and not self.busy
        excluded = ok and self.session.is_excluded(p["table"], p["legacy_id"])
        self.exclude.setEnabled(ok and not excluded)
        self.include.setEnabled(ok and excluded)

    def _decide_record(self, excluded: bool):
        p = self._current_problem()
        if p is None:
            return
        self.session.set_excluded(p["table"], p["legacy_id"], excluded)
        self._problem_buttons()
        self._show()

    def _problem_selected(self):
        self._problem_buttons()
        p = self._current_problem()
        if p is None:
            self.record_model.set_frame(pd.DataFrame())
            self.record_label.setText("Select a problem to see its whole legacy record.")
            return
        key = (p["file"], p["line"])
        if key == self._record_key:
            return
        self._record_key = key
        st = self.session.table(p["file"])
        if st is None:
            return
        if self._record_task is not None:
            self._record_task.cancel()
        where = _where(st, p["line"])
        self.record_label.setText(f"Reading {where} of {p['file']}…")
        from ..workers import Task
        task = Task(lambda progress, cancel: find_record(st, p["line"], cancel), "record")
        self._record_task = task
        fields = set(p["field"].split("+"))

        def found(rec):
            if self._record_task is not task:
                return
            if rec is None:
                self.record_label.setText(f"{where[:1].upper()}{where[1:]} of {p['file']} was "
                                          "not found.")
                self.record_model.set_frame(pd.DataFrame())
                return
            df = pd.DataFrame({"Column": list(rec), "Value": list(rec.values())})
            self.record_model.set_frame(df, bad={"Value": df["Column"].isin(fields).to_numpy()})
            fit_columns(self.record_view)
            self.record_label.setText(f"<b>{html.escape(p['file'])}</b>, {html.escape(where)}: "
                                      f"{html.escape(p['message'])}")
            self.record_label.setToolTip(p["message"])

        task.finished.connect(found)
        task.failed.connect(lambda e: self.record_label.setText(
            dialogs.explain(e, "reading the record")[0]))
        self.runner.start(task)

    # --- export ----------------------------------------------------------------------------
    def _export_problems(self):
        v = self.session.validation
        p, flt = dialogs.save_file(self, "Export the problems",
                                   settings.last_folder("export") + "/problems.xlsx",
                                   "Excel workbook (*.xlsx);;CSV file (*.csv)")
        if not p:
            return
        if p.suffix.lower() not in (".csv", ".xlsx"):
            p = p.with_suffix(".csv" if "CSV" in flt else ".xlsx")
        if not self._output_allowed(Outputs(issues=p)):
            return
        settings.remember_folder("export", p)
        problems = v.problems
        self._export(lambda progress, cancel: report.write_problems(problems, p),
                     f"{fmt_int(len(problems))} problems written to {p}.")

    def _export_rejected(self):
        folder = dialogs.open_folder(self, "Folder for the rejected records",
                                     settings.last_folder("export"))
        if not folder:
            return
        if not self._output_allowed(Outputs(rejected=folder)):
            return
        settings.remember_folder("export", folder / "x")
        sources = [s for s, _ in self.session.mapped()]
        problems = self.session.validation.problems

        def work(progress, cancel):
            return report.write_rejected(sources, problems, folder)

        self._export(work, None, folder)

    def _output_allowed(self, outputs: Outputs) -> bool:
        """Never over the target, the backup or a legacy file (said, not done)."""
        try:
            self.session.check_outputs(outputs)
        except OutputError as e:
            dialogs.error(self, str(e), e.advice)
            return False
        return True

    def _export(self, fn, message, folder=None):
        self.progress.start("Writing…", busy=True)

        def done(result):
            self.progress.finish()
            if message is None:
                files = ", ".join(p.name for p in result)
                dialogs.info(self, f"Rejected records written to {folder}.",
                             f"{len(result)} file(s): {files}. They hold patient data: keep "
                             "them safe and delete them when done.")
            else:
                dialogs.info(self, message, "The file holds patient data: keep it safe.")

        self.run_task(fn, "export", on_finished=done,
                      on_failed=lambda e: (self.progress.finish(),
                                           dialogs.show_exception(self, e, "writing the file")),
                      on_cancelled=self.progress.finish)


def _where(st, line: int) -> str:
    """A record's place in words: "line 1,234" of a file, "patient_id 1234" of a database
    table (a key is not a quantity: no separators)."""
    if st.location_name == "line":
        return f"line {line:,}"
    return st.location(line)
