"""The engine and the CLI never import Qt: enforced, not hoped for."""
import json
import subprocess
import sys

CODE = r"""
import importlib, json, pkgutil, sys
import wizard.core, wizard.cli
for m in pkgutil.iter_modules(wizard.core.__path__):
    importlib.import_module(f"wizard.core.{m.name}")
# exercise the CLI's lazy imports too
from wizard.cli import build_parser
build_parser()
qt = sorted(n for n in sys.modules if n.split(".")[0] in
            ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "shiboken2", "qtpy"))
print(json.dumps(qt))
"""


def test_core_and_cli_import_no_qt():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         check=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_core_sources_never_mention_qt():
    from pathlib import Path
    import wizard
    root = Path(wizard.__file__).parent
    for p in list((root / "core").rglob("*.py")) + [root / "cli.py"]:
        text = p.read_text(encoding="utf-8")
        for name in ("PySide6", "PyQt", "qtpy", "wizard.gui", "from ..gui", "from .gui"):
            assert name not in text, f"{p.name} mentions {name}"
