"""The review of same-person clusters: records that look like one person registered twice
(names alike, and a phone, or an age and address, shared). The operator decides each
cluster: keep both, merge into one, or leave one out. Nothing is merged unasked."""
from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QSplitter,
                               QVBoxLayout, QWidget)

from ..core import persons
from .models.dataframe import DataFrameModel
from .widgets import button, fit_columns, icon, label, table_view
from ..core.words import counted

_WORDS = {persons.KEEP_BOTH: "keep both", persons.MERGE: "merge into {keep}",
          persons.LEAVE_OUT: "leave {keep} out"}


def decision_words(d: persons.PersonDecision | None) -> str:
    return "not decided" if d is None else _WORDS[d.decision].format(keep=d.keep)


class PersonClustersDialog(QDialog):
    """``decided(table, ids, decision, keep)`` for each decision taken."""
    decided = Signal(str, tuple, str, str)

    def __init__(self, clusters: list[persons.PersonCluster], decisions, parent=None):
        super().__init__(parent)
        self.setWindowTitle("The same person twice?")
        self.clusters = clusters
        self.decisions = {(d.table, frozenset(d.ids)): d for d in decisions}
        self.changed = False
        intro = label(f"{counted(len(clusters), 'group')} of records look like one person "
                      "registered "
                      "more than once: names alike, and the same phone number, or the same "
                      "age and address. Decide for each group; nothing is merged unless you "
                      "say so. Merging keeps the selected record, leaves the others out, and "
                      "their visits, bills and tests go to the one kept.")
        self.groups_model = DataFrameModel()
        self.groups = table_view()
        self.groups.setModel(self.groups_model)
        self.groups.setAccessibleName("Groups")
        self.members_model = DataFrameModel()
        self.members = table_view()
        self.members.setModel(self.members_model)
        self.members.setAccessibleName("Records of the group")
        self.why = label("")
        self.keep_both = button("&Keep both", "include",
                                "They are different people: import every record of the group")
        self.merge = button("&Merge into the selected record", None,
                            "Import the selected record only; what refers to the others "
                            "(visits, bills) goes to it")
        self.leave_out = button("&Leave the selected record out", "exclude",
                                "Do not import the selected record; import the others")
        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        lab = QLabel("Records of the &group:")
        lab.setBuddy(self.members)
        bl.addWidget(lab)
        bl.addWidget(self.why)
        bl.addWidget(self.members, 1)
        row = QHBoxLayout()
        for b in (self.keep_both, self.merge, self.leave_out):
            row.addWidget(b)
        row.addStretch(1)
        bl.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.groups)
        split.addWidget(box)
        split.setChildrenCollapsible(False)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.accept)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(split, 1)
        lay.addWidget(close)
        self.groups.selectionModel().currentRowChanged.connect(lambda *_: self._show_group())
        self.members.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.keep_both.clicked.connect(lambda: self._decide(persons.KEEP_BOTH))
        self.merge.clicked.connect(lambda: self._decide(persons.MERGE))
        self.leave_out.clicked.connect(lambda: self._decide(persons.LEAVE_OUT))
        self.resize(900, 560)
        self._fill()
        if clusters:
            self.groups.selectRow(0)
        self._enable()

    def _decision(self, c: persons.PersonCluster):
        return self.decisions.get((c.table, frozenset(c.ids)))

    def _fill(self):
        rows = [(i + 1, len(c.members), " / ".join(m.name for m in c.members), c.why,
                 decision_words(self._decision(c))) for i, c in enumerate(self.clusters)]
        df = pd.DataFrame(rows, columns=["Group", "Records", "Names", "Why", "Decision"])
        icons = np.array([icon("pass") if self._decision(c) else icon("warning")
                          for c in self.clusters], dtype=object)
        cur = self.groups.currentIndex().row()
        self.groups_model.set_frame(df, icons={"Decision": icons})
        fit_columns(self.groups)
        if cur >= 0:
            self.groups.selectRow(cur)

    def current(self) -> persons.PersonCluster | None:
        r = self.groups.currentIndex().row()
        return self.clusters[r] if 0 <= r < len(self.clusters) else None

    def _show_group(self):
        c = self.current()
        if c is None:
            self.members_model.set_frame(pd.DataFrame())
            self.why.setText("")
            return
        df = pd.DataFrame([(m.legacy_id, m.name, m.phone, m.age, m.address, m.file, m.line)
                           for m in c.members],
                          columns=["Legacy id", "Name", "Phone", "Age", "Address", "File",
                                   "Line"])
        self.members_model.set_frame(df)
        fit_columns(self.members)
        self.why.setText(f"Why: {c.why}. Your decision: {decision_words(self._decision(c))}.")
        self._enable()

    def select_member(self, legacy_id: str):
        m = self.members_model
        for r in range(m.rowCount()):
            if m.row_values(r)["Legacy id"] == legacy_id:
                self.members.selectRow(r)
                return
        raise KeyError(legacy_id)

    def _selected_member(self) -> str | None:
        idx = self.members.currentIndex()
        return self.members_model.row_values(idx.row())["Legacy id"] if idx.isValid() else None

    def _enable(self):
        c = self.current()
        picked = self._selected_member() is not None
        self.keep_both.setEnabled(c is not None)
        self.merge.setEnabled(c is not None and picked)
        self.leave_out.setEnabled(c is not None and picked)

    def _decide(self, decision: str):
        c = self.current()
        if c is None:
            return
        keep = "" if decision == persons.KEEP_BOTH else (self._selected_member() or "")
        d = persons.PersonDecision(c.table, c.ids, decision, keep)
        self.decisions[(c.table, frozenset(c.ids))] = d
        self.changed = True
        self.decided.emit(c.table, c.ids, decision, keep)
        self._fill()
        self._show_group()
