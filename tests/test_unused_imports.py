"""No module of the wizard imports a name it does not use (what pyflakes reports as
F401): such an import misleads a reader about what the module depends on. A package's
``__init__.py`` re-exports on purpose, and a line marked ``# noqa`` says it does."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import wizard

ROOT = Path(wizard.__file__).parent


def _imported(node) -> list[tuple[str, int]]:
    out = []
    for a in node.names:
        if a.name == "*":
            continue
        name = a.asname or a.name.split(".")[0]
        out.append((name, node.lineno))
    return out


def _used(scope: ast.AST) -> set[str]:
    names = set()
    for n in ast.walk(scope):
        if isinstance(n, ast.Name):
            names.add(n.id)
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            names.update(re.findall(r"[A-Za-z_]\w*", n.value))  # (an annotation in quotes)
    return names


def unused_imports(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    out = []
    scopes = [tree] + [n for n in ast.walk(tree)
                       if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for scope in scopes:
        body = scope.body
        imports = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))
                   and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
        if not imports:
            continue
        rest = [n for n in body if n not in imports]
        used = set().union(*(_used(n) for n in rest)) if rest else set()
        for node in imports:
            for name, line in _imported(node):
                if name in used or "noqa" in lines[line - 1]:
                    continue
                out.append(f"{path.relative_to(ROOT.parent)}:{line}: {name}")
    return out


def test_no_module_imports_a_name_it_does_not_use():
    found = [u for p in sorted(ROOT.rglob("*.py")) if p.name != "__init__.py"
             for u in unused_imports(p)]
    assert not found, "\n".join(found)
