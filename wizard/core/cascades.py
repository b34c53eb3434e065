"""Records left out only because a record they refer to was: each traced to the problem
that started it (a visit whose patient was rejected because of the patient's age points at
that age problem), so the operator fixes one cause instead of reading its consequences.

A cascade problem (``<table>.<field>.rejected_parent``) names its parent by the legacy id in
its value; the parent's own problems carry that id. A parent that is itself a cascade is
followed up to the record whose problem is its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import rules as R
from .targets import TargetTable

CASCADE_SUFFIX = "." + R.CODE_PART["parent_rejected"]


@dataclass(frozen=True)
class Cascades:
    """Per problem row (the problems frame's positions): ``root`` is the row of the problem
    that caused it (-1 for a problem of the record's own, or a parent not found);
    ``consequences`` maps a root row to the records left out because of it, per table."""
    root: np.ndarray
    consequences: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def cascade_count(self) -> int:
        return int((self.root >= 0).sum())

    @property
    def records(self) -> int:
        """Records left out only because of another record's problem (each counted once)."""
        return sum(sum(per.values()) for per in self.consequences.values())

    def caused_by(self, row: int) -> int:
        return int(self.root[row]) if 0 <= row < len(self.root) else -1


def is_cascade_rule(code: str) -> bool:
    return code.endswith(CASCADE_SUFFIX)


def trace(problems: pd.DataFrame | None, targets: dict[str, TargetTable]) -> Cascades:
    """Every cascade problem traced to the error that started it."""
    n = 0 if problems is None else len(problems)
    root = np.full(n, -1, dtype=np.int64)
    if not n:
        return Cascades(root)
    rule = problems["rule"].astype(str).to_numpy(dtype=object)
    err = (problems["severity"] == R.ERROR).to_numpy(dtype=bool)
    casc = pd.Series(rule, dtype=object).str.endswith(CASCADE_SUFFIX).to_numpy(dtype=bool) & err
    if not casc.any():
        return Cascades(root)
    table = problems["table"].astype(str).to_numpy(dtype=object)
    ids = problems["legacy_id"].astype(object).where(problems["legacy_id"].notna(), "") \
        .astype(str).to_numpy(dtype=object)
    fields = problems["target_field"].astype(str).to_numpy(dtype=object)
    values = problems["value"].astype(object).where(problems["value"].notna(), "") \
        .astype(str).to_numpy(dtype=object)
    own: dict[tuple[str, str], int] = {}       # a record's first problem of its own
    inherited: dict[tuple[str, str], int] = {}  # a record's first cascade problem
    for i in np.flatnonzero(err).tolist():
        key = (table[i], ids[i])
        (inherited if casc[i] else own).setdefault(key, i)

    memo: dict[int, int] = {}

    def resolve(i: int, depth: int = 0) -> int:
        if i in memo:
            return memo[i]
        found = -1
        t = targets.get(table[i])
        f = t.fields.get(fields[i]) if t is not None else None
        parent = f.references if f is not None else None
        if parent is not None and depth < 32:   # a loop of references ends somewhere
            for v in (values[i], values[i].strip()):
                key = (parent, v)
                if key in own:
                    found = own[key]
                    break
                if key in inherited:
                    found = resolve(inherited[key], depth + 1)
                    break
        memo[i] = found
        return found

    counted: set[tuple[str, str]] = set()
    consequences: dict[int, dict[str, int]] = {}
    for i in np.flatnonzero(casc).tolist():
        r = resolve(i)
        root[i] = r
        key = (table[i], ids[i])
        if r >= 0 and key not in own and key not in counted:
            counted.add(key)   # a record with two rejected parents counts once
            per = consequences.setdefault(r, {})
            per[table[i]] = per.get(table[i], 0) + 1
    return Cascades(root, consequences)
