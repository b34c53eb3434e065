"""Connect to a database…: a legacy database named by its file or URL, a connection test
that lists its tables and views with their record counts, and a preview of the one
selected. The Legacy exports page adds the database when the dialog is accepted."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLineEdit, QSplitter,
                               QVBoxLayout, QWidget)

from ..core.readers import LINE
from ..core.readers.credentials import PASSWORD_ENV, SERVICE, keyring_status
from ..core.readers.database import DB_EXTS, DatabaseSummary, is_server_url
from ..core.readers.server import check_connection
from . import dialogs, settings
from .models.dataframe import DataFrameModel
from .widgets import Banner, button, fit_columns, fmt_int, label, table_view
from .workers import Task, TaskRunner
from ..core.words import counted

PREVIEW_ROWS = 20
FILTER = "SQLite databases (" + " ".join(f"*{e}" for e in sorted(DB_EXTS)) + ");;All files (*)"


def _count(n: int, what: str) -> str:
    """'1 table', '3 views', '' for none of a kind besides records ('0 records')."""
    if n == 0 and what != "record":
        return ""
    return f"{fmt_int(n)} {what}{'' if n == 1 else 's'}"


class DatabaseDialog(QDialog):
    """``summary`` holds the database once a connection test has passed."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Connect to a database")
        self.summary: DatabaseSummary | None = None
        self.runner = TaskRunner(self)
        self._task: Task | None = None

        self.source = QLineEdit()
        self.source.setPlaceholderText("legacy.db, or a URL: sqlite:////data/legacy.db, "
                                       "postgresql+psycopg://user@host/db, "
                                       "mysql+pymysql://user@host/db")
        self.source.setAccessibleName("Database file or URL")
        self.browse = button("&Browse…", "open", "Choose an SQLite database file")
        self.test = button("&Test the connection", None, "Open the database read-only and "
                           "count the records of each table and view")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("server's password, if any")
        self.password.setMinimumWidth(self.password.fontMetrics().horizontalAdvance("x" * 30))
        self.password.setToolTip("Left empty: HMSYNC_SOURCE_PASSWORD, else the system "
                                 f"keyring (service '{SERVICE}', user name the URL)")
        self.password.setAccessibleName("Password")
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        row.addWidget(self.password)
        row.addWidget(self.browse)
        row.addWidget(self.test)
        note = label("The database is opened read-only: the wizard never writes to it. "
                     "Every table and view becomes a legacy table, its records located by "
                     "their key. A password is never saved in the project, report or log; left "
                     "empty, it is read from HMSYNC_SOURCE_PASSWORD or the system keyring.",
                     role="hint")
        self.banner = Banner()

        self.tables_model = DataFrameModel()
        self.tables = table_view()
        self.tables.setModel(self.tables_model)
        self.tables.setAccessibleName("Tables and views")
        self.preview_model = DataFrameModel()
        self.preview = table_view(stretch_last=False)
        self.preview.setModel(self.preview_model)
        self.preview.setAccessibleName("Preview of the first records")
        self.preview_label = label("Preview")
        lower = QWidget()  # the preview under its heading, resized as one by the splitter
        lower_lay = QVBoxLayout(lower)
        lower_lay.setContentsMargins(0, 0, 0, 0)
        lower_lay.addWidget(self.preview_label)
        lower_lay.addWidget(self.preview, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tables)
        split.addWidget(lower)
        split.setChildrenCollapsible(False)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                        QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Add the database")
        self.ok.setEnabled(False)

        lay = QVBoxLayout(self)
        lay.addWidget(label("Database file or URL:"))
        lay.addLayout(row)
        lay.addWidget(note)
        lay.addWidget(self.banner)
        lay.addWidget(label("Tables and views:"))
        lay.addWidget(split, 1)
        lay.addWidget(self.buttons)
        self.resize(900, 600)

        self.browse.clicked.connect(self._browse)
        self.test.clicked.connect(self.run_test)
        self.source.returnPressed.connect(self.run_test)
        self.source.textChanged.connect(self._changed)
        self.password.textChanged.connect(self._changed)
        self.password.returnPressed.connect(self.run_test)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.tables.selectionModel().currentRowChanged.connect(lambda cur, _: self._preview())

    def _browse(self):
        p = dialogs.open_file(self, "Choose a legacy database", settings.last_folder("sources"),
                              FILTER)
        if p:
            settings.remember_folder("sources", p)
            self.source.setText(str(p))
            self.run_test()

    def _changed(self):
        self.summary = None
        self.ok.setEnabled(False)

    def run_test(self):
        text = self.source.text().strip()
        if not text:
            return
        if self._task is not None:
            self._task.cancel()
        self.summary = None
        self.ok.setEnabled(False)
        self.test.setEnabled(False)
        self.banner.set("Connecting…", "info")
        password = self.password.text() or None
        task = Task(lambda progress, cancel: check_connection(text, password, cancel),
                    "connect")
        self._task = task

        def passed(summary: DatabaseSummary):
            if self._task is not task:
                return
            self._task = None
            self.test.setEnabled(True)
            self.summary = summary
            n = sum(s.rows for s in summary.summaries)
            where = {"environment": f", password from {PASSWORD_ENV}",
                     "keyring": ", password from the system keyring"}
            views = sum(s.kind == "view" for s in summary.summaries)
            found = [_count(len(summary.summaries) - views, "table"), _count(views, "view")]
            self.banner.set(f"Connected to {summary.shown} (read-only"
                            f"{where.get(summary.password_from, '')}): "
                            f"{', '.join(x for x in found if x)}, {_count(n, 'record')}.",
                            "ok")
            df = pd.DataFrame({
                "Table": [s.name.split("#", 1)[-1] for s in summary.summaries],
                "Kind": [s.kind for s in summary.summaries],
                "Records": [fmt_int(s.rows) for s in summary.summaries],
                "Columns": [str(s.columns) for s in summary.summaries],
                "Records located by": [s.key for s in summary.summaries]})
            self.tables_model.set_frame(df)
            fit_columns(self.tables)
            self.ok.setEnabled(bool(summary.summaries))
            if summary.summaries:
                self.tables.selectRow(0)

        def failed(e):
            if self._task is not task:
                return
            self._task = None
            self.test.setEnabled(True)
            self.tables_model.set_frame(pd.DataFrame())
            self.preview_model.set_frame(pd.DataFrame())
            what, advice = dialogs.explain(e, "connecting")
            if not password and is_server_url(text):
                why = keyring_status()  # a wrong or missing password is the usual cause
                advice = " ".join(x for x in [advice, "No password was typed" + (
                    f", and {why}." if why else f"; none in {PASSWORD_ENV} or the system "
                    "keyring either.")] if x)
            self.banner.set(what + (f"\n{advice}" if advice else ""), "error")

        task.finished.connect(passed)
        task.failed.connect(failed)
        self.runner.start(task)

    def _preview(self):
        row = self.tables.currentIndex().row()
        if self.summary is None or not 0 <= row < len(self.summary.tables):
            self.preview_model.set_frame(pd.DataFrame())
            return
        st = self.summary.tables[row]
        try:  # a few records of one table: quick enough for the UI thread
            sample = st.sample(PREVIEW_ROWS)
        except Exception as e:  # noqa: BLE001 (shown, in the operator's words)
            self.preview_label.setText(dialogs.explain(e, "reading the preview")[0])
            self.preview_model.set_frame(pd.DataFrame())
            return
        # a key column shows the record's number itself
        lead = [] if st.location_is_column else [LINE]
        show = sample[lead + list(st.columns)]
        self.preview_model.set_frame(show, labels=[st.location_name] * len(lead) +
                                     list(st.columns))
        fit_columns(self.preview, self.preview.fontMetrics().horizontalAdvance("x" * 28))
        self.preview_label.setText(f"Preview of {st.name}: the first "
                                   f"{counted(len(sample), 'record')}")

    def path(self) -> Path | str | None:
        """What to add as a source once the connection test has passed: the database's
        file, or a server's URL without its password."""
        return self.summary.source if self.summary is not None else None

    def done(self, r):
        self.runner.cancel_all()
        self.runner.wait_all()
        super().done(r)
