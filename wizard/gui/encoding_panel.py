"""The choice of a legacy file's encoding where its bytes leave it unsure: the candidate code
pages side by side, each with the characters it makes of the file and the lines where the
candidates differ, and a button to read the file that way (Legacy exports page)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from .widgets import label


class EncodingPanel(QFrame):
    """Shown for a table whose encoding is unsure; ``chosen(path, encoding)`` when the
    operator picks a candidate."""
    chosen = Signal(object, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Choose the file's encoding")
        self.title = label(role="hint")
        self.row = QHBoxLayout()
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addLayout(self.row)
        self.path: Path | None = None
        self.buttons: dict[str, QPushButton] = {}
        self.previews: dict[str, QPlainTextEdit] = {}
        self.hide()

    def show_doubt(self, path: Path | None, doubt) -> None:
        """The candidates of ``doubt`` for the file at ``path`` (None: hide the panel)."""
        while self.row.count():
            w = self.row.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.buttons, self.previews = {}, {}
        self.path = path
        if path is None or doubt is None:
            self.hide()
            return
        self.title.setText(
            f"{path.name} is not UTF-8, and {len(doubt.candidates)} code pages read it as "
            "text, differently. Choose the one whose letters are right (the lines where "
            "they differ are shown); nothing is imported until you do.")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for cand in doubt.candidates:
            box = QWidget()
            v = QVBoxLayout(box)
            v.setContentsMargins(0, 0, 0, 0)
            v.addWidget(label(f"{cand.encoding}: {' '.join(cand.chars)}"))
            text = QPlainTextEdit()
            text.setReadOnly(True)
            text.setFont(mono)
            text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            text.setMaximumHeight(110)
            text.setAccessibleName(f"The file's lines read as {cand.encoding}")
            text.setPlainText("\n".join(f"{n:>5}  {line}" for n, line in
                                        doubt.lines.get(cand.encoding, ())))
            v.addWidget(text)
            b = QPushButton(f"Read as {cand.encoding}")
            b.clicked.connect(lambda _=False, e=cand.encoding: self.chosen.emit(self.path, e))
            v.addWidget(b)
            self.buttons[cand.encoding] = b
            self.previews[cand.encoding] = text
            self.row.addWidget(box, 1)
        self.show()
