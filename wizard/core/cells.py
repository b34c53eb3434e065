"""Cell-level accounting, totals over every row, and the independent spot check.

The import's own checks compare HMSync with what the import path mapped, so they cannot
see what a wrong mapping or a rejected record cost. This module accounts for the legacy
files' cells after the records are written (inside the import's transaction, so a failure
rolls it back), from the tally the reader pass made of every cell as read, before any
field mapping (tally.py); a table without one (a re-run that changed records, a sample
too thin) is read again, on its own:

- every non-empty cell of every column of a mapped file is accounted for: imported into
  a field, in a rejected record, in a duplicate (already in HMSync), in a column left
  behind on purpose, outside a pilot (or filtered out), or blanked (the record went in,
  the field is empty: a "warning" decision). Anything else is a cell not accounted for,
  and the check fails: a surname nobody mapped is data lost.
- a money field's total over *all* rows, split the same way, its imported part compared
  with HMSync's;
- a sample of records (up to SPOT_SAMPLE per table, all when fewer) mapped afresh from
  the files' records as read and compared field by field with the HMSync record their
  legacy id points at.

The row of a record is told from the legacy-id map (this run's rows, by file and line) and
the problem list (error lines), never from what the import path kept in memory.
"""
from __future__ import annotations

import copy
import json
import math
import sqlite3
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from . import amounts, corrections, nested_cells
from .extras import kept_counts
from .filtered_totals import left_out_numbers
from .legacy_map import LegacyMap
from .mapping import ProfileError, RunContext, legacy_ids, map_chunk
from .quarantine import ADDED_COLUMNS
from .readers import LINE
from .rowspans import RowSpan, RowSpans
from .schema import quote_ident
from .tally import CANDIDATES, ChunkTally, Tally, non_empty as _non_empty

#: records per table the spot check maps afresh and compares (all, when fewer)
SPOT_SAMPLE = 100
#: blanked cells listed per table (file, line, field); all are counted
BLANKED_LISTED = 50
TOLERANCE = 0.005
#: mapped fields of a table up to which a record's lines and filled fields travel from
#: SQLite packed in one integer (a line under 2**(63 - fields))
PACKED_FIELDS_MAX = 30


@dataclass
class ColumnCells:
    """One legacy column's non-empty cells, and where each went. ``non_empty`` equals
    the sum of the others when every cell is accounted for."""
    column: str
    fields: list[str] = field(default_factory=list)   # HMSync fields reading it
    role: str = "field"        # field | legacy_id | left_behind | kept | unmapped
    non_empty: int = 0
    imported: int = 0          # into a field (or kept beside the record, or read by a lookup)
    rejected: int = 0          # in records rejected by an error
    duplicates: int = 0        # in records already in HMSync (an earlier run)
    left_behind: int = 0       # in a column left behind on purpose
    filtered: int = 0          # in records a filter (where:) leaves out
    deferred: int = 0          # in records outside a pilot, left for the full run
    blanked: int = 0           # the record went in, its field is empty (a warning's decision)
    not_accounted: int = 0     # none of the above: lost
    #: of ``imported``, the cells of records already in HMSync that this re-run updated
    updated: int = 0
    #: the column whose JSON objects hold this value, when ``column`` is a path inside
    #: them (nested_cells.py): each key of an object read by path is a cell of its own
    inside: str | None = None

    @property
    def balances(self) -> bool:
        return self.not_accounted == 0 and self.non_empty == (
            self.imported + self.rejected + self.duplicates + self.left_behind +
            self.filtered + self.deferred + self.blanked)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["balances"] = self.balances
        return d


@dataclass
class TableCells:
    """The cells of one legacy table (file, or a workbook's sheet)."""
    source: str
    target: str
    rows: int = 0
    columns: dict[str, ColumnCells] = field(default_factory=dict)
    #: (line, field) of cells blanked, up to BLANKED_LISTED (values never: they are a
    #: patient's)
    blanked: list[tuple[int, str]] = field(default_factory=list)
    #: this file's part of each money total over every row (MoneyTotal.to_dict, without
    #: HMSync's side): kept with the cells, so that verify TARGET can show the totals too
    totals: list[dict] = field(default_factory=list)

    @property
    def not_accounted(self) -> int:
        return sum(c.not_accounted for c in self.columns.values())

    def total(self, what: str) -> int:
        return sum(getattr(c, what) for c in self.columns.values())

    def to_dict(self) -> dict:
        return {"source": self.source, "target": self.target, "rows": self.rows,
                "columns": [c.to_dict() for c in self.columns.values()],
                "blanked": [{"line": ln, "field": f} for ln, f in self.blanked],
                "not_accounted": self.not_accounted, "totals": self.totals}


