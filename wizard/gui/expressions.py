"""The mapping page's "Filter and expression" tab: a table's row filter (where:) with the
number of sample records it keeps, and the selected field's computed value (expr:) with a
live preview on the sample, each record's problem shown beside it. Both are checked as
they are typed; nothing changes in the mapping until Apply."""
from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from ..core.expr_preview import (FilterPreview, LookupSources, preview_expression,
                                 preview_filter)
from ..core.mapping import ProfileError
from .models.dataframe import DataFrameModel
from .widgets import button, fit_columns, fmt_int, label, table_view
from ..core.words import counted

#: how long typing may pause before the preview follows (ms)
PREVIEW_DELAY_MS = 150


def _in_part(tables: list[str]) -> str:
    """What a preview's named lookups could not see: the rest of the tables they read."""
    return (f" Named lookups read the first records of {', '.join(tables)} only (the "
            "migration reads them whole)." if tables else "")


class ExpressionPanel(QWidget):
    """Emits ``changed(field)`` after an Apply or Clear changed the mapping ("" for the
    table's filter)."""
    changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session = None
        self.source: str | None = None
        self.field: str | None = None

        self.where = QLineEdit()
        self.where.setPlaceholderText("e.g. CATEGORY = 'laboratory'")
        self.where.setAccessibleName("Row filter")
        self.where_apply = button("Apply", "pass", "Migrate only the records the "
                                  "filter keeps; the others are counted as filtered out")
        self.where_clear = button("None", None, "No filter: every record is migrated")
        self.where_status = label("", role="hint")
        fbox = QGroupBox("Row &filter (where:) — which records of this table to migrate")
        fl = QVBoxLayout(fbox)
        row = QHBoxLayout()
        row.addWidget(self.where, 1)
        row.addWidget(self.where_apply)
        row.addWidget(self.where_clear)
        fl.addLayout(row)
        fl.addWidget(self.where_status)

        self.expr = QLineEdit()
        self.expr.setPlaceholderText("e.g. age_at(BIRTHDATE, DEATHDATE)")
        self.expr.setAccessibleName("Computed value")
        self.expr_apply = button("Apply", "pass",
                                 "Compute the selected field with this expression")
        self.expr_status = label("", role="hint")
        self.preview_model = DataFrameModel()
        self.preview = table_view(stretch_last=True)
        self.preview.setModel(self.preview_model)
        self.preview.setAccessibleName("Preview of the computed value")
        self.preview.setMinimumHeight(self.fontMetrics().height() * 7)
        self.ebox = QGroupBox("Computed &value (expr:)")
        el = QVBoxLayout(self.ebox)
        row2 = QHBoxLayout()
        row2.addWidget(self.expr, 1)
        row2.addWidget(self.expr_apply)
        el.addLayout(row2)
        el.addWidget(self.expr_status)
        el.addWidget(self.preview, 1)
        self.expr.setToolTip("Functions: regexp_replace, split_part, upper, lower, title, "
                             "trim, number, to_date, age_at, days_between, coalesce, "
                             "CASE WHEN …, json_extract and paths into nested JSON "
                             "(subject.reference, name[0].family); `hmsync-migrate "
                             "profile-help functions` lists them all")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(fbox)
        lay.addWidget(self.ebox, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.where.textChanged.connect(lambda _: self._timer.start())
        self.expr.textChanged.connect(lambda _: self._timer.start())
        self.where_apply.clicked.connect(self._apply_where)
        self.where_clear.clicked.connect(self._clear_where)
        self.expr_apply.clicked.connect(self._apply_expr)

    # --- context ---------------------------------------------------------------------------
    def show_table(self, session, source: str | None, field: str | None) -> None:
        """The table (and field) the page shows now; the editors take what the mapping
        says of them."""
        self.session, self.source, self.field = session, source, field
        tm = session.table_map(source) if session is not None and source else None
        self.where.blockSignals(True)
        self.where.setText(tm.where or "" if tm is not None else "")
        self.where.blockSignals(False)
        fm = tm.fields.get(field) if tm is not None and field else None
        self.expr.blockSignals(True)
        self.expr.setText(fm.expr if fm is not None and fm.expr else "")
        self.expr.blockSignals(False)
        self.ebox.setTitle(f"Computed &value of {field} (expr:)" if field else
                           "Computed &value (expr:) — select a field first")
        self.expr.setEnabled(bool(field))
        self.setEnabled(tm is not None)
        self.refresh()

    def _sample(self) -> pd.DataFrame | None:
        if self.session is None or not self.source:
            return None
        return self.session.samples.get(self.source)

    def _lookups(self) -> LookupSources:
        """The table's named lookups, looked up in the other tables' samples."""
        s = self.session
        return LookupSources(s.table_map(self.source), s.tables, s.samples,
                             getattr(s, "row_counts", {}))

    # --- previews --------------------------------------------------------------------------
    def filter_preview(self) -> FilterPreview | None:
        sample = self._sample()
        text = self.where.text().strip()
        if sample is None or not text:
            return None
        rows = getattr(self.session, "row_counts", {}).get(self.source)
        return preview_filter(sample, text, self.source,
                              whole=rows is not None and rows == len(sample),
                              lookups=self._lookups())

    def refresh(self) -> None:
        self._timer.stop()
        fp = self.filter_preview()
        if fp is None:
            self.where_status.setText("No filter: every record is migrated."
                                      if self._sample() is not None else "")
        elif fp.problem:
            self.where_status.setText(f"Cannot be used: {fp.problem}")
        else:
            of = "records" if fp.whole else "sample records"
            self.where_status.setText(f"Keeps {fmt_int(fp.kept)} of {fmt_int(fp.total)} {of}"
                                      f" ({fmt_int(fp.total - fp.kept)} filtered out).")
        # (one line here: what its lookups could not see is told on hovering)
        self.where_status.setToolTip(_in_part(fp.looked_up_in_part).strip()
                                     if fp is not None else "")
        self.where_apply.setEnabled(fp is not None and fp.problem is None)
        self._refresh_expr()

    def _refresh_expr(self) -> None:
        sample = self._sample()
        text = self.expr.text().strip()
        if sample is None or not text or not self.field:
            self.preview_model.set_frame(pd.DataFrame())
            self.expr_status.setText("")
            self.expr_apply.setEnabled(False)
            return
        p = preview_expression(sample, text, self.source, self.field,
                               lookups=self._lookups())
        if p.problem:
            self.preview_model.set_frame(pd.DataFrame())
            self.expr_status.setText(f"Cannot be used: {p.problem}")
            self.expr_apply.setEnabled(False)
            return
        df = pd.DataFrame({"line": p.lines, "reads": p.inputs, "value": p.values,
                           "problem": [x or "" for x in p.problems]}).astype(object)
        self.preview_model.set_frame(df, bad={"value": np.array(
            [x is not None for x in p.problems], dtype=bool)})
        fit_columns(self.preview, self.preview.fontMetrics().horizontalAdvance("x" * 30))
        self.expr_status.setText(
            f"The first {counted(len(p.lines), 'record')}" + (
                f": it fails on {p.failed} (red), which would be rejected." if p.failed
                else ": every one computed.") + _in_part(p.looked_up_in_part))
        self.expr_apply.setEnabled(True)

    # --- applying --------------------------------------------------------------------------
    def _apply_where(self) -> None:
        try:
            self.session.set_table_where(self.source, self.where.text())
        except ProfileError as e:
            self.where_status.setText(f"Cannot be used: {e}")
            return
        self.changed.emit("")

    def _clear_where(self) -> None:
        self.where.setText("")
        self.session.set_table_where(self.source, None)
        self.refresh()
        self.changed.emit("")

    def _apply_expr(self) -> None:
        try:
            self.session.set_field_expr(self.source, self.field, self.expr.text())
        except ProfileError as e:
            self.expr_status.setText(f"Cannot be used: {e}")
            return
        self.changed.emit(self.field)
