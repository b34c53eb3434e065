"""Import progress per legacy table: HMSync table, records done of total, state."""
from __future__ import annotations

import time

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ..widgets import fmt_duration, fmt_int, icon
from . import ValueRole

COLUMNS = ["HMSync table", "Legacy table", "Progress", "Records", "Time", "State"]
BAR = 2


class ImportProgressModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[dict] = []

    def set_tables(self, items: list[tuple[str, str, int]]):
        """[(HMSync table, legacy table, total records)] in import order."""
        self.beginResetModel()
        self.rows = [{"table": t, "source": s, "done": 0, "total": n, "state": "waiting",
                      "t0": None, "t1": None} for t, s, n in items]
        self.endResetModel()

    def row_of(self, source: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r["source"] == source), -1)

    def update(self, source: str, done: int, total: int | None = None):
        i = self.row_of(source)
        if i < 0:
            return
        r = self.rows[i]
        now = time.monotonic()
        # tables before this one are finished
        for j in range(i):
            if self.rows[j]["state"] in ("waiting", "working"):
                self.rows[j]["state"] = "done"
                self.rows[j]["done"] = max(self.rows[j]["done"], self.rows[j]["total"])
                self.rows[j]["t1"] = self.rows[j]["t1"] or now
        if r["t0"] is None:
            r["t0"] = now
        r["done"] = done
        if total and total > r["total"]:
            r["total"] = total
        r["state"] = "working"
        if done >= r["total"] and r["total"]:
            r["state"] = "done"
            r["t1"] = now
        self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1,
                                                           len(COLUMNS) - 1))

    def finish_all(self, state: str):
        now = time.monotonic()
        for r in self.rows:
            if state == "done":
                r["done"] = max(r["done"], r["total"])
                r["state"] = "done"
            elif r["state"] != "done":
                r["state"] = state
            else:
                r["state"] = state if state in ("rolled back", "cancelled") else r["state"]
            r["t1"] = r["t1"] or (now if r["t0"] else None)
        self.dataChanged.emit(self.index(0, 0), self.index(max(len(self.rows) - 1, 0),
                                                           len(COLUMNS) - 1))

    @property
    def done(self) -> int:
        return sum(min(r["done"], r["total"]) for r in self.rows)

    @property
    def total(self) -> int:
        return sum(r["total"] for r in self.rows)

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        c = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if c == 0:
                return r["table"]
            if c == 1:
                return r["source"]
            if c == BAR:
                pct = 100 * min(r["done"], r["total"]) / r["total"] if r["total"] else 0
                return f"{pct:.0f}%"
            if c == 3:
                return f"{fmt_int(min(r['done'], r['total']))} of {fmt_int(r['total'])}"
            if c == 4:
                if r["t0"] is None:
                    return ""
                end = r["t1"] or time.monotonic()
                return fmt_duration(end - r["t0"])
            if c == 5:
                return r["state"]
        if role == ValueRole and c == BAR:
            return (min(r["done"], r["total"]), r["total"])
        if role == Qt.ItemDataRole.DecorationRole and c == 5:
            return {"done": icon("pass"), "rolled back": icon("warning"),
                    "cancelled": icon("warning"), "failed": icon("fail")}.get(r["state"])
        if role == Qt.ItemDataRole.TextAlignmentRole and c == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None
