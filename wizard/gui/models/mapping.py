"""One legacy table's mapping: HMSync fields beside the legacy columns that feed them."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from ...core.steps import describe_steps
from ...core.transforms import StepDefaults
from ...core.words import counted, plural
from . import OptionsRole, ValueRole

COLUMNS = ["HMSync field", "Type", "Legacy column", "Transform", "Confidence", "Why"]
SOURCE = 2
NOT_MAPPED = "(not mapped)"
#: the choice that fills a field with one value for every record (a placeholder)
FIXED_VALUE = "a fixed value…"
#: the choices that make a field of several columns, or of a part of one
JOINED = "several columns, joined…"
PART = "a part of a column…"
#: the background of a suggestion waiting for a person (amber)
REVIEW_COLOUR = "#fff1d6"
KIND_WORDS = {"text": "text", "int": "whole number", "float": "number", "date": "date",
              "phone": "phone", "enum": "code", "ref": "reference", "uuid": "id"}


def source_key(fm) -> str:
    if fm is None:
        return ""
    if fm.value is not None or getattr(fm, "expr", None) is not None or \
            getattr(fm, "lookup", None) is not None:
        return "k:"
    if len(fm.columns) == 1:
        return "c:" + fm.columns[0]
    return "k:"


def source_text(fm) -> str:
    if fm is None:
        return NOT_MAPPED
    if fm.value is not None:
        return f"constant '{fm.value}'"
    if getattr(fm, "expr", None) is not None:
        return f"= {fm.expr}"
    if getattr(fm, "lookup", None) is not None:
        lk = fm.lookup
        return f"{lk.aggregate} of {lk.table}.{lk.column or lk.key} by {lk.by}"
    return " + ".join(fm.columns)


class MappingModel(QAbstractTableModel):
    sourceChosen = Signal(str, str)      # HMSync field, key: "" | "c:<column>" | "k:" (keep)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.tm = None
        self.target = None
        self.columns: list[str] = []
        self.fields = []
        self.bad_counts: dict[str, int] = {}
        # the profile's defaults: a step without its own date order or zone is described
        # with the profile's
        self.defaults = StepDefaults()

    def set_mapping(self, tm, target, columns: list[str], defaults: StepDefaults | None = None):
        self.beginResetModel()
        self.tm, self.target, self.columns = tm, target, list(columns)
        if defaults is not None:
            self.defaults = defaults
        self.fields = list(target.mappable) if target is not None else []
        self.endResetModel()

    def set_bad_counts(self, counts: dict[str, int]):
        self.bad_counts = dict(counts)
        if self.fields:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.fields) - 1,
                                                               len(COLUMNS) - 1))

    def refresh_row(self, field: str):
        for i, f in enumerate(self.fields):
            if f.name == field:
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def field_at(self, row: int):
        return self.fields[row]

    def row_of(self, field: str) -> int:
        return next((i for i, f in enumerate(self.fields) if f.name == field), -1)

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.fields)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def flags(self, index):
        f = super().flags(index)
        if index.isValid() and index.column() == SOURCE:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def _needs(self, f) -> bool:
        return f.required and f.default is None and f.kind != "uuid"

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.tm is None:
            return None
        f = self.fields[index.row()]
        fm = self.tm.fields.get(f.name)
        c = index.column()
        missing = fm is None and self._needs(f)
        if role == Qt.ItemDataRole.DisplayRole:
            if c == 0:
                return f.name + (" *" if self._needs(f) else "")
            if c == 1:
                words = KIND_WORDS.get(f.kind, f.kind)
                if f.references:
                    words = f"→ {f.references}"
                return words + ("" if f.known else " (new)")
            if c == SOURCE:
                return source_text(fm)
            if c == 3:
                if fm is None:
                    return ""
                text = describe_steps(fm, self.defaults)
                bad = self.bad_counts.get(f.name, 0)
                if bad:
                    text = (text + "; " if text else "") + f"{counted(bad, 'sample value')} {plural(bad, 'fails', 'fail')}"
                return text
            if c == 4:
                if fm is None:
                    return "required" if missing else ""
                if fm.confidence is None:
                    return "to confirm" if fm.review else "your choice"
                return f"{100 * float(fm.confidence):.0f}%" + (", to confirm" if fm.review
                                                               else "")
            if c == 5:
                if fm is None:
                    return "HMSync needs this field: choose a column" if missing else ""
                return fm.reason or ""
        if role == Qt.ItemDataRole.FontRole and c == 0 and self._needs(f):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if c == 4 and fm is not None and fm.confidence is not None:
                v = float(fm.confidence)
                return QBrush(QColor("#1b6e2a" if v >= 0.9 else "#9a5b00" if v >= 0.6
                                     else "#b3261e"))
            if c == 3 and self.bad_counts.get(f.name):
                return QBrush(QColor("#b3261e"))
            if missing and c in (SOURCE, 4, 5):
                return QBrush(QColor("#b3261e"))
            if fm is None and c == SOURCE:
                return QBrush(QColor("#78909c"))
        if role == Qt.ItemDataRole.BackgroundRole and missing:
            return QBrush(QColor("#fdecea"))
        if role == Qt.ItemDataRole.BackgroundRole and fm is not None and fm.review:
            return QBrush(QColor(REVIEW_COLOUR))
        if role == Qt.ItemDataRole.ToolTipRole:
            if c == 0:
                return f"{f.label or f.name}" + (" — required" if self._needs(f) else "")
            if c == SOURCE:
                return "Double-click (or press F2) to choose the legacy column"
            if fm is not None and fm.review:
                return ("A suggestion not sure enough to apply unasked: check it, then "
                        "press “Confirm this match”, or choose another column")
            if c == 5 and fm is not None:
                return fm.reason or None
        if role == OptionsRole and c == SOURCE:
            opts = [(NOT_MAPPED, "")]
            if fm is not None and source_key(fm) == "k:":
                opts.append((source_text(fm), "k:"))
            opts += [(col, "c:" + col) for col in self.columns]
            opts.append((JOINED, "j:"))
            opts.append((PART, "p:"))
            opts.append((FIXED_VALUE, "v:"))
            return opts
        if role == ValueRole and c == SOURCE:
            return source_key(fm)
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if not index.isValid() or index.column() != SOURCE:
            return False
        f = self.fields[index.row()]
        self.sourceChosen.emit(f.name, str(value or ""))
        return True

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return {0: "Fields marked * are required by HMSync"}.get(section)
        return None
