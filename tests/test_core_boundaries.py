"""The engine's boundaries, enforced rather than hoped for: ``wizard.core`` and the command
line never import Qt (checked with Qt made unimportable, so the test means the same on a
machine without PySide6), and the core's modules import each other without a cycle."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import wizard

ROOT = Path(wizard.__file__).parent
CORE = ROOT / "core"

CODE = r"""
import importlib, importlib.abc, json, pkgutil, sys

QT = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "shiboken2", "qtpy")

class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in QT:
            raise ImportError(f"Qt is not importable in this test: {name}")
        return None

sys.meta_path.insert(0, NoQt())
import wizard.core, wizard.cli
for m in pkgutil.walk_packages(wizard.core.__path__, "wizard.core."):
    importlib.import_module(m.name)
from wizard.cli import build_parser  # the CLI's lazy imports too
build_parser()
qt = sorted(n for n in sys.modules if n.split(".")[0] in QT)
print(json.dumps(qt))
"""


def test_core_and_cli_import_without_qt():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_core_sources_never_mention_qt():
    for p in list(CORE.rglob("*.py")) + [ROOT / "cli.py"]:
        text = p.read_text(encoding="utf-8")
        for name in ("PySide6", "PyQt", "qtpy", "wizard.gui", "from ..gui", "from .gui"):
            assert name not in text, f"{p.name} mentions {name}"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def core_import_graph(top_level_only: bool) -> dict[str, set[str]]:
    """wizard.core's modules -> the wizard.core modules each imports (``top_level_only``:
    only the imports run when the module loads, not those inside functions)."""
    modules = {_module_name(p): p for p in CORE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        nodes = tree.body if top_level_only else list(ast.walk(tree))
        deps = set()
        for node in nodes:
            if isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                mod = (f"{base}.{node.module}" if node.module else base) if node.level \
                    else (node.module or "")
                candidates = [mod] + [f"{mod}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            deps |= {c for c in candidates if c in modules and c != name}
        graph[name] = deps
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for d in sorted(graph.get(n, ())):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state:
                found = visit(d)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_core_has_no_import_cycle():
    """Not even through imports inside functions: a cycle hidden in a function is still
    two modules that cannot be understood (or split) one without the other."""
    cycle = find_cycle(core_import_graph(top_level_only=False))
    assert cycle is None, " -> ".join(cycle)
