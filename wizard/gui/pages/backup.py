"""Backup: where the backup of the HMSync database goes, make it, show it verified."""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout

from ...core.schema import DATA_TABLES
from .. import dialogs
from ..models.dataframe import DataFrameModel
from ..widgets import (Banner, ProgressPanel, button, fit_columns, fit_height, fit_width,
                       fmt_int, fmt_size, label, table_view)
from .base import BasePage


class BackupPage(BasePage):
    def __init__(self, parent=None):
        super().__init__("Backup",
                         "Before anything is imported, the wizard copies the HMSync database "
                         "and checks the copy. Keep it until you are sure the import is "
                         "right.", parent)
        self.folder = QLineEdit()
        self.browse = button("&Browse…", "open")
        self.go = button("&Back up now", "backup")
        self.go.setProperty("primary", True)
        row = QHBoxLayout()
        lab = QLabel("Backup &folder:")
        lab.setBuddy(self.folder)
        row.addWidget(lab)
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        row.addWidget(self.go)
        self.target = label("", rich=True)
        self.progress = ProgressPanel(cancellable=False)
        self.banner = Banner()
        self.facts = QFormLayout()
        self.f_path = label("")
        self.f_size = label("")
        self.f_sha = label("")
        self.f_sha.setProperty("role", "mono")
        self.f_check = label("")
        self.facts.addRow("Backup file:", self.f_path)
        self.facts.addRow("Size:", self.f_size)
        self.facts.addRow("SHA-256:", self.f_sha)
        self.facts.addRow("Checked:", self.f_check)
        self.counts_model = DataFrameModel()
        self.counts = table_view(stretch_last=False)
        self.counts.setModel(self.counts_model)
        self.counts.setAccessibleName("Records in the backup")
        self.counts_label = QLabel("Records in the backup, per table:")
        lay = QVBoxLayout(self)
        lay.addWidget(self.target)
        lay.addLayout(row)
        lay.addWidget(self.progress)
        lay.addWidget(self.banner)
        lay.addLayout(self.facts)
        lay.addWidget(self.counts_label)
        lay.addWidget(self.counts)
        lay.addStretch(1)
        self.browse.clicked.connect(self._browse)
        self.go.clicked.connect(self.back_up)
        self.folder.editingFinished.connect(self._folder_edited)

    def initializePage(self):
        session = self.session
        folder = session.backup_dir or (session.target.parent if session.target else Path.home())
        self.folder.setText(str(folder))
        self.target.setText(f"The database: <b>{html.escape(str(session.target))}</b>")
        self._show()

    def task_ended(self):
        self._show()

    def isComplete(self):
        return not self.busy and self.session.backup_current()

    def _folder_edited(self):
        t = self.folder.text().strip()
        self.session.backup_dir = Path(t).expanduser() if t else None

    def _browse(self):
        p = dialogs.open_folder(self, "Folder for the backup", self.folder.text())
        if p:
            self.folder.setText(str(p))
            self._folder_edited()

    def back_up(self):
        if self.busy:
            return
        self._folder_edited()
        session = self.session
        target = session.target

        def done(b):
            session.apply_backup(b)
            self.progress.finish()
            self._show()

        def failed(e):
            self.progress.finish()
            self._show()
            dialogs.show_exception(self, e, "the backup")

        self.progress.start(f"Backing up {target.name} and checking the copy…", busy=True)
        self.banner.set("")
        self.run_task(lambda progress, cancel: session.make_backup(), "backup",
                      on_finished=done, on_failed=failed, writes=True)
        self.go.setEnabled(False)

    def _show(self):
        session = self.session
        b = session.backup
        ok = session.backup_current()
        self.go.setEnabled(not self.busy)
        if b is not None and ok:
            self.banner.set("The backup is verified: its integrity check passed and it holds "
                            "exactly the records of the database. Next imports.", "ok")
            self.go.setText("&Back up again")
        elif b is not None:
            self.banner.set("The database changed since the last backup (or the backup file "
                            "is gone): make a new backup.", "warning")
            self.go.setText("&Back up now")
        else:
            self.banner.set("No backup yet. Next stays disabled until a verified backup "
                            "exists.", "info")
            self.go.setText("&Back up now")
        show = b is not None and ok
        for w in (self.f_path, self.f_size, self.f_sha, self.f_check):
            self.facts.setRowVisible(w, show)
        self.counts.setVisible(show)
        self.counts_label.setVisible(show)
        if show:
            self.f_path.setText(str(b.path))
            self.f_size.setText(f"{fmt_size(b.size)} ({fmt_int(b.size)} bytes)")
            self.f_sha.setText(b.sha256)
            n = sum(v for t, v in b.counts.items() if t in DATA_TABLES)
            self.f_check.setText(f"integrity {b.integrity}; every table holds as many rows as "
                                 f"in the database ({fmt_int(n)} record{'' if n == 1 else 's'} "
                                 f"in HMSync's tables); made {b.created}")
            rows = [(t, b.counts[t]) for t in DATA_TABLES if t in b.counts] + \
                   [(t, n) for t, n in b.counts.items() if t not in DATA_TABLES]
            self.counts_model.set_frame(pd.DataFrame(rows, columns=["Table", "Records"]))
            fit_columns(self.counts)
            fit_height(self.counts)
            fit_width(self.counts)
        self.completeChanged.emit()
