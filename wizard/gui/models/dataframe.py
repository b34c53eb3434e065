"""A read-only table model over a pandas DataFrame (previews, counts, summaries).

Cells are turned into text once per column (numpy object arrays), so painting a row costs
a few array lookups, never a DataFrame access.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

BAD_BG = QColor("#fde2e1")
BAD_FG = QColor("#8e1b13")
#: the column the operator is looking at: a tint, not the selection's colour, so the red of
#: its bad cells stays visible
FOCUS_BG = QColor("#e3eefb")


def _text(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_integer_dtype(col.dtype):
        return np.array(["" if pd.isna(v) else f"{v:,}" for v in col.tolist()], dtype=object)
    if pd.api.types.is_float_dtype(col.dtype):
        return np.array(["" if pd.isna(v) else f"{v:,.2f}" for v in col.tolist()],
                        dtype=object)
    vals = col.astype(object).where(col.notna(), "").tolist()
    return np.array([str(v) for v in vals], dtype=object)


class DataFrameModel(QAbstractTableModel):
    def __init__(self, df: pd.DataFrame | None = None, parent=None):
        super().__init__(parent)
        self._cols: list[np.ndarray] = []
        self._names: list[str] = []
        self._labels: list[str] = []
        self._tips: list[str] = []
        self._numeric: list[bool] = []
        self._bad: dict[int, np.ndarray] = {}
        self._cell_tips: dict[int, np.ndarray] = {}
        self._icons: dict[int, np.ndarray] = {}
        self._n = 0
        self._focus = -1
        self.frame = pd.DataFrame()
        if df is not None:
            self.set_frame(df)

    def set_frame(self, df: pd.DataFrame, labels: list[str] | None = None,
                  tips: list[str] | None = None, bad: dict[str, np.ndarray] | None = None,
                  cell_tips: dict[str, np.ndarray] | None = None,
                  icons: dict[str, np.ndarray] | None = None):
        """``bad``: column -> mask of cells to mark; ``cell_tips``: column -> tooltip per
        cell; ``icons``: column -> QIcon (or None) per cell."""
        self.beginResetModel()
        self.frame = df
        self._names = [str(c) for c in df.columns]
        self._labels = list(labels) if labels else list(self._names)
        self._tips = list(tips) if tips else [""] * len(self._names)
        self._cols = [_text(df[c]) for c in df.columns]
        self._numeric = [pd.api.types.is_numeric_dtype(df[c].dtype) for c in df.columns]
        pos = {c: i for i, c in enumerate(self._names)}
        self._bad = {pos[c]: np.asarray(m, dtype=bool) for c, m in (bad or {}).items()
                     if c in pos}
        self._cell_tips = {pos[c]: np.asarray(t, dtype=object) for c, t in
                           (cell_tips or {}).items() if c in pos}
        self._icons = {pos[c]: np.asarray(t, dtype=object) for c, t in (icons or {}).items()
                       if c in pos}
        self._n = len(df)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else self._n

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._cols)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._cols[c][r]
        if role == Qt.ItemDataRole.TextAlignmentRole and self._numeric[c]:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bad = self._bad.get(c)
        if bad is not None and bad[r]:
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(BAD_BG)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(BAD_FG)
        elif c == self._focus and role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(FOCUS_BG)
        if role == Qt.ItemDataRole.ToolTipRole:
            tips = self._cell_tips.get(c)
            if tips is not None and tips[r]:
                return str(tips[r])
            return self._cols[c][r] or None
        if role == Qt.ItemDataRole.DecorationRole:
            icons = self._icons.get(c)
            if icons is not None:
                return icons[r]
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole and section < len(self._labels):
                return self._labels[section]
            if role == Qt.ItemDataRole.ToolTipRole and section < len(self._tips):
                return self._tips[section] or None
            if role == Qt.ItemDataRole.TextAlignmentRole and section < len(self._numeric) \
                    and self._numeric[section]:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        elif role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def column_of(self, name: str) -> int:
        return self._names.index(name)

    def set_focus(self, name: str | None) -> None:
        """Tint one column (None: none); its bad cells stay red."""
        self._focus = self._names.index(name) if name in self._names else -1
        if self._n and self._cols:
            self.dataChanged.emit(self.index(0, 0), self.index(self._n - 1, len(self._cols) - 1),
                                  [Qt.ItemDataRole.BackgroundRole])

    @property
    def focus(self) -> str | None:
        return self._names[self._focus] if 0 <= self._focus < len(self._names) else None

    def row_values(self, row: int) -> dict[str, str]:
        return {n: self._cols[i][row] for i, n in enumerate(self._names)}