@dataclass
class MoneyTotal:
    """A money field's total over every row of the export, split like the records."""
    table: str
    field: str
    source: float = 0.0        # every readable value in the files
    imported: float = 0.0
    rejected: float = 0.0
    duplicates: float = 0.0
    deferred: float = 0.0
    filtered: float = 0.0
    unreadable: int = 0        # non-empty values that are no number (in rejected records)
    hmsync: float | None = None  # this export's records in HMSync (the totals check's)
    #: values read as 10, 100, ... times (or a tenth, ...) what their cell shows, read
    #: apart from the profile's rules (amounts.py): a sum of such values adds up as well
    misread: int = 0

    @property
    def passed(self) -> bool:
        parts = self.imported + self.rejected + self.duplicates + self.deferred + \
            self.filtered
        ok = math.isclose(self.source, parts, abs_tol=TOLERANCE)
        if self.hmsync is not None and not self.duplicates:
            # a first run: what went in equals what HMSync holds of it. On a re-run the
            # totals check compares the records the run wrote or read back on its own
            # terms (a delta sync's), and HMSync's own edits stand: not compared here
            ok = ok and math.isclose(self.imported, self.hmsync, abs_tol=TOLERANCE)
        return ok and not self.misread

    def to_dict(self) -> dict:
        d = {k: (round(v, 2) if isinstance(v, float) else v)
             for k, v in asdict(self).items()}
        d["passed"] = self.passed
        return d


@dataclass
class SpotResult:
    compared: int = 0
    differ: list[str] = field(default_factory=list)   # "patients.fullName (file line 7)"
    missing: int = 0
    #: records that differ because HMSync changed them since the last run (their values no
    #: longer those the run synced): HMSync's own edits, which a re-run leaves standing
    edited: int = 0
    #: records of the export HMSync holds (imported, or already there): none, and there is
    #: nothing to compare (a filter kept nothing); some, and 0 compared is no proof
    eligible: int = 0

    @property
    def passed(self) -> bool:
        return (self.compared > 0 or self.eligible == 0) and not self.differ and \
            not self.missing


@dataclass
class CellAccounting:
    tables: list[TableCells] = field(default_factory=list)
    totals: list[MoneyTotal] = field(default_factory=list)
    spot: SpotResult = field(default_factory=SpotResult)

    @property
    def not_accounted(self) -> int:
        return sum(t.not_accounted for t in self.tables)

    def to_dict(self) -> dict:
        return {"tables": [t.to_dict() for t in self.tables],
                "totals": [m.to_dict() for m in self.totals],
                "not_accounted": self.not_accounted,
                "spot_check": {"compared": self.spot.compared, "differ": self.spot.differ,
                               "missing": self.spot.missing}}


