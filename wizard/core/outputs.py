"""What a migration writes besides the target, checked before anything runs.

A report that cannot be written after the commit is a run the operator cannot show; a
report written over the target, or a problem list over a legacy file, destroys what the
migration exists to keep. Both are refused here, before a record is read.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import OutputError
from .readers.base import SUPPORTED


@dataclass
class Outputs:
    """Files and folders a command or page was asked to write (None: not asked)."""
    report: Path | None = None        # the JSON report
    html: Path | None = None          # the HTML report
    issues: Path | None = None        # the problem list (CSV or XLSX)
    rejected: Path | None = None      # folder: quarantined records
    backup_dir: Path | None = None    # folder: backups
    document: Path | None = None      # the mapping document, a PDF report, a project file
    signoff: Path | None = None       # the sign-off report (HTML or PDF)

    FOLDERS = ("rejected", "backup_dir")

    def items(self) -> list[tuple[str, Path, bool]]:
        """(name, path, is a folder) for each output asked for."""
        return [(f.name, Path(getattr(self, f.name)), f.name in self.FOLDERS)
                for f in fields(self) if getattr(self, f.name)]


_WHAT = {"report": "the report", "html": "the HTML report", "issues": "the problem list",
         "rejected": "the folder for rejected records", "backup_dir": "the backup folder",
         "document": "the document", "signoff": "the sign-off report"}


def _same(a: Path, b: Path) -> bool:
    """The same file or folder: the same inode where both exist (hard links, symbolic
    links, another spelling of the path), else the same resolved path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def check_outputs(outputs: Outputs, inputs: list[tuple[Path, str]]) -> None:
    """Raise OutputError, naming the path, for an output that would overwrite an input
    (``inputs``: path and what it is), another output, or that cannot be written. Folders
    missing on the way are made."""
    asked = outputs.items()
    for name, path, folder in asked:
        for other, what in inputs:
            if _same(path, other):
                raise OutputError(f"{path} is {what}: " + (
                    f"{_WHAT[name]} must be a folder of its own; choose another folder"
                    if folder else f"{_WHAT[name]} would overwrite it; choose another file"))
        if folder:
            continue
        if _is_sqlite(path):  # a database this command was not told about (another target)
            raise OutputError(f"{path} is an SQLite database: {_WHAT[name]} would overwrite "
                              "it; choose another file")
        for other, what in inputs:  # a file written into an input folder is fine, but not
            if other.is_dir() and _same(path.resolve().parent, other) and \
                    path.suffix.lower() in SUPPORTED:
                # ... a table the next read of that folder would take for legacy data
                if path.exists():
                    raise OutputError(f"{path} is a legacy file ({what} holds it): "
                                      f"{_WHAT[name]} would overwrite it; choose another file")
                raise OutputError(f"{path} is in {what} (a folder of legacy files), where it "
                                  f"would be read as a legacy table next time: write "
                                  f"{_WHAT[name]} somewhere else")
    for i, (name, path, _) in enumerate(asked):
        for name2, path2, _ in asked[i + 1:]:
            if _same(path, path2):
                raise OutputError(f"{path} was given for both {_WHAT[name]} and "
                                  f"{_WHAT[name2]}: give each its own")
    for name, path, folder in asked:
        if folder:
            if path.exists() and not path.is_dir():
                raise OutputError(f"{path} is a file: give a folder to write to")
            _writable_folder(path, path)
        else:
            if path.is_dir():
                raise OutputError(f"{path} is a folder: give a file name to write to")
            _writable_folder(path.parent, path)
            if path.exists() and not os.access(path, os.W_OK):
                raise OutputError(f"{path} cannot be written (no permission)")


def _writable_folder(folder: Path, wanted: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{wanted} cannot be written: its folder cannot be made "
                          f"({e.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{wanted} cannot be written: no permission to write in {folder}")
