"""A re-run's delta, shown the same on the Import page (the validation's preview, then the
run's) and the Verification page: what became of each table's records, and the conflicts."""
from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..core.delta_summary import conflict_rows, conflicts_total, delta_rows
from .models.dataframe import DataFrameModel
from .widgets import fit_columns, fit_height, fit_width, fmt_int, icon, table_view
from ..core.words import counted

COUNT_HEADINGS = ["HMSync table", "Inserted (new)", "Updated", "Unchanged", "Conflicts",
                  "Of those, HMSync's kept", "Gone from the export"]
CONFLICT_HEADINGS = ["HMSync table", "Legacy id", "Fields: HMSync's → the export's (masked)",
                     "What became of it", "Why"]


class DeltaPanel(QWidget):
    """Counts per table and the conflicts list; hidden on a first run."""

    def __init__(self, counts_title: str = "&Delta: what the re-run did with each record",
                 compact: bool = False, parent=None):
        super().__init__(parent)
        # compact (a page with little room): only the tables where something changed, then
        # the total; a few conflicts, the rest scrolled to
        self.compact = compact
        self.counts_model = DataFrameModel()
        self.counts = table_view(stretch_last=False)
        self.counts.setModel(self.counts_model)
        self.counts.setAccessibleName("Delta counts per table")
        self.conflicts_model = DataFrameModel()
        self.conflicts = table_view()
        self.conflicts.setModel(self.conflicts_model)
        self.conflicts.setAccessibleName("Records changed in the export and in HMSync")
        self.counts_label = QLabel(counts_title)
        self.counts_label.setProperty("role", "subheading")
        self.counts_label.setBuddy(self.counts)
        self.conflicts_label = QLabel("")
        self.conflicts_label.setProperty("role", "subheading")
        self.conflicts_label.setBuddy(self.conflicts)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (self.counts_label, self.counts, self.conflicts_label, self.conflicts):
            lay.addWidget(w)
        self.hide()

    def show_delta(self, tables: dict[str, dict] | None, delta: dict | None) -> None:
        """``tables`` and ``delta`` as the report has them (None: a first run, hidden)."""
        rows = delta_rows(tables or {}, delta)
        self.setVisible(bool(rows))
        if not rows:
            self.counts_model.set_frame(pd.DataFrame())
            self.conflicts_model.set_frame(pd.DataFrame())
            return
        if self.compact and len(rows) > 1:
            rows = [r for r in rows[:-1] if r.inserted or r.updated or r.conflicts or r.gone
                    ] + rows[-1:]
        df = pd.DataFrame([(r.table, r.inserted, r.updated, r.unchanged, r.conflicts, r.kept,
                            r.gone) for r in rows], columns=COUNT_HEADINGS)
        for c in COUNT_HEADINGS[1:]:
            df[c] = df[c].astype("int64")
        open_ = df["Of those, HMSync's kept"].to_numpy() > 0
        self.counts_model.set_frame(df, bad={"Of those, HMSync's kept": open_})
        fit_columns(self.counts)
        fit_height(self.counts)
        fit_width(self.counts)
        listed = conflict_rows(delta)
        total = conflicts_total(delta)
        self.conflicts_label.setVisible(total > 0)
        self.conflicts.setVisible(total > 0)
        more = f" (the first {len(listed)} of {fmt_int(total)}; the report lists them)" \
            if total > len(listed) else ""
        self.conflicts_label.setText(f"Co&nflicts: {counted(total, 'record')} changed in "
                                     "the "
                                     f"export and in HMSync since the last run{more}")
        cdf = pd.DataFrame([(c.table, c.legacy_id, c.fields, c.resolution, c.reason)
                            for c in listed], columns=CONFLICT_HEADINGS)
        kept = np.array([not c.resolution.startswith("the export") for c in listed],
                        dtype=bool)
        self.conflicts_model.set_frame(
            cdf, icons={"HMSync table": np.array([icon("warning") if k else icon("pass")
                                                  for k in kept], dtype=object)},
            cell_tips={h: cdf[h].to_numpy(dtype=object) for h in CONFLICT_HEADINGS[2:]})
        fit_columns(self.conflicts, self.conflicts.fontMetrics().horizontalAdvance("x" * 48))
        fit_height(self.conflicts, max_rows=3 if self.compact else 10)
