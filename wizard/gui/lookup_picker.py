"""The mapping page's "Lookup" tab: the selected field taken from another legacy table by
key (lookup:): which table, its key column, the column here that holds the same key, the
column taken and how its rows become one value, with the looked-up values previewed on
the sample. Nothing changes in the mapping until Apply."""
from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLineEdit,
                               QVBoxLayout, QWidget)

from ..core.expr_preview import (LookupPreview, LookupSources, preview_expression,
                                 preview_lookup)
from ..core.lookups import AGGREGATES
from ..core.mapping import ProfileError
from .models.dataframe import DataFrameModel
from .widgets import button, fit_columns, label, table_view
from ..core.words import counted

#: how long a choice or typing may pause before the preview follows (ms)
PREVIEW_DELAY_MS = 150
#: the aggregates in words, as the picker offers them
AGGREGATE_WORDS = {"first": "the first", "sum": "their sum", "count": "how many",
                   "min": "the smallest", "max": "the largest", "join": "all, joined"}
COUNT_NOTHING = "(none: count the rows)"


class LookupPanel(QWidget):
    """Emits ``changed(field)`` after Apply changed the mapping."""
    changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session = None
        self.source: str | None = None
        self.field: str | None = None

        self.table = QComboBox()
        self.table.setAccessibleName("Other legacy table")
        self.key = QComboBox()
        self.key.setAccessibleName("Its key column")
        self.by = QComboBox()
        self.by.setAccessibleName("Matching column here")
        self.column = QComboBox()
        self.column.setAccessibleName("Value taken")
        self.aggregate = QComboBox()
        self.aggregate.setAccessibleName("Aggregate")
        for a in AGGREGATES:
            self.aggregate.addItem(AGGREGATE_WORDS.get(a, a), a)
            self.aggregate.setItemData(self.aggregate.count() - 1,
                                       f"{a}: as the profile writes it", Qt.ToolTipRole)
        # a table's named lookups (lookups:): the field may simply take one of them
        self.named = QComboBox()
        self.named.setAccessibleName("Named lookup of this table")
        self.named_label = label("Or take the table's named lookup", wrap=False)
        self.named_label.setBuddy(self.named)
        self.where = QLineEdit()
        self.where.setPlaceholderText("optional, e.g. TYPE = 'CHARGE'")
        self.where.setAccessibleName("Only the other table's rows where")
        for combo in (self.table, self.key, self.by, self.column, self.aggregate):
            combo.setMinimumContentsLength(12)
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)

        self.box = QGroupBox("&Lookup (lookup:)")
        # read as a sentence, two choices a line (the preview keeps its height at 1280x720):
        # in the table T, its key K = this table's B: take C, the sum, of its rows where W
        form = QGridLayout()
        for i, (text, w) in enumerate((("In the table", self.table), ("its key", self.key),
                                       ("= this table's", self.by), ("take", self.column),
                                       ("of its rows", self.aggregate),
                                       ("only rows where", self.where))):
            lab = label(text, wrap=False)
            lab.setBuddy(w)
            form.addWidget(lab, i // 2, (i % 2) * 2)
            form.addWidget(w, i // 2, (i % 2) * 2 + 1)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        self.apply = button("Apply", "pass", "Take the selected field from the other table "
                                             "by key, as previewed")
        self.status = label("", role="hint")
        self.preview_model = DataFrameModel()
        self.preview = table_view(stretch_last=True)
        self.preview.setModel(self.preview_model)
        self.preview.setAccessibleName("Preview of the looked-up values")
        self.preview.setMinimumHeight(self.fontMetrics().height() * 6)
        bl = QVBoxLayout(self.box)
        named_row = QHBoxLayout()
        named_row.addWidget(self.named_label)
        named_row.addWidget(self.named, 1)
        bl.addLayout(named_row)
        bl.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.apply)
        bl.addLayout(row)
        bl.addWidget(self.preview, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.box, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.table.currentIndexChanged.connect(self._table_chosen)
        self.named.currentIndexChanged.connect(self._named_chosen)
        for combo in (self.key, self.by, self.column, self.aggregate):
            combo.currentIndexChanged.connect(lambda _: self._timer.start())
        self.where.textChanged.connect(lambda _: self._timer.start())
        self.apply.clicked.connect(self._apply)

    # --- context ---------------------------------------------------------------------------
    def show_table(self, session, source: str | None, field: str | None) -> None:
        """The table and field the page shows now; the picker takes the field's lookup
        when it has one."""
        self.session, self.source, self.field = session, source, field
        tm = session.table_map(source) if session is not None and source else None
        fm = tm.fields.get(field) if tm is not None and field else None
        lk = fm.lookup if fm is not None else None
        here = self._sample(source)
        self._block(True)
        self.table.clear()
        for st in (session.tables if session is not None else []):
            if st.name != source:
                self.table.addItem(st.name, st.name)
        self.by.clear()
        for c in (list(here.columns) if here is not None else []):
            if not c.startswith("__"):
                self.by.addItem(c, c)
        if lk is not None and not lk.exprs:
            self.table.setCurrentIndex(max(self.table.findData(lk.table), 0))
            self.by.setCurrentIndex(max(self.by.findData(lk.by), 0))
        names = list(getattr(tm, "lookups", {}) or {})
        self.named.blockSignals(True)
        self.named.clear()
        self.named.addItem("(none: the lookup below)", None)
        for n in names:
            self.named.addItem(n, n)
        self.named.setCurrentIndex(max(self.named.findData(
            fm.expr.strip() if fm is not None and fm.expr else None), 0))
        self.named.blockSignals(False)
        self.named.setVisible(bool(names))
        self.named_label.setVisible(bool(names))
        self._block(False)
        self._named_chosen(refresh=False)
        self._fill_other(lk if lk is not None and not lk.exprs else None)
        self.box.setTitle(f"&Lookup of {field} (lookup:) — its value from another table"
                          if field else "&Lookup (lookup:) — select a field first")
        self.setEnabled(tm is not None and bool(field) and self.table.count() > 0)
        self.refresh()
        if lk is not None and lk.exprs:
            self.status.setText("This field's lookup uses expressions "
                                f"({', '.join(lk.exprs)}): edit it in the profile.")

    def _named_chosen(self, _=None, refresh: bool = True) -> None:
        """A named lookup chosen: the field takes it as it is, the form below waits."""
        plain = self.named.currentData() is None
        for w in (self.table, self.key, self.by, self.column, self.aggregate, self.where):
            w.setEnabled(plain)
        if refresh:
            self._timer.start()

    def _block(self, on: bool) -> None:
        for w in (self.table, self.key, self.by, self.column, self.aggregate, self.where):
            w.blockSignals(on)

    def _sample(self, name: str | None) -> pd.DataFrame | None:
        if self.session is None or not name:
            return None
        return self.session.samples.get(name)

    def _columns_of(self, name: str | None) -> list[str]:
        st = next((t for t in (self.session.tables if self.session else [])
                   if t.name == name), None)
        return list(st.columns) if st is not None else []

    def _table_chosen(self, _=None) -> None:
        self._fill_other(None)
        self._timer.start()

    def _fill_other(self, lk) -> None:
        """The other table's columns in the key and value choices (the lookup's own when
        it has one; else a column named like the one here, for the key)."""
        cols = self._columns_of(self.table.currentData())
        self._block(True)
        self.key.clear()
        self.column.clear()
        self.column.addItem(COUNT_NOTHING, None)
        for c in cols:
            self.key.addItem(c, c)
            self.column.addItem(c, c)
        if lk is not None:
            self.key.setCurrentIndex(max(self.key.findData(lk.key), 0))
            self.column.setCurrentIndex(max(self.column.findData(lk.column), 0))
            self.aggregate.setCurrentIndex(max(self.aggregate.findData(lk.aggregate), 0))
            self.where.setText(lk.where or "")
        else:
            by = str(self.by.currentData() or "").lower()
            same = next((i for i, c in enumerate(cols) if c.lower() == by), None)
            ident = next((i for i, c in enumerate(cols) if c.lower() in ("id", "_id")), None)
            pick = same if same is not None else ident
            if pick is not None:
                self.key.setCurrentIndex(pick)
            self.column.setCurrentIndex(1 if len(cols) > 1 else 0)
            self.where.setText("")
        self._block(False)

    # --- preview ---------------------------------------------------------------------------
    def spec(self) -> dict | None:
        """The lookup as a profile writes it (None: nothing to look up yet)."""
        if not self.table.currentData() or not self.key.currentData() or \
                not self.by.currentData():
            return None
        d = {"table": self.table.currentData(), "key": self.key.currentData(),
             "by": self.by.currentData(), "aggregate": self.aggregate.currentData()}
        if self.column.currentData():
            d["column"] = self.column.currentData()
        if self.where.text().strip():
            d["where"] = self.where.text().strip()
        return d

    def lookup_preview(self) -> LookupPreview | None:
        spec = self.spec()
        here, other = self._sample(self.source), self._sample(self.table.currentData())
        if spec is None or here is None or other is None or not self.field:
            return None
        rows = getattr(self.session, "row_counts", {}).get(spec["table"])
        return preview_lookup(here, other, spec, self.source, self.field,
                              other_whole=rows is not None and rows == len(other))

    def named_preview(self):
        """The chosen named lookup's values on the first records (an ExpressionPreview),
        looked up as the run does; None: none chosen."""
        name, here = self.named.currentData(), self._sample(self.source)
        if name is None or here is None or not self.field:
            return None
        s = self.session
        return preview_expression(here, name, self.source, self.field, lookups=LookupSources(
            s.table_map(self.source), s.tables, s.samples, getattr(s, "row_counts", {})))

    def refresh(self) -> None:
        self._timer.stop()
        if self.named.currentData() is not None:
            self._refresh_named()
            return
        p = self.lookup_preview()
        self.apply.setEnabled(p is not None and p.problem is None)
        if p is None or p.problem:
            self.preview_model.set_frame(pd.DataFrame())
            self.status.setText(f"Cannot be used: {p.problem}" if p is not None else "")
            return
        df = pd.DataFrame({"line": p.lines, "key": p.keys, "looked up": p.values}
                          ).astype(object)
        self.preview_model.set_frame(df)
        fit_columns(self.preview, self.preview.fontMetrics().horizontalAdvance("x" * 30))
        where = (f"the {counted(p.other_rows, 'record')} of {self.table.currentData()}"
                 if p.other_whole else f"the first {counted(p.other_rows, 'record')} of "
                 f"{self.table.currentData()} (the migration reads it whole)")
        self.status.setText(f"The first {counted(len(p.lines), 'record')}: {p.found} found "
                            f"in {where}.")

    def _refresh_named(self) -> None:
        p = self.named_preview()
        self.apply.setEnabled(p is not None and p.problem is None)
        if p is None or p.problem:
            self.preview_model.set_frame(pd.DataFrame())
            self.status.setText(f"Cannot be used: {p.problem}" if p is not None else "")
            return
        self.preview_model.set_frame(pd.DataFrame({"line": p.lines, "looked up": p.values}
                                                  ).astype(object))
        fit_columns(self.preview, self.preview.fontMetrics().horizontalAdvance("x" * 30))
        found = sum(1 for v in p.values if v not in ("", None))
        part = (f" (from the first records of {', '.join(p.looked_up_in_part)}; the "
                "migration reads them whole)" if p.looked_up_in_part else "")
        self.status.setText(f"The first {counted(len(p.lines), 'record')}: {found} with a "
                            f"value from the lookup '{self.named.currentData()}'{part}.")

    # --- applying --------------------------------------------------------------------------
    def _apply(self) -> None:
        if self.named.currentData() is not None:  # the field reads the named lookup
            try:
                self.session.set_field_expr(self.source, self.field,
                                            self.named.currentData())
            except ProfileError as e:
                self.status.setText(f"Cannot be used: {e}")
                return
            self.changed.emit(self.field)
            return
        spec = self.spec()
        if spec is None:
            return
        try:
            self.session.set_field_lookup(self.source, self.field, spec)
        except ProfileError as e:
            self.status.setText(f"Cannot be used: {e}")
            return
        self.changed.emit(self.field)
