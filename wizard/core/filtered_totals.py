"""The money of the records a table's filter (``where:``) leaves out, for the totals over
every row (cells.py): a file's total is its imported, rejected, duplicate *and* filtered
records', so a filter cannot make money vanish from the reconciliation unseen. The records
left out are mapped as the run maps any record (``map_chunk``), their money fields only,
in a copy of the run's state. No Qt."""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from .mapping import ProfileError, RunContext, map_chunk
from .readers import LINE
from .tally import numbers


def left_out_numbers(chunk: pd.DataFrame, mc, tm, target, ctx) -> dict[str, np.ndarray]:
    """Per money field of ``target``: its number for each row of ``chunk`` (as read) that
    the mapping ``mc`` left out by the table's filter, NaN elsewhere and where there is
    none. Empty: the filter left nothing out, or the table maps no money field."""
    if getattr(tm, "where", None) is None or not getattr(mc, "filtered", 0):
        return {}
    money = {f: fm for f, fm in tm.fields.items()
             if f in target.fields and target.fields[f].total}
    if not money:
        return {}
    lines = chunk[LINE].to_numpy(dtype=np.int64)
    out = ~np.isin(lines, np.asarray(mc.lines, dtype=np.int64))
    if not out.any():
        return {}
    unfiltered = copy.copy(tm)
    unfiltered.where = None
    unfiltered.fields = money
    state = RunContext(ctx.defaults, state=copy.deepcopy(ctx.state))
    try:
        left = map_chunk(chunk[out].reset_index(drop=True), unfiltered, target, state)
    except ProfileError:
        return {}  # (the run's own mapping of the table says why)
    at = pd.Index(left.lines).get_indexer(lines)
    have = at >= 0
    got = {}
    for f in money:
        if f not in left.values:
            continue
        arr = np.full(len(lines), np.nan)
        arr[have] = numbers(left, f)[at[have]]
        got[f] = arr
    return got
