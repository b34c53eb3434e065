"""The two small dialogs of the Column mapping page that build a field from more or less
than one column: several columns joined (first and last name, an address of its parts),
or a part of one column (the first word of a full name)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QSpinBox, QVBoxLayout)

from .dialogs import ColumnPart, ColumnsJoined

#: separators by name: a space typed into a field is invisible
SEPARATORS = [("a space", " "), ("a comma and a space", ", "), ("a comma", ","),
              ("a hyphen", "-"), ("a slash", "/"), ("a semicolon", ";"), ("nothing", "")]


class SeparatorBox(QComboBox):
    """A separator chosen by name, or typed (what is typed is taken as it is)."""

    def __init__(self, default: str = " "):
        super().__init__()
        self.setEditable(True)
        for text, v in SEPARATORS:
            self.addItem(text, v)
        self.setCurrentIndex(max(0, self.findData(default)))

    def value(self) -> str:
        i = self.findText(self.currentText())
        return self.itemData(i) if i >= 0 else self.currentText()


class JoinColumnsDialog(QDialog):
    """Tick the columns, put them in order, say what goes between them."""

    def __init__(self, parent, field: str, columns: list[str], chosen: list[str]):
        super().__init__(parent)
        self.setWindowTitle(f"Join columns into {field}")
        self.list = QListWidget()
        for c in chosen + [c for c in columns if c not in chosen]:
            item = QListWidgetItem(c)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if c in chosen else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        up, down = QPushButton("Move &up"), QPushButton("Move &down")
        up.clicked.connect(lambda: self._move(-1))
        down.clicked.connect(lambda: self._move(1))
        self.sep = SeparatorBox(" ")
        self.sep.setToolTip("What goes between the parts (choose, or type it); empty parts "
                            "are left out")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                        QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        moves = QVBoxLayout()
        moves.addWidget(up)
        moves.addWidget(down)
        moves.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(moves)
        form = QFormLayout()
        form.addRow("&Between the parts:", self.sep)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"Tick the columns that make {field}, in the order they are "
                             "joined:"))
        lay.addLayout(row)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.list.itemChanged.connect(self._enable)
        self._enable()

    def _move(self, by: int):
        row = self.list.currentRow()
        to = row + by
        if row < 0 or not 0 <= to < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(to, item)
        self.list.setCurrentRow(to)

    def chosen(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def _enable(self, *_):
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            len(self.chosen()) >= 2)

    def result_value(self) -> ColumnsJoined:
        return ColumnsJoined(self.chosen(), self.sep.value())


PARTS = [("the first word", "first"), ("the last word", "last"),
         ("all but the first word", "rest"), ("the word at a position…", "n")]


class ColumnPartDialog(QDialog):
    """One column, a separator, and which part of it."""

    def __init__(self, parent, field: str, columns: list[str], current: str | None):
        super().__init__(parent)
        self.setWindowTitle(f"A part of a column for {field}")
        self.column = QComboBox()
        self.column.addItems(columns)
        if current in columns:
            self.column.setCurrentText(current)
        self.sep = SeparatorBox(" ")
        self.sep.setToolTip("What separates the parts (a space: words); choose, or type it")
        self.part = QComboBox()
        for text, v in PARTS:
            self.part.addItem(text, v)
        self.position = QSpinBox()
        self.position.setRange(1, 50)
        self.position.setToolTip("1 is the first word")
        self.position.setEnabled(False)
        self.part.currentIndexChanged.connect(
            lambda _: self.position.setEnabled(self.part.currentData() == "n"))
        form = QFormLayout()
        form.addRow("&Column:", self.column)
        form.addRow("&Separated by:", self.sep)
        form.addRow("&Take:", self.part)
        form.addRow("&Position:", self.position)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def result_value(self) -> ColumnPart:
        part = self.part.currentData()
        return ColumnPart(self.column.currentText(), self.sep.value() or " ",
                          self.position.value() - 1 if part == "n" else part)
