"""Lookups: a field's value taken from another legacy table by key, with an aggregate.

A bill's amount is often the sum of its claim's charge rows in another file::

    amount:
      lookup: {table: claims_transactions.csv, key: CLAIMID, by: CLAIMID,
               column: AMOUNT, aggregate: sum, where: "TYPE = 'CHARGE'"}

``key``, ``by`` and ``column`` are each a column, or ``{expr: ...}`` an expression over
the columns of their table (``by: {expr: "'Patient/' || id"}``, ``key: {expr:
subject.reference}`` in a FHIR export whose references are nested JSON). Written apart, so
that a column named ``CLAIM-ID`` stays a column.

A table's ``lookups:`` name lookups instead: each is then a column of the record that its
expressions, filter and fields read like any other (a patient's age at their last visit:
``age_at(birthDate, coalesce(deceasedDateTime, last_visit))``)::

    lookups:
      last_visit: {table: Encounter.ndjson, key: "split_part(subject.reference, '/', 2)",
                   by: id, column: period.start, aggregate: max}

The looked-up table is read once, chunk by chunk, into a temporary SQLite file (its key,
the aggregate per key, on disk), so memory stays bounded however large it is; each chunk
of the mapped table then looks its keys up there. A value a sum cannot read as a number
stops the run naming the looked-up file, its line and its column.
"""
from __future__ import annotations

import difflib
import shutil
import sqlite3
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import ProfileError
from .expr import Expression, _date_of, _number
from .readers import LINE

AGGREGATES = ("sum", "count", "min", "max", "first", "join")
#: how ``join`` separates the values it joins (in file order, each value once)
JOIN_SEPARATOR = "; "
KEYS = ("table", "key", "by", "column", "aggregate", "where")
#: keys looked up per query (SQLite's parameter limit is far above)
_BATCH = 500


