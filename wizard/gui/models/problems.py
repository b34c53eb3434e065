"""Every validation problem, filtered and sorted over numpy arrays.

The problems DataFrame (one row per problem, possibly 100,000s) is split into one numpy
array per column once. Filtering builds a boolean mask with vectorised comparisons (and
one pandas ``str.contains`` over a pre-joined, lower-cased text column for the search);
sorting argsorts precomputed integer ranks. The view is an index array into the data, so
``data()`` is two array lookups. No proxy model: a Python ``filterAcceptsRow`` per row
would not stay fast at this size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal

from ...core.cascades import Cascades, trace
from ..widgets import icon

# the problem in words first: what the operator reads; the rest locates it
COLUMNS = [("message", "Problem"), ("value", "Value"), ("line", "Line"),
           ("legacy_id", "Legacy id"), ("table", "HMSync table"), ("field", "Column"),
           ("file", "File"), ("rule", "Rule code"), ("severity", "Severity")]
SEARCHED = ["message", "value", "legacy_id", "field", "file", "rule"]
#: kept for each problem but not shown as a column
EXTRA = ["target_field"]


@dataclass
class PreparedProblems:
    """The problem list as arrays (and the search text), built off the UI thread."""
    data: dict[str, np.ndarray]
    n: int
    haystack: pd.Series | None
    cascades: Cascades | None = None


def prepare_problems(df: pd.DataFrame | None, with_search: bool = True,
                     targets: dict | None = None) -> PreparedProblems:
    """Split the problems into one array per column (pure numpy/pandas: safe in a worker).
    With ``targets``, a record left out because of another record's problem says which
    one (its message names the cause; ``root`` is the cause's position)."""
    if df is None or not len(df):
        return PreparedProblems({}, 0, None)
    data = {}
    for name in [c for c, _ in COLUMNS] + EXTRA:
        col = df[name]
        if name == "line":
            data[name] = col.to_numpy(dtype=np.int64)
        else:
            data[name] = col.astype(object).where(col.notna(), "").astype(str).to_numpy(
                dtype=object)
    casc = trace(df.reset_index(drop=True), targets) if targets is not None else None
    data["root"] = casc.root if casc is not None else np.full(len(df), -1, dtype=np.int64)
    if casc is not None and casc.cascade_count:
        msg = data["message"].copy()
        for i in np.flatnonzero(casc.root >= 0).tolist():
            r = int(casc.root[i])
            t = targets.get(data["table"][i])
            f = t.fields.get(data["target_field"][i]) if t is not None else None
            parent = (f.label or f.references) if f is not None else "record"
            where = f"{data['file'][r]} line {int(data['line'][r]):,}"
            direct = f is not None and data["table"][r] == f.references
            msg[i] = (f"left out because its {parent} was: {where}, {data['message'][r]}"
                      if direct else f"left out because its {parent} was left out, because "
                      f"of {where}: {data['message'][r]}")
        data["message"] = msg
    hay = None
    if with_search:
        s = pd.Series(data[SEARCHED[0]], dtype=object)
        for name in SEARCHED[1:]:
            s = s + "\x1f" + pd.Series(data[name], dtype=object)
        hay = s.str.lower()
    return PreparedProblems(data, len(df), hay, casc)


class ProblemsModel(QAbstractTableModel):
    filtered = Signal(int, int)     # shown, total

    def __init__(self, parent=None):
        super().__init__(parent)
        self._data: dict[str, np.ndarray] = {}
        self._n = 0
        self._view = np.zeros(0, dtype=np.int64)
        self._ranks: dict[str, np.ndarray] = {}
        self._haystack: pd.Series | None = None
        self._filters = {"severity": "", "table": "", "rule": "", "text": "", "cause": ""}
        self.cascades: Cascades | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._icons = {"error": icon("fail"), "warning": icon("warning")}

    # --- data -------------------------------------------------------------------------
    def set_problems(self, problems: "pd.DataFrame | PreparedProblems | None"):
        """A problems DataFrame, or what :func:`prepare_problems` made of it in a worker."""
        if not isinstance(problems, PreparedProblems):
            problems = prepare_problems(problems, with_search=False)
        self.beginResetModel()
        self._data, self._n = problems.data, problems.n
        self.cascades = problems.cascades
        self._ranks, self._haystack = {}, problems.haystack
        self._view = self._compute_view()
        self.endResetModel()
        self.filtered.emit(len(self._view), self._n)

    @property
    def total(self) -> int:
        return self._n

    def values(self, name: str) -> list[str]:
        """Distinct values of a column (for the filter drop-downs), sorted."""
        if not self._n:
            return []
        return sorted(pd.unique(self._data[name]).tolist())

    def problem(self, row: int) -> dict:
        """The problem shown on a row; ``index`` is its position in the problem list,
        ``root`` the position of the problem that caused it (-1: its own)."""
        return self.problem_at(int(self._view[row]))

    def problem_at(self, i: int) -> dict:
        p = {name: (int(self._data[name][i]) if name == "line" else str(self._data[name][i]))
             for name in [c for c, _ in COLUMNS] + EXTRA}
        p["index"] = i
        p["root"] = int(self._data["root"][i])
        return p

    def row_of(self, i: int) -> int:
        """The row showing the problem at position ``i`` (-1: filtered out)."""
        hit = np.flatnonzero(self._view == i)
        return int(hit[0]) if len(hit) else -1

    # --- filtering and sorting -------------------------------------------------------
    def set_filter(self, **kw):
        """severity=, table=, rule=, text= ('' for all); cause= a problem's position: that
        problem and the records left out because of it."""
        changed = False
        for k, v in kw.items():
            v = (v or "").strip()
            if self._filters.get(k) != v:
                self._filters[k] = v
                changed = True
        if changed:
            self._refresh()

    def filters(self) -> dict:
        return dict(self._filters)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder):
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._view = self._sorted(self._view)
        self.layoutChanged.emit()

    def _refresh(self):
        self.beginResetModel()
        self._view = self._compute_view()
        self.endResetModel()
        self.filtered.emit(len(self._view), self._n)

    def _compute_view(self) -> np.ndarray:
        if not self._n:
            return np.zeros(0, dtype=np.int64)
        mask = np.ones(self._n, dtype=bool)
        for k in ("severity", "table", "rule"):
            v = self._filters[k]
            if v:
                mask &= self._data[k] == v
        cause = self._filters["cause"]
        if cause:
            i = int(cause)
            mask &= (self._data["root"] == i) | (np.arange(self._n) == i)
        text = self._filters["text"].lower()
        if text:
            mask &= self._search_haystack().str.contains(text, regex=False).to_numpy(
                dtype=bool)
        return self._sorted(np.flatnonzero(mask))

    def _search_haystack(self) -> pd.Series:
        if self._haystack is None:
            s = pd.Series(self._data[SEARCHED[0]], dtype=object)
            for name in SEARCHED[1:]:
                s = s + "\x1f" + pd.Series(self._data[name], dtype=object)
            self._haystack = s.str.lower()
        return self._haystack

    def _rank(self, name: str) -> np.ndarray:
        r = self._ranks.get(name)
        if r is None:
            if name == "line":
                r = self._data[name]
            else:
                codes, _ = pd.factorize(pd.Series(self._data[name], dtype=object), sort=True)
                r = codes
            self._ranks[name] = r
        return r

    def _sorted(self, view: np.ndarray) -> np.ndarray:
        if self._sort is None or not len(view):
            return view
        col, order = self._sort
        name = COLUMNS[col][0]
        keys = self._rank(name)[view]
        if name != "line":   # then by file and line, as read
            idx = np.lexsort((self._data["line"][view], self._rank("file")[view], keys))
        else:
            idx = np.argsort(keys, kind="stable")
        if order == Qt.SortOrder.DescendingOrder:
            idx = idx[::-1]
        return view[idx]

    # --- Qt model -------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._view)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        name = COLUMNS[index.column()][0]
        i = self._view[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            v = self._data[name][i]
            return f"{v:,}" if name == "line" else v
        if role == Qt.ItemDataRole.DecorationRole and name in ("severity", "message"):
            return self._icons.get(self._data["severity"][i])
        if role == Qt.ItemDataRole.ToolTipRole and name in ("message", "value", "rule"):
            return str(self._data[name][i]) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and name == "line":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None
