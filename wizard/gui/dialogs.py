"""Every message box and file dialog of the wizard goes through here: plain words, what to
do next, never a traceback.

Unattended runs (``--walkthrough``) and tests set :data:`responder`, a function that answers
instead of the operator: ``responder(kind, title, text, default) -> answer``.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..core import logs
from ..core.errors import Cancelled, OperatorError
from ..core.mapping import ProfileError

#: answers instead of the operator when set: (kind, title, text, default) -> answer
responder: Callable[[str, str, str, object], object] | None = None
#: what was shown while a responder answered (tests read it)
shown: list[tuple[str, str, str]] = []

TITLE = "HMSync Migration Wizard"


def _auto(kind: str, title: str, text: str, default):
    shown.append((kind, title, text))
    del shown[:-50]
    return responder(kind, title, text, default)


def _box(parent, icon, title, text, informative="", buttons=QMessageBox.StandardButton.Ok,
         default=QMessageBox.StandardButton.Ok):
    box = QMessageBox(icon, title, text, buttons, parent)
    if informative:
        box.setInformativeText(informative)
    box.setDefaultButton(default)
    return box.exec()


def error(parent: QWidget | None, text: str, informative: str = "", title: str = "") -> None:
    if responder is not None:
        _auto("error", title or TITLE, f"{text}\n{informative}".strip(), None)
        return
    _box(parent, QMessageBox.Icon.Warning, title or TITLE, text, informative)


def info(parent: QWidget | None, text: str, informative: str = "", title: str = "") -> None:
    if responder is not None:
        _auto("info", title or TITLE, f"{text}\n{informative}".strip(), None)
        return
    _box(parent, QMessageBox.Icon.Information, title or TITLE, text, informative)


def confirm(parent: QWidget | None, text: str, informative: str = "", title: str = "",
            yes: str = "Yes", no: str = "No", default_yes: bool = False,
            danger: bool = False) -> bool:
    if responder is not None:
        return bool(_auto("confirm", title or TITLE, f"{text}\n{informative}".strip(),
                          default_yes))
    box = QMessageBox(QMessageBox.Icon.Warning if danger else QMessageBox.Icon.Question,
                      title or TITLE, text, QMessageBox.StandardButton.NoButton, parent)
    if informative:
        box.setInformativeText(informative)
    b_yes = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    b_no = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(b_yes if default_yes else b_no)
    box.setEscapeButton(b_no)
    box.exec()
    return box.clickedButton() is b_yes


def save_discard_cancel(parent: QWidget | None, text: str, informative: str = "") -> str:
    """'save' | 'discard' | 'cancel'."""
    if responder is not None:
        return str(_auto("save_discard_cancel", TITLE, text, "discard"))
    b = _box(parent, QMessageBox.Icon.Question, TITLE, text, informative,
             QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard |
             QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(b),
                                                               "cancel")


def choose(parent: QWidget | None, text: str, informative: str, choices: list[str],
           default: int = 0, cancel: str = "Cancel") -> int | None:
    """One of ``choices`` (its index), each a button; None: cancelled."""
    if responder is not None:
        got = _auto("choose", TITLE, f"{text}\n{informative}\n" + "\n".join(choices),
                    default)
        return None if got is None else int(got)
    box = QMessageBox(QMessageBox.Icon.Question, TITLE, text,
                      QMessageBox.StandardButton.NoButton, parent)
    if informative:
        box.setInformativeText(informative)
    buttons = [box.addButton(c, QMessageBox.ButtonRole.AcceptRole) for c in choices]
    b_cancel = box.addButton(cancel, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(buttons[default] if 0 <= default < len(buttons) else b_cancel)
    box.setEscapeButton(b_cancel)
    box.exec()
    return buttons.index(box.clickedButton()) if box.clickedButton() in buttons else None


# --- files --------------------------------------------------------------------------------
def ask_text(parent, title: str, text: str, default: str = "") -> str | None:
    """A line of text from the operator (None: cancelled)."""
    if responder is not None:
        return _auto("ask_text", title, text, default)
    from PySide6.QtWidgets import QInputDialog
    value, ok = QInputDialog.getText(parent, title, text, text=default)
    return value if ok else None


def open_file(parent, title: str, folder: str = "", filters: str = "All files (*)"
              ) -> Path | None:
    if responder is not None:
        r = _auto("open_file", title, filters, None)
        return Path(r) if r else None
    path, _ = QFileDialog.getOpenFileName(parent, title, folder, filters)
    return Path(path) if path else None


def open_files(parent, title: str, folder: str = "", filters: str = "All files (*)"
               ) -> list[Path]:
    if responder is not None:
        r = _auto("open_files", title, filters, [])
        return [Path(p) for p in (r or [])]
    paths, _ = QFileDialog.getOpenFileNames(parent, title, folder, filters)
    return [Path(p) for p in paths]


def open_folder(parent, title: str, folder: str = "") -> Path | None:
    if responder is not None:
        r = _auto("open_folder", title, "", None)
        return Path(r) if r else None
    path = QFileDialog.getExistingDirectory(parent, title, folder)
    return Path(path) if path else None


def save_file(parent, title: str, suggested: str = "", filters: str = "All files (*)"
              ) -> tuple[Path | None, str]:
    """(path, chosen filter)."""
    if responder is not None:
        r = _auto("save_file", title, filters, None)
        if not r:
            return None, ""
        return Path(r), ""
    path, flt = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return (Path(path) if path else None), flt


# --- exceptions in plain words -----------------------------------------------------------
def explain(exc: BaseException, doing: str = "") -> tuple[str, str]:
    """(what happened, what to do next) for an exception from the engine or the system.
    Unexpected exceptions are logged (type and code location only, no patient data)."""
    what = f"{doing[0].upper()}{doing[1:]} failed" if doing else "That did not work"
    if isinstance(exc, ProfileError):
        return f"{what}: the mapping cannot be used.", f"{exc}\n\n{exc.advice}"
    if isinstance(exc, OperatorError):
        return f"{what}: {exc}", exc.advice
    if isinstance(exc, Cancelled):
        return "Cancelled.", "Everything was rolled back; the database is unchanged."
    if isinstance(exc, PermissionError):
        return (f"{what}: permission denied for {getattr(exc, 'filename', '') or 'a file'}.",
                "Choose a folder you can write to.")
    if isinstance(exc, FileNotFoundError):
        return (f"{what}: {getattr(exc, 'filename', '') or 'a file'} does not exist.",
                "Check the path and try again.")
    if isinstance(exc, OSError):
        return f"{what}: {exc.strerror or exc}.", "Check the disk and the folder, then try again."
    if isinstance(exc, sqlite3.Error):
        msg = str(exc)
        if "locked" in msg or "busy" in msg:
            return (f"{what}: the database is locked by another program.",
                    "Close HMSync (and any other program using the database), then try again.")
        return f"{what}: the database reported an error ({msg}).", \
            "Check that the file is an HMSync database."
    if isinstance(exc, MemoryError):
        return f"{what}: the computer ran out of memory.", \
            "Close other programs and try again."
    where = logs.log_exception(exc, context=f"wizard: {doing or 'unexpected'}")
    return (f"{what} because of an unexpected problem ({type(exc).__name__}).",
            f"Nothing was changed. Details without patient data are in {where}.")


def show_exception(parent, exc: BaseException, doing: str = "") -> None:
    text, informative = explain(exc, doing)
    error(parent, text, informative)


# --- a field from several columns, or from a part of one ---------------------------------
@dataclass(frozen=True)
class ColumnsJoined:
    """Columns joined into one field, in this order, with this separator."""
    columns: list[str]
    sep: str = " "


@dataclass(frozen=True)
class ColumnPart:
    """A part of one column: ``part`` is first, last, rest or an index (0 the first)."""
    column: str
    sep: str = " "
    part: str | int = "first"


def join_columns(parent, field: str, columns: list[str], chosen: list[str] | None = None
                 ) -> ColumnsJoined | None:
    """The columns (in order) and separator that make a field (None: cancelled)."""
    if responder is not None:
        return _auto("join_columns", f"Join columns into {field}", ", ".join(columns), None)
    from .combine import JoinColumnsDialog
    dlg = JoinColumnsDialog(parent, field, columns, chosen or [])
    return dlg.result_value() if dlg.exec() else None


def column_part(parent, field: str, columns: list[str], current: str | None = None
                ) -> ColumnPart | None:
    """The column, separator and part that make a field (None: cancelled)."""
    if responder is not None:
        return _auto("column_part", f"A part of a column for {field}", ", ".join(columns),
                     None)
    from .combine import ColumnPartDialog
    dlg = ColumnPartDialog(parent, field, columns, current)
    return dlg.result_value() if dlg.exec() else None
