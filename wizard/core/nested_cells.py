"""The cells inside nested JSON objects, for the cell accounting (cells.py).

A JSON export's record may hold its data in objects (``personalDetails: {firstName,
lastName, phone}``) that the readers give as one column of JSON text, and that a profile
reads by path (``expr: personalDetails.firstName``). Counted as one cell, such an object
would be "imported" when a field reads any key of it, and a key no field reads would be
lost unseen. So a column that the profile reads only by path is accounted key by key:
each leaf of its objects (a value that is no object: a text, a number, a list) is a cell
of its own, named by its path (``personalDetails.phone``), read by the fields whose paths
reach it, or else left behind (and listed by path). A cell of such a column that holds no
object (a text, JSON that does not parse) stays a cell of the column itself. No Qt.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import transforms as tf
from .expr import path_refs

#: deeper than this, an object is taken as one leaf (an export's records nest a few levels)
MAX_DEPTH = 32


@dataclass(frozen=True)
class NestedRead:
    """A column read only by path: the paths read (keys) and who reads each (an HMSync
    field's name; ``LEGACY_ID`` for the legacy id's expression; ``FILTER`` for the
    table's filter or a lookup's key)."""
    column: str
    reads: tuple[tuple[tuple[str, ...], str], ...]

    def readers(self, leaf: tuple[str, ...]) -> list[str]:
        """Who reads the leaf: a path reaching it (its own, or an object around it), or a
        path inside it (an element of a list)."""
        n = len(leaf)
        return list(dict.fromkeys(who for keys, who in self.reads
                                  if keys[:n] == leaf or leaf[:len(keys)] == keys))


LEGACY_ID = "\x00legacy id"
FILTER = "\x00filter"


def _refs(expression) -> tuple[dict[str, set], set[str]]:
    """(column -> keys of the paths the expression reads in it; columns read whole)."""
    cols = {c.lower(): c for c in expression.columns}
    paths: dict[str, set] = {}
    whole: set[str] = set()
    for name, keys in path_refs(expression.text):
        c = cols.get(name.lower())
        if c is None:
            continue
        if keys:
            paths.setdefault(c, set()).add(keys)
        else:
            whole.add(c)
    return paths, whole


def nested_reads(tm, target) -> dict[str, NestedRead]:
    """The table's columns that some field (or the legacy id) reads by path and nothing
    reads whole: those accounted key by key."""
    reads: dict[str, list] = {}
    whole: set[str] = set()

    def note(expression, who):
        paths, w = _refs(expression)
        whole.update(w)
        for c, ks in paths.items():
            reads.setdefault(c, []).extend((k, who) for k in sorted(ks))

    for fname, fm in tm.fields.items():
        if fname not in target.fields:
            continue
        if getattr(fm, "lookup", None) is not None:
            whole.update(fm.columns)
            continue
        ex = fm.expression if fm.expr is not None else None
        if ex is None:
            whole.update(fm.columns)
        else:
            note(ex, fname)
            named = getattr(tm, "lookups", {}) or {}
            for c in fm.columns:
                if c in named:  # (a named lookup's key columns are read whole)
                    whole.update(named[c].by_columns)
    if tm.id_expr is not None:
        note(tm.id_expression, LEGACY_ID)
    else:
        whole.update(tm.id_columns)
    if getattr(tm, "where", None) is not None:
        note(tm.filter, FILTER)
    for lk in (getattr(tm, "lookups", {}) or {}).values():
        whole.update(lk.by_columns)
    whole.update(tm.keep)
    return {c: NestedRead(c, tuple(r)) for c, r in reads.items() if c not in whole and
            any(who != FILTER for _, who in r)}


def leaf_name(column: str, keys: tuple[str, ...]) -> str:
    """The name a leaf's cells go by in the accounting: its path, as a profile writes it."""
    return ".".join((column,) + keys)


def _leaves(obj: dict, keys: tuple[str, ...], out: dict) -> None:
    for k, v in obj.items():
        here = keys + (str(k),)
        if isinstance(v, dict) and len(here) < MAX_DEPTH:
            _leaves(v, here, out)
        elif v is None or v == [] or v == {}:
            continue
        elif isinstance(v, str) and not v.strip():
            continue
        else:
            out[here] = True


def leaves(values: pd.Series) -> tuple[np.ndarray, dict[tuple[str, ...], np.ndarray]]:
    """(which cells hold a JSON object; for each leaf path found, which cells hold a
    non-empty value there)."""
    text = tf.text(values)
    n = len(text)
    objects = np.zeros(n, dtype=bool)
    found: dict[tuple[str, ...], np.ndarray] = {}
    starts = text.str.startswith("{", na=False).to_numpy(dtype=bool)
    for i in np.flatnonzero(starts).tolist():
        try:
            obj = json.loads(text.iat[i])
        except (ValueError, RecursionError):
            continue
        if not isinstance(obj, dict):
            continue
        objects[i] = True
        here: dict = {}  # (in the object's order)
        _leaves(obj, (), here)
        for keys in here:
            arr = found.get(keys)
            if arr is None:
                arr = found[keys] = np.zeros(n, dtype=bool)
            arr[i] = True
    return objects, found


def cells(ch, columns: dict, nested: dict[str, NestedRead], tm, make):
    """(column, its ColumnCells, which of the chunk's rows hold a cell of it) for every
    column of ``columns`` and every leaf of the columns read by path, the ColumnCells of
    a leaf made (``make``) when it is first seen. A column read by path keeps as its own
    only the cells that hold no object."""
    out = []
    for c, cc in list(columns.items()):
        if cc.inside is not None:
            continue  # (a leaf: below, with its column)
        ne = ch.non_empty(c)
        got = ch.nested_cells(c) if c in nested and cc.role == "field" else None
        if got is None:
            out.append((c, cc, ne))
            continue
        objects, found = got
        out.append((c, cc, ne & ~objects))
        for keys, arr in found.items():
            name = leaf_name(c, keys)
            if name in columns and columns[name].inside != c:
                name = f"{name} (in {c})"  # (a column of that very name: kept apart)
            leaf = columns.get(name)
            if leaf is None:
                who = nested[c].readers(keys)
                fields = [w for w in who if w not in (LEGACY_ID, FILTER)]
                role = "field" if fields else "legacy_id" if LEGACY_ID in who else \
                    "left_behind"
                leaf = columns[name] = make(name, fields, role, inside=c)
            out.append((name, leaf, arr))
    return out


def tidy(columns: dict, nested: dict[str, NestedRead]) -> None:
    """Each column's leaves listed after it, by path; a column read by path whose every
    cell held an object is shown by its leaves alone."""
    order = []
    for c, cc in list(columns.items()):
        if cc.inside is not None:
            continue
        mine = [n for n, x in columns.items() if x.inside == c]
        if not (mine and cc.non_empty == 0):
            order.append(c)
        order.extend(mine)
    got = {n: columns[n] for n in order}
    columns.clear()
    columns.update(got)


def left_inside(columns) -> list[str]:
    """The paths inside objects whose cells no field reads (ColumnCells, or their dicts
    as the report and ``migration_cells`` keep them), with cells left behind."""
    out = []
    for c in columns:
        get = c.get if isinstance(c, dict) else lambda k, c=c: getattr(c, k, None)
        if get("inside") and get("role") == "left_behind" and get("left_behind"):
            out.append(get("column"))
    return out