class _ImportedRows:
    """This run's records of one legacy table, by line: their HMSync id, and which of
    the mapped fields HMSync holds a value in."""

    def __init__(self, con, run_id, source: str, target: str, fields: list[str],
                 span: RowSpan | None = None):
        self.fields = fields
        if run_id is not None and len(fields) <= PACKED_FIELDS_MAX:
            got = self._packed(con, run_id, source, target, fields, span)
            if got is not None:
                order = np.argsort(got >> len(fields), kind="stable")
                got = got[order]
                self.lines = got >> len(fields)
                self.has = ((got[:, None] >> np.arange(len(fields), dtype=np.int64)) & 1
                            ).astype(bool)
                return
        cols = "".join(f", t.{quote_ident(f)} IS NOT NULL" for f in fields)
        # read a batch at a time into integer arrays: a million records as Python tuples
        # (with their HMSync ids) took a quarter of a gigabyte
        parts = []
        if run_id is not None:
            cur = con.execute(
                f'SELECT l."sourceLine"{cols} FROM migration_legacy_ids l '
                f'JOIN {quote_ident(target)} t ON t.id = l."hmsyncId" WHERE l."runId"=? AND '
                f'l."sourceFile"=? AND l."tableName"=?', (run_id, source, target))
            while batch := cur.fetchmany(50_000):
                parts.append(np.array(batch, dtype=np.int64).reshape(len(batch),
                                                                     1 + len(fields)))
        got = np.concatenate(parts) if parts else np.zeros((0, 1 + len(fields)),
                                                           dtype=np.int64)
        order = np.argsort(got[:, 0], kind="stable")
        self.lines = got[order, 0]
        self.has = got[order, 1:].astype(bool)

    @staticmethod
    def _packed(con, run_id, source: str, target: str, fields: list[str],
                span: RowSpan | None = None):
        """Each record as one integer, its line shifted left by a bit per field, the bits
        saying which fields hold a value: SQLite writes them as one text, NumPy reads it
        (a tuple per record made in Python took three times as long). None: not read.
        ``span``: where the import put the file's rows (rowspans.py): each map row is
        paired with its record by rowid, their HMSync ids compared, and the result kept
        only if every row of the span was paired; else the join by HMSync id."""
        bits = " + ".join(f"((t.{quote_ident(f)} IS NOT NULL) << {i})"
                          for i, f in enumerate(fields)) or "0"
        what = f'count(*), group_concat((l."sourceLine" << {len(fields)}) + {bits})'
        lm = LegacyMap(con)
        file_is, args = lm.of_file(target, source)
        mine = f'l."runId"=? AND {file_is} AND l."sourceLine" IS NOT NULL'
        args = [run_id, *args]
        got = None
        if span is not None and lm.lean:
            try:
                got = con.execute(
                    f'SELECT {what} FROM {lm.rows} l JOIN {quote_ident(target)} t '
                    f'ON t.rowid = l.rowid - {int(span.offset)} WHERE l.rowid BETWEEN ? AND ? '
                    f'AND t.id = l."hmsyncId" AND {mine}',
                    (span.first, span.last, *args)).fetchone()
            except sqlite3.OperationalError:  # (no rowid to pair by)
                got = None
            if got is not None and got[0] != span.rows:
                got = None
        if got is None:
            got = con.execute(
                f'SELECT {what} FROM {lm.rows} l JOIN {quote_ident(target)} t '
                f'ON t.id = l."hmsyncId" WHERE {mine}', args).fetchone()
        n, text = got
        if not n:
            return np.zeros(0, dtype=np.int64)
        got = np.fromstring(text, dtype=np.int64, sep=",")
        return got if len(got) == n else None

    def find(self, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(imported in this run, position in self) for the lines of a chunk."""
        if not len(self.lines):
            return np.zeros(len(lines), dtype=bool), np.zeros(len(lines), dtype=np.int64)
        pos = np.searchsorted(self.lines, lines)
        pos = np.minimum(pos, len(self.lines) - 1)
        return self.lines[pos] == lines, pos


class _ReadChunk:
    """A chunk of a legacy file read again, mapped afresh when asked."""

    def __init__(self, chunk: pd.DataFrame, tm, target, ctx):
        self.chunk, self.tm, self.target, self.ctx = chunk, tm, target, ctx
        self.lines = chunk[LINE].to_numpy(dtype=np.int64)
        self._mc = self._at = self._left_out = None
        self._mapped = False

    def non_empty(self, column: str) -> np.ndarray:
        return _non_empty(self.chunk[column])

    def nested_cells(self, column: str):
        return nested_cells.leaves(self.chunk[column]) if column in self.chunk else None

    def mc(self):
        """The chunk mapped afresh (None: the profile cannot map it; the import refused
        such a profile already)."""
        if not self._mapped:
            self._mapped = True
            try:
                self._mc = map_chunk(self.chunk, self.tm, self.target, self.ctx)
            except ProfileError:
                self._mc = None
            if self._mc is not None:  # where the mapped records are (a filter's: fewer)
                self._at = pd.Index(self._mc.lines).get_indexer(self.lines)
        return self._mc

    def kept(self) -> np.ndarray | None:
        if getattr(self.tm, "where", None) is None or self.mc() is None:
            return None
        return self._at >= 0

    def legacy_ids(self) -> np.ndarray:
        return legacy_ids(self.chunk, self.tm).to_numpy(dtype=object)

    def money(self, fname: str) -> tuple[np.ndarray, int] | None:
        """(the field's number per row, NaN where none; how many are no number)."""
        mc = self.mc()
        if mc is None:
            return None
        have = self._at >= 0
        arr = np.full(len(self.lines), np.nan)
        arr[have] = _as_numbers(mc, fname)[self._at[have]]
        if self._left_out is None:
            self._left_out = left_out_numbers(self.chunk, mc, self.tm, self.target,
                                              self.ctx)
        if fname in self._left_out:  # the records the filter left out count in the total
            arr[~have] = self._left_out[fname][~have]
        null = np.ones(len(self.lines), dtype=bool)
        null[have] = np.asarray(mc.null[fname], dtype=bool)[self._at[have]]
        bad = np.zeros(len(self.lines), dtype=bool)  # (a value no number reads is null too)
        bad[have] = np.asarray(mc.bad[fname], dtype=bool)[self._at[have]]
        return arr, int((np.isnan(arr) & (~null | bad)).sum())

    def misread(self, fname: str) -> int:
        mc = self.mc()
        raw = mc.raw.get(fname) if mc is not None else None
        return 0 if raw is None else int(amounts.scaled(raw, _as_numbers(mc, fname)).sum())


class _TalliedChunk:
    """A chunk as the import's reader pass tallied it (tally.py): nothing read again."""

    def __init__(self, t: ChunkTally):
        self.t = t
        self.lines = t.lines
        self.filled = t.filled.array()

    def non_empty(self, column: str) -> np.ndarray:
        return self.t.non_empty(column, self.filled)

    def nested_cells(self, column: str):
        return self.t.nested_cells(column)

    def kept(self) -> np.ndarray | None:
        return self.t.kept

    def money(self, fname: str) -> tuple[np.ndarray, int] | None:
        arr = self.t.numbers(fname)
        return None if arr is None else (arr, self.t.unreadable.get(fname, 0))

    def misread(self, fname: str) -> int:
        return self.t.misread.get(fname, 0)


@dataclass
class _TableAccount:
    cells: TableCells
    totals: dict[str, MoneyTotal]
    eligible: int
    sample: list | None   # [(line, legacy id, values, written by this run)]; None: read again
    #: (lines, written by this run) of the records the sample may draw, per chunk
    eligible_lines: list = field(default_factory=list)


def account(con: sqlite3.Connection, plan, targets, profile, problems: pd.DataFrame,
            deferred: dict[str, list[np.ndarray]], run_id: int | None,
            chunk_rows: int = 25_000, cancel=None, filtered=None,
            delta=None, tally: Tally | None = None, spans: RowSpans | None = None
            ) -> CellAccounting:
    """Account for every cell of the mapped legacy tables (see the module's docstring).
    ``plan``: (SourceTable, TableMap) pairs; ``problems``: the run's problem list;
    ``deferred``: file -> lines left for the full run (a pilot); ``filtered``: file ->
    lines a filter left out (none yet); ``delta``: a re-run's DeltaResult, whose updated
    records this run wrote (their money counts as imported) and whose conflicts kept as
    HMSync has them differ from the files knowingly (not spot-checked); ``tally``: the
    cells as the import read them (a table without one is read again); ``spans``: where
    the import put each file's rows (rowspans.py), to read them back by rowid."""
    errs = problems[problems["severity"] == "error"] if len(problems) else problems
    error_lines = {f: np.unique(g["line"].to_numpy(dtype=np.int64))
                   for f, g in errs.groupby("file")} if len(errs) else {}
    out = CellAccounting()
    totals: dict[tuple[str, str], MoneyTotal] = {}
    samples: list[tuple[str, object, list]] = []   # (target, source, [(line, id, values)])
    eligible = 0
    ctx = profile.ctx  # the profile applied afresh: a run state of its own
    for st, tm in plan:
        target = targets[tm.target]
        written: set[str] = set()   # records already in HMSync this run updated
        knowingly: set[str] = set()  # conflicts left as HMSync has them
        #: legacy id -> HMSync id of the records whose kept columns this run wrote (every
        #: update, a partial one too: delta_kept.py)
        rewrote: dict[str, str | None] = {}
        for ch in (delta.changes if delta is not None else ()):
            if ch.table == tm.target and (ch.kind == "updated" or
                                          ch.resolution == "legacy-wins"):
                rewrote[ch.legacy_id] = ch.hmsync_id
            # (a partial update leaves HMSync's own edits: compared as an unchanged record)
            if ch.table == tm.target and not getattr(ch, "partial", False):
                (written if ch.kind == "updated" or ch.resolution == "legacy-wins"
                 else knowingly).add(ch.legacy_id)
        args = (con, run_id, st, tm, target, profile, error_lines, deferred, filtered,
                written, knowingly, cancel)
        span = spans.get(st.name, tm.target) if spans is not None else None
        tallied = tally.get((st.name, tm.target)) if tally is not None else None
        ta = None
        if tallied is not None and not written and not knowingly and not rewrote:
            # (a re-run's changed records are told by their legacy ids: read again)
            drawn = _drawn(tallied)
            ta = _account_table(*args, (_TalliedChunk(t) for t in tallied), drawn, span,
                                rewrote)
            ta.sample = _tallied_sample(ta, tallied, drawn, tm, target, profile)
        if ta is None or ta.sample is None:
            fixes = corrections.by_file(profile.corrections).get(st.name)
            ta = _account_table(*args, _read_again(st, tm, target, ctx, fixes, chunk_rows),
                                span=span, rewrote=rewrote)
        out.tables.append(ta.cells)
        ta.cells.totals = [mt.to_dict() for mt in ta.totals.values()]  # (before the merge)
        for (t, f), mt in ta.totals.items():
            totals[(t, f)] = _merged(totals.get((t, f)), mt)
        eligible += ta.eligible
        samples.append((tm.target, st.name, ta.sample))
    out.totals = list(totals.values())
    # a merge of the same person: what referred to the record merged refers to the one kept
    aliases = {(d.table, x): k for d in getattr(profile, "person_decisions", ())
               for x, k in d.aliases.items()}
    out.spot = _spot_check(con, profile.source_system, targets, samples, aliases)
    out.spot.eligible = eligible
    return out


def _read_again(st, tm, target, ctx, fixes, chunk_rows: int):
    for chunk in st.iter_chunks(chunk_rows):
        if fixes:  # the operator's corrections, as the import applied them
            corrections.apply(chunk, fixes, LINE)
        yield _ReadChunk(chunk, tm, target, ctx)


def _merged(a: MoneyTotal | None, b: MoneyTotal) -> MoneyTotal:
    if a is None:
        return b
    for k in ("source", "imported", "rejected", "duplicates", "deferred", "filtered",
              "unreadable", "misread"):
        setattr(a, k, getattr(a, k) + getattr(b, k))
    return a


def _account_table(con, run_id, st, tm, target, profile, error_lines, deferred, filtered,
                   written, knowingly, cancel, chunks, drawn=None, span=None,
                   rewrote=None) -> _TableAccount:
    """One legacy table's cells and money totals, chunk by chunk; the spot check's sample
    drawn too when the chunks are read again (``_ReadChunk``), else the lines of
    ``drawn`` (sorted) that it may draw noted. ``rewrote``: legacy id -> HMSync id of
    the records already in HMSync whose kept columns this run wrote."""
    rewrote = rewrote or {}
    read, via_lookup = _columns_read(tm, target)
    # a column only the table's filter reads decides which records go in, and is
    # not stored: its cells count as left behind on purpose
    filter_reads = set(tm.filter.columns) if getattr(tm, "where", None) is not None \
        else set()
    for name, lk in getattr(tm, "lookups", {}).items():
        if not any(name in fm.columns for fm in tm.fields.values()):
            filter_reads |= set(lk.by_columns)  # (only a filter, if any, reads its value)
    tc = TableCells(st.name, tm.target)
    for c in st.columns:
        if c in ADDED_COLUMNS:
            continue  # a quarantine file's own line and reason: not the legacy data's
        role = "field" if c in read else "legacy_id" if c in tm.id_columns else \
            "left_behind" if c in filter_reads else \
            "kept" if c in tm.keep else \
            "left_behind" if c in tm.leave_behind else "unmapped"
        tc.columns[c] = ColumnCells(c, read.get(c, []), role)
    nested = nested_cells.nested_reads(tm, target)
    field_names = [f for f in tm.fields if f in target.fields]
    done = _ImportedRows(con, run_id, st.name, tm.target, field_names, span)
    bad_lines = error_lines.get(st.name, np.zeros(0, dtype=np.int64))
    later = np.concatenate(deferred.get(st.name) or [np.zeros(0, dtype=np.int64)])
    left_out = np.concatenate((filtered or {}).get(st.name) or
                              [np.zeros(0, dtype=np.int64)])
    money = [f for f in field_names if target.fields[f].total]
    totals: dict[tuple[str, str], MoneyTotal] = {}
    rng = np.random.default_rng(20261207)
    reservoir: list[tuple] = []   # (key, line, legacy id, values, written by this run)
    eligible = 0
    ours_at: list[tuple[np.ndarray, np.ndarray]] = []  # (lines, written now) per chunk
    for ch in chunks:
        if cancel:
            cancel.check()
        lines = ch.lines
        n = len(lines)
        tc.rows += n
        rejected = np.isin(lines, bad_lines)
        outside = np.isin(lines, later) & ~rejected
        dropped = np.isin(lines, left_out) & ~rejected & ~outside
        kept = ch.kept()
        if kept is not None:  # the filter's records, left out
            dropped |= ~kept & ~rejected & ~outside
        have = kept if kept is not None else np.ones(n, dtype=bool)
        imported, pos = done.find(lines)
        imported &= ~rejected & ~outside & ~dropped  # each cell is counted once
        dup = ~rejected & ~outside & ~dropped & ~imported
        upd = np.zeros(n, dtype=bool)
        still = np.zeros(n, dtype=bool)
        upd_kept = np.zeros(n, dtype=bool)   # (their kept cells went in again)
        if (written or knowingly or rewrote) and dup.any():
            now = ch.legacy_ids()
            upd = dup & np.isin(now, list(written))
            still = dup & np.isin(now, list(knowingly))
            upd_kept = dup & np.isin(now, list(rewrote))
        for c, cc, ne in nested_cells.cells(ch, tc.columns, nested, tm, ColumnCells):
            cc.non_empty += int(ne.sum())
            cc.rejected += int((ne & rejected).sum())
            cc.deferred += int((ne & outside).sum())
            cc.filtered += int((ne & dropped).sum())
            # a record this re-run updated went in as much as a new one: its cells are
            # imported (updated), not duplicates
            u = upd_kept if cc.role == "kept" else upd
            cc.duplicates += int((ne & dup & ~u).sum())
            changed = ne & u
            mine = ne & imported
            if cc.role in ("legacy_id", "kept"):
                cc.imported += int(mine.sum()) + int(changed.sum())
                cc.updated += int(changed.sum())
            elif cc.role == "left_behind":
                cc.left_behind += int((mine | changed).sum())
            elif cc.role == "unmapped":
                cc.not_accounted += int((mine | changed).sum())
            else:
                # imported if every field reading it holds a value in HMSync; a lookup's
                # key is read whatever the lookup finds (an empty field is no blanked key)
                held = np.ones(n, dtype=bool)
                for f in cc.fields:
                    if f in via_lookup.get(c, ()):
                        continue
                    held &= done.has[pos, field_names.index(f)] if len(done.lines) \
                        else False
                # (an updated record's fields are not in this run's map: taken as held)
                cc.imported += int((mine & held).sum()) + int(changed.sum())
                cc.updated += int(changed.sum())
                blank = mine & ~held
                cc.blanked += int(blank.sum())
                for j in np.flatnonzero(blank)[:max(0, BLANKED_LISTED -
                                                     len(tc.blanked))].tolist():
                    miss = [f for f in cc.fields if f not in via_lookup.get(c, ()) and
                            not done.has[pos[j], field_names.index(f)]]
                    tc.blanked.append((int(lines[j]), "+".join(miss)))
        ours = imported | dup
        if not money and not ours.any():
            continue
        for f in money:
            got = ch.money(f)
            if got is None:
                continue  # the import refused such a profile already
            arr, unreadable = got
            mt = totals.setdefault((tm.target, f), MoneyTotal(tm.target, f))
            ok = ~np.isnan(arr)
            mt.unreadable += unreadable
            mt.misread += ch.misread(f)
            val = np.where(ok, arr, 0.0)
            mt.source += float(val.sum())
            mt.imported += float(val[imported | upd].sum())
            mt.rejected += float(val[rejected].sum())
            mt.duplicates += float(val[dup & ~upd].sum())
            mt.deferred += float(val[outside].sum())
            mt.filtered += float(val[dropped].sum())
        # the spot check's sample: each record of this table in HMSync draws a random
        # key; the SPOT_SAMPLE smallest keys over the whole table are compared
        at = np.flatnonzero(ours & ~still & have)
        eligible += len(at)
        if not isinstance(ch, _ReadChunk):
            if len(at) and drawn is not None and len(drawn):
                near = np.minimum(np.searchsorted(drawn, lines[at]), len(drawn) - 1)
                at = at[drawn[near] == lines[at]]
                ours_at.append((lines[at], (imported | upd)[at]))
            continue
        mc = ch.mc()
        if mc is None or not len(at):
            continue
        keys = rng.random(len(at))
        if len(reservoir) + len(at) > SPOT_SAMPLE:
            pool = np.concatenate([np.array([r[0] for r in reservoir]), keys])
            cut = np.partition(pool, SPOT_SAMPLE - 1)[SPOT_SAMPLE - 1]
            reservoir = [r for r in reservoir if r[0] <= cut]
            at, keys = at[keys <= cut], keys[keys <= cut]
        for k, j in zip(keys.tolist(), at.tolist()):
            m = int(ch._at[j])
            reservoir.append((k, int(lines[j]), str(mc.legacy_id.iat[m]),
                              {f: v.iat[m] for f, v in mc.values.items()},
                              bool(imported[j] or upd[j])))
    nested_cells.tidy(tc.columns, nested)
    # kept cells: counted from what migration_extras holds, not assumed
    stored = kept_counts(con, tm.target, run_id, rewrote.values())
    for cc in tc.columns.values():
        if cc.role == "kept" and stored.get(cc.column, 0) < cc.imported:
            short = cc.imported - stored.get(cc.column, 0)
            cc.imported -= short
            cc.not_accounted += short
            # (the cells updated are a part of those imported)
            cc.updated = min(cc.updated, cc.imported)
    return _TableAccount(tc, totals, eligible, [r[1:] for r in reservoir], ours_at)


def _columns_read(tm, target) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """(column -> the HMSync fields reading it; column -> those of them that read it as a
    lookup's key: a field's ``lookup:``, or an expression reading a named lookup)."""
    read: dict[str, list[str]] = {}
    via: dict[str, set[str]] = {}
    named = getattr(tm, "lookups", {}) or {}
    for fname, fm in tm.fields.items():
        if fname not in target.fields:
            continue
        for c in fm.columns:
            if c in named:
                for k in named[c].by_columns:
                    read.setdefault(k, []).append(fname)
                    via.setdefault(k, set()).add(fname)
                continue
            read.setdefault(c, []).append(fname)
            if getattr(fm, "lookup", None) is not None:
                via.setdefault(c, set()).add(fname)
    # a column a field reads itself as well as through a lookup is held by that field
    for c, fs in via.items():
        for fname in fs.copy():
            fm = tm.fields[fname]
            if fm.lookup is None and c in fm.columns:
                fs.discard(fname)
    read = {c: list(dict.fromkeys(fs)) for c, fs in read.items()}
    return read, via


def _drawn(tallied: list[ChunkTally]) -> np.ndarray:
    """The lines, sorted, of the records the reader pass kept as read whose key is among
    the table's CANDIDATES smallest: every record with such a key was kept, so they are a
    random draw of the table, and those HMSync holds a random draw of those."""
    keys = np.sort(np.concatenate([t.keys for t in tallied if t.keys is not None] or
                                  [np.zeros(0)]))
    cut = keys[CANDIDATES - 1] if len(keys) >= CANDIDATES else 1.0
    return np.unique(np.concatenate(
        [t.sample[LINE].to_numpy(dtype=np.int64)[t.keys <= cut]
         for t in tallied if t.sample is not None] or [np.zeros(0, dtype=np.int64)]))


def _tallied_sample(ta: _TableAccount, tallied: list[ChunkTally], drawn: np.ndarray, tm,
                    target, profile) -> list | None:
    """The spot check's sample from the records the reader pass kept as read (``drawn``):
    those HMSync holds, the SPOT_SAMPLE with the smallest keys, mapped afresh now. None
    when too few of them are in HMSync (the table is read again)."""
    lines = np.concatenate([x[0] for x in ta.eligible_lines]) if ta.eligible_lines else \
        np.zeros(0, dtype=np.int64)
    now = np.concatenate([x[1] for x in ta.eligible_lines]) if ta.eligible_lines else \
        np.zeros(0, dtype=bool)
    order = np.argsort(lines, kind="stable")
    lines, now = lines[order], now[order]
    cands = []   # (key, chunk, row of its sample, line, written by this run)
    for t in tallied:
        if t.sample is None or not len(lines):
            continue
        sl = t.sample[LINE].to_numpy(dtype=np.int64)
        at = np.minimum(np.searchsorted(lines, sl), len(lines) - 1)
        hit = (lines[at] == sl) & np.isin(sl, drawn)
        for j in np.flatnonzero(hit).tolist():
            cands.append((float(t.keys[j]), t, j, int(sl[j]), bool(now[at[j]])))
    if len(cands) < min(SPOT_SAMPLE, ta.eligible):
        return None
    cands.sort(key=lambda c: c[0])
    cands = cands[:SPOT_SAMPLE]
    out = []
    for t in {id(c[1]): c[1] for c in cands}.values():
        mine = [c for c in cands if c[1] is t]
        ctx = RunContext(profile.ctx.defaults, state=copy.deepcopy(t.state))
        try:
            mc = map_chunk(t.sample.iloc[[c[2] for c in mine]], tm, target, ctx)
        except ProfileError:
            continue
        where = pd.Index(mc.lines).get_indexer([c[3] for c in mine])
        for c, m in zip(mine, where.tolist()):
            if m >= 0:
                out.append((c[3], str(mc.legacy_id.iat[m]),
                            {f: v.iat[m] for f, v in mc.values.items()}, c[4]))
    return out


def _as_numbers(mc, fname: str) -> np.ndarray:
    arr = mc.arrays.get(fname)
    if arr is not None and arr.dtype.kind == "f":
        return arr
    return pd.to_numeric(mc.values[fname], errors="coerce").to_numpy(dtype="float64",
                                                                      na_value=np.nan)


def _spot_check(con, system: str, targets, samples, aliases=None) -> SpotResult:
    """Each sampled record, mapped afresh, against the HMSync record its legacy id points
    at; a reference is compared as the parent's legacy id."""
    res = SpotResult()
    found = []   # (table, source, line, expected, the HMSync row as a dict)
    wanted: dict[str, set] = {}   # parent table -> HMSync ids to name by legacy id
    for t, source, rows in samples:
        target = targets[t]
        for line, legacy, expected, written_now in rows:
            hid = con.execute('SELECT "hmsyncId" FROM migration_legacy_ids WHERE '
                              '"sourceSystem"=? AND "tableName"=? AND "legacyId"=?',
                              (system, t, legacy)).fetchone()
            cols = [f for f in expected if f in target.fields]
            got = con.execute(f"SELECT {', '.join(quote_ident(c) for c in cols)} FROM "
                              f"{quote_ident(t)} WHERE id=?", (hid[0],)).fetchone() \
                if hid and cols else None
            if got is None:
                res.missing += 1
                continue
            row = dict(zip(cols, got))
            # (a record this run wrote is compared as it is: HMSync holding it otherwise
            # than the files say is a wrong import, whatever its fingerprint)
            edited = not written_now and _edited_since(con, system, t, legacy, target, row)
            for c in cols:
                parent = target.fields[c].references
                if parent and row[c] is not None:
                    wanted.setdefault(parent, set()).add(row[c])
            found.append((t, source, line, expected, row, edited))
    # the parents' legacy ids: one pass over the map per parent table (the map has no
    # index by HMSync id), inside SQLite: only the few wanted come out to Python
    names: dict[str, dict] = {}
    for parent, ids in wanted.items():
        names[parent] = dict(con.execute(
            'SELECT "hmsyncId", "legacyId" FROM migration_legacy_ids WHERE "tableName"=? '
            'AND "sourceSystem"=? AND "hmsyncId" IN (SELECT value FROM json_each(?))',
            (parent, system, json.dumps(sorted(map(str, ids))))).fetchall())
    for t, source, line, expected, row, edited in found:
        target = targets[t]
        if edited:
            res.edited += 1
            continue
        res.compared += 1
        for c, g in row.items():
            e = expected[c]
            f = target.fields[c]
            if f.references and g is not None:
                g = names.get(f.references, {}).get(g, g)
                if not _blank(e):
                    e = (aliases or {}).get((f.references, str(e)), e)
            if _blank(e) and f.default is not None:
                e = f.default
            if not _same(e, g):
                res.differ.append(f"{t}.{c} ({source} line {line})")
                break
    return res


def _edited_since(con, system: str, table: str, legacy: str, target, row: dict) -> bool:
    """HMSync's record no longer holds the values the last run synced (its fingerprint in
    the legacy-id map differs from one of what it holds now): edited in HMSync since."""
    from .delta import fingerprints, legacy_map_columns
    if "fingerprint" not in legacy_map_columns(con) or not row:
        return False
    got = con.execute('SELECT fingerprint FROM migration_legacy_ids WHERE "sourceSystem"=? '
                      'AND "tableName"=? AND "legacyId"=?', (system, table, legacy)).fetchone()
    if not got or got[0] is None:
        return False
    return fingerprints(target, {c: [v] for c, v in row.items()})[0] != got[0]


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT


def _same(e, g) -> bool:
    if _blank(e) or g is None:
        return _blank(e) and g is None
    if isinstance(e, (int, float, np.number)) or isinstance(g, (int, float)):
        try:
            return math.isclose(float(e), float(g), abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return str(e) == str(g)
