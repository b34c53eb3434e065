"""Start: a new migration, or a saved migration project (with the recent ones listed)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QFormLayout, QGridLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QRadioButton, QVBoxLayout,
                               QWidget)

from .. import dialogs, settings
from ...core.session import PROJECT_SUFFIX, MigrationSession, ProjectError
from ..widgets import button, icon, label
from .base import BasePage

INTRO = ("The wizard moves the records of a legacy hospital system, exported as CSV, JSON or "
         "Excel files, into an HMSync database. Nothing is written to HMSync until every "
         "record has been checked and a verified backup of the database exists; the import "
         "runs in one transaction, so it either completes and verifies or leaves the "
         "database exactly as it was.")


NEEDS = ("• the files the legacy system exported (CSV, TSV, JSON, NDJSON or Excel), or the "
         "folder that holds them;\n"
         "• the HMSync database file — close HMSync before the import;\n"
         "• a folder with room for a backup of that database.\n"
         "You can save the migration as a project at any step and continue later.")


class StartPage(BasePage):
    def __init__(self, parent=None):
        super().__init__("Start", "Start a new migration, or continue one you saved.", parent)
        self.new = QRadioButton("Start a &new migration")
        self.open = QRadioButton("&Open a saved migration project")
        self.group = QButtonGroup(self)
        self.group.addButton(self.new)
        self.group.addButton(self.open)
        self.new.setChecked(True)

        self.name = QLineEdit()
        self.name.setPlaceholderText("for example: HealthCare Plus export, March")
        self.system = QLineEdit()
        self.system.setToolTip("Legacy ids are unique within one legacy system: use the same "
                               "name for every import from the same system, so records "
                               "imported before are recognised.")
        new_box = QWidget()
        form = QFormLayout(new_box)
        form.setContentsMargins(24, 0, 0, 0)
        form.addRow("Migration &name:", self.name)
        form.addRow("Legacy &system name:", self.system)

        self.path = QLineEdit()
        self.path.setPlaceholderText(f"a *{PROJECT_SUFFIX} file")
        self.browse = button("&Browse…", "open")
        self.recent = QListWidget()
        self.recent.setAlternatingRowColors(True)
        self.recent.setMaximumHeight((self.fontMetrics().lineSpacing() + 8) * 9)
        self.recent_label = QLabel("&Recent projects:")
        self.recent_label.setBuddy(self.recent)
        open_box = QGridLayout()
        open_box.setContentsMargins(24, 0, 0, 0)
        open_box.addWidget(QLabel("Project file:"), 0, 0)
        open_box.addWidget(self.path, 0, 1)
        open_box.addWidget(self.browse, 0, 2)
        open_box.addWidget(self.recent_label, 1, 0, Qt.AlignmentFlag.AlignTop)
        open_box.addWidget(self.recent, 1, 1, 1, 2)

        intro = label(INTRO)
        need_title = label("Before you start", role="subheading")
        need = label(NEEDS)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addSpacing(4)
        lay.addWidget(need_title)
        lay.addWidget(need)
        lay.addSpacing(8)
        lay.addWidget(self.new)
        lay.addWidget(new_box)
        lay.addSpacing(4)
        lay.addWidget(self.open)
        lay.addLayout(open_box)
        lay.addStretch(1)

        self.browse.clicked.connect(self._browse)
        self.recent.itemActivated.connect(self._recent_chosen)
        self.recent.currentItemChanged.connect(
            lambda it, _: it is not None and self._recent_chosen(it, activate=False))
        self.path.textChanged.connect(lambda _: self.open.setChecked(True) if
                                      self.path.hasFocus() else None)
        self.new.toggled.connect(self._changed)
        self.path.textChanged.connect(self._changed)
        self.system.textChanged.connect(self._changed)
        self.setTabOrder(self.new, self.name)
        self.setTabOrder(self.name, self.system)
        self.setTabOrder(self.system, self.open)
        self.setTabOrder(self.open, self.path)
        self.setTabOrder(self.path, self.browse)
        self.setTabOrder(self.browse, self.recent)

    def initializePage(self):
        self.name.setText(self.session.name)
        self.system.setText(self.session.source_system)
        self._fill_recent()
        self._changed()

    def _fill_recent(self):
        self.recent.clear()
        for p in settings.recent_projects():
            it = QListWidgetItem(icon("open") if p.is_file() else icon("warning"),
                                 f"{p.name}   —   {p.parent}")
            it.setData(Qt.ItemDataRole.UserRole, str(p))
            if not p.is_file():
                it.setToolTip("This file no longer exists")
            self.recent.addItem(it)
        has = self.recent.count() > 0
        if not has:
            it = QListWidgetItem("No saved projects yet. Use “Save project…” at any step.")
            it.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(it)
        self.recent.setEnabled(has)

    def _recent_chosen(self, item, activate=True):
        p = item.data(Qt.ItemDataRole.UserRole)
        if not p:
            return
        self.path.setText(p)
        self.open.setChecked(True)
        if activate:
            self.wizard().next()

    def _browse(self):
        p = dialogs.open_file(self, "Open a migration project", settings.last_folder("project"),
                              f"Migration projects (*{PROJECT_SUFFIX});;All files (*)")
        if p:
            settings.remember_folder("project", p)
            self.path.setText(str(p))
            self.open.setChecked(True)

    def _changed(self, *_):
        opening = self.open.isChecked()
        self.name.setEnabled(not opening)
        self.system.setEnabled(not opening)
        self.completeChanged.emit()

    def isComplete(self):
        if self.open.isChecked():
            return bool(self.path.text().strip())
        return bool(self.system.text().strip())

    def validatePage(self):
        wiz = self.wizard()
        if self.open.isChecked():
            path = Path(self.path.text().strip()).expanduser()
            try:
                session = MigrationSession.load_project(path)
            except ProjectError as e:
                if not path.exists():
                    settings.forget_recent_project(path)
                    self._fill_recent()
                dialogs.error(self, f"The project cannot be opened: {e}",
                              "Choose another project file, or start a new migration.")
                return False
            wiz.set_session(session)
            settings.add_recent_project(path)
            return True
        if self.wizard().session.project_path is not None:
            wiz.set_session(MigrationSession())
        session = self.wizard().session
        session.name = self.name.text().strip() or "Legacy export"
        session.source_system = self.system.text().strip()
        if session.profile is not None:
            session.profile.name, session.profile.source_system = session.name, session.source_system
        return True
