"""hmsync-wizard: the migration wizard's entry point.

    hmsync-wizard                      open the wizard
    hmsync-wizard PROJECT              open a saved migration project
    hmsync-wizard --demo               the bundled demo export and a scratch demo database
    hmsync-wizard --demo --walkthrough DIR
                                       drive every page unattended, save a PNG of each into
                                       DIR; exit 0 only if the verification passed
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from .. import __version__
from ..core import logs


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="hmsync-wizard",
                                 description="Move a legacy hospital system's exported data "
                                             "into HMSync, step by step.")
    ap.add_argument("--version", action="version", version=f"hmsync-wizard {__version__}")
    ap.add_argument("project", nargs="?", help="a saved migration project to open")
    ap.add_argument("--demo", action="store_true",
                    help="open on the bundled demo export and a scratch copy of the demo "
                         "HMSync database")
    ap.add_argument("--walkthrough", metavar="DIR",
                    help="with --demo: go through every page unattended, save a screenshot "
                         "of each into DIR, exit 0 only if the verification passed")
    ap.add_argument("--size", metavar="WxH", type=_size,
                    help="with --walkthrough: the window's size for the screenshots (such as "
                         "1280x720; the wizard's default size if not given)")
    return ap


def _size(text: str):
    import argparse
    w, sep, h = text.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit() or int(w) < 640 or int(h) < 480:
        raise argparse.ArgumentTypeError(f"not a size such as 1280x720: {text!r}")
    return int(w), int(h)


def setup_application(app) -> None:
    """Style sheet, icon and names: for the program and for tests alike."""
    from ..resources import resource_path
    from .widgets import icon
    app.setApplicationName("HMSync Migration Wizard")
    app.setOrganizationName("HMSync")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(icon("app"))
    qss = resource_path("style.qss")
    if qss.is_file():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))


def demo_session(scratch: Path):
    """A session over the bundled demo export and a scratch copy of the demo database."""
    from ..resources import demo_database, demo_export
    from ..core.session import MigrationSession
    db = scratch / "hmsync-demo.db"
    shutil.copy2(demo_database(), db)
    (scratch / "backups").mkdir(exist_ok=True)
    session = MigrationSession(name="Demo export", source_system="demo-hms")
    session.source_paths = [demo_export()]
    session.target = db.resolve()
    session.backup_dir = scratch / "backups"
    return session


def _excepthook(exc_type, exc, tb):
    """Unexpected exceptions: logged without patient data, shown briefly, never a traceback."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    exc.__traceback__ = tb
    from . import dialogs
    try:
        text, more = dialogs.explain(exc, "")
        dialogs.error(None, text, more)
    except Exception:  # noqa: BLE001 - last resort: at least the log
        logs.log_exception(exc, "wizard: excepthook")


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.walkthrough and not args.demo:
        print("hmsync-wizard: --walkthrough needs --demo", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication
    from . import dialogs, settings
    from ..core.session import MigrationSession, ProjectError
    from .wizard import MigrationWizard
    from .pages import PageId

    scratch = None
    if args.walkthrough:
        scratch = tempfile.TemporaryDirectory(prefix="hmsync-walkthrough-")
        settings.use_file(Path(scratch.name) / "settings.ini")   # leave the user's alone
    elif args.demo:
        scratch = tempfile.TemporaryDirectory(prefix="hmsync-demo-")

    app = QApplication.instance() or QApplication(sys.argv[:1])
    setup_application(app)
    sys.excepthook = _excepthook

    session = None
    if args.demo:
        session = demo_session(Path(scratch.name))
    elif args.project:
        try:
            session = MigrationSession.load_project(Path(args.project))
            settings.add_recent_project(args.project)
        except ProjectError as e:
            dialogs.error(None, f"The project cannot be opened: {e}")
    wiz = MigrationWizard(session)
    if session is not None and session.project_path is not None:
        # opened from the command line: go straight to the first step after Start
        start = wiz.page(PageId.START)
        start.open.setChecked(True)
        start.path.setText(str(session.project_path))
    wiz.show()

    if args.walkthrough:
        from .walkthrough import Walkthrough
        out = Path(args.walkthrough)
        out.mkdir(parents=True, exist_ok=True)
        walk = Walkthrough(wiz, out, size=args.size)
        walk.finished.connect(app.exit)
        walk.start()
        code = app.exec()
        wiz.runner.wait_all()
        scratch.cleanup()
        return code if code else walk.code
    code = app.exec()
    wiz.runner.wait_all()
    if scratch is not None:
        scratch.cleanup()
    return code


if __name__ == "__main__":
    sys.exit(main())
