"""Paths of bundled resources (demo export, profiles, icons, style sheet), from a source
tree or from a frozen (PyInstaller) bundle. The one place that knows where they live."""
from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    candidates = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(Path(frozen) / "resources")
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    candidates.append(Path(sys.prefix) / "share" / "hmsync-wizard" / "resources")
    for c in candidates:
        if c.is_dir():
            return c
    raise FileNotFoundError("the wizard's resources folder is missing from this installation")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def demo_export() -> Path:
    return resource_path("demo", "export")


def demo_database() -> Path:
    return resource_path("demo", "hmsync-demo.db")
