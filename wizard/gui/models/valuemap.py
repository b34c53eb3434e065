"""A field's value map, shown against the distinct values found in the sample."""
from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from . import OptionsRole, ValueRole

COLUMNS = ["Legacy value", "Count", "Becomes"]
UNCHANGED = "(unchanged)"
MAX_VALUES = 60


class ValueMapModel(QAbstractTableModel):
    mappingChanged = Signal(dict)        # the whole new map: legacy value -> HMSync value

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[tuple[str, int]] = []
        self.mapping: dict[str, str] = {}
        self.allowed: list[str] | None = None

    def set_values(self, sample: pd.Series | None, mapping: dict, allowed: list[str] | None):
        self.beginResetModel()
        self.mapping = {str(k): str(v) for k, v in (mapping or {}).items()}
        self.allowed = allowed
        rows = []
        if sample is not None:
            s = sample.astype(object).where(sample.notna(), "").astype(str).str.strip()
            s = s[s != ""]
            vc = s.value_counts()
            rows = [(str(v), int(n)) for v, n in vc.head(MAX_VALUES).items()]
        self.rows = rows
        self.endResetModel()

    def lookup(self, value: str) -> str | None:
        low = {k.strip().lower(): v for k, v in self.mapping.items()}
        return low.get(value.strip().lower())

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def flags(self, index):
        f = super().flags(index)
        if index.isValid() and index.column() == 2:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        value, n = self.rows[index.row()]
        c = index.column()
        to = self.lookup(value)
        if role == Qt.ItemDataRole.EditRole and c == 2:
            return to or ""
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if c == 0:
                return value
            if c == 1:
                return f"{n:,}"
            if c == 2:
                return to if to is not None else UNCHANGED
        if role == Qt.ItemDataRole.ForegroundRole and c == 2:
            ok = (to if to is not None else value)
            if self.allowed and ok not in self.allowed and ok.upper() not in self.allowed:
                return QBrush(QColor("#b3261e"))
            if to is None:
                return QBrush(QColor("#78909c"))
        if role == Qt.ItemDataRole.ToolTipRole and c == 2 and self.allowed:
            return "HMSync accepts " + "/".join(self.allowed)
        if role == Qt.ItemDataRole.TextAlignmentRole and c == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == OptionsRole and c == 2 and self.allowed:
            return [(UNCHANGED, None)] + [(a, a) for a in self.allowed]
        if role == ValueRole and c == 2:
            return to
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if not index.isValid() or index.column() != 2:
            return False
        legacy = self.rows[index.row()][0]
        new = {k: v for k, v in self.mapping.items() if k.strip().lower() != legacy.lower()}
        v = None if value in (None, "", UNCHANGED) else str(value).strip()
        if v:
            new[legacy.lower()] = v
        self.mapping = new
        self.dataChanged.emit(index, index)
        self.mappingChanged.emit(dict(new))
        return True

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None
