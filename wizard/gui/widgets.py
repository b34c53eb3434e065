"""Small widgets the pages share: icons, a status banner, a progress panel, the step list
and table views with sensible defaults."""
from __future__ import annotations

import time
from functools import lru_cache

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QIcon
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QLabel,
                               QListWidget, QListWidgetItem, QProgressBar, QPushButton,
                               QSizePolicy, QTableView, QVBoxLayout, QWidget)

from ..resources import resource_path


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    p = resource_path("icons", f"{name}.svg")
    return QIcon(str(p)) if p.is_file() else QIcon()


def button(text: str, icon_name: str | None = None, tip: str = "") -> QPushButton:
    b = QPushButton(text)
    if icon_name:
        b.setIcon(icon(icon_name))
    if tip:
        b.setToolTip(tip)
    return b


def label(text: str = "", role: str | None = None, wrap: bool = True,
          rich: bool = False) -> QLabel:
    """A label; plain text unless ``rich`` (file names and values never become markup)."""
    lab = QLabel(text)
    lab.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    lab.setWordWrap(wrap)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        lab.setProperty("role", role)
    return lab


def fmt_int(n) -> str:
    try:
        return f"{int(n):,}"
    except (TypeError, ValueError):
        return ""


def fmt_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size):,} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def fmt_duration(seconds: float) -> str:
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


class Banner(QFrame):
    """A coloured line with an icon: state is ok | warning | error | info."""
    ICONS = {"ok": "pass", "warning": "warning", "error": "fail", "info": "info"}

    def __init__(self, text: str = "", state: str = "info", parent=None):
        super().__init__(parent)
        self.setProperty("role", "banner")
        self._icon = QLabel()
        self._text = QLabel()
        self._text.setTextFormat(Qt.TextFormat.PlainText)
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self._text, 1)
        self.set(text, state)

    def set(self, text: str, state: str = "info"):
        self._text.setText(text)
        self.setProperty("state", state)
        h = max(16, self.fontMetrics().height())
        self._icon.setPixmap(icon(self.ICONS.get(state, "info")).pixmap(QSize(h, h)))
        self.style().unpolish(self)
        self.style().polish(self)
        self.setVisible(bool(text))

    def text(self) -> str:
        return self._text.text()

    def state(self) -> str:
        return str(self.property("state"))


class ProgressPanel(QWidget):
    """What a worker is doing: a line of text, a bar, time left and a Cancel button."""
    cancelRequested = Signal()

    def __init__(self, parent=None, cancellable: bool = True):
        super().__init__(parent)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.eta = QLabel()
        self.cancel = button("Cancel", "cancel")
        self.cancel.setVisible(cancellable)
        self.cancel.clicked.connect(self.cancelRequested)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.text)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.eta)
        row.addWidget(self.cancel)
        lay.addLayout(row)
        self._t0 = None
        self.hide()

    def start(self, text: str, busy: bool = False):
        self._t0 = time.monotonic()
        self.text.setText(text)
        self.eta.setText("")
        self.bar.setRange(0, 0 if busy else 100)
        self.bar.setValue(0)
        self.cancel.setEnabled(True)
        self.show()

    def update(self, text: str, done: int, total: int, eta: bool = True):
        self.text.setText(text)
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(done, total) / total))
            self.bar.setFormat(f"{100 * min(done, total) / total:.0f}%")
            if eta and self._t0 is not None and done > 0:
                spent = time.monotonic() - self._t0
                left = spent * (total - done) / done
                self.eta.setText(f"about {fmt_duration(left)} left" if done < total else "")
        else:
            self.bar.setRange(0, 0)

    def finish(self):
        self.hide()


class StepList(QListWidget):
    """The side list of the wizard's steps: done, current, to do."""

    def __init__(self, titles: list[str], parent=None):
        super().__init__(parent)
        self.setProperty("role", "steps")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        for i, t in enumerate(titles, start=1):
            it = QListWidgetItem(f"{i}. {t}")
            self.addItem(it)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        bold = self.font()
        bold.setBold(True)
        fm = QFontMetrics(bold)
        w = max(fm.horizontalAdvance(f"{i}. {t}") for i, t in enumerate(titles, start=1))
        self.setFixedWidth(w + fm.height() * 3)
        self.set_current(0)

    def set_current(self, index: int):
        for i in range(self.count()):
            it = self.item(i)
            state = "done" if i < index else ("current" if i == index else "todo")
            it.setIcon(icon(f"step-{state}"))
            f = it.font()
            f.setBold(i == index)
            it.setFont(f)


def table_view(stretch_last: bool = True, sortable: bool = False) -> QTableView:
    v = QTableView()
    v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    v.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    v.setAlternatingRowColors(True)
    v.setWordWrap(False)
    v.setSortingEnabled(sortable)
    v.verticalHeader().setVisible(False)
    v.verticalHeader().setDefaultSectionSize(v.fontMetrics().height() + 8)
    v.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    v.horizontalHeader().setStretchLastSection(stretch_last)
    v.horizontalHeader().setHighlightSections(False)
    v.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft |
                                             Qt.AlignmentFlag.AlignVCenter)
    v.setTabKeyNavigation(False)   # Tab leaves the table: keyboard users reach the buttons
    # sizing columns to their contents looks at this many rows, not at 100,000s
    v.horizontalHeader().setResizeContentsPrecision(100)
    return v


def fit_columns(view: QTableView, max_width: int | None = None):
    """Size columns to their contents (header and visible rows), capped."""
    view.resizeColumnsToContents()
    cap = max_width or view.fontMetrics().horizontalAdvance("x" * 40)
    h = view.horizontalHeader()
    for c in range(h.count()):
        if h.sectionSize(c) > cap:
            h.resizeSection(c, cap)


def needed_width(view: QTableView, scrollbar: bool = True) -> int:
    """The width a table needs to show all its columns without scrolling."""
    h = view.horizontalHeader()
    w = sum(h.sectionSize(c) for c in range(h.count()) if not h.isSectionHidden(c))
    bar = view.verticalScrollBar().sizeHint().width() if scrollbar else 0
    return w + 2 * view.frameWidth() + bar + 2


def fit_width(view: QTableView):
    """A narrow table is no wider than its columns (no blank band on its right)."""
    view.setMaximumWidth(needed_width(view, scrollbar=False))


def fit_height(view: QTableView, max_rows: int | None = None):
    """Make a short table exactly as tall as its rows (no empty grey area below them)."""
    n = view.model().rowCount() if view.model() is not None else 0
    if max_rows is not None:
        n = min(n, max_rows)
    h = view.horizontalHeader().sizeHint().height() + \
        view.verticalHeader().defaultSectionSize() * max(n, 1) + 2 * view.frameWidth()
    if view.horizontalScrollBar().isVisible():
        h += view.horizontalScrollBar().sizeHint().height()
    view.setFixedHeight(h)