@dataclass
class Lookup:
    table: str                  # the other legacy table, as the export names it
    key: str                    # its column that holds the key
    by: str                     # this record's column with the key (not "on": YAML reads
    #                             an unquoted on as true)
    column: str | None = None   # the column taken (count needs none)
    aggregate: str = "first"
    where: str | None = None    # which of the other table's rows count
    #: the on-disk index, once the migration built it (travels to the helper process)
    index: str | None = field(default=None, compare=False)
    #: which of key, by and column are expressions ({expr: ...}) rather than columns
    exprs: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, d, where: str) -> "Lookup":
        if not isinstance(d, dict):
            raise ProfileError(f"{where}: lookup: must be a mapping (table, key, by, column, "
                               "aggregate)")
        for k in d:
            if k not in KEYS:
                close = difflib.get_close_matches(str(k), KEYS, n=1)
                raise ProfileError(f"{where}: lookup: unknown key '{k}'" +
                                   (f" (did you mean '{close[0]}'?)" if close else
                                    f" (known: {', '.join(KEYS)})"))
        d, exprs = dict(d), []
        for k in ("key", "by", "column"):
            if isinstance(d.get(k), dict):
                if set(d[k]) != {"expr"} or isinstance(d[k]["expr"], (dict, list, bool)) or \
                        d[k]["expr"] in (None, ""):
                    raise ProfileError(f"{where}: lookup: {k}: a column name, or {{expr: ...}} "
                                       "an expression over the columns")
                d[k] = str(d[k]["expr"])
                exprs.append(k)
        for k in ("table", "key", "by"):
            if d.get(k) in (None, "") or isinstance(d.get(k), (dict, list, bool)):
                raise ProfileError(f"{where}: lookup: give '{k}' (a "
                                   f"{'file' if k == 'table' else 'column'} name)")
        agg = str(d.get("aggregate", "first")).lower()
        if agg not in AGGREGATES:
            close = difflib.get_close_matches(agg, AGGREGATES, n=1)
            raise ProfileError(f"{where}: lookup: aggregate '{agg}' is not one of "
                               f"{', '.join(AGGREGATES)}" +
                               (f" (did you mean '{close[0]}'?)" if close else ""))
        column = d.get("column")
        if column in (None, "") and agg != "count":
            raise ProfileError(f"{where}: lookup: give the 'column' to take ({agg} of what?)")
        lk = cls(str(d["table"]), str(d["key"]), str(d["by"]),
                 None if column in (None, "") else str(column), agg,
                 None if d.get("where") is None else str(d["where"]), exprs=tuple(exprs))
        if lk.where is not None:
            lk.filter  # checked now
        for part in ("key", "by", "column"):
            lk.operand(part)  # checked now
        return lk

    def operand(self, part: str) -> Expression | None:
        """``key``, ``by`` or ``column`` as an expression; None when it is a column."""
        text = getattr(self, part)
        if text is None or part not in self.exprs:
            return None
        cache = self.__dict__.setdefault("_operands", {})
        if part not in cache or cache[part][0] != text:
            cache[part] = (text, Expression(text, f"lookup in {self.table}: {part}"))
        return cache[part][1]

    @property
    def by_columns(self) -> list[str]:
        """The columns of this record the lookup reads."""
        ex = self.operand("by")
        return [self.by] if ex is None else list(ex.columns)

    def other_columns(self) -> list[str]:
        """The columns of the looked-up table it reads."""
        out = []
        for part in ("key", "column"):
            if getattr(self, part) is None:
                continue
            ex = self.operand(part)
            out += [getattr(self, part)] if ex is None else list(ex.columns)
        return out + list(self.filter.columns if self.filter else ())

    def keys_of(self, column, names, index: pd.Index):
        """This record's keys for a chunk (texts), which records the ``by`` expression
        failed on, and the first failure's reason."""
        ex = self.operand("by")
        if ex is None:
            return column(self.by), None, None
        from .computed import computed
        return computed(ex, column, names, index)

    @property
    def filter(self) -> Expression | None:
        if self.where is None:
            return None
        parsed = getattr(self, "_filter", None)
        if parsed is None:
            parsed = self._filter = Expression(self.where, f"lookup in {self.table}: where")
        return parsed

    def to_dict(self) -> dict:
        d = {"table": self.table, "key": self.key, "by": self.by}
        if self.column:
            d["column"] = self.column
        for part in self.exprs:
            d[part] = {"expr": d[part]}
        d["aggregate"] = self.aggregate
        if self.where is not None:
            d["where"] = self.where
        return d

    def __getstate__(self):
        d = dict(self.__dict__)
        d.pop("_filter", None)
        d.pop("_operands", None)
        return d

    # --- building and reading the index --------------------------------------------
    def build(self, sources, folder: Path, chunk_rows: int) -> None:
        """Read the other table into an index file in ``folder``."""
        st = _find(sources, self.table)
        if st is None:
            raise ProfileError(f"lookup: the export has no table '{self.table}' "
                               f"(it has: {', '.join(s.name for s in sources)})")
        self.index_from(st.iter_chunks(chunk_rows), st.name, st.columns, folder)

    def index_from(self, chunks, name: str, columns, folder: Path) -> None:
        """Index ``chunks`` of the other table (``name``, its ``columns``) into a file in
        ``folder``, which ``values`` then reads: the whole table for a migration, its
        sample for the mapping page's preview."""
        self.check_columns(name, columns)
        path = folder / f"lookup-{len(list(folder.iterdir()))}.sqlite"
        con = sqlite3.connect(path)
        try:
            con.execute("PRAGMA journal_mode = OFF")
            con.execute("PRAGMA synchronous = OFF")
            self.index_into(con, chunks, name)
        finally:
            con.close()
        self.index = str(path)

    def check_columns(self, name: str, columns) -> None:
        """A ProfileError naming the first column the lookup reads that ``columns`` (of
        the other table, ``name``) lacks."""
        for part in ("key", "column"):
            text = getattr(self, part)
            if text is None:
                continue
            ex = self.operand(part)
            for c in ([text] if ex is None else ex.columns):
                if c not in columns:
                    raise ProfileError(f"lookup in {name}: {part}: the file has no "
                                       f"column '{c}'")
        for c in (self.filter.columns if self.filter else ()):
            if c not in columns:
                raise ProfileError(f"lookup in {name}: where: the file has no column '{c}'")

    def index_into(self, con: sqlite3.Connection, chunks, source: str) -> None:
        """The aggregate per key of the other table's chunks, as table ``a`` (k, v) of
        ``con``: a file for the migration, memory for a preview."""
        from .computed import keep
        con.execute("CREATE TABLE r (k TEXT NOT NULL, line INTEGER, v, o)")
        # a sum reads numbers; min and max numbers, or dates when the first value is one
        # (the latest visit), each value then read as the first was
        kind = "number" if self.aggregate == "sum" else None
        for chunk in chunks:
            chunk, _ = keep(chunk, self.filter, source)
            if not len(chunk):
                continue
            keys = self._part(chunk, "key", source).tolist()
            lines = chunk[LINE].tolist()
            vals = self._part(chunk, "column", source).tolist() if self.column else \
                [None] * len(keys)
            rows = []
            for k, ln, v in zip(keys, lines, vals):
                if k == "":
                    continue
                o = None
                if v == "":
                    v = None
                elif v is not None and self.aggregate in ("sum", "min", "max"):
                    if kind is None:
                        kind = "number" if _is(_number, v) else "date" if \
                            _is(_date_of, v) else "number"
                    try:
                        if kind == "number":
                            v = o = _number(v)
                        else:
                            o = _date_of(str(v)).isoformat()
                    except (ValueError, AttributeError):
                        raise ProfileError(self._not_read(source, int(ln), kind)) from None
                rows.append((k, int(ln), v, o))
            con.executemany("INSERT INTO r VALUES (?, ?, ?, ?)", rows)
        agg = {"sum": "total(v)", "count": "count(*)", "min": "min(v)", "max": "max(v)",
               "first": "(SELECT v FROM r AS f WHERE f.k = r.k ORDER BY line LIMIT 1)",
               "join": None}[self.aggregate]
        if self.aggregate in ("first", "join"):
            con.execute("CREATE INDEX rk ON r (k, line)")
        con.execute("CREATE TABLE a (k TEXT PRIMARY KEY, v) WITHOUT ROWID")
        if kind == "date" and self.aggregate in ("min", "max"):
            # (SQLite takes a bare column from the row holding the min or max)
            con.execute(f"INSERT INTO a SELECT k, v FROM (SELECT k, v, {self.aggregate}(o) "
                        "FROM r WHERE o IS NOT NULL GROUP BY k)")
        elif self.aggregate == "join":
            _join_into(con)
        else:
            con.execute(f"INSERT INTO a SELECT k, {agg} FROM r GROUP BY k")
        con.execute("DROP TABLE r")
        con.commit()

    def _not_read(self, source: str, line: int, kind: str) -> str:
        where = f"lookup: {source}, line {line}, column '{self.column}'"
        if self.aggregate == "sum":
            return f"{where}: not a number, so it cannot be summed"
        if kind == "date":
            return (f"{where}: not a date, while the values before it were (the "
                    f"{self.aggregate} of dates)")
        return f"{where}: not a number (the {self.aggregate} of numbers)"

    def _part(self, chunk: pd.DataFrame, part: str, source: str) -> pd.Series:
        """The looked-up table's key or column for a chunk, as texts. A record the
        expression cannot be evaluated on stops the run, naming its line (a key that cannot
        be read would leave some records without their value, unseen)."""
        from .computed import computed
        from .transforms import text
        name = getattr(self, part)
        ex = self.operand(part)
        if ex is None:
            return text(chunk[name])
        values, bad, why = computed(ex, lambda c: text(chunk[c]), chunk.columns, chunk.index)
        if bad.any():
            line = int(chunk[LINE].iloc[int(bad.argmax())])
            raise ProfileError(f"lookup: {source}, line {line}: {part}: '{ex.text}' cannot "
                               f"be evaluated: {why}")
        return values

    def values(self, keys: pd.Series) -> pd.Series:
        """The looked-up value for each key, as texts ("" when there is none; a count of
        nothing is 0)."""
        found: dict[str, object] = {}
        if self.index is not None:
            con = sqlite3.connect(f"file:{self.index}?mode=ro", uri=True)
            try:
                found = self.found_in(con, keys)
            finally:
                con.close()
        return self.texts(keys, found)

    @staticmethod
    def found_in(con: sqlite3.Connection, keys: pd.Series) -> dict[str, object]:
        """The aggregate of each of the keys an index (see index_into) holds."""
        found: dict[str, object] = {}
        distinct = [k for k in pd.unique(keys) if k != ""]
        for i in range(0, len(distinct), _BATCH):
            part = distinct[i:i + _BATCH]
            found.update(con.execute(
                f"SELECT k, v FROM a WHERE k IN ({', '.join('?' * len(part))})", part))
        return found

    def texts(self, keys: pd.Series, found: dict) -> pd.Series:
        """Each key's looked-up value as a text ("" when none; a count of nothing is 0)."""
        miss = "0" if self.aggregate == "count" else ""
        return pd.Series([_text(found[k]) if k in found else miss for k in keys.tolist()],
                         index=keys.index, dtype=object)


