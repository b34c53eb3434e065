"""The legacy tables the operator added: readable tables and unreadable files."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from ...core.schema import DATA_TABLES
from ..widgets import fmt_int, icon
from . import OptionsRole, ValueRole
from .mapping import REVIEW_COLOUR

COLUMNS = ["Legacy table", "Format", "Encoding", "Delimiter", "Records", "Feeds HMSync table",
           "Status", "Sure"]
SURE = 7
FEEDS = 5
DELIMS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
NOT_IMPORTED = "(not imported)"


class SourcesModel(QAbstractTableModel):
    targetChosen = Signal(str, object)     # source name, HMSync table or None

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self._rows: list[tuple[str, object]] = []

    def refresh(self):
        self.beginResetModel()
        self._rows = [("table", t) for t in self.session.tables] + \
                     [("error", e) for e in self.session.read_errors]
        self.endResetModel()

    def kind(self, row: int) -> str:
        return self._rows[row][0]

    def item(self, row: int):
        return self._rows[row][1]

    def row_of(self, name: str) -> int:
        for i, (k, v) in enumerate(self._rows):
            if k == "table" and v.name == name:
                return i
        return -1

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def flags(self, index):
        f = super().flags(index)
        if index.isValid() and index.column() == FEEDS and self.kind(index.row()) == "table":
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def _targets(self) -> list[str]:
        return [t for t in DATA_TABLES if t in self.session.targets]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        kind, obj = self._rows[index.row()]
        c = index.column()
        if kind == "error":
            if role == Qt.ItemDataRole.DisplayRole:
                if c == 0:
                    return obj.path.name
                if c == 6:
                    return obj.problem + (f" (line {obj.line})" if obj.line else "")
                return ""
            if role == Qt.ItemDataRole.DecorationRole and c == 6:
                return icon("fail")
            if role == Qt.ItemDataRole.ToolTipRole:
                return str(obj)
            return None
        st = obj
        tm = self.session.table_map(st.name)
        if role == Qt.ItemDataRole.DisplayRole:
            if c == 0:
                return st.name
            if c == 1:
                return st.format.upper()
            if c == 2:
                return (st.encoding or "—") + {"unsure": " (unsure: choose)",
                                               "chosen": " (your choice)"}.get(
                                                   st.encoding_source, "")
            if c == 3:
                return DELIMS.get(st.delimiter, st.delimiter or "—")
            if c == 4:
                return fmt_int(self.session.row_counts.get(st.name))
            if c == FEEDS:
                return tm.target if tm else NOT_IMPORTED
            if c == 6:
                if tm is None:
                    return "readable; left out"
                return "readable"
            if c == SURE:
                if tm is None or tm.confidence is None:
                    return "your choice" if tm is not None else ""
                return f"{100 * tm.confidence:.0f}%" + (", to confirm" if tm.review else "")
        if role == Qt.ItemDataRole.DecorationRole and c == 6:
            return icon("pass") if tm else icon("info")
        if role == Qt.ItemDataRole.BackgroundRole and c == 2 and st.encoding_source == "unsure":
            return QBrush(QColor(REVIEW_COLOUR))
        if role == Qt.ItemDataRole.BackgroundRole and tm is not None and tm.review:
            return QBrush(QColor(REVIEW_COLOUR))
        if role == Qt.ItemDataRole.ToolTipRole:
            if c == 0:
                return str(st.path)
            if c == FEEDS:
                return "Double-click (or press F2) to choose the HMSync table this feeds"
        if role == Qt.ItemDataRole.TextAlignmentRole and c == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == OptionsRole and c == FEEDS:
            return [(NOT_IMPORTED, None)] + [(t, t) for t in self._targets()]
        if role == ValueRole and c == FEEDS:
            return tm.target if tm else None
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if index.column() != FEEDS or self.kind(index.row()) != "table":
            return False
        st = self.item(index.row())
        self.targetChosen.emit(st.name, value)
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(),
                                                                     len(COLUMNS) - 1))
        return True

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole \
                and section == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
