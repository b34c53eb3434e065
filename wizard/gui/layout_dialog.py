"""Layout…: how one legacy file is read, where the detection is wrong — its delimiter and
the line (a sheet's row) holding the column names — with a live preview of the columns and
first records the choice gives. The Legacy exports page reads the file again when the
dialog is accepted."""
from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QSpinBox, QVBoxLayout)

from ..core.readers import LINE, SourceTable, open_source
from ..core.readers.layout import DELIMITER_WORDS, MAX_HEADER_ROW, NO_HEADER, Layout
from . import dialogs
from .models.dataframe import DataFrameModel
from .widgets import Banner, fit_columns, label, table_view
from .workers import Task, TaskRunner
from ..core.words import counted

PREVIEW_ROWS = 20
#: the delimiters offered, in the order a person looks for them
OFFERED = [",", ";", "\t", "|", ":", " ", "^", "~"]


def _preview(st: SourceTable, layout: Layout, encoding: str | None, cancel):
    """The file read the chosen way: its first table (the sheet's, for a workbook) and a
    few records. Runs on a worker: a workbook is read whole to find a sheet."""
    sheet = st.sheet
    tables = open_source(st.path, encoding,
                         layout=lambda s: layout if layout and s == sheet else None)
    cancel.check()
    table = next((t for t in tables if t.sheet == sheet), tables[0])
    return table, table.sample(PREVIEW_ROWS)


class LayoutDialog(QDialog):
    """``layout()`` is the choice once accepted (None: as detected)."""

    def __init__(self, st: SourceTable, chosen: Layout | None, encoding: str | None,
                 parent=None):
        super().__init__(parent)
        self.st, self.encoding = st, encoding
        self.setWindowTitle(f"How {st.name} is laid out")
        self.runner = TaskRunner(self)
        self._task: Task | None = None
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self._read)
        text = st.format == "csv"

        self.delimiter = QComboBox()
        self.delimiter.setAccessibleName("Delimiter")
        detected = DELIMITER_WORDS.get(st.delimiter, st.delimiter) if text else None
        self.delimiter.addItem(f"As detected ({detected})" if detected else "As detected", None)
        for d in OFFERED:
            self.delimiter.addItem(DELIMITER_WORDS[d].capitalize() + ("" if d in "\t " else
                                                                       f"  {d}"), d)
        self.delimiter.setEnabled(text)
        self.header = QSpinBox()
        self.header.setRange(0, MAX_HEADER_ROW)
        self.header.setSpecialValueText(f"As detected ({st.location_name} "
                                        f"{st.header_line})")
        self.header.setAccessibleName("Line of the column names")
        # a legacy dump with no line of column names: its first line is a record
        self.no_header = QCheckBox("&No column names: the first line is a record "
                                   "(columns column_1, column_2, ...)")
        self.no_header.setEnabled(text)
        self.no_header.toggled.connect(lambda on: self.header.setEnabled(not on))
        if chosen is not None:
            if chosen.delimiter is not None and text:
                self.delimiter.setCurrentIndex(max(self.delimiter.findData(chosen.delimiter),
                                                   0))
            self.header.setValue(chosen.header_row or 0)
            self.no_header.setChecked(chosen.header_row == NO_HEADER and text)

        form = QFormLayout()
        form.addRow("&Delimiter:", self.delimiter)
        form.addRow("&Column names on " + ("line:" if text else "row:"), self.header)
        form.addRow("", self.no_header)
        note = label("Choose these only where the preview shows the file read wrongly: one "
                     "column holding whole lines, or a title where the column names should "
                     "be. The lines above the column names are not records. The choice is "
                     "kept in the profile and the project.", role="hint")
        self.banner = Banner()
        self.model = DataFrameModel()
        self.view = table_view(stretch_last=False)
        self.view.setModel(self.model)
        self.view.setAccessibleName("Preview of the first records")
        self.preview_label = label("Preview")
        self.preview_label.setTextFormat(Qt.TextFormat.PlainText)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                        QDialogButtonBox.StandardButton.Cancel |
                                        QDialogButtonBox.StandardButton.Reset)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Read it this way")
        self.buttons.button(QDialogButtonBox.StandardButton.Reset).setText("As &detected")

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.banner)
        lay.addWidget(self.preview_label)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.buttons)
        self.resize(900, 560)

        self.delimiter.currentIndexChanged.connect(lambda _: self._timer.start())
        self.header.valueChanged.connect(lambda _: self._timer.start())
        self.no_header.toggled.connect(lambda _: self._timer.start())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Reset).clicked.connect(
            self._as_detected)
        self._read()

    def layout(self) -> Layout | None:
        lay = Layout(self.delimiter.currentData(),
                     NO_HEADER if self.no_header.isChecked() else self.header.value() or None)
        return lay if lay else None

    def _as_detected(self):
        self.delimiter.setCurrentIndex(0)
        self.header.setValue(0)
        self.no_header.setChecked(False)

    def _read(self):
        if self._task is not None:
            self._task.cancel()
        layout = self.layout()
        st, encoding = self.st, self.encoding
        task = Task(lambda progress, cancel: _preview(st, layout, encoding, cancel),
                    "layout preview", cancel_discards_result=True)
        self._task = task
        self.ok.setEnabled(False)
        self.banner.set("Reading…", "info")

        def shown(result):
            if self._task is not task:
                return
            self._task = None
            table, sample = result
            self._show(table, sample)

        def failed(e):
            if self._task is not task:
                return
            self._task = None
            self.model.set_frame(pd.DataFrame())
            what, advice = dialogs.explain(e, "reading the file this way")
            self.banner.set(what + (f"\n{advice}" if advice else ""), "error")
            self.preview_label.setText("Preview")

        task.finished.connect(shown)
        task.failed.connect(failed)
        self.runner.start(task)

    def _show(self, table: SourceTable, sample: pd.DataFrame):
        n = len(table.columns)
        show = sample[[LINE] + list(table.columns)]
        self.model.set_frame(show, labels=[table.location_name] + list(table.columns))
        fit_columns(self.view, self.view.fontMetrics().horizontalAdvance("x" * 28))
        first = int(sample[LINE].iloc[0]) if len(sample) else None
        delim = DELIMITER_WORDS.get(table.delimiter, table.delimiter)
        if table.format == "csv" and self.delimiter.currentData() is None:
            # what the detection makes of the file read from the chosen line
            self.delimiter.setItemText(0, f"As detected ({delim})")
        said = (f"{n} column{'s' if n != 1 else ''}" +
                (f", delimiter {delim}" if table.format == "csv" else "") +
                (f", column names on {table.location_name} {table.header_line}"
                 if table.header_line else ", no column names") +
                (f", the first record on {table.location_name} {first}" if first else
                 ", no records"))
        if n < 2:
            self.banner.set(said + ". One column: the delimiter or the line of the column "
                            "names is probably wrong.", "warning")
        else:
            self.banner.set(said, "ok")
        self.preview_label.setText(f"Preview: the first {counted(len(sample), 'record')} "
                                   "read this way")
        self.ok.setEnabled(True)

    def done(self, r):
        self.runner.cancel_all()
        self.runner.wait_all()
        super().done(r)