def _join_into(con: sqlite3.Connection) -> None:
    """Each key's different values in file order, joined (group_concat promises no order in
    this SQLite): read a key at a time, so memory holds one key's values."""
    def joined():
        key, seen = None, []
        for k, v in con.execute("SELECT k, v FROM r WHERE v IS NOT NULL ORDER BY k, line"):
            if k != key:
                if key is not None:
                    yield key, JOIN_SEPARATOR.join(seen)
                key, seen = k, []
            v = str(v)
            if v not in seen:
                seen.append(v)
        if key is not None:
            yield key, JOIN_SEPARATOR.join(seen)
    batch = []
    for row in joined():
        batch.append(row)
        if len(batch) >= 10_000:
            con.executemany("INSERT INTO a VALUES (?, ?)", batch)
            batch = []
    con.executemany("INSERT INTO a VALUES (?, ?)", batch)


def _is(read, value) -> bool:
    try:
        return read(str(value)) is not None
    except ValueError:
        return False


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(round(v, 10))
    return str(v)


def _find(sources, name: str):
    for st in sources:
        if st.name == name:
            return st
    for st in sources:
        if st.name.lower() == name.lower() or st.stem.lower() == Path(name).stem.lower():
            return st
    return None


def named_lookups(d, where: str) -> dict[str, Lookup]:
    """A table's ``lookups:``: name -> Lookup."""
    if d is None:
        return {}
    if not isinstance(d, dict):
        raise ProfileError(f"{where}: lookups: must be a mapping of names to lookups "
                           "(last_visit: {table: ..., key: ..., by: ..., column: ..., "
                           "aggregate: ...})")
    out = {}
    for name, spec in d.items():
        if isinstance(name, bool) or not str(name).strip():
            raise ProfileError(f"{where}: lookups: a lookup's name must be a text (a quoted "
                               "on, off, yes or no)")
        out[str(name)] = Lookup.from_dict(spec, f"{where}: lookup '{name}'")
    return out


