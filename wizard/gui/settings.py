"""The wizard's remembered state (window geometry, recent projects, last folders), in
QSettings. Tests and unattended runs point it at a file of their own with
:func:`use_file` (or ``HMSYNC_WIZARD_SETTINGS``) so the operator's settings stay untouched.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

ORG, APP = "HMSync", "Migration Wizard"
MAX_RECENT = 8
_file: Path | None = None


def use_file(path: str | Path | None) -> None:
    global _file
    _file = Path(path) if path else None


def settings() -> QSettings:
    path = _file or (Path(os.environ["HMSYNC_WIZARD_SETTINGS"])
                     if os.environ.get("HMSYNC_WIZARD_SETTINGS") else None)
    if path is not None:
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, APP)


def _list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


def recent_projects() -> list[Path]:
    return [Path(p) for p in _list(settings().value("recent/projects"))]


def add_recent_project(path: str | Path) -> None:
    p = str(Path(path).resolve())
    items = [x for x in _list(settings().value("recent/projects")) if x != p]
    s = settings()
    s.setValue("recent/projects", [p] + items[:MAX_RECENT - 1])
    s.sync()


def forget_recent_project(path: str | Path) -> None:
    p = str(Path(path))
    s = settings()
    s.setValue("recent/projects", [x for x in _list(s.value("recent/projects")) if x != p])
    s.sync()


def last_folder(kind: str) -> str:
    v = settings().value(f"folders/{kind}")
    return str(v) if v else str(Path.home())


def remember_folder(kind: str, path: str | Path) -> None:
    p = Path(path)
    s = settings()
    s.setValue(f"folders/{kind}", str(p if p.is_dir() else p.parent))
