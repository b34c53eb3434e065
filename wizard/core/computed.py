"""A profile's expressions applied to chunks of legacy records: the row filter of a table
(``where:``) and the computed value of a field (``expr:``). The expression language itself
is :mod:`.expr`."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from .errors import ProfileError
from .expr import Expression, truthy
from .readers import LINE


def cells(expr: Expression, column: Callable[[str], pd.Series], names) -> dict[str, list]:
    """The values of the columns an expression reads, as it reads them: texts, and None for
    an empty cell (so that coalesce skips it)."""
    out = {}
    for c in expr.columns:
        if c not in names:
            raise ProfileError(f"{expr.where}: the legacy data has no column '{c}' (a "
                               "column's name is written as the file writes it)")
        out[c] = [v if v != "" else None for v in column(c).tolist()]
    return out


def keep(chunk: pd.DataFrame, where: Expression | None, source: str) -> tuple[pd.DataFrame, int]:
    """The records of a chunk that a table's ``where:`` keeps, and how many it dropped.
    A record the filter cannot be evaluated on stops the run, naming its line: whether it
    belongs in the migration is the operator's call, not a guess."""
    if where is None or not len(chunk):
        return chunk, 0
    from .transforms import text
    values, problems = where.evaluate(cells(where, lambda c: text(chunk[c]), chunk.columns),
                                      len(chunk))
    for i, p in enumerate(problems):
        if p is not None:
            raise ProfileError(f"{source}, line {int(chunk[LINE].iloc[i])}: where: "
                               f"'{where.text}' cannot be evaluated: {p}")
    kept = np.asarray(truthy(values), dtype=bool)
    if kept.all():
        return chunk, 0
    # (numbered from 0 again, as the readers number every chunk)
    return chunk[kept].reset_index(drop=True), int((~kept).sum())


def computed(expr: Expression, column: Callable[[str], pd.Series], names,
             index: pd.Index) -> tuple[pd.Series, np.ndarray, str | None]:
    """A computed field's values for a chunk, as texts ("" when empty), which records it
    failed on, and the first failure's reason (no value in it)."""
    values, problems = expr.evaluate(cells(expr, column, names), len(index))
    bad = np.fromiter((p is not None for p in problems), dtype=bool, count=len(index))
    first = next((p for p in problems if p is not None), None)
    return pd.Series([_as_text(v) for v in values], index=index, dtype=object), bad, first


def _as_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)