def with_named_lookups(chunk: pd.DataFrame, tm, values=None) -> pd.DataFrame:
    """The chunk with a column per named lookup of its table (a column of the file with the
    same name is the lookup's: the profile named it so on purpose). ``values(lookup,
    keys)``: where the values come from (by default the run's on-disk index; the editors'
    previews look them up in the other table's sample)."""
    if not getattr(tm, "lookups", None):
        return chunk
    from .transforms import text
    chunk = chunk.copy()
    for name, lk in tm.lookups.items():
        missing = [c for c in lk.by_columns if c not in chunk.columns]
        if missing:
            raise ProfileError(f"table '{tm.source}', lookup '{name}': the legacy data has "
                               f"no column '{missing[0]}'")
        keys, bad, why = lk.keys_of(lambda c: text(chunk[c]), chunk.columns, chunk.index)
        if bad is not None and bad.any():
            line = int(chunk[LINE].iloc[int(bad.argmax())])
            raise ProfileError(f"{tm.source}, line {line}: lookup '{name}': by: "
                               f"'{lk.by}' cannot be evaluated: {why}")
        chunk[name] = lk.values(keys) if values is None else values(lk, keys)
    return chunk


def plan_lookups(tm) -> list[tuple[str, "Lookup"]]:
    """A table map's lookups, (the field or the lookup's name, Lookup)."""
    out = [(f"{tm.target}.{name}", fm.lookup) for name, fm in tm.fields.items()
           if getattr(fm, "lookup", None) is not None]
    return out + [(f"{tm.target} (lookup '{name}')", lk)
                  for name, lk in getattr(tm, "lookups", {}).items()]


class LookupIndexes:
    """The lookups of a migration's plan, built once into a temporary folder that goes
    when the migration does."""

    def __init__(self):
        self.folder: Path | None = None
        self._finalizer = None

    def prepare(self, plan, sources, chunk_rows: int) -> None:
        for _, tm in plan:
            for _, lk in plan_lookups(tm):
                if lk.index is not None and Path(lk.index).exists():
                    continue
                if self.folder is None:
                    self.folder = Path(tempfile.mkdtemp(prefix="hmsync-lookups-"))
                    self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.folder),
                                                       True)
                lk.build(sources, self.folder, chunk_rows)


def read_by_lookups(plan, sources) -> dict[str, list[str]]:
    """The legacy tables the plan's lookups read: name -> the fields (table.field) that
    read it. Such a table is not "left out" though no table map imports it."""
    out: dict[str, list[str]] = {}
    for _, tm in plan:
        for name, lk in plan_lookups(tm):
            st = _find(sources, lk.table)
            if st is not None:
                out.setdefault(st.name, []).append(name)
    return out
