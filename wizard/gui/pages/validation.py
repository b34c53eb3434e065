"""Validation: counts by table and rule, then every problem (sortable, filterable, fast at
100,000s of rows); the whole source record of a problem; decisions per rule and record;
export of the problems and of the rejected records."""
from __future__ import annotations

import html
import time

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit,
                               QScrollArea, QSizePolicy, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from ...core import report
from .. import dialogs, settings
from ..models.dataframe import DataFrameModel
from ..models.problems import ProblemsModel, prepare_problems
from ...core import remedies
from ...core import rules as R
from ...core.cascades import is_cascade_rule
from ...core.errors import OutputError
from ...core.outputs import Outputs
from ...core.session import find_record
from ...core.transforms import TransformError
from ..widgets import (Banner, ProgressPanel, button, fit_columns, fmt_int, icon, label,
                       table_view)
from .base import BasePage
from ...core.words import counted

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
        # the rule's words in full, its code in what is left of the width
        self.rules_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.rules_view.setModel(self.rules_model)
        self.rules_view.setAccessibleName("Problems by rule")
        self.rule_warning = button("&Warning", "warning",
                                   "Treat as a warning: import these records, and list them "
                                   "as warnings (select a rule to see what it does to them)")
        self.rule_off = button("I&gnore", "exclude", "Ignore this rule: do not check it at all")
        self.rule_error = button("E&rror", "fail",
                                 "Treat as an error: leave records that break this rule out "
                                 "(the default)")
        self.rule_note = label("")
        self.rule_note.setProperty("role", "hint")
        # the rules and the counts per table share one place, the rules in front: on a
        # laptop's screen both side by side left each too narrow to read
        r_box = QWidget()
        rl = QVBoxLayout(r_box)
        rl.setContentsMargins(4, 4, 4, 4)
        rl.addWidget(self.rules_view, 1)
        self.rule_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.rule_note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        rb = QHBoxLayout()
        rb.addWidget(QLabel("Decide:"))
        for b in (self.rule_warning, self.rule_off, self.rule_error):
            rb.addWidget(b)
        rb.addWidget(self.rule_note, 1)   # wrapped beside the buttons; in full as a tip
        rl.addLayout(rb)
        top = QTabWidget()
        top.addTab(r_box, "Problems by r&ule")
        top.addTab(self.tables_view, "Records by &HMSync table")
        top.setTabToolTip(0, "Select a rule to list its problems and decide about it")
        self.summary_tabs = top

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
        # its whole text, whatever the buttons beside it take (it was cut: "6 of 41 probl")
        self.count.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        fl = QHBoxLayout()
        for text, w in (("&Severity:", self.severity), ("T&able:", self.table),
                        ("Ru&le:", self.rule)):
            lab = QLabel(text)
            lab.setBuddy(w)
            fl.addWidget(lab)
            fl.addWidget(w)
        fl.addWidget(self.search, 1)
        # the list narrowed to one problem and what it leaves out (no drop-down says so)
        self.cause_note = label("")
        self.cause_note.setProperty("role", "hint")
        self.show_all = button("Show &all", None, "List every problem again")
        cl = QHBoxLayout()
        cl.addWidget(self.cause_note, 1)
        cl.addWidget(self.show_all)
        self.cause_bar = QWidget()
        self.cause_bar.setLayout(cl)
        cl.setContentsMargins(0, 0, 0, 0)
        self.cause_bar.hide()
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
        # the selected problem in full: what is wrong, the value, what was expected, what
        # to do, and what else it leaves out (wrapped: nothing to scroll sideways)
        self.detail = label("Select a problem to read it in full.", rich=True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.detail.setAccessibleName("The selected problem")
        detail_scroll = QScrollArea()
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        detail_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        detail_scroll.setWidget(self.detail)
        # small minimums: on a 640-pixel-high screen the problem list needs the height
        detail_scroll.setMinimumHeight(self.fontMetrics().lineSpacing() * 3)
        self.record_view.setMinimumHeight(self.record_view.verticalHeader().defaultSectionSize()
                                          * 2)
        self.record_label = label("Select a problem to see its whole legacy record.", rich=True)
        self.record_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.exclude = button("Leave it &out", "exclude",
                              "Do not import this record (it is listed as excluded)")
        self.include = button("I&nclude it", "include", "Undo “Leave it out”")
        self.fix = button("&Fix a value…", None,
                          "Import another value for this record's column (the one selected "
                          "in the record below, or the problem's): kept in the project, "
                          "listed in the report; the legacy file is not changed")
        self.show_cause = button("Show its &cause", None,
                                 "Select the problem that left this record out")
        self.show_consequences = button("Show what it &leaves out", None,
                                        "List this problem and the records left out "
                                        "because of it")
        self.excel_days = button("Read as E&xcel day numbers", None,
                                 "Read this field's whole numbers as Excel day numbers "
                                 "(45213 is 2023-10-14), then check again")
        self.unix_time = button("Read as Unix &time…", None,
                                "Read this field's whole numbers as Unix times (seconds or "
                                "milliseconds since 1970, 1652738400 is 2022-05-16 22:00 "
                                "UTC) in the clinic's time zone, then check again")
        self.to_mapping = button("Change the &mapping…", None,
                                 "Go back to the Column mapping page, to this field")
        about = QWidget()
        al = QVBoxLayout(about)
        al.setContentsMargins(0, 0, 0, 0)
        al.addWidget(detail_scroll, 1)
        # two rows: the record's own decisions, then the remedies that apply to it (the
        # buttons that do not apply are hidden, so a narrow pane shows them whole)
        for row in ((self.fix, self.exclude, self.include),
                    (self.show_cause, self.show_consequences, self.excel_days,
                     self.unix_time, self.to_mapping)):
            ab = QHBoxLayout()
            for b in row:
                ab.addWidget(b)
            ab.addStretch(1)
            al.addLayout(ab)
        whole = QWidget()
        wl = QVBoxLayout(whole)
        wl.setContentsMargins(0, 0, 0, 0)
        wl.addWidget(self.record_label)    # while there is no record to show
        wl.addWidget(self.record_view, 1)  # its header names the file and line
        rec = QSplitter(Qt.Orientation.Vertical)
        rec.addWidget(about)
        rec.addWidget(whole)
        rec.setStretchFactor(0, 3)
        rec.setStretchFactor(1, 2)
        rec.setChildrenCollapsible(False)
        self.record_split = rec
        plist = QWidget()
        pl = QVBoxLayout(plist)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.problems_view, 1)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(plist)
        lower.addWidget(rec)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setChildrenCollapsible(False)
        self.lower_split = lower
        lower_box = QWidget()
        lbl = QVBoxLayout(lower_box)
        lbl.setContentsMargins(0, 0, 0, 0)
        lbl.addLayout(fl)
        lbl.addWidget(self.cause_bar)
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
        self.same_person = button("Same &person twice?…", None,
                                  "Look for records that may be one person registered twice "
                                  "(names alike, same phone, or same age and address), and "
                                  "decide about each group")
        self.ack = QCheckBox("I understand that records with errors will not be imported")
        bl = QHBoxLayout()
        bl.addWidget(self.export_problems)
        bl.addWidget(self.export_rejected)
        bl.addWidget(self.revalidate)
        bl.addWidget(self.same_person)
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
        self._search_timer.timeout.connect(self._filters_chosen)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        for cb in (self.severity, self.table, self.rule):
            cb.activated.connect(lambda *_: self._filters_chosen())
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
        self.show_cause.clicked.connect(self._go_to_cause)
        self.fix.clicked.connect(self._fix_value)
        self.show_consequences.clicked.connect(self._list_consequences)
        self.show_all.clicked.connect(self._clear_cause)
        self.excel_days.clicked.connect(self._read_excel_days)
        self.unix_time.clicked.connect(self._read_unix_time)
        self.to_mapping.clicked.connect(self._go_to_mapping)
        self.export_problems.clicked.connect(self._export_problems)
        self.export_rejected.clicked.connect(self._export_rejected)
        self.revalidate.clicked.connect(self.validate)
        self.same_person.clicked.connect(self.find_same_person)
        self.persons_dialog = None
        self.progress.cancelRequested.connect(self.cancel_task)
        self.ack.toggled.connect(self._ack)
        order = [self.ack, self.tables_view, self.rules_view, self.rule_warning, self.rule_off,
                 self.rule_error, self.severity, self.table, self.rule, self.search,
                 self.problems_view, self.fix, self.exclude, self.include, self.show_cause,
                 self.show_consequences, self.excel_days, self.unix_time, self.to_mapping,
                 self.record_view,
                 self.export_problems, self.export_rejected, self.revalidate,
                 self.same_person]
        for a, b in zip(order, order[1:]):
            self.setTabOrder(a, b)
        self._record_task = None
        self._record_key = None
        self._record: dict | None = None    # the legacy record shown, as the file has it
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
            self.progress.update(f"Checking {p.source} "
                                 f"({counted(p.done, 'record')})…", done,
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
        targets = session.targets

        def work(progress, cancel):
            res = m.validate(progress, cancel)
            # the list's arrays and the cascades traced to their causes, off the UI thread
            return res, prepare_problems(res.problems, targets=targets)

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
        targets = self.session.targets
        summ = v.summary()
        if len(summ):
            # problems of the records' own first, then the records left out because of them
            summ = summ.assign(cascade=[is_cascade_rule(c) for c in summ["rule"]])
            summ = summ.sort_values(["cascade", "severity", "count"],
                                    ascending=[True, True, False])
            locked = [R.code_is_locked(c, targets) for c in summ["rule"]]
            desc = [R.describe_code(c) for c in summ["rule"]]
            sev = summ["severity"].to_numpy()
            casc = summ["cascade"].to_numpy(dtype=bool)
            rdf = pd.DataFrame({"Rule": [remedies.rule_title(c, targets)
                                         for c in summ["rule"]],
                                "Records": summ["count"].astype("int64").to_numpy(),
                                "Code": summ["rule"].to_numpy()})
            icons = np.array([icon("exclude") if c else icon("fail") if s == "error"
                              else icon("warning") for s, c in zip(sev, casc)], dtype=object)
            tips = np.array([f"{s}: {d}" + (" — HMSync cannot store these records, so this "
                                            "rule cannot be relaxed" if lk else "")
                             for s, d, lk in zip(sev, desc, locked)], dtype=object)
            self.rules_model.set_frame(rdf, icons={"Rule": icons}, cell_tips={"Rule": tips})
        else:
            self.rules_model.set_frame(pd.DataFrame(columns=["Rule", "Records", "Code"]))
        fit_columns(self.rules_view, self.rules_view.fontMetrics().horizontalAdvance("x" * 70))
        self._fit_layout()
        filters = self.problems.filters()
        prepared = self._prepared
        if prepared is None or prepared.n != len(v.problems):
            prepared = prepare_problems(v.problems, with_search=False, targets=targets)
        self.problems.set_problems(prepared)
        self._fill_filter(self.severity, self.problems.values("severity"),
                          filters["severity"])
        self._fill_filter(self.table, self.problems.values("table"), filters["table"])
        self._fill_filter(self.rule, self.problems.values("rule"), filters["rule"])
        self._apply_filters()
        fit_columns(self.problems_view, self.problems_view.fontMetrics().horizontalAdvance(
            "x" * 30))
        # the problem in words is read in full in the pane beside the list: here it gets
        # most of the list's width, the columns that locate it what they need
        self.problems_view.horizontalHeader().setStretchLastSection(False)
        QTimer.singleShot(0, self._fit_layout)   # again once the splitters have their sizes
        imported = sum(s.valid for s in v.stats.values())
        if not current:
            self.banner.set("You changed the mapping or a decision since this check. Press "
                            "Re-validate to see the effect (Next waits for it).", "warning")
        elif v.errors:
            rejected = sum(s.rejected for s in v.stats.values())
            casc = self.problems.cascades
            n_casc = casc.records if casc is not None else 0
            because = (f" ({fmt_int(n_casc)} of them only because a record they refer to "
                       f"was left out)" if n_casc else "")
            self.banner.set(
                f"{counted(v.errors, 'error')} in {counted(rejected, 'record')}{because}: "
                f"those records will be left out; {fmt_int(imported)} will be imported"
                + (f"; {counted(v.warnings, 'warning')}" if v.warnings else "") +
                ". Export them to fix in the legacy system, decide per rule or record, or "
                "tick the box to continue.", "warning")
        else:
            self.banner.set(f"No errors: all {fmt_int(imported)} new records can be imported"
                            + (f" ({counted(v.warnings, 'warning')} to review)."
                               if v.warnings else "."), "ok")
        self.ack.setVisible(bool(v.errors))
        self._enable()
        self.completeChanged.emit()

    def _fit_layout(self):
        """Sizes for the screen at hand (1280x720 and 1024x640 laptops first): the table of
        counts as wide as it needs, the rules the rest; the summary tall enough for the
        counts or a few rules, the problem list the rest; the problem in words most of the
        list's width (its value, line and legacy id beside it, where it is located further
        right and in the pane)."""
        sizes = self.split.sizes()
        if sum(sizes) > 0 and self.rules_view.viewport().height() > 0:
            # rows as they are now, then moved between the rules and the problem list: the
            # list keeps five rows at least and half of them on a taller screen
            row_h = self.rules_view.verticalHeader().defaultSectionSize()
            r_vis = self.rules_view.viewport().height() // row_h
            p_vis = self.problems_view.viewport().height() // row_h
            rows = r_vis + p_vis
            p_want = max(5, rows // 2)
            r_want = max(3, min(max(self.rules_model.rowCount(),
                                    self.tables_model.rowCount()), rows - p_want))
            delta = (r_want - r_vis) * row_h
            if delta:
                self.split.setSizes([sizes[0] + delta, sizes[1] - delta])
        tall = sum(self.record_split.sizes())
        if tall > 0:   # the problem in words before the record it comes from
            self.record_split.setSizes([tall * 2 // 3, tall - tall * 2 // 3])
        width = sum(self.lower_split.sizes())
        if width > 0:
            self.lower_split.setSizes([width * 11 // 20, width - width * 11 // 20])
        self._fit_problem_column()

    def _fit_problem_column(self):
        view = self.problems_view
        h = view.horizontalHeader()
        if h.count() > 3:
            rest = sum(h.sectionSize(c) for c in (1, 2, 3))
            # the list's width as the splitter gives it (its viewport follows later)
            width = self.lower_split.sizes()[0] - 2 * view.frameWidth() - \
                view.verticalScrollBar().sizeHint().width()
            h.resizeSection(0, max(self.fontMetrics().horizontalAdvance("x" * 24),
                                   width - rest))

    def resizeEvent(self, e):
        super().resizeEvent(e)
        QTimer.singleShot(0, self._fit_layout)

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
        self.same_person.setEnabled(not self.busy and v is not None)
        self.revalidate.setProperty("attention", not self.session.validation_current and
                                    not self.busy)
        self.revalidate.style().unpolish(self.revalidate)
        self.revalidate.style().polish(self.revalidate)
        self._rule_selected()
        self._problem_buttons()

    # --- filtering ---------------------------------------------------------------------------
    def _filters_chosen(self):
        """The operator chose a filter: the list is no longer one problem's cascade."""
        self._clear_cause()
        self._apply_filters()

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
        self.count.setText(f"{fmt_int(shown)} of "
                           f"{counted(total, 'problem')}" if shown != total
                           else f"{counted(total, 'problem')}")

    # --- rules -----------------------------------------------------------------------------
    def _selected_rule(self) -> str | None:
        idx = self.rules_view.currentIndex()
        if not idx.isValid() or not self.rules_model.rowCount():
            return None
        return self.rules_model.row_values(idx.row())["Code"]

    def _rule_selected(self):
        code = self._selected_rule()
        locked = code is not None and R.code_is_locked(code, self.session.targets)
        cur = self.session.profile.rules.get(code) if (code and self.session.profile) else None
        can = code is not None and not locked and not self.busy
        self.rule_warning.setEnabled(can and cur != "warning")
        self.rule_off.setEnabled(can and cur != "off")
        self.rule_error.setEnabled(can and cur is not None)
        effect = remedies.warning_effect(code, self.session.targets) if code else None
        self.rule_warning.setToolTip(
            f"Treat as a warning: {effect.text}, and list it as a warning" if effect and
            effect.allowed else "Treat as a warning: import these records, and list them as "
            "warnings")
        if code is None:
            self.rule_note.setText("Select a rule to list its problems, see what it means and "
                                   "decide about it.")
        else:
            what = R.describe_code(code)
            what = what[:1].upper() + what[1:] + "." if what else ""
            if locked:
                what += " HMSync cannot store these records: this rule cannot be relaxed."
            elif cur:
                what += f" Your decision: {'ignore it' if cur == 'off' else cur}"
                what += f" ({effect.text})." if cur == "warning" and effect else "."
            elif effect is not None and effect.allowed:
                what += f" Warning would {effect.text}."
            self.rule_note.setText(what)
            self.rule_note.setToolTip(what)

    def _rule_clicked(self):
        self._rule_selected()
        code = self._selected_rule()
        if code is not None:
            self._clear_cause()
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
        self.fix.setEnabled(p is not None and not self.busy and self._record is not None and
                            self._record_key == (p["file"], p["line"]))
        casc = self.problems.cascades
        self.show_cause.setVisible(p is not None and p["root"] >= 0)
        self.show_consequences.setVisible(
            p is not None and casc is not None and p["index"] in casc.consequences)
        rc = R.parse_code(p["rule"]) if p is not None else None
        fm = self._field_map(p)
        dated = bool(remedies.date_reading(fm)) and rc is not None and rc.check == "format"
        self.to_mapping.setVisible(dated or (rc is not None and rc.check in ("enum",
                                                                            "required")))
        from ...core.transforms import excel_serial_date, unix_time_ms
        self.excel_days.setVisible(dated and bool(excel_serial_date(p["value"])))
        self.unix_time.setVisible(dated and unix_time_ms(p["value"]) is not None)
        for b in (self.to_mapping, self.excel_days, self.unix_time):
            b.setEnabled(not self.busy)

    def _field_map(self, p: dict | None):
        if p is None or not p["target_field"]:
            return None
        tm = self.session.table_map(p["file"])
        return tm.fields.get(p["target_field"]) if tm is not None else None

    def _describe(self, p: dict) -> str:
        """The problem in full, as rich text (every value escaped)."""
        targets = self.session.targets
        e = html.escape
        fm = self._field_map(p)
        profile = self.session.profile
        reading = remedies.date_reading(fm, profile.defaults if profile else None)
        parts = [f"<p><b>{e(p['message'][:1].upper() + p['message'][1:])}</b></p>"]
        where = f"{e(p['file'])}, line {p['line']:,}" + (
            f", legacy id {e(p['legacy_id'])}" if p["legacy_id"] else "")
        if p["value"] or p["field"]:
            where += (f": value <b>{e(p['value']) if p['value'] else '(empty)'}</b>"
                      + (f" in column {e(p['field'])}" if p["field"] else ""))
        facts = [where]
        want = remedies.expected(p["rule"], targets)
        if want:
            facts.append(f"Expected: {e(want)}")
        parts.append("<p>" + "<br>".join(facts) + "</p>")
        todo = remedies.advice(p["rule"], targets, p["value"], reading)
        if todo:
            parts.append(f"<p><b>What to do:</b> {e(todo)}</p>")
        casc = self.problems.cascades
        per = casc.consequences.get(p["index"]) if casc is not None else None
        if per:
            also = ", ".join(f"{n:,} {t.replace('_', ' ')}" for t, n in per.items())
            parts.append(f"<p><b>Because of this, also left out:</b> {e(also)} "
                         "(they are imported once this record is).</p>")
        effect = remedies.warning_effect(p["rule"], targets)
        if p["severity"] == R.ERROR and effect.allowed and not is_cascade_rule(p["rule"]):
            parts.append(f"<p>Deciding “Warning” for its rule would {e(effect.text)}.</p>")
        elif p["severity"] == R.WARNING and effect.blanks:
            parts.append(f"<p>Decided “Warning”: the import will {e(effect.text)}.</p>")
        parts.append(f"<p><small>Rule: {e(remedies.rule_title(p['rule'], targets))} "
                     f"({e(p['rule'])})</small></p>")
        return "".join(parts)

    def _fix_column(self, p: dict) -> str | None:
        """The column to correct: the record's row the operator selected, else the first
        of the problem's columns the record has."""
        rec = self._record or {}
        idx = self.record_view.currentIndex()
        if idx.isValid():
            return self.record_model.row_values(idx.row())["Column"]
        return next((c for c in p["field"].split("+") if c in rec), None)

    def _fix_value(self):
        p = self._current_problem()
        rec = self._record
        if p is None or rec is None:
            return
        column = self._fix_column(p)
        if column is None:
            dialogs.info(self, "Select the column to correct in the record below.",
                         "Then press “Fix a value…” again.")
            return
        before = rec[column]
        done = self.session.corrections_of(p["file"], p["line"]).get(column)
        after = dialogs.ask_text(
            self, "Fix a value",
            f"The value to import for {column} of {p['file']}, line {p['line']:,} (the file "
            f"says “{before}”; the legacy file is not changed):",
            done.after if done else before)
        if after is None:
            return
        self.session.set_correction(p["file"], p["line"], column, before, after,
                                    p["table"], p["legacy_id"])
        self._record_key = None    # shown again with the correction
        self.validate()            # checked again at once

    def _go_to_cause(self):
        p = self._current_problem()
        if p is None or p["root"] < 0:
            return
        self.select_problem(p["root"])

    def select_problem(self, index: int):
        """Select the problem at position ``index``, clearing filters that hide it."""
        row = self.problems.row_of(index)
        if row < 0:
            self.set_filters(severity="", table="", rule="", text="")
            self._clear_cause()
            row = self.problems.row_of(index)
        if row >= 0:
            self.problems_view.selectRow(row)
            self.problems_view.scrollTo(self.problems.index(row, 0))

    def _list_consequences(self):
        p = self._current_problem()
        if p is None:
            return
        self.set_filters(severity="", table="", rule="", text="")
        self.problems.set_filter(cause=str(p["index"]))
        self.cause_note.setText(f"Showing {p['file']} line {p['line']:,} and the records left "
                                "out because of it.")
        self.cause_bar.show()
        self.select_problem(p["index"])

    def _clear_cause(self):
        self.problems.set_filter(cause="")
        self.cause_bar.hide()

    def _read_excel_days(self):
        p = self._current_problem()
        if remedies.read_excel_days(self._field_map(p)):
            self.session.dirty = True
            self.validate()

    def _read_unix_time(self):
        p = self._current_problem()
        fm = self._field_map(p)
        if fm is None:
            return
        profile = self.session.profile
        zone = None
        if remedies.unix_time_needs_zone(fm, profile.defaults if profile else None):
            zone = dialogs.ask_text(
                self, "The clinic's time zone",
                f"{p['value']} is an instant (Unix time): the day it falls on depends on the "
                "clinic's time zone. Its name (Europe/Berlin, Asia/Kolkata), UTC, or an "
                "offset such as +05:30:")
            if zone is None or not zone.strip():
                return
            zone = zone.strip()
        try:
            changed = remedies.read_unix_time(fm, zone)
        except TransformError as e:
            said = str(e)
            dialogs.error(self, said[:1].upper() + said[1:], "Nothing was changed.")
            return
        if changed:
            self.session.dirty = True
            self.validate()

    def _go_to_mapping(self):
        p = self._current_problem()
        wiz = self.wizard()
        if p is None or wiz is None:
            return
        wiz.back()
        page = wiz.currentPage()
        if hasattr(page, "select_field"):
            page.select_field(p["file"], p["target_field"])

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
            self.record_label.show()
            self.detail.setText("Select a problem to read it in full.")
            self._record_key = None
            return
        self.detail.setText(self._describe(p))
        key = (p["file"], p["line"])
        if key == self._record_key:
            return
        self._record_key = key
        st = self.session.table(p["file"])
        if st is None:
            return
        self._record = None
        if self._record_task is not None:
            self._record_task.cancel()
        where = _where(st, p["line"])
        self.record_label.setText(f"Reading {where} of {p['file']}…")
        self.record_label.show()
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
                self.record_label.show()
                self.record_model.set_frame(pd.DataFrame())
                return
            self._record = rec
            fixed = self.session.corrections_of(p["file"], p["line"])
            df = pd.DataFrame({"Column": list(rec),
                               "Value": [fixed[c].after if c in fixed else v
                                         for c, v in rec.items()],
                               "Corrected": [f"was “{rec[c]}”" if c in fixed else ""
                                             for c in rec]})
            if not fixed:
                df = df.drop(columns="Corrected")
            self.record_model.set_frame(df, bad={"Value": df["Column"].isin(fields).to_numpy()},
                                        labels=[f"{p['file']}, line {p['line']:,}",
                                                "Value"] + (["Corrected"] if fixed else []))
            self._problem_buttons()
            fit_columns(self.record_view)
            self.record_label.hide()

        task.finished.connect(found)
        task.failed.connect(lambda e: (self.record_label.setText(
            dialogs.explain(e, "reading the record")[0]), self.record_label.show()))
        self.runner.start(task)

    # --- the same person twice -----------------------------------------------------------
    def find_same_person(self):
        """Look for same-person clusters off the UI thread, then open their review."""
        if self.busy:
            return
        try:
            m = self.session.make_migration()
        except Exception as e:  # noqa: BLE001 - ProfileError/MigrationError in plain words
            dialogs.show_exception(self, e, "looking for the same person twice")
            return
        from ...core.person_search import find_clusters
        self.progress.start("Looking for the same person registered twice…", busy=True)

        def found(clusters):
            self.progress.finish()
            if not clusters:
                dialogs.info(self, "No records look like the same person registered twice.",
                             "Exact repeats (same name and phone) are listed as warnings.")
                return
            from ..duplicates import PersonClustersDialog
            dlg = PersonClustersDialog(clusters, self.ensure_decisions(), self)
            dlg.decided.connect(lambda t, ids, d, keep: self.session.decide_persons(
                t, ids, d, keep))
            dlg.finished.connect(lambda _: self._persons_reviewed(dlg))
            self.persons_dialog = dlg
            dlg.open()

        self.run_task(lambda progress, cancel: find_clusters(m, cancel), "persons",
                      on_finished=found, on_cancelled=self.progress.finish,
                      on_failed=lambda e: (self.progress.finish(), dialogs.show_exception(
                          self, e, "looking for the same person twice")))

    def ensure_decisions(self):
        return list(self.session.ensure_profile().person_decisions)

    def _persons_reviewed(self, dlg):
        self.persons_dialog = None
        if dlg.changed:
            self.validate()     # the records left out and merged, checked again

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
                     f"{counted(len(problems), 'problem')} written to {p}.")

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
                             f"{counted(len(result), 'file')}: {files}. They hold patient "
                             "data: keep "
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
