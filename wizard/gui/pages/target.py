"""HMSync database: choose (or create) the target; its tables, counts and schema match."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout

from ...core import schema_check
from ...core.schema import DATA_TABLES, WIZARD_NAMES, init_db
from .. import dialogs, settings
from ..models.dataframe import DataFrameModel
from ...core.session import inspect_target
from ..widgets import Banner, button, fit_columns, fit_height, icon, label, table_view
from .base import BasePage
from ...core.words import counted

DB_FILTER = "HMSync databases (*.db *.sqlite *.sqlite3);;All files (*)"


class TargetPage(BasePage):
    def __init__(self, parent=None):
        super().__init__("HMSync database",
                         "Choose the HMSync database file the records go into, or create a "
                         "new, empty one.", parent)
        self.path = QLineEdit()
        self.path.setPlaceholderText("path of the HMSync database file (.db)")
        self.browse = button("&Browse…", "database")
        self.create = button("Create &new…", "new-database",
                             "Create an empty HMSync database file")
        self.upgrade = button("Bring the schema &up to date…", "refresh",
                              "Add what HMSync's newer schema has (after a verified backup)")
        self.upgrade.hide()
        row = QHBoxLayout()
        lab = QLabel("&Database file:")
        lab.setBuddy(self.path)
        row.addWidget(lab)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        row.addWidget(self.create)

        self.banner = Banner()
        self.details = label("")
        self.model = DataFrameModel()
        self.view = table_view()
        self.view.setModel(self.model)
        self.tables_label = QLabel("&Tables in the database:")
        self.tables_label.setBuddy(self.view)

        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.banner)
        up = QHBoxLayout()
        up.addWidget(self.details, 1)
        up.addWidget(self.upgrade, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(up)
        lay.addWidget(self.tables_label)
        lay.addWidget(self.view)
        lay.addStretch(1)

        self.browse.clicked.connect(self._browse)
        self.create.clicked.connect(self._create)
        self.upgrade.clicked.connect(self.upgrade_schema)
        self.path.editingFinished.connect(self._path_edited)
        self._shown_for = None
        self._last_inspected = None

    # --- choosing -------------------------------------------------------------------------
    def initializePage(self):
        t = self.session.target
        self.path.setText(str(t) if t else "")
        if t and (self.session.target_info is None or self._shown_for != t):
            self._inspect(t)
        else:
            self._show()

    def _path_edited(self):
        text = self.path.text().strip()
        if not text:
            return
        p = Path(text).expanduser().resolve()
        if p != self._last_inspected and not self.busy:
            self._inspect(p)

    def _browse(self):
        p = dialogs.open_file(self, "Choose the HMSync database", settings.last_folder("target"),
                              DB_FILTER)
        if p:
            settings.remember_folder("target", p)
            self.path.setText(str(p))
            self._inspect(p)

    def _create(self):
        p, _ = dialogs.save_file(self, "Create an empty HMSync database",
                                 str(Path(settings.last_folder("target")) / "hmsync.db"),
                                 DB_FILTER)
        if not p:
            return
        if p.suffix == "":
            p = p.with_suffix(".db")
        if p.exists() and p.stat().st_size > 0:
            dialogs.error(self, f"{p.name} already exists.",
                          "The wizard never overwrites a database. Choose a new file name, "
                          "or use Browse… to import into the existing database.")
            return
        try:
            init_db(p)
        except Exception as e:  # noqa: BLE001 - shown in plain words
            dialogs.show_exception(self, e, "creating the database")
            return
        settings.remember_folder("target", p)
        self.path.setText(str(p))
        self._inspect(p)

    def _inspect(self, path: Path):
        path = Path(path).expanduser().resolve()
        self._last_inspected = path
        self.banner.set(f"Reading {path.name}…", "info")
        self.session.set_target(path, None)
        self._shown_for = None
        self._show()

        def done(info):
            self.session.set_target(path, info)
            self._shown_for = path
            self._show()

        def failed(e):
            self.session.set_target(path, None)
            text, more = dialogs.explain(e, f"opening {path.name}")
            self.banner.set(f"{text} {more}".strip(), "error")
            self._fill(None)

        self.run_task(lambda progress, cancel: inspect_target(path), "inspect target",
                      on_finished=done, on_failed=failed)

    # --- showing -------------------------------------------------------------------------
    def _show(self):
        info = self.session.target_info
        self.upgrade.setVisible(bool(info is not None and info.usable and info.upgradable))
        self.upgrade.setEnabled(not self.busy)
        if info is None:
            if not self.busy and self.session.target is None:
                self.banner.set("")
                self.details.setText("Choose the database HMSync uses, or create a new one. "
                                     "Nothing is written to it before the backup step.")
            else:
                self.details.setText("")
            self._fill(None)
            self.completeChanged.emit()
            return
        version = f" (schema version {info.schema_version})" if info.schema_version else ""
        if not info.usable:
            self.banner.set(f"{info.path.name} is not an HMSync database: it has none of the "
                            "tables HMSync uses. Choose another file, or create a new "
                            "database.", "error")
        elif info.destructive:
            self.banner.set("The schema differs from HMSync's in ways the wizard will not "
                            "change by itself:\n• " + "\n• ".join(
                                d.words for d in info.destructive) +
                            "\nAsk the HMSync administrator, or review them with "
                            "“hmsync-migrate schema”.", "warning")
        elif info.upgradable:
            self.banner.set("The schema is older than the one this wizard expects:\n• " +
                            "\n• ".join(d.words for d in info.upgradable) +
                            "\nThese fields will not be imported, unless you bring the schema "
                            "up to date (the database is backed up first).", "warning")
        else:
            extra = [d for d in info.differences if d.action == "keep"]
            self.banner.set(f"{info.path.name} has the HMSync schema this wizard expects"
                            f"{version}." + (f" It also has {len(extra)} column(s) or table(s) "
                                             "of its own: kept, and offered for mapping."
                                             if extra else ""), "ok")
        n = info.data_rows
        self.details.setText(
            f"The database holds {counted(n, 'record')}. Records imported before from the "
            "same "
            "legacy system are recognised and not imported twice." if n else
            "The database holds no patient, visit or billing records yet.")
        self._fill(info)
        self.completeChanged.emit()

    def _fill(self, info):
        if info is None:
            self.model.set_frame(pd.DataFrame({"Table": [], "Records": [], "Schema": []}))
            fit_height(self.view)
            return
        rows, icons = [], []
        for t in DATA_TABLES:
            notes = info.table_notes(t)
            if t not in info.targets:
                rows.append((t, None, "missing: nothing can be imported into it"))
                icons.append(icon("fail"))
                continue
            rows.append((t, info.counts.get(t, 0), "; ".join(notes) or "matches"))
            worst = {d.action for d in info.differences if d.table == t}
            icons.append(icon("fail") if "destructive" in worst else
                         icon("warning") if "add" in worst else icon("pass"))
        for t, n in info.counts.items():
            if t in DATA_TABLES:
                continue
            rows.append((t, n, "the wizard's audit trail" if t in WIZARD_NAMES else
                         "; ".join(info.table_notes(t)) or "not used by the wizard"))
            icons.append(icon("info"))
        df = pd.DataFrame(rows, columns=["Table", "Records", "Schema"])
        df["Records"] = df["Records"].astype("Int64")
        self.model.set_frame(df, icons={"Schema": np.array(icons, dtype=object)})
        fit_columns(self.view)
        fit_height(self.view)

    def task_ended(self):
        self.upgrade.setEnabled(not self.busy)

    def isComplete(self):
        info = self.session.target_info
        return not self.busy and info is not None and info.usable

    # --- upgrade ---------------------------------------------------------------------------
    def upgrade_schema(self):
        info = self.session.target_info
        if info is None or not info.upgradable or self.busy:
            return
        path = info.path
        folder = self.session.backup_dir or path.parent
        if not dialogs.confirm(
                self, f"Bring {path.name} up to date with HMSync's schema?",
                "The wizard first makes a verified backup in " f"{folder}, then adds:\n• " +
                "\n• ".join(d.words for d in info.upgradable) +
                "\nNothing is removed and every record is kept. HMSync should not be running.",
                yes="Back up and upgrade", no="Not now"):
            return

        def done(r):
            self.session.dirty = True
            where = f" The backup is {r.backup.path}." if r.backup else ""
            dialogs.info(self, f"The schema is now version {r.to_version}; every record was "
                               f"kept.{where}")
            self._inspect(path)

        self.banner.set(f"Backing up {path.name} and upgrading its schema…", "info")
        self.run_task(lambda progress, cancel: schema_check.upgrade(path, backup_folder=folder),
                      "upgrade schema", on_finished=done, writes=True,
                      on_failed=lambda e: (dialogs.show_exception(self, e, "the upgrade"),
                                           self._show()))
        self._show()
