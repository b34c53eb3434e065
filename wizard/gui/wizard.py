"""The wizard window: the pages in order, the step list, the project file, and a close that
never loses work or leaves a job half-done."""
from __future__ import annotations

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtWidgets import QWizard

from ..core import logs
from . import dialogs, settings
from .pages import TITLES, PageId
from .pages.backup import BackupPage
from .pages.importing import ImportPage
from .pages.mapping import MappingPage
from .pages.sources import SourcesPage
from .pages.start import StartPage
from .pages.target import TargetPage
from .pages.validation import ValidationPage
from .pages.verification import VerificationPage
from ..core.session import INTERACTIVE_CHUNK_ROWS, PROJECT_SUFFIX, MigrationSession
from .widgets import StepList, icon
from .workers import TaskRunner

DEFAULT_SIZE = QSize(1100, 750)
PAGES = {PageId.START: StartPage, PageId.TARGET: TargetPage, PageId.SOURCES: SourcesPage,
         PageId.MAPPING: MappingPage, PageId.VALIDATION: ValidationPage,
         PageId.BACKUP: BackupPage, PageId.IMPORT: ImportPage,
         PageId.VERIFICATION: VerificationPage}


class MigrationWizard(QWizard):
    def __init__(self, session: MigrationSession | None = None, parent=None):
        super().__init__(parent)
        self.session = session or MigrationSession()
        self.session.chunk_rows = INTERACTIVE_CHUNK_ROWS
        self.runner = TaskRunner(self)
        self.progress_hook = None        # called in workers on every engine progress (tests)
        self.setObjectName("MigrationWizard")
        self.setWindowIcon(icon("app"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, True)
        self.setOption(QWizard.WizardOption.NoDefaultButton, False)
        self.setButtonText(QWizard.WizardButton.HelpButton, "&About")
        self.helpRequested.connect(self.show_about)
        self.setButtonText(QWizard.WizardButton.CustomButton1, "Save &project…")
        self.button(QWizard.WizardButton.CustomButton1).setIcon(icon("save"))
        self.button(QWizard.WizardButton.CustomButton1).setToolTip(
            f"Save everything chosen so far in a project file (*{PROJECT_SUFFIX}) to continue "
            "later")
        self.setButtonText(QWizard.WizardButton.CancelButton, "Close")
        self.setButtonText(QWizard.WizardButton.NextButton, "&Next >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< &Back")
        self.setButtonLayout([QWizard.WizardButton.CustomButton1,
                              QWizard.WizardButton.HelpButton, QWizard.WizardButton.Stretch,
                              QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                              QWizard.WizardButton.FinishButton,
                              QWizard.WizardButton.CancelButton])
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, icon("app").pixmap(QSize(48, 48)))
        self.pages = {}
        for pid, cls in PAGES.items():
            page = cls()
            self.setPage(pid, page)
            self.pages[pid] = page
            page.completeChanged.connect(self.update_buttons)
        self.setStartId(PageId.START)
        self.steps = StepList([TITLES[p] for p in PageId])
        self.setSideWidget(self.steps)
        self.currentIdChanged.connect(self._page_changed)
        self.customButtonClicked.connect(self._custom_button)
        self.runner.busyChanged.connect(lambda _: self.update_buttons())
        self._update_title()
        self._restore_geometry()

    # --- session and project ------------------------------------------------------------------
    def set_session(self, session: MigrationSession):
        self.session = session
        self.session.chunk_rows = INTERACTIVE_CHUNK_ROWS
        self._update_title()

    def _update_title(self):
        name = self.session.project_path.stem if self.session.project_path else self.session.name
        self.setWindowTitle(f"HMSync Migration Wizard — {name}" if name else
                            "HMSync Migration Wizard")

    def save_project(self, ask: bool = True) -> bool:
        path = self.session.project_path
        if path is None or ask:
            default = path or f"{settings.last_folder('project')}/" \
                              f"{(self.session.name or 'migration').replace('/', '-')}{PROJECT_SUFFIX}"
            path, _ = dialogs.save_file(self, "Save the migration project", str(default),
                                        f"Migration projects (*{PROJECT_SUFFIX})")
            if path is None:
                return False
        try:
            path = self.session.save_project(path)
        except OSError as e:
            dialogs.show_exception(self, e, "saving the project")
            return False
        settings.add_recent_project(path)
        settings.remember_folder("project", path)
        self._update_title()
        return True

    def _autosave(self):
        if self.session.project_path is not None and self.session.dirty:
            try:
                self.session.save_project()
            except OSError as e:
                logs.log_line(f"autosave failed: {type(e).__name__}")

    def about_text(self) -> str:
        import platform

        from PySide6 import __version__ as pyside_version

        from .. import __version__
        return (f"<h3>HMSync Migration Wizard {__version__}</h3>"
                "<p>Moves a clinic's legacy exports into HMSync's database: validated, backed "
                "up, imported in one transaction and verified.</p>"
                f"<p>Python {platform.python_version()}, Qt for Python {pyside_version}.<br>"
                f"Log: {logs.log_dir()}</p>")

    def show_about(self):
        from PySide6.QtWidgets import QMessageBox
        QMessageBox.about(self, "About the HMSync Migration Wizard", self.about_text())

    def _custom_button(self, which):
        if getattr(which, "value", which) == QWizard.WizardButton.CustomButton1.value:
            self.save_project(ask=self.session.project_path is None)

    # --- navigation ------------------------------------------------------------------------
    def _page_changed(self, pid: int):
        if pid < 0:
            return
        self.steps.set_current(int(pid))
        self._update_title()
        self._autosave()
        self.update_buttons()

    def update_buttons(self):
        """Back and Close wait while a job writes to the database."""
        writing = self.runner.writing
        self.button(QWizard.WizardButton.BackButton).setEnabled(
            not writing and self.currentId() > PageId.START)
        self.button(QWizard.WizardButton.CustomButton1).setEnabled(not writing)

    def keyPressEvent(self, e):
        if e.key() == Qt.Key.Key_Escape:   # Escape never closes the whole program
            e.ignore()
            return
        super().keyPressEvent(e)

    # --- closing ----------------------------------------------------------------------------
    def _may_close(self) -> bool:
        if self.runner.writing:
            if not dialogs.confirm(self, "A job is writing to the database.",
                                   "Stop it and close? An import is rolled back and the "
                                   "database stays as it was.", yes="Stop and close",
                                   no="Keep working", danger=True):
                return False
        self.runner.wait_all()
        session = self.session
        if session.dirty and (session.source_paths or session.target):
            if session.project_path is not None:
                self._autosave()
            else:
                answer = dialogs.save_discard_cancel(
                    self, "Save this migration as a project before closing?",
                    "A project keeps the files, the database and the mapping you chose, "
                    "so you can continue later.")
                if answer == "cancel":
                    return False
                if answer == "save" and not self.save_project(ask=True):
                    return False
        return True

    def done(self, result: int):
        if not self._may_close():
            return
        self._save_geometry()
        super().done(result)

    def _save_geometry(self):
        s = settings.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.sync()

    def _restore_geometry(self):
        g = settings.settings().value("window/geometry")
        if isinstance(g, QByteArray) and not g.isEmpty() and self.restoreGeometry(g):
            return
        size = QSize(DEFAULT_SIZE)
        screen = self.screen()
        if screen is not None and screen.availableGeometry().width() >= 640:
            # on a small screen (or at 150-200% scaling) never larger than the screen
            avail = screen.availableGeometry().size() * 0.95
            size = size.boundedTo(avail)
        self.resize(size)
