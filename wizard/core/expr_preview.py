"""What a filter or an expression does to a table's sample, for the wizard's editors: how
many records a where: keeps, and a computed field's value record by record, with the
problem of each record it fails on (typed results: the editors show them as they are)."""
from __future__ import annotations

import copy
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .computed import cells, computed, keep
from .errors import ProfileError
from .expr import Expression
from .lookups import Lookup, _find, plan_lookups, with_named_lookups
from .readers import LINE
from .transforms import text

#: records an expression's preview shows
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class FilterPreview:
    kept: int = 0
    total: int = 0              # records of the sample
    whole: bool = False         # the sample is the whole table
    problem: str | None = None  # the filter is refused (nothing counted)
    #: the tables its named lookups read whose sample is not the whole table
    looked_up_in_part: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LookupSources:
    """Where a preview finds a table's named lookups (lookups:): its table map, and the
    export's tables with their samples (a session's), each other table read from its
    sample as the migration reads it whole."""
    table_map: object
    tables: list
    samples: dict
    row_counts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ExpressionPreview:
    lines: list[int] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)    # the columns it reads, joined
    values: list[str] = field(default_factory=list)
    problems: list[str | None] = field(default_factory=list)
    failed: int = 0             # records of the shown ones it fails on
    problem: str | None = None  # the expression is refused (nothing shown)
    #: the tables its named lookups read whose sample is not the whole table
    looked_up_in_part: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LookupPreview:
    lines: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)      # this record's key
    values: list[str] = field(default_factory=list)    # what it looks up ("" none)
    found: int = 0              # shown records whose key the other table's sample holds
    other_rows: int = 0         # records of the other table's sample read
    other_whole: bool = False   # that sample is the whole other table
    problem: str | None = None  # the lookup is refused (nothing shown)


def preview_lookup(sample: pd.DataFrame, other: pd.DataFrame, spec: dict, source: str,
                   field_name: str, other_whole: bool = False,
                   rows: int = PREVIEW_ROWS) -> LookupPreview:
    """A lookup (``spec`` as a profile writes it) on the first records of a table's sample,
    looked up in the other table's sample (the migration indexes the whole table)."""
    head = sample.iloc[:rows]
    try:
        lk = Lookup.from_dict(spec, f"field '{field_name}'")
        missing = [c for c in lk.by_columns if c not in head.columns]
        if missing:
            return LookupPreview(problem=f"no column '{missing[0]}' in {source}")
        lk.check_columns(lk.table, other.columns)
        con = sqlite3.connect(":memory:")
        try:
            lk.index_into(con, [other], lk.table)
            keys, _, why = lk.keys_of(lambda c: text(head[c]), head.columns, head.index)
            if why is not None:
                return LookupPreview(problem=f"by: {why}")
            found = lk.found_in(con, keys)
        finally:
            con.close()
    except ProfileError as e:
        return LookupPreview(problem=str(e))
    values = lk.texts(keys, found)
    return LookupPreview([int(x) for x in head[LINE].tolist()], keys.tolist(),
                         values.tolist(), sum(k in found for k in keys.tolist()),
                         len(other), other_whole)


def with_lookups(sample: pd.DataFrame, lookups: LookupSources | None
                 ) -> tuple[pd.DataFrame, list[str]]:
    """The sample with a column per named lookup of its table, made by the run's own
    with_named_lookups, each value looked up in the other table's sample (indexed in
    memory, as preview_lookup does); and the tables read in part. A ProfileError when a
    lookup cannot be made (its table or a column missing)."""
    tm = getattr(lookups, "table_map", None)
    if not getattr(tm, "lookups", None):
        return sample, []
    cons: dict[int, sqlite3.Connection] = {}
    part = []
    try:
        for name, lk in tm.lookups.items():
            st = _find(lookups.tables, lk.table)
            other = lookups.samples.get(st.name) if st is not None else None
            if other is None:
                raise ProfileError(f"lookup '{name}': the export has no table '{lk.table}'")
            lk.check_columns(st.name, other.columns)
            cons[id(lk)] = con = sqlite3.connect(":memory:")
            lk.index_into(con, [other], st.name)
            if lookups.row_counts.get(st.name) != len(other) and st.name not in part:
                part.append(st.name)
        out = with_named_lookups(sample, tm, lambda lk, keys: lk.texts(
            keys, lk.found_in(cons[id(lk)], keys)))
    finally:
        for con in cons.values():
            con.close()
    return out, part


def preview_filter(sample: pd.DataFrame, where: str, source: str,
                   whole: bool = False, lookups: LookupSources | None = None
                   ) -> FilterPreview:
    try:
        ex = Expression(where, f"table '{source}': where")
        sample, part = with_lookups(sample, lookups)
        missing = [c for c in ex.columns if c not in sample.columns]
        if missing:
            return FilterPreview(problem=f"no column '{missing[0]}' in {source}")
        kept, dropped = keep(sample, ex, source)
    except ProfileError as e:
        return FilterPreview(problem=str(e))
    return FilterPreview(len(kept), len(kept) + dropped, whole, looked_up_in_part=part)


def preview_expression(sample: pd.DataFrame, expr: str, source: str, field_name: str,
                       rows: int = PREVIEW_ROWS, lookups: LookupSources | None = None
                       ) -> ExpressionPreview:
    head = sample.iloc[:rows]
    try:
        ex = Expression(expr, f"field '{field_name}': expr")
        head, part = with_lookups(head, lookups)
        missing = [c for c in ex.columns if c not in head.columns]
        if missing:
            return ExpressionPreview(problem=f"no column '{missing[0]}' in {source}")
        values, bad, _ = computed(ex, lambda c: text(head[c]), head.columns, head.index)
        _, problems = ex.evaluate(cells(ex, lambda c: text(head[c]), head.columns), len(head))
    except ProfileError as e:
        return ExpressionPreview(problem=str(e))
    inputs = [" | ".join(v) for v in zip(*(text(head[c]).tolist() for c in ex.columns))] \
        if ex.columns else [""] * len(head)
    return ExpressionPreview([int(x) for x in head[LINE].tolist()], inputs, values.tolist(),
                             problems, int(bad.sum()), looked_up_in_part=part)


def map_preview(sample: pd.DataFrame, tm, target, ctx, lookups: LookupSources):
    """The sample mapped as the migration maps it (mapping.map_chunk), its fields' and
    named lookups looked up through the run's own index (Lookup.index_from, .values), built
    from the other tables' samples; and the tables read in part (their sample is not the
    whole table). The profile's lookups are left as they are: the index is a copy's."""
    from .mapping import map_chunk
    if not plan_lookups(tm):
        return map_chunk(sample, tm, target, ctx), []
    part: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hmsync-preview-lookups-") as folder:
        def indexed(lk: Lookup) -> Lookup:
            st = _find(lookups.tables, lk.table)
            other = lookups.samples.get(st.name) if st is not None else None
            if other is None:
                raise ProfileError(f"lookup: the export has no table '{lk.table}'")
            lk = copy.copy(lk)
            lk.index_from([other], st.name, other.columns, Path(folder))
            if lookups.row_counts.get(st.name) != len(other) and st.name not in part:
                part.append(st.name)
            return lk

        here = copy.copy(tm)
        here.fields = {}
        for name, fm in tm.fields.items():
            if fm.lookup is not None:
                fm = copy.copy(fm)
                fm.lookup = indexed(fm.lookup)
            here.fields[name] = fm
        here.lookups = {name: indexed(lk) for name, lk in tm.lookups.items()}
        return map_chunk(sample, here, target, ctx), part
